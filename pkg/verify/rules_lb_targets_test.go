package verify

import (
	"slices"
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
	const n = 8
	for _, tc := range []struct {
		name   string
		change func(ids []string, inv *inventory.Inventory)
		want   map[int]nodeVerdict
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
		}, map[int]nodeVerdict{4: {StatusFail, "is not registered in the target group appliance-443 "}}},
		{"first registration unhealthy, a later one healthy", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[0]
			tg.Targets = append([]inventory.Target{{ID: ids[3], Health: "unhealthy", Reason: "Target.Timeout"}}, tg.Targets...)
		}, map[int]nodeVerdict{3: {StatusWarn, "is registered but not healthy in appliance-443 (unhealthy: Target.Timeout)."}}},
		{"first registration healthy, a later one draining", func(ids []string, inv *inventory.Inventory) {
			tg := &inv.LoadBalancer.TargetGroups[0]
			tg.Targets = append(tg.Targets, inventory.Target{ID: ids[3], Health: "draining"})
		}, nil},
		{"an address two nodes share, registered first for the other", func(ids []string, inv *inventory.Inventory) {
			// Node 2's address, registered (healthy) before node 5's own,
			// which is unhealthy: node 5's first registration decides.
			i := shareAddress(ids, inv)
			tg := &inv.LoadBalancer.TargetGroups[1]
			for k := range tg.Targets {
				if tg.Targets[k].ID == i.PrivateIP {
					tg.Targets[k].Health = "unhealthy"
				}
			}
		}, nil},
		{"an address two nodes share, all healthy, out of order", func(ids []string, inv *inventory.Inventory) {
			i := shareAddress(ids, inv)
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
		}, map[int]nodeVerdict{
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
		}, map[int]nodeVerdict{1: {StatusPass, " (its health is not judged while it is stopped; see VM-EXISTS)."}}},
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
			expectNodeVerdicts(t, Verify(doc, checklist.EnvProd, inv, testNow, DefaultConfig()), "LB-TARGETS", ids,
				func(k int, id string) nodeVerdict {
					if want, ok := tc.want[k]; ok {
						return want
					}
					return nodeVerdict{StatusPass, id + " is registered in appliance-443 and appliance-80."}
				})
		})
	}
}

// shareAddress gives node 5 a second interface with node 2's address, and
// returns node 5.
func shareAddress(ids []string, inv *inventory.Inventory) inventory.Instance {
	i := inv.Instances[ids[5]]
	i.Interfaces = append(slices.Clone(i.Interfaces), inventory.Interface{ID: "eni-0shared", PrivateIP: inv.Instances[ids[2]].PrivateIP})
	inv.Instances[ids[5]] = i
	return i
}
