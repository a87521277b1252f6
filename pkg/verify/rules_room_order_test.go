package verify

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestRoomOrderGivesTheSameReport verifies random scenarios (those of the
// golden test) with the declared instance ids shuffled, as customers list
// them, once with orderRoom and once with the sort alone: the reports must
// be the same, check for check.
func TestRoomOrderGivesTheSameReport(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	reordered := 0
	for seed := range uint64(seeds) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		name, doc, env, inv, cfg := goldenInput(t, seed, rnd, true)
		if e := doc.Env(env); e != nil && !slices.IsSorted(e.InstanceIDs) {
			reordered++
		}
		got := Verify(doc, env, inv, testNow, cfg)
		orderRooms = false
		want := Verify(doc, env, inv, testNow, cfg)
		orderRooms = true
		if !reflect.DeepEqual(got, want) {
			expectSameChecks(t, fmt.Sprintf("seed %d (%s)", seed, name), got.Checks, want.Checks)
			t.Fatalf("seed %d (%s): the reports differ outside their checks", seed, name)
		}
	}
	// The test means something only if the ids were out of order often.
	if reordered < seeds/2 {
		t.Fatalf("only %d of %d scenarios had their ids out of order", reordered, seeds)
	}
}

// TestReportIgnoresDeclarationOrder verifies random scenarios (those of
// the golden test) twice, with the instance ids declared as goldenInput
// shuffles them and in ascending order: the AWS rules go through the nodes
// in the order of their ids, so their checks must be the same, check for
// check, whatever order the customer listed the ids in.
func TestReportIgnoresDeclarationOrder(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	aws := map[string]bool{}
	for _, r := range AWSRules() {
		aws[r.ID] = true
	}
	reordered := 0
	for seed := range uint64(seeds) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		name, doc, env, inv, cfg := goldenInput(t, seed, rnd, true)
		e := doc.Env(env)
		if e == nil || slices.IsSorted(e.InstanceIDs) {
			continue
		}
		reordered++
		shuffled := Verify(doc, env, inv, testNow, cfg)
		declared := e.InstanceIDs
		e.InstanceIDs = slices.Sorted(slices.Values(declared))
		sorted := Verify(doc, env, inv, testNow, cfg)
		e.InstanceIDs = declared
		got, want := awsChecks(shuffled.Checks, aws), awsChecks(sorted.Checks, aws)
		if len(got) == 0 {
			t.Fatalf("seed %d (%s): no AWS rule's check to compare", seed, name)
		}
		expectSameChecks(t, fmt.Sprintf("seed %d (%s), ids shuffled against declared in order", seed, name), got, want)
	}
	if reordered < seeds/2 {
		t.Fatalf("only %d of %d scenarios had their ids out of order", reordered, seeds)
	}
}

// expectSameChecks fails the test at the first check where got and want
// differ, or on their counts.
func expectSameChecks(t *testing.T, what string, got, want []Check) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: check %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d checks, want %d", what, len(got), len(want))
	}
}

func awsChecks(checks []Check, aws map[string]bool) []Check {
	var out []Check
	for _, c := range checks {
		if aws[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// orderRoom finds the room in order when every check in it begins with its
// node's id, and otherwise leaves the whole rule to the sort.
func TestOrderRoom(t *testing.T) {
	liveIDs := []string{"i-a", "i-b", "i-c"}
	check := func(msg string, res ...string) Check { return Check{Message: msg, Resources: res} }
	cases := []struct {
		name    string
		checks  []Check // as the rule left them
		room    roomMark
		inOrder bool
	}{
		{"in id order, around what is outside the room",
			[]Check{check("skip", "i-z"), check("a", "i-a"), check("b", "i-b"), check("c", "i-c", "sg-1"), check("summary")},
			roomMark{off: 1, n: 3, set: true}, true},
		{"declared ids, some not live", []Check{check("a", "i-a"), check("b", "i-b"), check("c", "i-c"), check("z", "i-z")},
			roomMark{off: 0, n: 4, set: true, declared: true}, true},
		{"a node's check that does not begin with its id",
			[]Check{check("a", "sg-1"), check("b", "i-b"), check("c", "i-c")},
			roomMark{off: 0, n: 3, set: true}, false},
		{"a node's check without resources",
			[]Check{check("a", "i-a"), check("b"), check("c", "i-c")},
			roomMark{off: 0, n: 3, set: true}, false},
		{"checks of other nodes' ids", []Check{check("b", "i-b"), check("a", "i-a"), check("c", "i-c")},
			roomMark{off: 0, n: 3, set: true}, false},
		{"no room marked", []Check{check("a", "i-a"), check("b", "i-b"), check("c", "i-c")},
			roomMark{}, false},
		{"room past the checks returned", []Check{check("a", "i-a"), check("b", "i-b")},
			roomMark{off: 0, n: 3, set: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &Input{nodes: &nodeSet{liveIDs: liveIDs, declared: append(slices.Clone(liveIDs), "i-z")}, room: c.room}
			before := slices.Clone(c.checks)
			got := in.orderRoom(c.checks)
			if got.set != c.inOrder {
				t.Errorf("in order: %v, want %v", got.set, c.inOrder)
			}
			if !reflect.DeepEqual(c.checks, before) {
				t.Errorf("orderRoom moved checks: %+v, were %+v", c.checks, before)
			}
		})
	}
}

// sortedIDs gives any ids trimmed, once each, without blanks, sorted as
// strings sort: ids of other lengths, sharing long prefixes, with bytes
// above 0x7f, repeated, blank or padded.
func TestSortedIDs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"i-0", "i-", "0", "c", "f", "\xff", "a", "i-0c00000000", " "}
	for trial := range 3000 {
		var ids []string
		for range rnd.IntN(12) {
			id := ""
			for range rnd.IntN(6) {
				id += alphabet[rnd.IntN(len(alphabet))]
			}
			ids = append(ids, id)
			if rnd.IntN(4) == 0 {
				ids = append(ids, id) // a repeat
			}
		}
		if trial%3 == 0 {
			slices.Sort(ids) // the common case: declared in order
		}
		in := slices.Clone(ids)
		set := map[string]bool{}
		for _, id := range ids {
			if id = strings.TrimSpace(id); id != "" {
				set[id] = true
			}
		}
		want := slices.Sorted(maps.Keys(set))
		got := sortedIDs(ids)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: sortedIDs(%q) = %q, want %q", trial, ids, got, want)
		}
		if !slices.Equal(ids, in) {
			t.Fatalf("trial %d: sortedIDs changed its argument to %q", trial, ids)
		}
	}
}
