package verify

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
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
		name, doc, env, inv, cfg := goldenInput(t, seed, rnd)
		if e := doc.Env(env); e != nil {
			rnd.Shuffle(len(e.InstanceIDs), func(i, j int) { e.InstanceIDs[i], e.InstanceIDs[j] = e.InstanceIDs[j], e.InstanceIDs[i] })
			if !slices.IsSorted(e.InstanceIDs) {
				reordered++
			}
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

func TestOrderRoom(t *testing.T) {
	live := []inventory.Instance{{ID: "i-c"}, {ID: "i-a"}, {ID: "i-b"}}
	liveIDs := []string{"i-c", "i-a", "i-b"}
	check := func(msg string, res ...string) Check { return Check{Message: msg, Resources: res} }
	cases := []struct {
		name   string
		checks []Check
		room   roomMark
		want   []string // messages after
	}{
		{"by the nodes' ids, around what is outside the room",
			[]Check{check("skip", "i-z"), check("c", "i-c", "sg-1"), check("a", "i-a"), check("b", "i-b"), check("summary")},
			roomMark{off: 1, n: 3, set: true}, []string{"skip", "a", "b", "c", "summary"}},
		{"a node's check that does not begin with its id: left as it is (ties would lose the rule's order)",
			[]Check{check("c", "sg-1"), check("a", "sg-1"), check("b", "i-b")},
			roomMark{off: 0, n: 3, set: true}, []string{"c", "a", "b"}},
		{"one per declared id",
			[]Check{check("c", "i-c"), check("a", "i-a"), check("b", "i-b"), check("z", "i-z")},
			roomMark{off: 0, n: 4, set: true, declared: true}, []string{"a", "b", "c", "z"}},
		{"no room marked", []Check{check("c", "i-c"), check("a", "i-a"), check("b", "i-b")},
			roomMark{}, []string{"c", "a", "b"}},
		{"room past the checks returned", []Check{check("c", "i-c"), check("a", "i-a")},
			roomMark{off: 0, n: 3, set: true}, []string{"c", "a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &Input{nodes: &nodeSet{live: live, liveIDs: liveIDs, declared: append(liveIDs, "i-z")}, room: c.room}
			in.orderRoom(c.checks)
			var got []string
			for _, ch := range c.checks {
				got = append(got, ch.Message)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("order %v, want %v", got, c.want)
			}
		})
	}
	t.Run("declared in order: nothing to do", func(t *testing.T) {
		if o := idOrder([]string{"i-a", "i-b"}); o != nil {
			t.Errorf("idOrder = %v, want nil", o)
		}
		if o := idOrder(liveIDs); !slices.Equal(o, []int32{1, 2, 0}) {
			t.Errorf("idOrder = %v, want [1 2 0]", o)
		}
	})
}
