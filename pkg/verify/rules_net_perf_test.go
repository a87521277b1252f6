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

// BenchmarkClusterPortsFailing evaluates NET-CLUSTER-PORTS over the
// 300-instance PROD environment with a port closed in the cluster's group,
// and with a node whose groups lack it (every node then fails: what each
// lacks, from which peers).
func BenchmarkClusterPortsFailing(b *testing.B) {
	for _, shape := range []string{"port-closed", "odd-node"} {
		b.Run(shape, func(b *testing.B) {
			doc, inv := scaledProd(b, 300)
			switch shape {
			case "port-closed":
				editSG(inv, fxClusterSG, replaceRule(27017))
			default:
				editInst(inv, doc.Environments.Prod.InstanceIDs[150], func(i *inventory.Instance) {
					i.SecurityGroupIDs = []string{fxWebSG}
				})
			}
			var rule Rule
			for _, r := range AWSRules() {
				if r.ID == "NET-CLUSTER-PORTS" {
					rule = r
				}
			}
			in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
			rule.run(in) // fills the node set
			b.ReportAllocs()
			for b.Loop() {
				in.text = textArena{}
				rule.run(in)
			}
		})
	}
}

// BenchmarkEgressFailing evaluates NET-EGRESS over the 300-instance PROD
// environment with the nodes' subnets routed to an internet gateway while
// they have no public IP: every node fails.
func BenchmarkEgressFailing(b *testing.B) {
	doc, inv := scaledProd(b, 300)
	for i := range inv.RouteTables {
		if inv.RouteTables[i].ID == fxProdRTBPriv {
			inv.RouteTables[i].Routes = []inventory.Route{{Destination: "0.0.0.0/0", GatewayID: fxProdIGW, State: "active"}}
		}
	}
	var rule Rule
	for _, r := range AWSRules() {
		if r.ID == "NET-EGRESS" {
			rule = r
		}
	}
	in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
	rule.run(in) // fills the node set
	b.ReportAllocs()
	for b.Loop() {
		in.text = textArena{}
		rule.run(in)
	}
}
