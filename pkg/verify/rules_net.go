package verify

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

var netEgressRule = awsRule{
	ID:          "NET-EGRESS",
	Requirement: reqEgress,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcRouteTables},
	eval: func(a *awsInput) []Check {
		a.slab = new(resSlab)
		return a.perNode(a.egress)
	},
}

// egress judges one node's way out: a private address, and a default route
// that leads to the internet from where the node sits.
func (a *awsInput) egress(inst *inventory.Instance) Check {
	id := inst.ID
	ips := a.ipsOf(inst)
	if len(ips) == 0 {
		return fail(fmt.Sprintf("%s has no private IP address.", id),
			fmt.Sprintf("Relaunch %s in a subnet of the declared VPC, with a private IP address of its own.", id), id)
	}
	subnets := a.subnetsOf(inst)
	subnet := ""
	if len(subnets) > 0 {
		subnet = subnets[0]
	}
	rt := a.routeTable(subnets, a.vpcOf(inst))
	if rt != nil && a.slab != nil {
		// The common cases, worded as below, in the arena.
		if route := defaultRoute(rt); route != nil && !strings.EqualFold(route.State, "blackhole") {
			kind, target := routeTarget(*route)
			pub := publicIP(inst)
			var via string
			switch {
			case kind == "nat":
				via = " reaches the internet through NAT gateway "
			case kind == "igw" && pub != "":
				via = " reaches the internet through its public IP " + pub + " and internet gateway "
			}
			if via != "" {
				c := Check{Status: StatusPass, Resources: a.slab.of(id, rt.ID)}
				c.Message = a.text.words(id, " (", ips[0], ")", via, target, " (route table ", rt.ID, ").")
				return c
			}
		}
	}
	node := id + " (" + ips[0] + ")"
	if rt == nil {
		return fail(fmt.Sprintf("No route table applies to %s's subnet %s (neither associated with it nor the VPC's main table): the node has no way out.", node, cmpOrDefault(subnet, "(unknown)")),
			"Associate the subnet with a route table that routes 0.0.0.0/0 to a NAT gateway (or to an internet gateway, with a public IP on the node).",
			id)
	}
	route := defaultRoute(rt)
	if route == nil {
		return fail(fmt.Sprintf("%s's subnet %s uses route table %s, which has no default route (0.0.0.0/0): the node cannot reach Auth0's update, CDN and telemetry hosts.", node, subnet, rt.ID),
			fmt.Sprintf("Add a 0.0.0.0/0 route to %s: to a NAT gateway in a public subnet, or to an internet gateway if the node has a public IP.", rt.ID),
			id, rt.ID)
	}
	kind, target := routeTarget(*route)
	if strings.EqualFold(route.State, "blackhole") {
		return fail(fmt.Sprintf("The default route of %s (route table %s) leads to %s, which no longer exists (blackhole): the node has no way out.", node, rt.ID, target),
			fmt.Sprintf("Point the 0.0.0.0/0 route of %s at a working NAT gateway (or internet gateway with a public IP on the node).", rt.ID),
			id, rt.ID)
	}
	pub := publicIP(inst)
	via := "(route table " + rt.ID + ")"
	switch kind {
	case "igw":
		if pub != "" {
			return pass(node+" reaches the internet through its public IP "+pub+" and internet gateway "+target+" "+via+".", id, rt.ID)
		}
		if st := strings.ToLower(strings.TrimSpace(inst.State)); st != "running" && st != "" {
			// AWS releases an automatic public IP when the instance stops
			// and assigns a new one when it starts.
			return skip(fmt.Sprintf("Not checked: %s is %s (see VM-EXISTS) and has no public IP while it is; its subnet routes 0.0.0.0/0 to internet gateway %s.", id, st, target), id, rt.ID)
		}
		return fail(fmt.Sprintf("%s has no public IP, but its subnet %s routes 0.0.0.0/0 to internet gateway %s %s, which carries only traffic of public addresses: the node has no way out.", node, subnet, target, via),
			fmt.Sprintf("Route 0.0.0.0/0 of %s's subnet to a NAT gateway in a public subnet, or give %s an Elastic IP.", id, id),
			id, rt.ID)
	case "nat":
		return pass(node+" reaches the internet through NAT gateway "+target+" "+via+".", id, rt.ID)
	case "tgw":
		return pass(fmt.Sprintf("%s reaches out through transit gateway %s %s, to your network's NAT or proxy.", node, target, via), id, rt.ID)
	case "vgw":
		return pass(fmt.Sprintf("%s reaches out through virtual private gateway %s %s, to your network's NAT or proxy.", node, target, via), id, rt.ID)
	case "instance", "eni":
		return pass(fmt.Sprintf("%s reaches out through the NAT or proxy %s %s.", node, target, via), id, rt.ID)
	}
	return fail(fmt.Sprintf("%s's default route leads to %s %s, which does not lead to the internet: the node has no way out.", node, target, via),
		fmt.Sprintf("Point the 0.0.0.0/0 route of %s at a NAT gateway (or an internet gateway, with a public IP on the node).", rt.ID),
		id, rt.ID)
}

