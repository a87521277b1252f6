package verify

import (
	"math/rand/v2"
	"reflect"
	"slices"
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
			for i := range min(len(got.Checks), len(want.Checks)) {
				if !reflect.DeepEqual(got.Checks[i], want.Checks[i]) {
					t.Fatalf("seed %d (%s): check %d is %+v, want %+v", seed, name, i, got.Checks[i], want.Checks[i])
				}
			}
			t.Fatalf("seed %d (%s): %d checks, want %d", seed, name, len(got.Checks), len(want.Checks))
		}
	}
	// The test means something only if the ids were out of order often.
	if reordered < seeds/2 {
		t.Fatalf("only %d of %d scenarios had their ids out of order", reordered, seeds)
	}
}

// nodeRoom hands out each node's check at its id's rank; orderRoom keeps
// that order when every check begins with its node's id, and otherwise puts
// the checks back in the order of the nodes.
func TestOrderRoom(t *testing.T) {
	liveIDs := []string{"i-c", "i-a", "i-b"} // ranks 2, 0, 1
	check := func(msg string, res ...string) Check { return Check{Message: msg, Resources: res} }
	cases := []struct {
		name    string
		checks  []Check // as the rule left them
		room    roomMark
		want    []string // messages after
		inOrder bool
	}{
		{"in id order, around what is outside the room",
			[]Check{check("skip", "i-z"), check("a", "i-a"), check("b", "i-b"), check("c", "i-c", "sg-1"), check("summary")},
			roomMark{off: 1, n: 3, set: true}, []string{"skip", "a", "b", "c", "summary"}, true},
		{"a node's check that does not begin with its id: back in the order of the nodes (ties keep the rule's order)",
			[]Check{check("a", "sg-1"), check("b", "i-b"), check("c", "sg-1")},
			roomMark{off: 0, n: 3, set: true}, []string{"c", "a", "b"}, false},
		{"no room marked", []Check{check("a", "i-a"), check("b", "i-b"), check("c", "i-c")},
			roomMark{}, []string{"a", "b", "c"}, false},
		{"room past the checks returned", []Check{check("a", "i-a"), check("b", "i-b")},
			roomMark{off: 0, n: 3, set: true}, []string{"a", "b"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &Input{nodes: &nodeSet{liveIDs: liveIDs, declared: append(liveIDs, "i-z")}, room: c.room}
			got := in.orderRoom(c.checks)
			var msgs []string
			for _, ch := range c.checks {
				msgs = append(msgs, ch.Message)
			}
			if !slices.Equal(msgs, c.want) {
				t.Errorf("order %v, want %v", msgs, c.want)
			}
			if got.set != c.inOrder {
				t.Errorf("in order: %v, want %v", got.set, c.inOrder)
			}
		})
	}
	t.Run("ids declared in order: no ranks", func(t *testing.T) {
		if o := idOrder([]string{"i-a", "i-b"}); o != nil {
			t.Errorf("idOrder = %v, want nil", o)
		}
		if o := idOrder(liveIDs); !slices.Equal(o, []int32{1, 2, 0}) {
			t.Errorf("idOrder = %v, want [1 2 0]", o)
		}
		ns := &nodeSet{liveIDs: liveIDs, declared: liveIDs}
		if _, rank := ns.order(false); !slices.Equal(rank, []int32{2, 0, 1}) {
			t.Errorf("rank = %v, want [2 0 1]", rank)
		}
	})
}

// idOrder orders any distinct ids as sorting the strings does: ids of
// other lengths, sharing long prefixes, with bytes above 0x7f.
func TestIDOrderSortsAsStringsDo(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"i-0", "i-", "0", "c", "f", "\xff", "a", "i-0c00000000"}
	for trial := range 2000 {
		seen := map[string]bool{}
		var ids []string
		for range rnd.IntN(12) {
			id := ""
			for range rnd.IntN(6) {
				id += alphabet[rnd.IntN(len(alphabet))]
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		want := slices.Sorted(slices.Values(ids))
		got := make([]string, len(ids))
		if byID := idOrder(ids); byID == nil {
			copy(got, ids)
		} else {
			for k, i := range byID {
				got[k] = ids[i]
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: idOrder(%q) gives %q, want %q", trial, ids, got, want)
		}
	}
}
