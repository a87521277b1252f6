package verify

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// scaledProd returns the PROD fixture grown to n instances: the extra nodes
// are spread over the three subnets, with the same drives, targets, backup
// and alarms as the fixture's nodes, so that every rule has n of each.
func scaledProd(b testing.TB, n int) (*checklist.Document, *inventory.Inventory) {
	doc, inv := fixture(b, checklist.EnvProd, false)
	subnets := []string{fxProdSubnetA, fxProdSubnetB, fxProdSubnetC}
	ids := append([]string{}, doc.Environments.Prod.InstanceIDs...)
	for k := len(ids); k < n; k++ {
		id := fmt.Sprintf("i-0c%015x", k)
		sn := inv.Subnets[subnets[k%3]]
		ip := fmt.Sprintf("10.20.%d.%d", k%3+1, 20+k/3)
		var vols []string
		for i, size := range []int32{40, 100, 100} {
			vid := fmt.Sprintf("vol-0c%012x%02d", k, i)
			vols = append(vols, vid)
			inv.Volumes[vid] = inventory.Volume{ID: vid, SizeGiB: size, InstanceID: id, Device: "/dev/xvd" + string(rune('a'+i)), Type: "gp3"}
		}
		inv.Instances[id] = inventory.Instance{
			ID: id, State: "running", Type: "m4.xlarge", ImageID: fxAMI, VpcID: fxProdVPC, SubnetID: sn.ID,
			AvailabilityZone: sn.AvailabilityZone, PrivateIP: ip,
			Interfaces:       []inventory.Interface{{ID: "eni-" + id[2:], PrivateIP: ip, SubnetID: sn.ID}},
			SecurityGroupIDs: []string{fxClusterSG, fxWebSG},
			VolumeIDs:        vols,
		}
		lb := inv.LoadBalancer
		lb.TargetGroups[0].Targets = append(lb.TargetGroups[0].Targets, inventory.Target{ID: id, Port: 443, Health: "healthy"})
		lb.TargetGroups[1].Targets = append(lb.TargetGroups[1].Targets, inventory.Target{ID: ip, Port: 80, Health: "healthy"})
		inv.Backup[id] = []string{"appliance-daily"}
		inv.Alarms = append(inv.Alarms, statusAlarm(id))
		ids = append(ids, id)
	}
	doc.Environments.Prod.InstanceIDs = ids
	return doc, inv
}

// BenchmarkRules measures evaluating every rule (static and AWS) over a
// collected PROD inventory of 3, 30 and 300 instances; collection itself
// is BenchmarkCollect in pkg/inventory. It reports the cost per instance
// (ns/instance) beside ns/op, so linearity shows in its own output: flat
// from 30 to 300 instances (at 3, the certificate checks, which do not
// depend on the instances, dominate). make bench reads the same figures;
// linearity is read, not asserted (no timed test).
//
//	go test -run '^$' -bench Rules -benchmem ./pkg/verify/
func BenchmarkRules(b *testing.B) {
	for _, n := range []int{3, 30, 300} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) { benchRules(b, n, inIDOrder) })
	}
}

// BenchmarkRulesFunctionGC is BenchmarkRules and BenchmarkRulesShuffled
// at 300 instances with the collector set as the verify function sets it
// (FunctionGCPercent), which is how the rules run in production; the
// others keep Go's default.
func BenchmarkRulesFunctionGC(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(FunctionGCPercent))
	b.Run("instances=300", func(b *testing.B) { benchRules(b, 300, inIDOrder) })
	b.Run("declared/instances=300", func(b *testing.B) { benchRules(b, 300, declaredShuffled) })
	b.Run("all/instances=300", func(b *testing.B) { benchRules(b, 300, allShuffled) })
}

// BenchmarkRulesShuffled is BenchmarkRules at 300 instances with the
// instance ids declared in a random order, as a customer lists them
// (declared), and with the load balancer's targets and the alarms listed
// in other random orders too, as AWS promises none (all). scaledProd lists
// them all in id order, which the rules' shortcuts favour.
func BenchmarkRulesShuffled(b *testing.B) {
	b.Run("declared/instances=300", func(b *testing.B) { benchRules(b, 300, declaredShuffled) })
	b.Run("all/instances=300", func(b *testing.B) { benchRules(b, 300, allShuffled) })
}

// listOrder is the order benchRules lists scaledProd's ids, targets and
// alarms in.
type listOrder int

const (
	inIDOrder        listOrder = iota
	declaredShuffled           // the declared ids shuffled
	allShuffled                // the targets and alarms too
)

// benchRules measures Verify over scaledProd(n), its lists in order.
func benchRules(b *testing.B, n int, order listOrder) {
	doc, inv := scaledProd(b, n)
	rnd := rand.New(rand.NewPCG(1, 2))
	if order >= declaredShuffled {
		shuffleSlice(rnd, doc.Environments.Prod.InstanceIDs)
	}
	if order >= allShuffled {
		for _, tg := range inv.LoadBalancer.TargetGroups {
			shuffleSlice(rnd, tg.Targets)
		}
		shuffleSlice(rnd, inv.Alarms)
	}
	cfg := DefaultConfig()
	var r Report
	b.ReportAllocs()
	for b.Loop() {
		r = Verify(doc, checklist.EnvProd, inv, testNow, cfg)
	}
	failed := 0
	for _, c := range r.Checks {
		if c.Status != StatusPass && c.Status != StatusSkip {
			failed++
			b.Logf("%s %s (expected beyond 3 nodes): %.100s", c.ID, c.Status, c.Message)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/instance")
	b.ReportMetric(float64(len(r.Checks)), "checks/op")
	b.ReportMetric(float64(failed), "notpassed/op")
}

func shuffleSlice[T any](rnd *rand.Rand, s []T) {
	rnd.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}
