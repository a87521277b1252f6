package verify

import (
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// BenchmarkRuleEach evaluates one rule at a time over the 300-instance PROD
// environment of BenchmarkRules, to show where its time goes. The node set
// and the parsed certificates are worked out before the loop (as the rules
// before it would have in Verify); BenchmarkNodeSet measures the former.
// Each rule here pays for room for its checks and for message chunks
// grown from the smallest, which in Verify all rules share: the sum of
// these figures is above BenchmarkRules'.
//
//	go test -run '^$' -bench RuleEach -benchmem ./pkg/verify/
func BenchmarkRuleEach(b *testing.B) {
	doc, inv := scaledProd(b, 300)
	cfg := DefaultConfig()
	for _, rule := range append(StaticRules(), AWSRules()...) {
		b.Run(rule.ID, func(b *testing.B) {
			in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: cfg, Inventory: inv}
			rule.run(in) // fills the node set and certificate caches
			b.ReportAllocs()
			for b.Loop() {
				in.text = textArena{}
				rule.run(in)
			}
		})
	}
}

// BenchmarkNodeSet measures working out the declared and live nodes and
// their facts, which every AWS rule shares, for 300 instances.
func BenchmarkNodeSet(b *testing.B) {
	doc, inv := scaledProd(b, 300)
	b.ReportAllocs()
	for b.Loop() {
		in := &Input{Doc: doc, Env: checklist.EnvProd, Now: testNow, Config: DefaultConfig(), Inventory: inv}
		a := &awsInput{Input: in, inv: inv, env: in.Environment()}
		a.nodeSet()
	}
}
