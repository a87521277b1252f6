package verify

import (
	"bytes"
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
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		// Room for the resources of every node's check: its id and table.
		slab := make(resSlab, 0, 2*len(ns.live))
		ways := make([]egressWay, len(a.inv.RouteTables))
		// The nodes of a subnet share its route table (and a cluster's
		// nodes a few subnets): each place is looked up once, for every
		// node in it.
		var places [egressPlaces]egressPlace // past these: looked up per node
		n := 0
		t := &a.text
		for i := range ns.live {
			inst, f := &ns.live[i], &ns.factsSlab[i]
			var w *egressWay
			if len(f.ips) == 0 {
				room[i] = a.egress(inst, f, -1, nil, &slab)
				continue
			}
			rt := -1
			if k := placeOf(places[:n], f); k >= 0 {
				rt = places[k].rt
			} else {
				rt = a.routeTable(f.subnets, f.vpc)
				if n < len(places) {
					places[n] = egressPlace{f.subnets, f.vpc, rt}
					n++
				}
			}
			if rt >= 0 {
				w = &ways[rt]
				if !w.done {
					*w = newEgressWay(&a.inv.RouteTables[rt])
				}
				// The common passes, in the arena: a NAT gateway, or an
				// internet gateway for a node with a public IP.
				pub := ""
				if w.nat == "" && w.igw != "" {
					pub = publicIP(inst)
				}
				if w.nat != "" || pub != "" {
					t.start()
					t.s(inst.ID).s(" (").s(f.ips[0])
					if w.nat != "" {
						t.s(w.nat)
					} else {
						t.s(") reaches the internet through its public IP ").s(pub).s(w.igw)
					}
					passIn(&room[i], t.end(), slab.of(inst.ID, a.inv.RouteTables[rt].ID))
					continue
				}
			}
			room[i] = a.egress(inst, f, rt, w, &slab)
		}
		return checks
	},
}

// egressPlaces is how many distinct places NET-EGRESS looks the route
// table of up once for all the nodes in them.
const egressPlaces = 8

// egressPlace is where a node sits, as far as its route table goes: its
// subnets and VPC, and the index of the table, or -1.
type egressPlace struct {
	subnets []string
	vpc     string
	rt      int
}

// placeOf returns the index of the place the node of f sits in (the same
// subnets and VPC), or -1. The subnets come first: the places of a
// cluster differ in them, and share the VPC.
func placeOf(places []egressPlace, f *nodeFacts) int {
	for k := range places {
		if p := &places[k]; slices.Equal(f.subnets, p.subnets) && f.vpc == p.vpc {
			return k
		}
	}
	return -1
}

// egressWay is the way out through one route table, worked out once for
// the nodes whose subnets it routes (a cluster's nodes share a table or a
// few): the words of a node's pass after its address.
type egressWay struct {
	done bool
	// nat follows the node's address when the default route leads to a
	// NAT gateway; igw follows its public IP when the route leads to an
	// internet gateway. Empty otherwise (egress words those cases).
	nat, igw string
	// route is the table's default route (nil: none), kind and target
	// what it leads to, for egress.
	route        *inventory.Route
	kind, target string
	// remedy is the remedy of a failure that names only the table, the
	// same for every node it routes: written once, on first need.
	remedy string
}

func newEgressWay(rt *inventory.RouteTable) egressWay {
	w := egressWay{done: true, route: defaultRoute(rt)}
	if w.route == nil {
		return w
	}
	w.kind, w.target = routeTarget(*w.route)
	if strings.EqualFold(w.route.State, "blackhole") {
		return w
	}
	switch w.kind {
	case "nat":
		w.nat = ") reaches the internet through NAT gateway " + w.target + " (route table " + rt.ID + ")."
	case "igw":
		w.igw = " and internet gateway " + w.target + " (route table " + rt.ID + ")."
	}
	return w
}

// remedyOf returns the way's remedy, written from parts on first need.
func (w *egressWay) remedyOf(t *textArena, parts ...string) string {
	if w.remedy == "" {
		w.remedy = t.words(parts...)
	}
	return w.remedy
}

