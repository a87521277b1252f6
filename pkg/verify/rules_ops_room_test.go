package verify

import (
	"encoding/json"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// TestOpsRoomOverStalePool runs the rules that fill their checks in the
// report's pool in place (opsRoom) over a pool whose free space holds
// another rule's abandoned checks: their checks must be those over a clean
// pool. A missing node puts a skip before the nodes' checks; the others
// pass, except one of each rule that fails (returned by value, not filled).
func TestOpsRoomOverStalePool(t *testing.T) {
	doc, inv := scaledProd(t, 12)
	ids := doc.Environments.Prod.InstanceIDs
	delete(inv.Instances, ids[4])
	delete(inv.Backup, ids[5])
	inv.Alarms = inv.Alarms[1:]
	lb := *inv.LoadBalancer
	inv.LoadBalancer = &lb
	lb.TargetGroups = append([]inventory.TargetGroup{}, lb.TargetGroups...)
	lb.TargetGroups[0].Targets = lb.TargetGroups[0].Targets[:len(lb.TargetGroups[0].Targets)-1]
	for _, id := range []string{"LB-TARGETS", "OPS-BACKUP", "OPS-ALARM"} {
		var r Rule
		for _, x := range AWSRules() {
			if x.ID == id {
				r = x
			}
		}
		newIn := func() *Input {
			return &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
		}
		want := opsChecksJSON(t, r.run(newIn()))
		in := newIn()
		in.pool = make([]Check, 0, 64)
		stale := in.pool[:cap(in.pool)]
		for i := range stale {
			stale[i] = Check{ID: "STALE", Requirement: "r", Severity: SeverityRecommended, Status: StatusFail,
				Resources: []string{"x"}, Message: "stale", Remediation: "stale"}
		}
		if got := opsChecksJSON(t, r.run(in)); got != want {
			t.Errorf("%s over a stale pool:\n%s\nwant\n%s", id, got, want)
		}
	}
}

func opsChecksJSON(t *testing.T, checks []Check) string {
	t.Helper()
	b, err := json.MarshalIndent(checks, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