// routeTable returns the table that routes the subnets' traffic: the one
// explicitly associated with one of them, else the VPC's main table.
func (a *awsInput) routeTable(subnets []string, vpc string) *inventory.RouteTable {
	for _, sn := range subnets {
		for i, rt := range a.inv.RouteTables {
			if slices.Contains(rt.SubnetIDs, sn) {
				return &a.inv.RouteTables[i]
			}
		}
	}
	var mains []int
	for i, rt := range a.inv.RouteTables {
		if !rt.Main {
			continue
		}
		if vpc != "" && strings.EqualFold(rt.VpcID, vpc) {
			return &a.inv.RouteTables[i]
		}
		if rt.VpcID == "" || vpc == "" {
			mains = append(mains, i)
		}
	}
	if len(mains) == 1 {
		return &a.inv.RouteTables[mains[0]]
	}
	return nil
}

func defaultRoute(rt *inventory.RouteTable) *inventory.Route {
	var found *inventory.Route
	for i, r := range rt.Routes {
		if strings.TrimSpace(r.Destination) != "0.0.0.0/0" {
			continue
		}
		if found == nil || strings.EqualFold(found.State, "blackhole") {
			found = &rt.Routes[i]
		}
	}
	return found
}

// routeTarget classifies a route's target and names it.
func routeTarget(r inventory.Route) (kind, id string) {
	gw := strings.TrimSpace(r.GatewayID)
	switch {
	case r.NatGatewayID != "":
		return "nat", r.NatGatewayID
	case r.TransitGatewayID != "":
		return "tgw", r.TransitGatewayID
	case r.InstanceID != "":
		return "instance", r.InstanceID
	case r.NetworkInterface != "":
		return "eni", r.NetworkInterface
	case r.VpcPeeringID != "":
		return "peering", "VPC peering " + r.VpcPeeringID
	case strings.HasPrefix(gw, "igw-"):
		return "igw", gw
	case strings.HasPrefix(gw, "nat-"):
		return "nat", gw
	case strings.HasPrefix(gw, "vgw-"):
		return "vgw", gw
	case strings.HasPrefix(gw, "tgw-"):
		return "tgw", gw
	case gw == "local":
		return "local", "the VPC itself (local)"
	case gw != "":
		return "other", gw
	}
	return "other", "no target"
}

var netNodesRule = awsRule{
	ID:          "NET-NODES",
	Requirement: reqSpread,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances},
	eval: func(a *awsInput) []Check {
		ids := a.declaredIDs()
		if len(ids) == 0 {
			return []Check{noNodes()}
		}
		live, _ := a.nodes()
		if a.Env == checklist.EnvDev {
			c := a.devNode(ids, live)
			c.Requirement = reqDevInstance
			return []Check{c}
		}
		if len(live) < 2 {
			return []Check{skip(fmt.Sprintf("Not checked: %s of the PROD nodes exist (see VM-EXISTS).", plural(len(live), "instance")), ids...)}
		}
		zones := map[string][]string{}
		var names, all, unknown []string
		all = make([]string, 0, len(live))
		ns := a.nodeSet()
		for i := range live {
			inst := &live[i]
			all = append(all, inst.ID)
			a.cur = &ns.factsSlab[i]
			az := a.azOf(inst)
			a.cur = nil
			if az == "" {
				unknown = append(unknown, inst.ID)
				continue
			}
			if _, ok := zones[az]; !ok {
				names = append(names, az)
			}
			zones[az] = append(zones[az], inst.ID)
		}
		slices.Sort(names)
		if len(unknown) > 0 && len(names) < 2 {
			return []Check{{
				Status:      StatusError,
				Message:     fmt.Sprintf("EC2 reports no availability zone for %s, so the spread of the PROD nodes is unknown. This requirement is not verified.", andList(unknown)),
				Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
				Resources:   all,
			}}
		}
		if len(names) < 2 {
			return []Check{fail(
				fmt.Sprintf("All %d PROD nodes (%s) are in one availability zone, %s: one zone's outage stops the whole cluster.", len(live), strings.Join(all, ", "), names[0]),
				"Replace one or two nodes with instances in subnets of other availability zones of the VPC, so that the nodes span at least two zones.",
				all...)}
		}
		var spread []string
		for _, az := range names {
			spread = append(spread, fmt.Sprintf("%s (%s)", az, strings.Join(zones[az], ", ")))
		}
		return []Check{pass(fmt.Sprintf("The PROD nodes are spread over %d availability zones: %s.", len(names), strings.Join(spread, ", ")), all...)}
	},
}

func (a *awsInput) devNode(ids []string, live []inventory.Instance) Check {
	switch {
	case len(ids) != a.Config.DevNodes:
		return skip(fmt.Sprintf("Not checked: DEV declares %s (see NODE-COUNT).", plural(len(ids), "instance")), ids...)
	case len(live) == 0:
		return skip("Not checked: the DEV node does not exist (see VM-EXISTS).", ids...)
	}
	inst := &live[0]
	where := ""
	if az := a.azOf(inst); az != "" {
		where = " in " + az
	}
	return pass(fmt.Sprintf("DEV is a single node: %s%s.", inst.ID, where), inst.ID)
}