// egress judges the way out of a node that the common passes (a NAT
// gateway, an internet gateway and a public IP) do not cover: a private
// address, and a default route that leads to the internet from where the
// node sits. rti is the index of the node's route table, or -1; w its way
// (nil with -1). The words go in the arena and the resources in slab: when
// the way out is wrong, it is wrong alike for every node it routes.
func (a *awsInput) egress(inst *inventory.Instance, f *nodeFacts, rti int, w *egressWay, slab *resSlab) Check {
	t := &a.text
	id, ips := inst.ID, f.ips
	if len(ips) == 0 {
		return fail(t.words(id, " has no private IP address."),
			t.words("Relaunch ", id, " in a subnet of the declared VPC, with a private IP address of its own."), f.res...)
	}
	subnet := ""
	if len(f.subnets) > 0 {
		subnet = f.subnets[0]
	}
	ip := ips[0]
	if rti < 0 {
		return fail(t.words("No route table applies to ", id, " (", ip, ")'s subnet ", cmpOrDefault(subnet, "(unknown)"), " (neither associated with it nor the VPC's main table): the node has no way out."),
			"Associate the subnet with a route table that routes 0.0.0.0/0 to a NAT gateway (or to an internet gateway, with a public IP on the node).",
			f.res...)
	}
	rt := &a.inv.RouteTables[rti]
	res := slab.of(id, rt.ID)
	if w.route == nil {
		return fail(t.words(id, " (", ip, ")'s subnet ", subnet, " uses route table ", rt.ID, ", which has no default route (0.0.0.0/0): the node cannot reach Auth0's update, CDN and telemetry hosts."),
			w.remedyOf(t, "Add a 0.0.0.0/0 route to ", rt.ID, ": to a NAT gateway in a public subnet, or to an internet gateway if the node has a public IP."),
			res...)
	}
	target := w.target
	if strings.EqualFold(w.route.State, "blackhole") {
		return fail(t.words("The default route of ", id, " (", ip, ") (route table ", rt.ID, ") leads to ", target, ", which no longer exists (blackhole): the node has no way out."),
			w.remedyOf(t, "Point the 0.0.0.0/0 route of ", rt.ID, " at a working NAT gateway (or internet gateway with a public IP on the node)."),
			res...)
	}
	// A NAT gateway, and an internet gateway for a node with a public IP,
	// passed in NET-EGRESS's loop.
	switch w.kind {
	case "igw":
		if st := strings.ToLower(strings.TrimSpace(inst.State)); st != "running" && st != "" {
			// AWS releases an automatic public IP when the instance stops
			// and assigns a new one when it starts.
			return skip(t.words("Not checked: ", id, " is ", st, " (see VM-EXISTS) and has no public IP while it is; its subnet routes 0.0.0.0/0 to internet gateway ", target, "."), res...)
		}
		return fail(t.words(id, " (", ip, ") has no public IP, but its subnet ", subnet, " routes 0.0.0.0/0 to internet gateway ", target, " (route table ", rt.ID, "), which carries only traffic of public addresses: the node has no way out."),
			t.words("Route 0.0.0.0/0 of ", id, "'s subnet to a NAT gateway in a public subnet, or give ", id, " an Elastic IP."),
			res...)
	case "tgw":
		return pass(t.words(id, " (", ip, ") reaches out through transit gateway ", target, " (route table ", rt.ID, "), to your network's NAT or proxy."), res...)
	case "vgw":
		return pass(t.words(id, " (", ip, ") reaches out through virtual private gateway ", target, " (route table ", rt.ID, "), to your network's NAT or proxy."), res...)
	case "instance", "eni":
		return pass(t.words(id, " (", ip, ") reaches out through the NAT or proxy ", target, " (route table ", rt.ID, ")."), res...)
	}
	return fail(t.words(id, " (", ip, ")'s default route leads to ", target, " (route table ", rt.ID, "), which does not lead to the internet: the node has no way out."),
		w.remedyOf(t, "Point the 0.0.0.0/0 route of ", rt.ID, " at a NAT gateway (or an internet gateway, with a public IP on the node)."),
		res...)
}

