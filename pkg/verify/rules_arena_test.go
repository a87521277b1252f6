package verify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Strings the arena returned keep their text however much is written
// after them, across chunks, and a resource slice from the slab has no
// room past its end (an append copies instead of writing into the next
// check's resources).
func TestTextArenaAndResSlabKeepWhatTheyGave(t *testing.T) {
	var a textArena
	var slab resSlab
	var got, want []string
	var res [][]string
	for i := range 5000 {
		parts := []string{"i-", strings.Repeat("x", i%300), " has ", fmt.Sprint(i)}
		switch i % 3 {
		case 0:
			got = append(got, a.words(parts...))
		case 1:
			a.start()
			for _, p := range parts {
				a.s(p)
			}
			got = append(got, a.end())
		default:
			a.start()
			a.s(parts[0]).s(parts[1]).s(parts[2]).int(i)
			got = append(got, a.end())
		}
		want = append(want, strings.Join(parts, ""))
		res = append(res, slab.of(fmt.Sprint(i), "sg-1", "sg-2"))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("message %d is %q, want %q", i, got[i], want[i])
		}
		if cap(res[i]) != 3 || !slices.Equal(res[i], []string{fmt.Sprint(i), "sg-1", "sg-2"}) {
			t.Fatalf("resources %d are %v (cap %d)", i, res[i], cap(res[i]))
		}
	}
	_ = append(res[0], "extra")
	if res[1][0] != "1" {
		t.Fatal("appending to one check's resources changed the next check's")
	}
	var l textArena
	for _, items := range [][]string{nil, {"a"}, {"a", "b"}, {"a", "b", "c"}} {
		l.start()
		if s := l.list(items).end(); s != andList(items) {
			t.Errorf("list(%q) = %q, want %q", items, s, andList(items))
		}
	}
}

// evaluate, which runs the rules in the order of their ids into one pool,
// reports what running them in the given order and sorting the checks
// with sortedChecks reports: also for rules that report under several ids,
// share one, panic, reserve room they do not use, or return checks of
// their own.
func TestEvaluateIsSortedChecksOfTheRules(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for trial := range 400 {
		var rules []Rule
		for r := range 1 + rnd.IntN(8) {
			id := fmt.Sprintf("R-%d", rnd.IntN(9))
			n := rnd.IntN(6)
			mode := rnd.IntN(6)
			other := trial%4 == 0 && rnd.IntN(3) == 0
			seed := rnd.Uint64()
			rules = append(rules, Rule{ID: id, Requirement: "req " + id, Severity: SeverityRequired, Eval: func(in *Input) []Check {
				rr := rand.New(rand.NewPCG(seed, 1)) // the same checks every run
				var checks []Check
				switch mode {
				case 0:
					checks = in.reserve(n + 2) // room to spare
				case 1:
					checks = in.reserve(max(n-1, 0)) // too little room
				case 2:
					panic("boom")
				}
				for k := range n {
					c := pass(fmt.Sprintf("%d/%d", r, k), fmt.Sprintf("i-%d", rr.IntN(4)))
					if other && rr.IntN(3) == 0 {
						c.ID = fmt.Sprintf("R-%d", rr.IntN(9))
					}
					checks = append(checks, c)
				}
				if mode == 3 {
					in.reserve(3) // reserved and dropped
				}
				return checks
			}})
		}
		in := &Input{Config: DefaultConfig()}
		got := evaluate(in, rules)
		results := make([][]Check, len(rules))
		for i, r := range rules {
			results[i] = r.run(&Input{Config: DefaultConfig()})
		}
		want := sortedChecks(results)
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d checks, want %d", trial, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.ID != w.ID || g.Message != w.Message || g.Status != w.Status || g.Requirement != w.Requirement || !slices.Equal(g.Resources, w.Resources) {
				t.Fatalf("trial %d: position %d is %s %s %v, want %s %s %v", trial, i, g.ID, g.Message, g.Resources, w.ID, w.Message, w.Resources)
			}
		}
	}
}
