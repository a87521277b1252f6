package verify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// A large PROD environment: every node's cluster-port check names at most
// maxPeersListed peers, so the report grows with the nodes, not their
// square — when the ports are open and when one is closed to every peer.
func TestClusterPortMessagesNameAFewPeersInALargeCluster(t *testing.T) {
	for _, closed := range []bool{false, true} {
		doc, inv := scaledProd(t, 40)
		if closed {
			g := inv.SecurityGroups[fxClusterSG]
			g.Ingress = slices.DeleteFunc(slices.Clone(g.Ingress), func(r inventory.IngressRule) bool { return r.FromPort == 7777 })
			inv.SecurityGroups[fxClusterSG] = g
		}
		r := Verify(doc, checklist.EnvProd, inv, testNow, DefaultConfig())
		n := 0
		for _, c := range r.Checks {
			if c.ID != "NET-CLUSTER-PORTS" {
				continue
			}
			n++
			want := StatusPass
			if closed {
				want = StatusFail
			}
			if c.Status != want || !strings.Contains(c.Message, "and 29 more") || strings.Count(c.Message, "i-0") > maxPeersListed+1 {
				t.Fatalf("closed=%v: %s %s", closed, c.Status, c.Message)
			}
			self := c.Resources[0]
			if strings.Count(c.Message, self) != 1 {
				t.Fatalf("closed=%v: the check of %s names it as its own peer: %s", closed, self, c.Message)
			}
		}
		if n != 40 {
			t.Fatalf("closed=%v: %d cluster-port checks for 40 nodes", closed, n)
		}
	}
}

// sortedChecks (rules' checks ordered rule by rule) gives the order of a
// stable sort of all the checks by id and resources, also when a rule
// reports under several ids or two rules share one.
func TestSortedChecksIsAStableSortOfAllChecks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		var results [][]Check
		for r := range 1 + rnd.IntN(6) {
			id := fmt.Sprintf("R-%d", rnd.IntN(5))
			var checks []Check
			for k := range 1 + rnd.IntN(8) {
				cid := id
				if trial%3 == 0 && rnd.IntN(4) == 0 {
					cid = fmt.Sprintf("R-%d", rnd.IntN(5))
				}
				checks = append(checks, Check{ID: cid, Resources: []string{fmt.Sprintf("i-%d", rnd.IntN(4))}, Message: fmt.Sprintf("%d/%d", r, k)})
			}
			results = append(results, checks)
		}
		var want []Check
		for _, r := range results {
			want = append(want, r...)
		}
		want = slices.Clone(want)
		slices.SortStableFunc(want, func(a, b Check) int {
			if c := strings.Compare(a.ID, b.ID); c != 0 {
				return c
			}
			return slices.Compare(a.Resources, b.Resources)
		})
		got := sortedChecks(results)
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d checks, want %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID || got[i].Message != want[i].Message {
				t.Fatalf("trial %d: position %d is %s %s, want %s %s", trial, i, got[i].ID, got[i].Message, want[i].ID, want[i].Message)
			}
		}
	}
}

// sortByResources orders a rule's checks as a stable sort by resources
// does, whether they come sorted, with a few out of place, or shuffled.
func TestSortByResourcesIsAStableSort(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for trial := range 500 {
		n := rnd.IntN(40)
		g := make([]Check, n)
		for i := range g {
			g[i] = Check{Resources: []string{fmt.Sprintf("i-%03d", i)}, Message: fmt.Sprint(i)}
		}
		switch trial % 3 {
		case 0: // a few moved, or a summary naming many
			for range rnd.IntN(4) {
				if n > 0 {
					k := rnd.IntN(n)
					g[k].Resources = []string{fmt.Sprintf("i-%03d", rnd.IntN(n+1))}
				}
			}
		case 1: // shuffled, with equal keys
			for i := range g {
				g[i].Resources = []string{fmt.Sprintf("i-%03d", rnd.IntN(8))}
			}
		case 2: // sorted, longer lists among them
			for i := range g {
				if rnd.IntN(5) == 0 {
					g[i].Resources = append(g[i].Resources, "sg-1")
				}
			}
		}
		// A run declared in order, as orderRoom returns one: any ordered
		// stretch, with what is around it out of order or not.
		var inOrder roomMark
		if trial%2 == 1 && n > 1 {
			off := rnd.IntN(n - 1)
			end := off + 1
			for end < n && compareResources(g[end-1].Resources, g[end].Resources) < 0 {
				end++
			}
			inOrder = roomMark{off: off, n: end - off, set: true}
		}
		want := slices.Clone(g)
		slices.SortStableFunc(want, byResources)
		sortByResources(g, inOrder)
		for i := range g {
			if g[i].Message != want[i].Message {
				t.Fatalf("trial %d: position %d holds check %s, want %s", trial, i, g[i].Message, want[i].Message)
			}
		}
	}
}
