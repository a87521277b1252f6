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

func TestParseBenchmarksReadsEachLineWithItsPackage(t *testing.T) {
	out := []byte(`goos: linux
goarch: amd64
pkg: github.com/psaas/appliance-intake/pkg/verify
cpu: Intel(R) Xeon(R) Processor
BenchmarkRules/instances=3-2         	      10	    242008 ns/op	        59.00 checks/op	   70304 B/op	     531 allocs/op
--- BENCH: BenchmarkRules/instances=300-2
    bench_test.go:101: NODE-COUNT fail (expected beyond 3 nodes)
BenchmarkRulesFunctionGC/all/instances=300-2 	    1000	   1012000 ns/op
PASS
pkg: github.com/psaas/appliance-intake/pkg/inventory
BenchmarkCollect/batched/instances=3 	 5000	 161900 ns/op	 23.00 calls/op
ok  	github.com/psaas/appliance-intake/pkg/inventory	1.2s
`)
	want := []bench{
		{Pkg: "pkg/verify", Name: "Rules/instances=3", N: 10, Metrics: map[string]float64{"ns/op": 242008, "checks/op": 59, "B/op": 70304, "allocs/op": 531}},
		{Pkg: "pkg/verify", Name: "RulesFunctionGC/all/instances=300", N: 1000, Metrics: map[string]float64{"ns/op": 1012000}},
		{Pkg: "pkg/inventory", Name: "Collect/batched/instances=3", N: 5000, Metrics: map[string]float64{"ns/op": 161900, "calls/op": 23}},
	}
	if got := parseBenchmarks(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseBenchmarks = %+v\nwant %+v", got, want)
	}
}
