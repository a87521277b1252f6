package verify

import (
	"encoding/json"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// dynamoItemLimit is DynamoDB's largest item, 400 KB: the store keeps each
// report as one item (store.PutReport), and the local emulator does not
// enforce the limit, so nothing else would catch a report that outgrew it.
const dynamoItemLimit = 400 * 1024

// TestLargestReportFitsOneDynamoDBItem verifies the most nodes a checklist
// admits (checklist.ProdInstanceCount) with every node failing most of its
// rules, which gives the longest messages, and holds the report to a
// quarter of an item. A failing node adds about 8 KB (27 KB at 3 nodes,
// 249 KB at 30): were the checklist to admit clusters of some 45 nodes,
// reports would need to be split or compressed before the store could
// keep them.
func TestLargestReportFitsOneDynamoDBItem(t *testing.T) {
	doc, inv := scaledProd(t, checklist.ProdInstanceCount)
	for id, inst := range inv.Instances {
		inst.Type, inst.ImageID, inst.VolumeIDs = "t3.nano", "ami-0000000000000dead", nil
		inv.Instances[id] = inst
	}
	for id, sg := range inv.SecurityGroups {
		sg.Ingress = nil
		inv.SecurityGroups[id] = sg
	}
	for g := range inv.LoadBalancer.TargetGroups {
		inv.LoadBalancer.TargetGroups[g].Targets = nil
	}
	inv.Alarms, inv.Backup = nil, nil
	clear(inv.Volumes)

	r := Verify(doc, checklist.EnvProd, inv, testNow, DefaultConfig())
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	sum := r.Summarize()
	failing := sum.Fail + sum.Error + sum.Warn
	if failing < 8*checklist.ProdInstanceCount {
		t.Fatalf("only %d checks fail: the report is not the worst case it is meant to be", failing)
	}
	t.Logf("%d nodes, %d checks (%d failing): %d bytes of JSON", checklist.ProdInstanceCount, len(r.Checks), failing, len(b))
	if len(b) > dynamoItemLimit/4 {
		t.Errorf("the report of %d failing nodes is %d bytes of JSON, more than a quarter of a DynamoDB item (%d bytes)", checklist.ProdInstanceCount, len(b), dynamoItemLimit)
	}
}
