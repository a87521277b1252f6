package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/localstack"
)

var binDir string

// TestMain builds the real function binaries, as `make build-host` does.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "load-functions-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := localstack.BuildFunctions("../..", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// TestLoadRunBalancesTheBooks runs the driver's core at small scale
// against an in-process stack found through /dev/stack.json, as `-url`
// does: every submission accepted, stored once, one execution each.
func TestLoadRunBalancesTheBooks(t *testing.T) {
	ctx := context.Background()
	s, err := StartStack(ctx, binDir, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := Discover(ctx, s.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if info.Table != s.Table || info.StateMachineArn != s.StateMachineArn || info.Endpoint != s.Endpoint || info.URL != s.URL {
		t.Fatalf("discovered %+v", info)
	}
	template, err := os.ReadFile("../../events/checklist.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, Config{Stack: info, N: 20, Concurrency: 5, Timeout: 3 * time.Minute, Template: template})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Print(&out)
	t.Log("\n" + out.String())
	if len(rep.Results) != 20 || rep.ByStatus["202"] != 20 || rep.Errors() != 0 {
		t.Errorf("answers %v", rep.ByStatus)
	}
	b := rep.Books
	if b.Accepted != 20 || b.Executions != 20 || !b.OK() || len(b.StoredUnanswered) != 0 {
		t.Errorf("books %+v", b)
	}
	ids := map[string]bool{}
	for _, r := range rep.Results {
		ids[r.ID] = true
	}
	if len(ids) != 20 {
		t.Errorf("%d distinct ids for 20 submissions", len(ids))
	}
	if !rep.OK() || !strings.Contains(out.String(), "OK:") {
		t.Errorf("report not OK")
	}
}

// TestAccountFindsWhatIsWrong: the books catch a lost submission, one
// stored twice, an id answered to two customers, an unrecorded start,
// missing and doubled executions, and stored-but-refused requests.
func TestAccountFindsWhatIsWrong(t *testing.T) {
	ok := func(c, id string) Result { return Result{Customer: c, ID: id, Status: 202} }
	results := []Result{
		ok("good", "sub-good"),
		ok("lost", "sub-lost"),
		ok("twice", "sub-twice"),
		ok("clash-a", "sub-clash"),
		ok("clash-b", "sub-clash"),
		ok("unrecorded", "sub-unrec"),
		ok("noexec", "sub-noexec"),
		ok("doubled", "sub-doubled"),
		{Customer: "refused", Status: 503, ID: "sub-refused"},
	}
	one := func(id, c string) []Stored { return []Stored{{ID: id, Customer: c, Versions: 1, Started: 1}} }
	stored := map[string][]Stored{
		"good":       one("sub-good", "good"),
		"twice":      {{ID: "sub-twice", Customer: "twice", Versions: 1, Started: 1}, {ID: "sub-twice2", Customer: "twice", Versions: 1, Started: 1}},
		"clash-a":    one("sub-clash", "clash-a"),
		"unrecorded": {{ID: "sub-unrec", Customer: "unrecorded", Versions: 1}},
		"noexec":     one("sub-noexec", "noexec"),
		"doubled":    one("sub-doubled", "doubled"),
		"refused":    one("sub-refused", "refused"),
	}
	execs := map[string]int{"sub-good-v1": 1, "sub-clash-v1": 1, "sub-unrec-v1": 1, "sub-doubled-v1": 1, "sub-doubled-v2": 1, "sub-refused-v1": 1}
	b := Account(results, stored, execs)
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
			return
		}
		for i := range want {
			if !strings.HasPrefix(got[i], want[i]) {
				t.Errorf("%s: %v, want %v", name, got, want)
			}
		}
	}
	check("lost", b.Lost, "sub-lost")
	check("duplicated", b.Duplicated, "sub-clash", "twice stored 2 times")
	check("unrecorded", b.Unrecorded, "sub-unrec")
	check("missing execution", b.MissingExecution, "sub-noexec")
	check("extra executions", b.ExtraExecutions, "sub-doubled")
	check("stored unanswered", b.StoredUnanswered, "sub-refused")
	if b.OK() || b.Accepted != 8 {
		t.Errorf("books %+v", b)
	}
	rep := &Report{Results: results, ByStatus: map[string]int{"202": 8, "503": 1}, Books: b, Elapsed: time.Second}
	if rep.OK() || rep.Errors() != 1 {
		t.Errorf("report OK=%v errors=%d", rep.OK(), rep.Errors())
	}
	var out strings.Builder
	rep.Print(&out)
	if !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "lost: sub-lost") {
		t.Errorf("printed:\n%s", out.String())
	}
}

func TestOnlyLoopbackTargets(t *testing.T) {
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost:8080/": true, "http://[::1]:9000": true, "http://127.9.9.9": true,
		"http://10.0.0.5:8080": false, "https://intake.example.com": false, "http://0.0.0.0:8080": false,
		"ftp://127.0.0.1": false, "127.0.0.1:8080": false, "http://localhost.example.com": false,
	} {
		if err := CheckLoopback(u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := Discover(context.Background(), "http://192.0.2.1:8080"); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Discover of a remote host: %v", err)
	}
	if _, err := Run(context.Background(), Config{Stack: localstack.StackInfo{URL: "http://127.0.0.1:1", Endpoint: "http://198.51.100.7:4566"}, N: 1, Concurrency: 1, Timeout: time.Second}); err == nil {
		t.Error("Run against a remote AWS endpoint")
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 50); p != 100*time.Millisecond {
		t.Errorf("p50 %s", p)
	}
	if p := percentile(d, 99); p != 198*time.Millisecond {
		t.Errorf("p99 %s", p)
	}
	if p := percentile(d[:1], 99); p != time.Millisecond {
		t.Errorf("p99 of one %s", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Errorf("p50 of none %s", p)
	}
}
