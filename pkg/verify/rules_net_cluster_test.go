package verify

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// TestCoverageClasses compares coverage, which works out gaps once per
// class of peers, with working them out peer by peer, on groups with more
// open rules than a byte of a class's set holds, sources mixing groups and
// CIDRs, and peers of several shapes.
func TestCoverageClasses(t *testing.T) {
	ports := []PortRange{
		{Protocol: "tcp", From: 27017, To: 27017, Required: true},
		{Protocol: "tcp", From: 7777, To: 7777, Required: true},
		{Protocol: "udp", From: 8721, To: 8721, Required: true},
		{Protocol: "tcp", From: 9300, To: 9400, Required: true},
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	sources := [][2][]string{ // groups, CIDRs
		{{"sg-a"}, nil}, {{"sg-b"}, nil}, {nil, {"10.0.1.0/24"}}, {nil, {"10.0.2.0/24"}},
		{nil, {"10.0.0.0/16"}}, {nil, {"10.0.1.7/32"}}, {{"sg-a"}, {"10.0.3.0/24"}}, {nil, {"bogus"}}, {nil, nil},
	}
	for round := range 200 {
		inv := &inventory.Inventory{SecurityGroups: map[string]inventory.SecurityGroup{}}
		for _, sg := range []string{"sg-a", "sg-b", "sg-c"} {
			var rules []inventory.IngressRule
			for range rnd.IntN(12) {
				src := sources[rnd.IntN(len(sources))]
				r := inventory.IngressRule{Protocol: []string{"tcp", "udp", "-1", "6", "icmp"}[rnd.IntN(5)], CIDRs: src[1], SourceGroups: src[0]}
				switch rnd.IntN(4) {
				case 0:
					r.FromPort, r.ToPort = -1, -1
				case 1:
					p := ports[rnd.IntN(len(ports))]
					r.FromPort, r.ToPort = int32(p.From), int32(p.To)
				case 2:
					r.FromPort, r.ToPort = 9300+int32(rnd.IntN(100)), 9300+int32(rnd.IntN(100))
				default:
					r.FromPort, r.ToPort = 80, 443
				}
				rules = append(rules, r)
			}
			inv.SecurityGroups[sg] = inventory.SecurityGroup{ID: sg, Ingress: rules}
		}
		n := 1 + rnd.IntN(40)
		shapes := [][]string{{"sg-a"}, {"sg-a", "sg-b"}, {"sg-b", "sg-c"}, nil, {"sg-c", "sg-missing"}}
		peers := &clusterPeers{live: make([]inventory.Instance, n), facts: make([]nodeFacts, n)}
		for i := range n {
			sgs := shapes[rnd.IntN(len(shapes))]
			if rnd.IntN(3) > 0 && i > 0 {
				sgs = peers.live[i-1].SecurityGroupIDs
			}
			peers.live[i] = inventory.Instance{ID: fmt.Sprintf("i-%d", i), SecurityGroupIDs: sgs}
			if rnd.IntN(8) > 0 {
				peers.facts[i].ips = []string{fmt.Sprintf("10.0.%d.%d", rnd.IntN(4), rnd.IntN(10))}
			}
		}
		a := &awsInput{inv: inv}
		for _, sgs := range shapes {
			cov := a.coverage(sgs, peers, ports)
			rules, _ := a.ingress(sgs)
			allOK := true
			for pi, p := range ports {
				for i := range n {
					var have []portSpan
					for _, r := range rules {
						span, ok := opens(r.IngressRule, p.Protocol)
						if ok && admitsPeer(r.IngressRule, peers.live[i].SecurityGroupIDs, peers.facts[i].ips) {
							have = append(have, span)
						}
					}
					want := spansString(gaps(portSpan{p.From, p.To}, have))
					got := ""
					for k, members := range cov.ports[pi].members {
						if slices.Contains(members, i) {
							got = cov.ports[pi].keys[k]
						}
					}
					if got != want {
						t.Fatalf("round %d, groups %v, port %v, peer %d: lacks %q, want %q", round, sgs, p, i, got, want)
					}
					allOK = allOK && want == ""
				}
			}
			if cov.allOK != allOK {
				t.Fatalf("round %d, groups %v: allOK %v, want %v", round, sgs, cov.allOK, allOK)
			}
		}
	}
}

// admitsPeer is openRule.admits, spelled out.
func admitsPeer(r inventory.IngressRule, sgs, ips []string) bool {
	for _, g := range r.SourceGroups {
		if slices.Contains(sgs, g) {
			return true
		}
	}
	for _, c := range r.CIDRs {
		pfx, ok := parseCIDR(c)
		for _, ip := range ips {
			if addr, err := netip.ParseAddr(ip); ok && err == nil && pfx.Contains(addr) {
				return true
			}
		}
	}
	return false
}

// TestWriteOthers compares writeOthers with peerList over the same peers;
// self -1 stands for a node past the first maxPeersListed.
func TestWriteOthers(t *testing.T) {
	for n := 2; n <= 2*maxPeersListed+2; n++ {
		live := make([]inventory.Instance, n)
		for i := range live {
			live[i].ID = fmt.Sprintf("i-%d", i)
		}
		for self := -1; self < n; self++ {
			if self == -1 && n <= maxPeersListed {
				continue // no node past the first maxPeersListed
			}
			var names []string
			for j := 0; j < n && len(names) < maxPeersListed; j++ {
				if j != self {
					names = append(names, live[j].ID)
				}
			}
			want := peerList(names, n-1)
			var text textArena
			text.start()
			writeOthers(&text, live, self)
			if got := text.end(); got != want {
				t.Errorf("%d nodes, self %d: %q, want %q", n, self, got, want)
			}
		}
	}
}