// routeTable returns the index of the table that routes the subnets'
// traffic: the one explicitly associated with one of them, else the VPC's
// main table; -1 when none does.
func (a *awsInput) routeTable(subnets []string, vpc string) int {
	for _, sn := range subnets {
		for i := range a.inv.RouteTables {
			if slices.Contains(a.inv.RouteTables[i].SubnetIDs, sn) {
				return i
			}
		}
	}
	var mains []int
	for i := range a.inv.RouteTables {
		rt := &a.inv.RouteTables[i]
		if !rt.Main {
			continue
		}
		if vpc != "" && strings.EqualFold(rt.VpcID, vpc) {
			return i
		}
		if rt.VpcID == "" || vpc == "" {
			mains = append(mains, i)
		}
	}
	if len(mains) == 1 {
		return mains[0]
	}
	return -1
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
		ns := a.nodeSet()
		live := ns.live
		if a.Env == checklist.EnvDev {
			c := a.devNode(ids, ns)
			c.Requirement = reqDevInstance
			return []Check{c}
		}
		if len(live) < 2 {
			return []Check{skip(fmt.Sprintf("Not checked: %s of the PROD nodes exist (see VM-EXISTS).", plural(len(live), "instance")), ids...)}
		}
		return []Check{a.spread(ns)}
	},
}