var netIsolationRule = awsRule{
	ID:          "NET-ISOLATION",
	Requirement: reqIsolation,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcPeerings},
	eval: func(a *awsInput) []Check {
		vpc := strings.TrimSpace(a.env.VpcID)
		if vpc == "" {
			return []Check{skip(fmt.Sprintf("Not checked: %s declares no VPC (see NET-ISOLATION-DECLARED).", a.name()))}
		}
		otherName := strings.ToUpper(a.OtherName())
		otherVpc := ""
		if o := a.Other(); o != nil {
			otherVpc = strings.TrimSpace(o.VpcID)
		}
		checks := a.perNode(func(inst *inventory.Instance) Check {
			got := a.vpcOf(inst)
			switch {
			case got == "":
				return Check{
					Status:      StatusError,
					Message:     fmt.Sprintf("EC2 reports no VPC for %s, so its network is unknown. This requirement is not verified.", inst.ID),
					Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
					Resources:   []string{inst.ID},
				}
			case strings.EqualFold(got, vpc):
				return a.passNode(inst.ID, inst.ID, " runs in the declared VPC ", vpc, ".")
			case otherVpc != "" && strings.EqualFold(got, otherVpc):
				return fail(fmt.Sprintf("%s runs in %s, the %s VPC, not in the declared %s VPC %s: Production and non-Production must be on completely isolated networks.", inst.ID, got, otherName, a.name(), vpc),
					fmt.Sprintf("Run the %s node in its own VPC %s (relaunch it in one of its subnets).", a.name(), vpc), inst.ID)
			}
			return fail(fmt.Sprintf("%s runs in %s, not in the declared VPC %s.", inst.ID, got, vpc),
				fmt.Sprintf("Run the node in the declared VPC %s (relaunch it in one of its subnets), or correct vpcId in the checklist if %s is the %s VPC.", vpc, got, a.name()),
				inst.ID)
		})
		return append(checks, a.peeringCheck(vpc, otherVpc, otherName))
	},
}

// peeringCheck fails for every active peering between the two VPCs.
func (a *awsInput) peeringCheck(vpc, otherVpc, otherName string) Check {
	switch {
	case otherVpc == "":
		return skip(fmt.Sprintf("Not checked for peering: the checklist declares no %s VPC.", otherName), vpc)
	case strings.EqualFold(vpc, otherVpc):
		return skip("Not checked for peering: both environments declare the same VPC (see NET-ISOLATION-DECLARED).", vpc)
	}
	var active, inactive []string
	for _, p := range a.inv.Peerings {
		connects := (strings.EqualFold(p.RequesterVpc, vpc) && strings.EqualFold(p.AccepterVpc, otherVpc)) ||
			(strings.EqualFold(p.RequesterVpc, otherVpc) && strings.EqualFold(p.AccepterVpc, vpc))
		if !connects {
			continue
		}
		switch st := strings.ToLower(strings.TrimSpace(p.Status)); st {
		case "active", "provisioning":
			active = append(active, p.ID)
		default:
			inactive = append(inactive, fmt.Sprintf("%s is %s", p.ID, cmpOrDefault(st, "in no reported state")))
		}
	}
	if len(active) > 0 {
		slices.Sort(active)
		return fail(
			fmt.Sprintf("VPC peering %s connects %s's VPC %s with %s's VPC %s: Production and non-Production must be on completely isolated networks.", andList(active), a.name(), vpc, otherName, otherVpc),
			fmt.Sprintf("Delete the peering connection %s (VPC › Peering connections) and the routes that use it.", andList(active)),
			append(active, vpc, otherVpc)...)
	}
	note := ""
	if len(inactive) > 0 {
		note = fmt.Sprintf(" (%s, not active)", strings.Join(inactive, "; "))
	}
	return pass(fmt.Sprintf("No active VPC peering connects %s's VPC %s with %s's VPC %s%s.", a.name(), vpc, otherName, otherVpc, note), vpc, otherVpc)
}

// Security group rules.

// sgRule is one inbound rule and the group it belongs to.
type sgRule struct {
	sg string
	inventory.IngressRule
}

// ingress returns the inbound rules of the groups, and the ids of groups
// the inventory lacks.
func (a *awsInput) ingress(sgIDs []string) ([]sgRule, []string) {
	var rules []sgRule
	var unknown []string
	for _, id := range nonEmpty(sgIDs...) {
		g, ok := a.inv.SecurityGroups[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		for _, r := range g.Ingress {
			rules = append(rules, sgRule{sg: id, IngressRule: r})
		}
	}
	return rules, unknown
}

// portSpan is an inclusive range of ports.
type portSpan struct{ from, to int }

func (p portSpan) String() string {
	if p.from == p.to {
		return strconv.Itoa(p.from)
	}
	return strconv.Itoa(p.from) + "–" + strconv.Itoa(p.to)
}

// opens returns the ports of proto the rule opens. Protocol "-1" is all
// traffic; a port range of -1 means every port.
func opens(r inventory.IngressRule, proto string) (portSpan, bool) {
	p := strings.ToLower(strings.TrimSpace(r.Protocol))
	switch {
	case p == "-1" || p == "all":
		return portSpan{0, 65535}, true
	case p == proto, proto == "tcp" && p == "6", proto == "udp" && p == "17":
		if r.FromPort < 0 || r.ToPort < 0 {
			return portSpan{0, 65535}, true
		}
		from, to := int(r.FromPort), int(r.ToPort)
		if from > to {
			from, to = to, from
		}
		return portSpan{from, to}, true
	}
	return portSpan{}, false
}

// gaps returns the parts of want that none of have covers.
func gaps(want portSpan, have []portSpan) []portSpan {
	have = slices.Clone(have)
	slices.SortFunc(have, func(x, y portSpan) int { return cmp.Compare(x.from, y.from) })
	var out []portSpan
	next := want.from
	for _, h := range have {
		if h.to < next {
			continue
		}
		if h.from > want.to {
			break
		}
		if h.from > next {
			out = append(out, portSpan{next, h.from - 1})
		}
		next = max(next, h.to+1)
		if next > want.to {
			return out
		}
	}
	if next <= want.to {
		out = append(out, portSpan{next, want.to})
	}
	return out
}

func spansString(ss []portSpan) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return andList(parts)
}

