package verify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// TestVMRulesOverStalePool runs the VM rules, which fill their checks in
// the report's pool in place (vmRoom), over a pool whose free space holds
// another rule's abandoned checks: the reports must be those over a clean
// pool. The scenarios take every path: a missing node (a skip before the
// nodes' checks), the AMI's own check first, a node with a small drive and
// one with a volume the inventory lacks (judged volume by volume), and DEV.
func TestVMRulesOverStalePool(t *testing.T) {
	doc, inv := scaledProd(t, 12)
	ids := doc.Environments.Prod.InstanceIDs
	delete(inv.Instances, ids[4])
	small := inv.Volumes[inv.Instances[ids[5]].VolumeIDs[1]]
	small.SizeGiB = 20
	inv.Volumes[small.ID] = small
	delete(inv.Volumes, inv.Instances[ids[6]].VolumeIDs[0])
	devDoc, devInv := fixture(t, checklist.EnvDev, false)
	for _, sc := range []struct {
		env string
		in  func() *Input
	}{
		{checklist.EnvProd, func() *Input {
			return &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
		}},
		{checklist.EnvDev, func() *Input {
			return &Input{Doc: devDoc, Env: checklist.EnvDev, Now: testNow, Config: DefaultConfig(), Inventory: devInv}
		}},
	} {
		for _, r := range AWSRules() {
			if !strings.HasPrefix(r.ID, "VM-") {
				continue
			}
			want := vmChecksJSON(t, r.run(sc.in()))
			in := sc.in()
			in.pool = make([]Check, 0, 64)
			stale := in.pool[:cap(in.pool)]
			for i := range stale {
				stale[i] = Check{ID: "STALE", Requirement: "r", Severity: SeverityRecommended, Status: StatusFail,
					Resources: []string{"x"}, Message: "stale", Remediation: "stale"}
			}
			if got := vmChecksJSON(t, r.run(in)); got != want {
				t.Errorf("%s %s over a stale pool:\n%s\nwant\n%s", sc.env, r.ID, got, want)
			}
		}
	}
}

func vmChecksJSON(t *testing.T, checks []Check) string {
	t.Helper()
	b, err := json.MarshalIndent(checks, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
