package verify

import (
	"encoding/json"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// litterRule reserves room in the pool, fills it with checks, and returns
// another check instead: the room stays written past the report's end.
var litterRule = Rule{ID: "A-LITTER", Eval: func(in *Input) []Check {
	room := in.reserve(64)
	for range cap(room) {
		room = append(room, Check{ID: "STALE", Requirement: "r", Severity: SeverityRecommended, Status: StatusFail,
			Resources: []string{"x"}, Message: "stale", Remediation: "stale"})
	}
	return []Check{pass("littered")}
}}

// Rules that fill their checks in place rely on reserve handing out zeroed
// room: after a rule that left checks behind in the pool, every AWS rule
// reports as over a clean pool. The scenarios take the paths that reserve:
// a missing node (a skip before the nodes' checks), a rule's own check
// first (VM-AMI), a small drive and a volume the inventory lacks (judged
// volume by volume), and DEV.
func TestReservedRoomIsZeroed(t *testing.T) {
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
			want := checksJSON(t, evaluate(sc.in(), []Rule{r}))
			littered := evaluate(sc.in(), []Rule{litterRule, r})
			if len(littered) == 0 || littered[0].ID != litterRule.ID {
				t.Fatalf("%s %s: the litter rule's check is not first", sc.env, r.ID)
			}
			if got := checksJSON(t, littered[1:]); got != want {
				t.Errorf("%s %s after a rule that left checks in the pool:\n%s\nwant\n%s", sc.env, r.ID, got, want)
			}
		}
	}
}

func checksJSON(t *testing.T, checks []Check) string {
	t.Helper()
	b, err := json.MarshalIndent(checks, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