// spread judges the spread of the PROD nodes over availability zones.
func (a *awsInput) spread(ns *nodeSet) Check {
	live, facts, all := ns.live, ns.factsSlab, ns.liveIDs
	var names []string // the zones, each once
	unknown := 0
	for i := range live {
		switch az := facts[i].az; {
		case az == "":
			unknown++
		case !slices.Contains(names, az): // a region has a handful of zones
			names = append(names, az)
		}
	}
	slices.Sort(names)
	if unknown > 0 && len(names) < 2 {
		var ids []string
		for i := range live {
			if facts[i].az == "" {
				ids = append(ids, live[i].ID)
			}
		}
		return Check{
			Status:      StatusError,
			Message:     fmt.Sprintf("EC2 reports no availability zone for %s, so the spread of the PROD nodes is unknown. This requirement is not verified.", andList(ids)),
			Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
			Resources:   all,
		}
	}
	if len(names) < 2 {
		return fail(
			fmt.Sprintf("All %d PROD nodes (%s) are in one availability zone, %s: one zone's outage stops the whole cluster.", len(live), strings.Join(all, ", "), names[0]),
			"Replace one or two nodes with instances in subnets of other availability zones of the VPC, so that the nodes span at least two zones.",
			all...)
	}
	// "…: us-east-1a (i-1, i-4), us-east-1b (i-2), …": one long message
	// written at once rather than a list per zone and their joins, in a
	// builder of its size (local, so appending to it costs no write
	// barrier, which a part of a message in the arena does).
	size := len("The PROD nodes are spread over 000 availability zones: .")
	for _, az := range names {
		size += len(az) + len(" (), ")
	}
	for i := range live {
		size += len(live[i].ID) + len(", ")
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("The PROD nodes are spread over ")
	b.WriteString(strconv.Itoa(len(names)))
	b.WriteString(" availability zones: ")
	for k, az := range names {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(az)
		b.WriteString(" (")
		first := true
		for i := range live {
			if facts[i].az == az {
				if !first {
					b.WriteString(", ")
				}
				b.WriteString(live[i].ID)
				first = false
			}
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	return pass(b.String(), all...)
}

func (a *awsInput) devNode(ids []string, ns *nodeSet) Check {
	switch {
	case len(ids) != a.Config.DevNodes:
		return skip(fmt.Sprintf("Not checked: DEV declares %s (see NODE-COUNT).", plural(len(ids), "instance")), ids...)
	case len(ns.live) == 0:
		return skip("Not checked: the DEV node does not exist (see VM-EXISTS).", ids...)
	}
	inst := &ns.live[0]
	where := ""
	if az := ns.factsSlab[0].az; az != "" {
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
		peering := a.peeringCheck(vpc, otherVpc, otherName)
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes(), peering}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		// The words after a passing node's id, the same for every node.
		inVpc := " runs in the declared VPC " + vpc + "."
		t := &a.text
		var last isolationRemedy
		for i := range ns.live {
			f := &ns.factsSlab[i]
			if got := f.vpc; got == vpc || strings.EqualFold(got, vpc) { // vpc is not empty
				t.start()
				t.s(f.res[0]).s(inVpc)
				passIn(&room[i], t.end(), f.res)
				continue
			}
			room[i] = a.isolationFailure(f, vpc, otherVpc, otherName, &last)
		}
		return append(checks, peering)
	},
}

// isolationRemedy is the remedy of the last node that failed, and the VPC
// it runs in: the remedy depends on that VPC only, which the nodes outside
// the declared one usually share.
type isolationRemedy struct{ got, remedy string }

// isolationFailure is the check of the node of f, which runs in VPC f.vpc
// rather than in the declared vpc (its words in the arena).
func (a *awsInput) isolationFailure(f *nodeFacts, vpc, otherVpc, otherName string, last *isolationRemedy) Check {
	t := &a.text
	id, got := f.res[0], f.vpc
	if got == "" {
		return Check{
			Status:      StatusError,
			Message:     t.words("EC2 reports no VPC for ", id, ", so its network is unknown. This requirement is not verified."),
			Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
			Resources:   f.res,
		}
	}
	other := otherVpc != "" && strings.EqualFold(got, otherVpc)
	if last.remedy == "" || last.got != got {
		last.got = got
		if other {
			last.remedy = t.words("Run the ", a.name(), " node in its own VPC ", vpc, " (relaunch it in one of its subnets).")
		} else {
			last.remedy = t.words("Run the node in the declared VPC ", vpc, " (relaunch it in one of its subnets), or correct vpcId in the checklist if ", got, " is the ", a.name(), " VPC.")
		}
	}
	if other {
		return fail(t.words(id, " runs in ", got, ", the ", otherName, " VPC, not in the declared ", a.name(), " VPC ", vpc, ": Production and non-Production must be on completely isolated networks."),
			last.remedy, f.res...)
	}
	return fail(t.words(id, " runs in ", got, ", not in the declared VPC ", vpc, "."), last.remedy, f.res...)
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
	ids := nonEmpty(sgIDs...)
	n := 0 // the rules, counted first to gather them in one slice
	for _, id := range ids {
		n += len(a.inv.SecurityGroups[id].Ingress)
	}
	var rules []sgRule
	if n > 0 {
		rules = make([]sgRule, 0, n)
	}
	var unknown []string
	for _, id := range ids {
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
	for i := range nodes {
		sgs := nodes[i].SecurityGroupIDs
		if i > 0 && slices.Equal(sgs, nodes[i-1].SecurityGroupIDs) {
			continue // the nodes of a cluster usually share their groups
		}
		for _, g := range sgs {
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
		if live := a.nodeSet().live; len(live) < 2 {
			return append(a.skipChecks(0, 1), skip(fmt.Sprintf("Not checked: %s of the PROD nodes exist (see VM-EXISTS).", plural(len(live), "instance"))))
		}
		ports := make([]PortRange, 0, len(a.Config.ClusterPorts))
		for _, p := range a.Config.ClusterPorts {
			if p.Required && (p.Protocol == "tcp" || p.Protocol == "udp") {
				ports = append(ports, p)
			}
		}
		return a.clusterPortChecks(ports)
	},
}

// maxPeersListed bounds the peers a cluster-port message names: each node's
// message would otherwise name every other node, and the report would grow
// with the square of the nodes.
const maxPeersListed = 10

// clusterPeers are the live nodes as sources of cluster traffic, by their
// position in live.
type clusterPeers struct {
	live  []inventory.Instance
	facts []nodeFacts // the node set's, in live order
	// addrs are the peers' private addresses, parsed, peer i's at
	// addrs[at[i]:at[i+1]]: parsed on first need, as only rules with
	// CIDR sources read them.
	addrs []netip.Addr
	at    []int
	// same[i] is whether peer i has the groups of peer i-1, worked out on
	// first need for every coverage to share.
	same []bool
}

// sameGroups reports whether peer i has the same security groups as the
// peer before it (the nodes of a cluster usually share theirs).
func (p *clusterPeers) sameGroups(i int) bool {
	if p.same == nil {
		p.same = make([]bool, len(p.live))
		for j := 1; j < len(p.live); j++ {
			p.same[j] = slices.Equal(p.live[j].SecurityGroupIDs, p.live[j-1].SecurityGroupIDs)
		}
	}
	return p.same[i]
}

func (p *clusterPeers) addrsOf(i int) []netip.Addr {
	if p.at == nil {
		p.at = make([]int, len(p.live)+1)
		p.addrs = make([]netip.Addr, 0, len(p.live))
		for j := range p.live {
			for _, ip := range p.facts[j].ips {
				if addr, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil {
					p.addrs = append(p.addrs, addr.Unmap())
				}
			}
			p.at[j+1] = len(p.addrs)
		}
	}
	return p.addrs[p.at[i]:p.at[i+1]]
}

// who names peer i in messages: "i-… (10.0.1.5)".
func (p *clusterPeers) who(i int) string {
	if ips := p.facts[i].ips; len(ips) > 0 {
		return p.live[i].ID + " (" + ips[0] + ")"
	}
	return p.live[i].ID
}

// writeOthers writes the peers a pass message of node self names: the
// first maxPeersListed other nodes, as peerList words them ("a, b, … and
// 290 more"). self -1 leaves out no one but counts one node out of the
// total, which words the list of every node past the first maxPeersListed.
func writeOthers(t *textArena, live []inventory.Instance, self int) {
	total := len(live) - 1
	// At most maxPeersListed names and "N more": a few words on the stack.
	var buf [maxPeersListed + 1]string
	items := buf[:0]
	for j := 0; j < len(live) && len(items) < min(total, maxPeersListed); j++ {
		if j != self {
			items = append(items, live[j].ID)
		}
	}
	if total > len(items) {
		items = append(items, strconv.Itoa(total-len(items))+" more")
	}
	t.list(items)
}

// portCoverage is, for the nodes sharing one set of security groups (so
// one set of inbound rules), what the peers lack of one port range.
type portCoverage struct {
	keys    []string // the distinct gaps, as spansString words
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
	// passMid is the words of a pass between the node's id and the
	// peers: " (sg-1, sg-2) accepts every cluster port (27017, …) from ".
	passMid string
	// passTail is passMid and the peers of a node past the first
	// maxPeersListed, with the period: all of such a node's pass but its
	// id, written once in the arena on first need.
	passTail string
	allOK    bool // no port lacks anything from any peer

	// When a port lacks something: peer i's gap in port pi is
	// ports[pi].keys[keyOf[class[i]*len(ports)+pi]] (none when -1), and
	// failTails[c] is all of the failure of a node of class c that
	// namesLikeOthers but its id ("" until first need).
	class     []int32
	keyOf     []int
	failTails []string
}

// perGroups holds what a rule works out once per distinct set of security
// groups, as the nodes give them (a cluster's nodes share one set, or a
// few): of returns the set's, worked out by work on its first node.
type perGroups[T any] struct {
	sets [][]string
	vals []T
	last int // the set of the node before, usually this node's too
}

func (p *perGroups[T]) of(sgIDs []string, work func([]string) T) T {
	if p.last < len(p.sets) && slices.Equal(p.sets[p.last], sgIDs) {
		return p.vals[p.last]
	}
	k := slices.IndexFunc(p.sets, func(s []string) bool { return slices.Equal(s, sgIDs) })
	if k < 0 {
		k = len(p.sets)
		p.sets, p.vals = append(p.sets, sgIDs), append(p.vals, work(sgIDs))
	}
	p.last = k
	return p.vals[k]
}

// clusterPortChecks returns its verdicts that every node accepts every
// port from every other node: by a rule whose source is a group attached
// to the peer, or a CIDR holding the peer's private address.
//
// It stays linear in the nodes: a node's rules come from its security
// groups, so what each peer lacks is worked out once per distinct set of
// groups (the nodes of a cluster usually share one); each node then reads
// its own verdict off its set's coverage, leaving itself out.
func (a *awsInput) clusterPortChecks(ports []PortRange) []Check {
	ns := a.nodeSet()
	live := ns.live
	checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
	peers := &clusterPeers{live: live, facts: ns.factsSlab}
	t := &a.text
	var covs perGroups[*groupCoverage]
	cover := func(sgIDs []string) *groupCoverage { return a.coverage(sgIDs, peers, ports) }
	for i := range live {
		n := &live[i]
		cov := covs.of(n.SecurityGroupIDs, cover)
		if !cov.allOK && a.clusterPortFailIn(&room[i], i, peers, cov, ports) {
			continue
		}
		// A pass: the node accepts every port from every other node.
		if i >= maxPeersListed && cov.passTail == "" {
			t.start()
			t.s(cov.passMid)
			writeOthers(t, live, -1)
			cov.passTail = t.s(".").end()
		}
		t.start()
		t.s(n.ID)
		if i >= maxPeersListed {
			t.s(cov.passTail)
		} else {
			t.s(cov.passMid)
			writeOthers(t, live, i)
			t.s(".")
		}
		passIn(&room[i], t.end(), ns.withGroups(i))
	}
	return checks
}

// openRule is an inbound rule that opens some of a cluster port.
type openRule struct {
	sourceGroups []string
	prefixes     []netip.Prefix
	spans        []portSpan // per port: what the rule opens; from noPort when none of it
}

// noPort marks a span of no port (opens returns none below 0).
const noPort = -1

// admits reports whether the rule lets traffic in from peer i.
func (r *openRule) admits(peers *clusterPeers, i int) bool {
	sgs := peers.live[i].SecurityGroupIDs
	for _, g := range r.sourceGroups {
		if slices.Contains(sgs, g) {
			return true
		}
	}
	if len(r.prefixes) == 0 {
		return false
	}
	for _, addr := range peers.addrsOf(i) {
		for _, pfx := range r.prefixes {
			if pfx.Contains(addr) {
				return true
			}
		}
	}
	return false
}

// coverage works out what each peer lacks of each port under the inbound
// rules of the groups.
//
// What a peer lacks depends only on which rules admit it: peers are sorted
// into classes by that set of rules (one class when every rule names a
// group and the nodes share their groups, as a cluster's do), and the gaps
// are worked out once per class and port.
func (a *awsInput) coverage(sgIDs []string, peers *clusterPeers, ports []PortRange) *groupCoverage {
	rules, unknown := a.ingress(sgIDs)
	cov := &groupCoverage{unknown: unknown, ports: make([]portCoverage, len(ports)), sgs: nonEmpty(sgIDs...), allOK: true}
	cov.groups = cmpOrDefault(strings.Join(cov.sgs, ", "), "no security group")
	labels := make([]string, len(ports))
	for i, p := range ports {
		labels[i] = portSpan{p.From, p.To}.String()
	}
	cov.labels = strings.Join(labels, ", ")
	cov.passMid = " (" + cov.groups + ") accepts every cluster port (" + cov.labels + ") from "

	// Only the rules that open some of a cluster port matter: a node's
	// groups also hold the load balancer's and SSH's rules, often from
	// CIDRs, which would otherwise make every peer a case of its own.
	open := make([]openRule, 0, len(rules))
	spans := make([]portSpan, 0, len(rules)*len(ports)) // the rules' spans, one backing array
	for _, r := range rules {
		start, opensSome := len(spans), false
		// What the rule opens of a protocol, read once for the run of
		// ports of that protocol (all of them tcp, as a rule).
		proto, opened, ok := "", portSpan{}, false
		for pi, p := range ports {
			if pi == 0 || p.Protocol != proto {
				proto = p.Protocol
				opened, ok = opens(r.IngressRule, proto)
			}
			span := opened
			if !ok || span.to < p.From || span.from > p.To {
				span = portSpan{noPort, noPort} // none of p: no part in its gaps
			} else {
				opensSome = true
			}
			spans = append(spans, span)
		}
		if !opensSome {
			spans = spans[:start]
			continue
		}
		open = append(open, openRule{sourceGroups: r.SourceGroups, prefixes: prefixesOf(r.CIDRs), spans: spans[start:len(spans):len(spans)]})
	}

	// Each peer's class: the set of open rules admitting it, a bit per
	// rule. A peer with the same groups as the one before it is in its
	// class when no rule names addresses.
	byGroupsOnly := !slices.ContainsFunc(open, func(r openRule) bool { return len(r.prefixes) > 0 })
	width := (len(open) + 7) / 8
	row := make([]byte, width)
	var classRows []byte       // class c's set: classRows[c*width:(c+1)*width]
	var index map[string]int32 // set → class, for peers unlike the one before
	class := make([]int32, len(peers.live))
	classes := 0
	for i := range peers.live {
		if i > 0 && byGroupsOnly && peers.sameGroups(i) {
			class[i] = class[i-1]
			continue
		}
		clear(row)
		for ri := range open {
			if open[ri].admits(peers, i) {
				row[ri/8] |= 1 << (ri % 8)
			}
		}
		if i > 0 {
			if prev := int(class[i-1]); bytes.Equal(row, classRows[prev*width:(prev+1)*width]) {
				class[i] = class[i-1]
				continue
			}
		}
		c, ok := index[string(row)]
		if !ok {
			if index == nil {
				index = map[string]int32{}
			}
			c = int32(classes)
			classes++
			classRows = append(classRows, row...)
			index[string(row)] = c
		}
		class[i] = c
	}

	// Each class's gaps in each port, as an index into the port's keys
	// (-1: none). Classes are numbered in the order of their first peer,
	// so the keys come in the order of theirs.
	keyOf := make([]int, classes*len(ports)) // class c, port pi: [c*len(ports)+pi]
	var have []portSpan
	for c := range classes {
		set := classRows[c*width : (c+1)*width]
		for pi, p := range ports {
			have = have[:0]
			for ri := range open {
				if set[ri/8]&(1<<(ri%8)) != 0 && open[ri].spans[pi].from != noPort {
					have = append(have, open[ri].spans[pi])
				}
			}
			k := -1
			if g := gaps(portSpan{p.From, p.To}, have); len(g) > 0 {
				pc := &cov.ports[pi]
				text := spansString(g)
				if k = slices.Index(pc.keys, text); k < 0 {
					k = len(pc.keys)
					pc.keys = append(pc.keys, text)
				}
				cov.allOK = false
			}
			keyOf[c*len(ports)+pi] = k
		}
	}
	if cov.allOK {
		return cov
	}
	cov.class, cov.keyOf, cov.failTails = class, keyOf, make([]string, classes)
	for pi := range cov.ports {
		pc := &cov.ports[pi]
		pc.members = make([][]int, len(pc.keys))
		for i, c := range class {
			if k := keyOf[int(c)*len(ports)+pi]; k >= 0 {
				pc.members[k] = append(pc.members[k], i)
			}
		}
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

// clusterPortProblems words what node self lacks from its peers, other
// than itself, from its groups' coverage: "tcp 27017 (database) from a, b
// and c; …", or "" when the other nodes lack nothing (only self does).
func clusterPortProblems(self int, peers *clusterPeers, cov *groupCoverage, ports []PortRange) string {
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
					who = append(who, peers.who(m))
				}
				total++
			}
			problems = append(problems, fmt.Sprintf("%s from %s", label, peerList(who, total)))
		}
	}
	return strings.Join(problems, "; ")
}

// namesLikeOthers reports whether node self's problems are worded as those
// of every other node of its class: it is past the first maxPeersListed
// peers of every gap it is in, so it changes no gap's order or names, only
// its count of peers, as its class does (it is in the same gaps).
func (cov *groupCoverage) namesLikeOthers(self int) bool {
	row := cov.keyOf[int(cov.class[self])*len(cov.ports):][:len(cov.ports)]
	for pi, k := range row {
		if k < 0 {
			continue
		}
		if m := cov.ports[pi].members[k]; len(m) <= maxPeersListed || self <= m[maxPeersListed-1] {
			return false
		}
	}
	return true
}

// clusterPortFailIn makes c, a zeroed check, node self's failure; false
// (c untouched) when the other nodes lack nothing (only self does).
//
// Every node of a class past the first peers of its gaps (all but a few)
// shares its message but for its id: the rest of it is worded once per
// class, in the arena, rather than once per node.
func (a *awsInput) clusterPortFailIn(c *Check, self int, peers *clusterPeers, cov *groupCoverage, ports []PortRange) bool {
	t := &a.text
	id := peers.live[self].ID
	tail := ""
	shared := cov.namesLikeOthers(self)
	if shared {
		tail = cov.failTails[cov.class[self]]
	}
	if tail == "" {
		problems := clusterPortProblems(self, peers, cov, ports)
		if problems == "" {
			return false
		}
		t.start()
		t.s(" (").s(cov.groups).s(") does not accept ").s(problems).s(".")
		if len(cov.unknown) > 0 {
			t.s(" (ec2:DescribeSecurityGroups did not return ").s(strings.Join(cov.unknown, ", ")).s(".)")
		}
		tail = t.end()
		if shared {
			cov.failTails[cov.class[self]] = tail
		}
	}
	c.Status = StatusFail
	t.start()
	c.Message = t.s(id).s(tail).end()
	t.start()
	c.Remediation = t.s("Allow these ports into ").s(id).s(" from the other nodes: an inbound rule per port whose source is the cluster's security group (a group attached to every node, referencing itself), or the nodes' subnets.").end()
	c.Resources = a.nodeSet().withGroups(self)
	return true
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
		if len(a.declaredIDs()) == 0 {
			c := noNodes()
			if a.Env == checklist.EnvDev {
				c.Requirement = reqDevDirect
			}
			return []Check{c}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		// The verdict depends on the node's security groups only: it is
		// worked out once per distinct set of groups (a cluster's nodes
		// share one, or a few).
		var verdicts perGroups[*lbPortsVerdict]
		t := &a.text
		for i := range ns.live {
			node := &ns.live[i]
			v := verdicts.of(node.SecurityGroupIDs, a.lbPortsVerdict)
			if v.status != StatusPass {
				v.checkIn(&room[i], t, node.ID, ns.withGroups(i))
				continue
			}
			t.start()
			t.s(node.ID).s(v.message)
			passIn(&room[i], t.end(), ns.withGroups(i))
		}
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
	sgs                            []string // each once
	message, remedyPre, remedyPost string
}

// checkIn makes c, a zeroed check, the check of node id (resources res)
// when the verdict is not a pass (the words in the arena: a group's nodes
// all fail alike).
func (v *lbPortsVerdict) checkIn(c *Check, t *textArena, id string, res []string) {
	c.Status = v.status
	t.start()
	c.Message = t.s(id).s(v.message).end()
	t.start()
	c.Remediation = t.s(v.remedyPre).s(id).s(v.remedyPost).end()
	c.Resources = res
}

// isSet reports whether a source is named (nonEmpty keeps such values).
func isSet(v string) bool { return v != "" }

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
			if span, ok := opens(r.IngressRule, p.Protocol); ok && (slices.ContainsFunc(r.CIDRs, isSet) || slices.ContainsFunc(r.SourceGroups, isSet)) {
				have = append(have, span)
			}
		}
		label := p.Protocol + " " + portSpan{p.From, p.To}.String()
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
		ns := a.nodeSet()
		if len(ns.live) == 0 {
			return []Check{skip("Not checked: none of the declared instances exists (see VM-EXISTS).")}
		}
		return a.ssh(ns)
	},
}