// describeRule names what a rule opens: "all traffic", "tcp 22", "tcp 0–65535".
func describeRule(r inventory.IngressRule) string {
	p := strings.ToLower(strings.TrimSpace(r.Protocol))
	if p == "-1" || p == "all" {
		return "all traffic"
	}
	if r.FromPort < 0 || r.ToPort < 0 {
		return "all " + p
	}
	return fmt.Sprintf("%s %s", p, portSpan{int(r.FromPort), int(r.ToPort)})
}

func portLabel(p PortRange) string {
	s := fmt.Sprintf("%s %s", p.Protocol, portSpan{p.From, p.To})
	if p.Use != "" {
		s += " (" + p.Use + ")"
	}
	return s
}

// parseCIDR reads a CIDR (or a bare address, as a single host), masked.
func parseCIDR(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		if a := p.Addr(); a.Is4In6() {
			// ::ffff:a.b.c.d/n is the IPv4 range a.b.c.d/(n-96).
			if p.Bits() < 96 {
				return p.Masked(), true
			}
			return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked(), true
		}
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// within reports whether every address of inner is in outer.
func within(inner, outer netip.Prefix) bool {
	return inner.Addr().Is4() == outer.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func withinAny(p netip.Prefix, outers []netip.Prefix) bool {
	return slices.ContainsFunc(outers, func(o netip.Prefix) bool { return within(p, o) })
}

// cidrHolds reports whether the CIDR contains any of the addresses.
func cidrHolds(cidr string, ips []string) bool {
	p, ok := parseCIDR(cidr)
	if !ok {
		return false
	}
	for _, ip := range ips {
		if a, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil && p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// sgsOf returns the groups attached to the nodes, sorted, each once.
func sgsOf(nodes []inventory.Instance) []string {
	var out []string
	for i, n := range nodes {
		if i > 0 && slices.Equal(n.SecurityGroupIDs, nodes[i-1].SecurityGroupIDs) {
			continue // the nodes of a cluster usually share their groups
		}
		for _, g := range n.SecurityGroupIDs {
			if g != "" && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

var netClusterPortsRule = awsRule{
	ID:             "NET-CLUSTER-PORTS",
	Requirement:    reqClusterPorts,
	Severity:       SeverityRequired,
	Sources:        []inventory.Source{inventory.SrcInstances, inventory.SrcSecurityGroups},
	ProdOnly:       true,
	DevSkip:        "Not checked: the single-node DEV instance has no other nodes to talk to.",
	DevRequirement: reqDevInstance,
	eval: func(a *awsInput) []Check {
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		live, checks := a.nodes()
		if len(live) < 2 {
			return append(checks, skip(fmt.Sprintf("Not checked: %s of the PROD nodes exist (see VM-EXISTS).", plural(len(live), "instance"))))
		}
		var ports []PortRange
		for _, p := range a.Config.ClusterPorts {
			if p.Required && (p.Protocol == "tcp" || p.Protocol == "udp") {
				ports = append(ports, p)
			}
		}
		return a.clusterPortChecks(live, ports, checks)
	},
}

// maxPeersListed bounds the peers a cluster-port message names: each node's
// message would otherwise name every other node, and the report would grow
// with the square of the nodes.
const maxPeersListed = 10

// clusterPeer is a node as a source of cluster traffic.
type clusterPeer struct {
	id, ip string // who() is "i-… (10.0.1.5)"
	sgs    []string
	addrs  []netip.Addr
}

// portCoverage is, for the nodes sharing one set of security groups (so
// one set of inbound rules), what each peer lacks of one port range.
type portCoverage struct {
	keys    []string // the distinct gaps, as spansString words
	peerKey []int    // per peer (live order): index into keys, -1 when nothing lacks
	members [][]int  // per key: the peers lacking it, in live order
}

// groupCoverage is the inbound rules of one set of security groups and
// their coverage of every port range, with the words every message about
// a node of the set shares.
type groupCoverage struct {
	unknown []string
	ports   []portCoverage
	sgs     []string // the groups, each once
	groups  string   // "sg-1, sg-2", or "no security group"
	labels  string   // "27017, 7777, …"
	allOK   bool     // no port lacks anything from any peer
}

// clusterPortChecks appends to checks its verdicts that every node accepts
// every port from every other node: by a rule whose source is a group
// attached to the peer, or a CIDR holding the peer's private address.
//
// It stays linear in the nodes: a node's rules come from its security
// groups, so what each peer lacks is worked out once per distinct set of
// groups (the nodes of a cluster usually share one), with the peers'
// addresses parsed once; each node then reads its own verdict off its set's
// coverage, leaving itself out.
func (a *awsInput) clusterPortChecks(live []inventory.Instance, ports []PortRange, checks []Check) []Check {
	peers := make([]clusterPeer, len(live))
	var addrs []netip.Addr // the peers' addresses, one backing array
	ns := a.nodeSet()
	for i := range live {
		n := &live[i]
		a.cur = &ns.factsSlab[i]
		ips := a.ipsOf(n)
		a.cur = nil
		p := clusterPeer{id: n.ID, sgs: n.SecurityGroupIDs}
		if len(ips) > 0 {
			p.ip = ips[0]
		}
		if addrs == nil {
			addrs = make([]netip.Addr, 0, len(live)*len(ips)+1)
		}
		start := len(addrs)
		for _, ip := range ips {
			if addr, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil {
				addrs = append(addrs, addr.Unmap())
			}
		}
		if len(addrs) > start {
			p.addrs = addrs[start:len(addrs):len(addrs)]
		}
		peers[i] = p
	}
	// The peers a pass message names, the same for every node that is not
	// among them.
	var listed []string
	for i := 0; i < len(peers) && i <= maxPeersListed; i++ {
		listed = append(listed, peers[i].id)
	}
	sharedOthers := ""
	if len(peers)-1 > maxPeersListed {
		sharedOthers = peerList(listed[:maxPeersListed], len(peers)-1)
	}
	byGroups := map[string]*groupCoverage{}
	var cov *groupCoverage // the previous node's, usually this one's too
	var covSGs []string
	slab := new(resSlab)
	for i, n := range live {
		if cov == nil || !slices.Equal(covSGs, n.SecurityGroupIDs) {
			key := strings.Join(n.SecurityGroupIDs, "\x00")
			if cov = byGroups[key]; cov == nil {
				cov = a.coverage(n.SecurityGroupIDs, peers, ports)
				byGroups[key] = cov
			}
			covSGs = n.SecurityGroupIDs
		}
		others := sharedOthers
		if i <= maxPeersListed || others == "" {
			var names []string
			for j := 0; j < len(peers) && len(names) < maxPeersListed; j++ {
				if j != i {
					names = append(names, peers[j].id)
				}
			}
			others = peerList(names, len(peers)-1)
		}
		if cov.allOK {
			// clusterPortCheck's pass, in the arena.
			checks = append(checks, Check{Status: StatusPass, Resources: slab.with(n.ID, cov.sgs),
				Message: a.text.words(n.ID, " (", cov.groups, ") accepts every cluster port (", cov.labels, ") from ", others, ".")})
			continue
		}
		checks = append(checks, clusterPortCheck(n, i, peers, cov, ports, others))
	}
	return checks
}

// who names the peer in messages: "i-… (10.0.1.5)".
func (p clusterPeer) who() string {
	if p.ip == "" {
		return p.id
	}
	return p.id + " (" + p.ip + ")"
}

// openRule is an inbound rule that opens some of a port range.
type openRule struct {
	span         portSpan
	sourceGroups []string
	prefixes     []netip.Prefix
}

func (a *awsInput) coverage(sgIDs []string, peers []clusterPeer, ports []PortRange) *groupCoverage {
	rules, unknown := a.ingress(sgIDs)
	cov := &groupCoverage{unknown: unknown, ports: make([]portCoverage, len(ports)), sgs: nonEmpty(sgIDs...), allOK: true}
	cov.groups = cmpOrDefault(strings.Join(cov.sgs, ", "), "no security group")
	labels := make([]string, len(ports))
	for i, p := range ports {
		labels[i] = portSpan{p.From, p.To}.String()
	}
	cov.labels = strings.Join(labels, ", ")

	// Which rules admit each peer does not depend on the port: work it out
	// once, as a bit per rule (the memo below needs rules ≤ 64, as a
	// node's groups have; beyond, each peer is worked out on its own).
	sources := make([]openRule, len(rules))
	for ri, r := range rules {
		sources[ri] = openRule{sourceGroups: r.SourceGroups, prefixes: prefixesOf(r.CIDRs)}
	}
	// A peer with the same groups as the one before it is admitted by
	// the same rules when no rule names addresses (a cluster's nodes
	// usually share their groups): sameRow[i] says so, and its row and
	// keys are the previous peer's.
	byGroupsOnly := !slices.ContainsFunc(sources, func(r openRule) bool { return len(r.prefixes) > 0 })
	sameRow := make([]bool, len(peers))
	admitted := make([]bool, len(peers)*len(rules)) // peer i, rule r: [i*len(rules)+r]
	for i, peer := range peers {
		row := admitted[i*len(rules) : (i+1)*len(rules)]
		if i > 0 && byGroupsOnly && slices.Equal(peer.sgs, peers[i-1].sgs) {
			sameRow[i] = true
			copy(row, admitted[(i-1)*len(rules):i*len(rules)])
			continue
		}
		for ri, r := range sources {
			row[ri] = r.admits(peer)
		}
	}
	for pi, p := range ports {
		var open []int // rules opening some of p
		var spans []portSpan
		for ri, r := range rules {
			if span, ok := opens(r.IngressRule, p.Protocol); ok {
				open = append(open, ri)
				spans = append(spans, span)
			}
		}
		pc := portCoverage{peerKey: make([]int, len(peers))}
		want := portSpan{p.From, p.To}
		keyIndex := map[string]int{}
		memo := map[uint64]int{} // open rules admitting a peer → its key
		var lastMask uint64      // the previous peer's mask and key
		lastKey := -1
		var have []portSpan
		for i := range peers {
			if sameRow[i] {
				pc.peerKey[i] = pc.peerKey[i-1] // the same rules, so the same gaps
				continue
			}
			var mask uint64
			for oi, ri := range open {
				if admitted[i*len(rules)+ri] && oi < 64 {
					mask |= 1 << oi
				}
			}
			if i > 0 && mask == lastMask && len(open) <= 64 {
				pc.peerKey[i] = lastKey // as memo[mask] holds
				continue
			}
			if k, ok := memo[mask]; ok && len(open) <= 64 {
				pc.peerKey[i] = k
				lastMask, lastKey = mask, k
				continue
			}
			have = have[:0]
			for oi, ri := range open {
				if admitted[i*len(rules)+ri] {
					have = append(have, spans[oi])
				}
			}
			k := -1
			if g := gaps(want, have); len(g) > 0 {
				text := spansString(g)
				var seen bool
				if k, seen = keyIndex[text]; !seen {
					k = len(pc.keys)
					keyIndex[text] = k
					pc.keys = append(pc.keys, text)
					pc.members = append(pc.members, nil)
				}
			}
			memo[mask] = k
			pc.peerKey[i] = k
			lastMask, lastKey = mask, k
		}
		for i, k := range pc.peerKey {
			if k >= 0 {
				pc.members[k] = append(pc.members[k], i)
				cov.allOK = false
			}
		}
		cov.ports[pi] = pc
	}
	return cov
}

func prefixesOf(cidrs []string) []netip.Prefix {
	var out []netip.Prefix
	for _, c := range cidrs {
		if pfx, ok := parseCIDR(c); ok {
			out = append(out, pfx)
		}
	}
	return out
}

// admits reports whether the rule lets traffic in from the peer.
func (r openRule) admits(peer clusterPeer) bool {
	for _, g := range r.sourceGroups {
		if slices.Contains(peer.sgs, g) {
			return true
		}
	}
	for _, pfx := range r.prefixes {
		for _, addr := range peer.addrs {
			if pfx.Contains(addr) {
				return true
			}
		}
	}
	return false
}

// clusterPortCheck is node self's verdict: the peers lacking each port,
// other than itself, from its groups' coverage. others names the peers
// for a pass.
func clusterPortCheck(node inventory.Instance, self int, peers []clusterPeer, cov *groupCoverage, ports []PortRange, others string) Check {
	resources := make([]string, 0, 1+len(cov.sgs))
	resources = append(append(resources, node.ID), cov.sgs...)
	if cov.allOK {
		return pass(node.ID+" ("+cov.groups+") accepts every cluster port ("+cov.labels+") from "+others+".", resources...)
	}
	var problems []string
	for pi, p := range ports {
		pc := cov.ports[pi]
		// Gaps in the order their first peer (other than self) comes.
		type gap struct{ key, first int }
		var order []gap
		for k, members := range pc.members {
			first := members[0]
			if first == self {
				if len(members) == 1 {
					continue
				}
				first = members[1]
			}
			order = append(order, gap{k, first})
		}
		slices.SortFunc(order, func(x, y gap) int { return cmp.Compare(x.first, y.first) })
		for _, g := range order {
			key := pc.keys[g.key]
			label := portLabel(p)
			if key != (portSpan{p.From, p.To}).String() {
				label = fmt.Sprintf("%s %s of %s", p.Protocol, key, portLabel(p))
			}
			var who []string
			total := 0
			for _, m := range pc.members[g.key] {
				if m == self {
					continue
				}
				if total < maxPeersListed {
					who = append(who, peers[m].who())
				}
				total++
			}
			problems = append(problems, fmt.Sprintf("%s from %s", label, peerList(who, total)))
		}
	}
	if len(problems) > 0 {
		msg := fmt.Sprintf("%s (%s) does not accept %s.", node.ID, cov.groups, strings.Join(problems, "; "))
		if len(cov.unknown) > 0 {
			msg += fmt.Sprintf(" (ec2:DescribeSecurityGroups did not return %s.)", strings.Join(cov.unknown, ", "))
		}
		return fail(msg,
			fmt.Sprintf("Allow these ports into %s from the other nodes: an inbound rule per port whose source is the cluster's security group (a group attached to every node, referencing itself), or the nodes' subnets.", node.ID),
			resources...)
	}
	return pass(node.ID+" ("+cov.groups+") accepts every cluster port ("+cov.labels+") from "+others+".", resources...)
}

// peerList names the first peers of total: "a, b and c", or beyond
// maxPeersListed "a, b, … and 290 more".
func peerList(listed []string, total int) string {
	if total > len(listed) {
		return andList(append(slices.Clone(listed), fmt.Sprintf("%d more", total-len(listed))))
	}
	return andList(listed)
}

var netLBPortsRule = awsRule{
	ID:          "NET-LB-PORTS",
	Requirement: reqLBPorts,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcSecurityGroups},
	eval: func(a *awsInput) []Check {
		// The verdict depends on the node's security groups only: work it
		// out once per distinct set of groups.
		verdicts := map[string]*lbPortsVerdict{}
		var last *lbPortsVerdict // the previous node's, usually this one's too
		var lastSGs []string
		slab := new(resSlab)
		checks := a.perNode(func(node *inventory.Instance) Check {
			v := last
			if v == nil || !slices.Equal(lastSGs, node.SecurityGroupIDs) {
				key := strings.Join(node.SecurityGroupIDs, "\x00")
				if v = verdicts[key]; v == nil {
					v = a.lbPortsVerdict(node.SecurityGroupIDs)
					verdicts[key] = v
				}
				last, lastSGs = v, node.SecurityGroupIDs
			}
			return v.checkIn(a, slab, node.ID)
		})
		if a.Env == checklist.EnvDev {
			for i := range checks {
				checks[i].Requirement = reqDevDirect
			}
		}
		return checks
	},
}

// lbPortsVerdict is NET-LB-PORTS for the nodes of one set of security
// groups, in the words around the node's id.
type lbPortsVerdict struct {
	status                         Status
	sgs                            []string
	message, remedyPre, remedyPost string
}

// checkIn is check with the message in the arena and the resources from
// the slab.
func (v *lbPortsVerdict) checkIn(a *awsInput, slab *resSlab, id string) Check {
	if v.status != StatusPass {
		return v.check(id)
	}
	return Check{Status: v.status, Message: a.text.words(id, v.message), Resources: slab.with(id, v.sgs)}
}

func (v *lbPortsVerdict) check(id string) Check {
	resources := make([]string, 0, 1+len(v.sgs))
	resources = append(append(resources, id), v.sgs...)
	c := Check{Status: v.status, Message: id + v.message, Resources: resources}
	if v.status != StatusPass {
		c.Remediation = v.remedyPre + id + v.remedyPost
	}
	return c
}

// lbPortsVerdict checks that nodes with these groups accept the load
// balancer's ports from some source: a Network Load Balancer preserves the
// clients' addresses, so the source is the clients' range, and for DEV the
// users reach the node directly.
func (a *awsInput) lbPortsVerdict(sgIDs []string) *lbPortsVerdict {
	rules, unknown := a.ingress(sgIDs)
	var closed, closedOpt, open []string
	for _, p := range a.Config.LoadBalancerPorts {
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			continue
		}
		var have []portSpan
		for _, r := range rules {
			if span, ok := opens(r.IngressRule, p.Protocol); ok && (len(nonEmpty(r.CIDRs...)) > 0 || len(nonEmpty(r.SourceGroups...)) > 0) {
				have = append(have, span)
			}
		}
		label := fmt.Sprintf("%s %s", p.Protocol, portSpan{p.From, p.To})
		switch g := gaps(portSpan{p.From, p.To}, have); {
		case len(g) == 0:
			open = append(open, label)
		case p.Required:
			closed = append(closed, label)
		default:
			closedOpt = append(closedOpt, label)
		}
	}
	v := &lbPortsVerdict{sgs: nonEmpty(sgIDs...)}
	groups := cmpOrDefault(strings.Join(v.sgs, ", "), "no security group")
	from, who := "the load balancer cannot reach the appliance on it", "from the clients' addresses (a Network Load Balancer preserves them; 0.0.0.0/0 for a public appliance) or from the load balancer's security group"
	if a.Env == checklist.EnvDev {
		from, who = "users cannot reach the DEV node, which DNS points at", "from the users' addresses (0.0.0.0/0 for a public appliance)"
	}
	note := ""
	if len(unknown) > 0 {
		note = fmt.Sprintf(" (ec2:DescribeSecurityGroups did not return %s.)", strings.Join(unknown, ", "))
	}
	switch {
	case len(closed) > 0:
		v.status = StatusFail
		v.message = fmt.Sprintf(" (%s) does not accept %s: %s.%s", groups, andList(append(closed, closedOpt...)), from, note)
		v.remedyPre, v.remedyPost = "Allow inbound "+andList(append(closed, closedOpt...))+" to ", " in one of its security groups "+who+"."
	case len(closedOpt) > 0:
		v.status = StatusWarn
		v.message = fmt.Sprintf(" (%s) does not accept %s.%s", groups, andList(closedOpt), note)
		v.remedyPre, v.remedyPost = "Allow inbound "+andList(closedOpt)+" to ", " in one of its security groups "+who+"."
	default:
		v.status = StatusPass
		v.message = fmt.Sprintf(" (%s) accepts %s.", groups, andList(open))
	}
	return v
}

var netSSHRule = awsRule{
	ID:          "NET-SSH",
	Requirement: reqSSH,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcSecurityGroups},
	eval: func(a *awsInput) []Check {
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		live, _ := a.nodes()
		if len(live) == 0 {
			return []Check{skip("Not checked: none of the declared instances exists (see VM-EXISTS).")}
		}
		return a.ssh(live)
	},
}

// ssh fails every group that opens the maintenance port to a range not
// inside the declared jump host. Security group sources pass (a bastion's
// or the cluster's own group), and so do ranges inside the VPC when the
// jump host is outside it: that is node-to-node maintenance, which the
// requirements list between cluster nodes.
func (a *awsInput) ssh(live []inventory.Instance) []Check {
	port := a.Config.MaintenancePort
	sgIDs := sgsOf(live)
	jumpText := strings.TrimSpace(a.env.JumpHostCidr)
	jump, jumpOK := parseCIDR(jumpText)
	jumpOK = jumpOK && jump.Bits() > 0 && strings.Contains(jumpText, "/")
	internal := a.vpcRanges(live)
	exemptInternal := len(internal) > 0 && !(jumpOK && slices.ContainsFunc(internal, func(o netip.Prefix) bool { return o.Overlaps(jump) }))

	var checks []Check
	var toJump, toInternal, toGroups []string
	for _, sg := range sgIDs {
		rules, _ := a.ingress([]string{sg})
		var offending, resources []string
		for _, r := range rules {
			span, ok := opens(r.IngressRule, "tcp")
			if !ok || port < span.from || port > span.to {
				continue
			}
			for _, g := range nonEmpty(r.SourceGroups...) {
				toGroups = append(toGroups, g)
			}
			for _, c := range nonEmpty(r.CIDRs...) {
				p, ok := parseCIDR(c)
				switch {
				case ok && jumpOK && within(p, jump):
					toJump = append(toJump, c)
				case ok && exemptInternal && withinAny(p, internal):
					toInternal = append(toInternal, c)
				default:
					offending = append(offending, fmt.Sprintf("%s (%s)", c, describeRule(r.IngressRule)))
					resources = append(resources, c)
				}
			}
		}
		if len(offending) == 0 {
			continue
		}
		name := sg
		if g := a.inv.SecurityGroups[sg]; g.Name != "" {
			name = fmt.Sprintf("%s (%s)", sg, g.Name)
		}
		msg := fmt.Sprintf("%s opens port %d to %s, beyond the jump host %s.", name, port, andList(offending), jumpText)
		remedy := fmt.Sprintf("In %s, remove these sources from the rules that open port %d, or narrow them to the jump host %s; maintenance over SSH is optional. A rule that opens more than port %d (all traffic, a port range) must be narrowed to the ports it is meant for.", sg, port, jumpText, port)
		if !jumpOK {
			msg = fmt.Sprintf("%s opens port %d to %s, and no valid jump host is declared.", name, port, andList(offending))
			remedy = fmt.Sprintf("Declare the jump host's address as jumpHostCidr (e.g. 203.0.113.10/32) and, in %s, open port %d only to it.", sg, port)
		}
		checks = append(checks, fail(msg, remedy, append([]string{sg}, nonEmpty(resources...)...)...))
	}
	if len(checks) > 0 {
		return checks
	}
	var parts []string
	if toJump = nonEmpty(toJump...); len(toJump) > 0 {
		parts = append(parts, fmt.Sprintf("the jump host %s", jumpText))
	}
	if toInternal = nonEmpty(toInternal...); len(toInternal) > 0 {
		parts = append(parts, fmt.Sprintf("%s inside the VPC (node-to-node maintenance)", andList(toInternal)))
	}
	if toGroups = nonEmpty(toGroups...); len(toGroups) > 0 {
		parts = append(parts, fmt.Sprintf("the security group %s", andList(toGroups)))
	}
	groups := strings.Join(sgIDs, ", ")
	if groups == "" {
		groups = "no security group"
	}
	if len(parts) == 0 {
		return []Check{pass(fmt.Sprintf("Port %d is not open to any address range (%s); maintenance over SSH is optional.", port, groups), sgIDs...)}
	}
	return []Check{pass(fmt.Sprintf("Port %d is open only to %s (%s).", port, andList(parts), groups), sgIDs...)}
}

// vpcRanges returns the address ranges of the nodes' VPC: the destinations
// of its route tables' local routes, and the nodes' subnets.
func (a *awsInput) vpcRanges(live []inventory.Instance) []netip.Prefix {
	vpcs := map[string]bool{}
	last := ""
	for i := range live {
		if v := a.vpcOf(&live[i]); v != "" && v != last {
			vpcs[strings.ToLower(v)] = true
			last = v
		}
	}
	var out []netip.Prefix
	add := func(c string) {
		if p, ok := parseCIDR(c); ok && p.Bits() > 0 && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, rt := range a.inv.RouteTables {
		if rt.VpcID != "" && !vpcs[strings.ToLower(rt.VpcID)] {
			continue
		}
		for _, r := range rt.Routes {
			if r.GatewayID == "local" {
				add(r.Destination)
			}
		}
	}
	var seen []string // subnets added: a cluster's nodes share a few
	for i := range live {
		for _, sn := range a.subnetsOf(&live[i]) {
			if !slices.Contains(seen, sn) {
				seen = append(seen, sn)
				add(a.inv.Subnets[sn].CidrBlock)
			}
		}
	}
	return out
}
