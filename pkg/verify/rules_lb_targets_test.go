package verify

import (
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// TestLBTargetsRegistrations covers the ways LB-TARGETS finds a node's
// registration: where the previous node's ended (targets in the nodes'
// order, all healthy), or by the index of first registrations (targets out
// of order, a target of bad health, a node found nowhere), with target
// types that match by id, by address or both, and addresses two nodes
// share. Nodes not named in want pass as registered in both groups.
func TestLBTargetsRegistrations(t *testing.T) {
	type verdict struct {
		status Status
		msg    string // a part of the message
	}
	const n = 8
	for _, tc := range []struct {
		name   string
		change func(ids []string, inv *inventory.Inventory)
		want   map[int]verdict
	}{
		{"in order", func([]string, *inventory.Inventory) {}, nil},
		{"reversed", func(_ []string, inv *inventory.Inventory) {
			for _, tg := range inv.LoadBalancer.TargetGroups {
				slices.Reverse(tg.Targets)
			}
		}, nil},
		{"one missing in the middle", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[0]
			tg.Targets = slices.DeleteFunc(tg.Targets, func(x inventory.Target) bool { return x.ID == ids[4] })
		}, map[int]verdict{4: {StatusFail, "is not registered in the target group appliance-443 "}}},
		{"first registration unhealthy, a later one healthy", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[0]
			tg.Targets = append([]inventory.Target{{ID: ids[3], Health: "unhealthy", Reason: "Target.Timeout"}}, tg.Targets...)
		}, map[int]verdict{3: {StatusWarn, "is registered but not healthy in appliance-443 (unhealthy: Target.Timeout)."}}},
		{"first registration healthy, a later one draining", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[0]
			tg.Targets = append(tg.Targets, inventory.Target{ID: ids[3], Health: "draining"})
		}, nil},
		{"an address two nodes share, registered first for the other", func(ids []string, inv *inventory.Inventory) {
			// Node 5 also has node 2's address, registered (healthy) before
			// its own, which is unhealthy: its first registration decides.
			ip2 := inv.Instances[ids[2]].PrivateIP
			i := inv.Instances[ids[5]]
			i.Interfaces = append(slices.Clone(i.Interfaces), inventory.Interface{ID: "eni-0shared", PrivateIP: ip2})
			inv.Instances[ids[5]] = i
			tg := &inv.LoadBalancer.TargetGroups[1]
			for k := range tg.Targets {
				if tg.Targets[k].ID == i.PrivateIP {
					tg.Targets[k].Health = "unhealthy"
				}
			}
		}, nil},
		{"an address two nodes share, all healthy, out of order", func(ids []string, inv *inventory.Inventory) {
			ip2 := inv.Instances[ids[2]].PrivateIP
			i := inv.Instances[ids[5]]
			i.Interfaces = append(slices.Clone(i.Interfaces), inventory.Interface{ID: "eni-0shared", PrivateIP: ip2})
			inv.Instances[ids[5]] = i
			tg := &inv.LoadBalancer.TargetGroups[1]
			tg.Targets = slices.DeleteFunc(tg.Targets, func(x inventory.Target) bool { return x.ID == i.PrivateIP })
			slices.Reverse(tg.Targets)
		}, nil},
		{"an instance id in an ip group, an address in an instance group", func(ids []string, inv *inventory.Inventory) {
			g0, g1 := &inv.LoadBalancer.TargetGroups[0], &inv.LoadBalancer.TargetGroups[1]
			for k := range g0.Targets {
				if g0.Targets[k].ID == ids[6] {
					g0.Targets[k].ID = inv.Instances[ids[6]].PrivateIP
				}
			}
			for k := range g1.Targets {
				if g1.Targets[k].ID == inv.Instances[ids[7]].PrivateIP {
					g1.Targets[k].ID = ids[7]
				}
			}
		}, map[int]verdict{
			6: {StatusFail, "is not registered in the target group appliance-443 "},
			7: {StatusFail, "is not registered in the target group appliance-80 "},
		}},
		{"groups of either target type", func(ids []string, inv *inventory.Inventory) {
			g0 := &inv.LoadBalancer.TargetGroups[0]
			g0.TargetType = ""
			for k := range g0.Targets {
				if g0.Targets[k].ID == ids[6] {
					g0.Targets[k].ID = inv.Instances[ids[6]].PrivateIP
				}
			}
		}, nil},
		{"a stopped node, unhealthy", func(ids []string, inv *inventory.Inventory) {
			i := inv.Instances[ids[1]]
			i.State = "Stopped"
			inv.Instances[ids[1]] = i
			tg := &inv.LoadBalancer.TargetGroups[0]
			for k := range tg.Targets {
				if tg.Targets[k].ID == ids[1] {
					tg.Targets[k].Health = "unused"
				}
			}
		}, map[int]verdict{1: {StatusPass, " (its health is not judged while it is stopped; see VM-EXISTS)."}}},
		{"health in capitals, padded", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[1]
			for k := range tg.Targets {
				tg.Targets[k].Health = " Healthy "
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, inv := scaledProd(t, n)
			lb := *inv.LoadBalancer
			lb.TargetGroups = slices.Clone(lb.TargetGroups)
			for g := range lb.TargetGroups {
				lb.TargetGroups[g].Targets = slices.Clone(lb.TargetGroups[g].Targets)
			}
			inv.LoadBalancer = &lb
			ids := doc.Environments.Prod.InstanceIDs
			tc.change(ids, inv)
			got := map[string]Check{}
			for _, c := range checksOf(Verify(doc, checklist.EnvProd, inv, testNow, DefaultConfig()), "LB-TARGETS") {
				got[c.Resources[0]] = c
			}
			if len(got) != n {
				t.Fatalf("%d checks, want %d", len(got), n)
			}
			for k, id := range ids {
				want, ok := tc.want[k]
				if !ok {
					want = verdict{StatusPass, id + " is registered in appliance-443 and appliance-80."}
				}
				if c := got[id]; c.Status != want.status || !strings.Contains(c.Message, want.msg) {
					t.Errorf("node %d: %s %q, want %s with %q", k, c.Status, c.Message, want.status, want.msg)
				}
			}
		})
	}
}
