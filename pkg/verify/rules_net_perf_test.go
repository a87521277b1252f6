package verify

import (
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// BenchmarkNetRules evaluates the NET rules together over the 300-instance
// PROD environment of BenchmarkRules as Verify does: checks placed in one
// pool and messages in one arena, fresh per run (BenchmarkRuleEach grows
// both per rule). The node set is worked out before the loop
// (BenchmarkNodeSet measures it). The pool, sized for the NET rules'
// checks, is a constant 217 KB of each run's bytes.
//
//	go test -run '^$' -bench NetRules -benchmem ./pkg/verify/
func BenchmarkNetRules(b *testing.B) {
	doc, inv := scaledProd(b, 300)
	cfg := DefaultConfig()
	var rules []Rule
	for _, r := range AWSRules() {
		if strings.HasPrefix(r.ID, "NET-") {
			rules = append(rules, r)
		}
	}
	warm := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: cfg, Inventory: inv}
	evaluate(warm, rules)
	size := len(rules) * (len(doc.Environments.Prod.InstanceIDs) + 2)
	b.ReportAllocs()
	for b.Loop() {
		in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: cfg, Inventory: inv, nodes: warm.nodes}
		in.pool = make([]Check, 0, size)
		for _, r := range rules {
			in.place(r.run(in))
		}
	}
}

// BenchmarkNetRuleFailing evaluates one NET rule over the 300-instance
// PROD environment broken so that every node fails it, the way a cluster
// is usually wrong: alike on every node.
//
//	go test -run '^$' -bench NetRuleFailing -benchmem ./pkg/verify/
func BenchmarkNetRuleFailing(b *testing.B) {
	cases := []struct {
		name, rule string
		breaks     func(*checklist.Document, *inventory.Inventory)
	}{
		{"cluster-port-closed", "NET-CLUSTER-PORTS", func(_ *checklist.Document, inv *inventory.Inventory) {
			editSG(inv, fxClusterSG, replaceRule(27017))
		}},
		{"cluster-odd-node", "NET-CLUSTER-PORTS", func(doc *checklist.Document, inv *inventory.Inventory) {
			// Its groups lack every port, and every node lacks it.
			editInst(inv, doc.Environments.Prod.InstanceIDs[150], func(i *inventory.Instance) {
				i.SecurityGroupIDs = []string{fxWebSG}
			})
		}},
		{"egress-no-public-ip", "NET-EGRESS", func(_ *checklist.Document, inv *inventory.Inventory) {
			for i := range inv.RouteTables {
				if inv.RouteTables[i].ID == fxProdRTBPriv {
					inv.RouteTables[i].Routes = []inventory.Route{{Destination: "0.0.0.0/0", GatewayID: fxProdIGW, State: "active"}}
				}
			}
		}},
		{"isolation-other-vpc", "NET-ISOLATION", func(_ *checklist.Document, inv *inventory.Inventory) {
			for id, inst := range inv.Instances {
				inst.VpcID = "vpc-0elsewhere"
				inv.Instances[id] = inst
			}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			doc, inv := scaledProd(b, 300)
			tc.breaks(doc, inv)
			var rule Rule
			for _, r := range AWSRules() {
				if r.ID == tc.rule {
					rule = r
				}
			}
			in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
			if c := rule.run(in)[0]; c.Status != StatusFail { // also fills the node set
				b.Fatalf("%s: %s %s", tc.rule, c.Status, c.Message)
			}
			b.ReportAllocs()
			for b.Loop() {
				in.text = textArena{}
				rule.run(in)
			}
		})
	}
}
