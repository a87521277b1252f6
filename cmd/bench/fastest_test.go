package main

import (
	"reflect"
	"testing"
)

func TestFastestKeepsTheQuickestRunOfEachBenchmark(t *testing.T) {
	run := func(pkg, name string, ns, allocs float64) bench {
		return bench{Pkg: pkg, Name: name, Metrics: map[string]float64{"ns/op": ns, "allocs/op": allocs}}
	}
	got := fastest([]bench{
		run("pkg/verify", "Rules/instances=3", 300, 10),
		run("pkg/inventory", "Collect/batched/instances=3", 900, 20),
		run("pkg/verify", "Rules/instances=3", 250, 11),
		run("pkg/verify", "Rules/instances=3", 280, 12),
		// The same name in another package is another benchmark.
		run("pkg/other", "Rules/instances=3", 100, 1),
	})
	want := []bench{
		{Pkg: "pkg/verify", Name: "Rules/instances=3", Runs: 3, Metrics: map[string]float64{"ns/op": 250, "allocs/op": 11}},
		{Pkg: "pkg/inventory", Name: "Collect/batched/instances=3", Runs: 1, Metrics: map[string]float64{"ns/op": 900, "allocs/op": 20}},
		{Pkg: "pkg/other", Name: "Rules/instances=3", Runs: 1, Metrics: map[string]float64{"ns/op": 100, "allocs/op": 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fastest = %+v\nwant %+v", got, want)
	}
}