// ssh fails every group that opens the maintenance port to a range not
// inside the declared jump host. Security group sources pass (a bastion's
// or the cluster's own group), and so do ranges inside the VPC when the
// jump host is outside it: that is node-to-node maintenance, which the
// requirements list between cluster nodes.
func (a *awsInput) ssh(ns *nodeSet) []Check {
	port := a.Config.MaintenancePort
	sgIDs := sgsOf(ns.live)
	jumpText := strings.TrimSpace(a.env.JumpHostCidr)
	jump, jumpOK := parseCIDR(jumpText)
	jumpOK = jumpOK && jump.Bits() > 0 && strings.Contains(jumpText, "/")
	// The VPC's ranges matter only for a source outside the jump host,
	// which a correct group has none of: they are read on first need.
	var internal []netip.Prefix
	exemptInternal, readInternal := false, false
	isInternal := func(p netip.Prefix) bool {
		if !readInternal {
			readInternal = true
			internal = a.vpcRanges(ns)
			exemptInternal = len(internal) > 0 && !(jumpOK && slices.ContainsFunc(internal, func(o netip.Prefix) bool { return o.Overlaps(jump) }))
		}
		return exemptInternal && withinAny(p, internal)
	}

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
				case ok && isInternal(p):
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
func (a *awsInput) vpcRanges(ns *nodeSet) []netip.Prefix {
	var vpcs []string // lower case, each once: the nodes share one VPC, or a few
	last := ""
	for i := range ns.factsSlab {
		if v := ns.factsSlab[i].vpc; v != "" && v != last {
			if lower := strings.ToLower(v); !slices.Contains(vpcs, lower) {
				vpcs = append(vpcs, lower)
			}
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
		if rt.VpcID != "" && !slices.Contains(vpcs, strings.ToLower(rt.VpcID)) {
			continue
		}
		for _, r := range rt.Routes {
			if r.GatewayID == "local" {
				add(r.Destination)
			}
		}
	}
	var seen []string // subnets added: a cluster's nodes share a few
	for i := range ns.factsSlab {
		for _, sn := range ns.factsSlab[i].subnets {
			if !slices.Contains(seen, sn) {
				seen = append(seen, sn)
				add(a.inv.Subnets[sn].CidrBlock)
			}
		}
	}
	return out
}
