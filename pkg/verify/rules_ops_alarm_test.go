package verify

import (
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// TestOpsAlarmByNode covers the ways OPS-ALARM finds a node's alarms: in
// the nodes' order (where the previous alarm's node is, or just after it)
// or out of it (by id), with several alarms on one node, alarms on other
// instances or on no instance, and alarms that do not watch status
// checks. Nodes not named in want pass with their one alarm.
func TestOpsAlarmByNode(t *testing.T) {
	const n = 8
	alarm := func(name, id string, actions int) inventory.Alarm {
		return inventory.Alarm{Name: name, Namespace: "AWS/EC2", MetricName: "StatusCheckFailed_System",
			Dimensions: map[string]string{"InstanceId": id}, Actions: actions}
	}
	edit := func(as []inventory.Alarm, id string, f func(*inventory.Alarm)) {
		for i := range as {
			if as[i].Dimensions["InstanceId"] == id {
				f(&as[i])
			}
		}
	}
	for _, tc := range []struct {
		name   string
		change func(ids []string, as []inventory.Alarm) []inventory.Alarm
		want   map[int]nodeVerdict
	}{
		{"in order", func(_ []string, as []inventory.Alarm) []inventory.Alarm { return as }, nil},
		{"reversed", func(_ []string, as []inventory.Alarm) []inventory.Alarm {
			slices.Reverse(as)
			return as
		}, nil},
		{"one moved first, others between", func(ids []string, as []inventory.Alarm) []inventory.Alarm {
			i := slices.IndexFunc(as, func(a inventory.Alarm) bool { return a.Dimensions["InstanceId"] == ids[6] })
			moved := as[i]
			as = slices.Insert(slices.Delete(as, i, i+1), 0, moved)
			return slices.Insert(as, 3, alarm("other", "i-0other", 1), inventory.Alarm{Name: "none", MetricName: "StatusCheckFailed"})
		}, nil},
		{"several on a node", func(ids []string, as []inventory.Alarm) []inventory.Alarm {
			as = append(as, alarm("z-"+ids[2], ids[2], 2), alarm("a-"+ids[2], ids[2], 1), alarm("silent-"+ids[2], ids[2], 0))
			return slices.Insert(as, 5, alarm("silent-"+ids[3], ids[3], 0))
		}, map[int]nodeVerdict{2: {StatusPass, " has a status-check alarm with actions: a-" + "%2, appliance-%2-status and z-%2."}}},
		{"only silent ones", func(ids []string, as []inventory.Alarm) []inventory.Alarm {
			edit(as, ids[4], func(a *inventory.Alarm) { a.Actions = 0 })
			return append(as, alarm("b-"+ids[4], ids[4], 0))
		}, map[int]nodeVerdict{4: {StatusWarn, " has a status-check alarm (appliance-%4-status and b-%4), but it notifies no one"}}},
		{"not on status checks", func(ids []string, as []inventory.Alarm) []inventory.Alarm {
			edit(as, ids[5], func(a *inventory.Alarm) { a.Namespace = "Custom/Appliance" })
			edit(as, ids[6], func(a *inventory.Alarm) { a.MetricName = "CPUUtilization" })
			edit(as, ids[7], func(a *inventory.Alarm) { a.Namespace = " aws/ec2 " })
			return as
		}, map[int]nodeVerdict{
			5: {StatusFail, " has no CloudWatch alarm on its status checks"},
			6: {StatusFail, " has no CloudWatch alarm on its status checks"},
		}},
		{"none", func(ids []string, as []inventory.Alarm) []inventory.Alarm {
			return slices.DeleteFunc(as, func(a inventory.Alarm) bool { return a.Dimensions["InstanceId"] == ids[0] })
		}, map[int]nodeVerdict{0: {StatusFail, " has no CloudWatch alarm on its status checks"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, inv := scaledProd(t, n)
			ids := doc.Environments.Prod.InstanceIDs
			inv.Alarms = tc.change(ids, slices.Clone(inv.Alarms))
			expectNodeVerdicts(t, Verify(doc, checklist.EnvProd, inv, testNow, DefaultConfig()), "OPS-ALARM", ids,
				func(k int, id string) nodeVerdict {
					want, ok := tc.want[k]
					if !ok {
						want = nodeVerdict{StatusPass, " has a status-check alarm with actions: appliance-%" + string(rune('0'+k)) + "-status."}
					}
					for j, other := range ids {
						want.msg = strings.ReplaceAll(want.msg, "%"+string(rune('0'+j)), other)
					}
					want.msg = id + want.msg
					return want
				})
		})
	}
}
