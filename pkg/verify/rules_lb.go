package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// tlsPort is the load balancer port the appliance cannot do without; the
// other LoadBalancerPorts (80) are recommended listeners.
const tlsPort = 443

const devLBSkip = "Not checked: the single-node DEV instance is reached directly, without a load balancer."

var lbTypeRule = awsRule{
	ID:             "LB-TYPE",
	Requirement:    reqLBType,
	Severity:       SeverityRequired,
	Sources:        []inventory.Source{inventory.SrcLoadBalancers},
	ProdOnly:       true,
	DevSkip:        devLBSkip,
	DevRequirement: reqDevDirect,
	eval: func(a *awsInput) []Check {
		declared := strings.TrimSpace(a.env.LoadBalancerArn)
		lb := a.inv.LoadBalancer
		switch {
		case declared == "" && lb == nil:
			return []Check{fail("PROD declares no load balancer; the cluster sits behind a Network Load Balancer.",
				"Create a Network Load Balancer with TCP listeners on 443 and 80 in front of the three nodes, and declare its ARN as loadBalancerArn.")}
		case lb == nil:
			return []Check{fail(fmt.Sprintf("The load balancer %s does not exist in %s.", declared, a.where()),
				fmt.Sprintf("Check loadBalancerArn in the checklist: declare the ARN of the cluster's Network Load Balancer in %s.", a.where()),
				declared)}
		}
		arn := cmpOrDefault(lb.Arn, declared)
		typ := strings.ToLower(strings.TrimSpace(lb.Type))
		state := strings.ToLower(strings.TrimSpace(lb.State))
		if typ != "network" {
			return []Check{fail(fmt.Sprintf("%s is %s load balancer; the cluster needs a Network Load Balancer with TCP listeners, because TLS terminates on the nodes.", arn, lbKind(typ)),
				"Replace it with a Network Load Balancer (TCP listeners on 443 and 80, the three nodes as targets, HTTP health check on /testall) and declare its ARN.",
				arn)}
		}
		switch state {
		case "active", "":
			return []Check{pass(fmt.Sprintf("%s is a Network Load Balancer (%s)%s.", arn, cmpOrDefault(lb.Scheme, "scheme not reported"), stateNote(state)), arn)}
		case "provisioning", "active_impaired":
			return []Check{warn(fmt.Sprintf("%s is a Network Load Balancer, but it is %s.", arn, strings.ReplaceAll(state, "_", " ")),
				"Wait until the load balancer is active (or, if impaired, check its zones and targets), then run the verification again.", arn)}
		}
		return []Check{fail(fmt.Sprintf("%s is a Network Load Balancer, but it is %s.", arn, state),
			"Recreate the load balancer and declare the new ARN.", arn)}
	},
}

func lbKind(typ string) string {
	switch typ {
	case "application":
		return "an Application"
	case "gateway":
		return "a Gateway"
	case "":
		return "an unknown type of"
	}
	return fmt.Sprintf("a %q", typ)
}

func stateNote(state string) string {
	if state == "" {
		return ""
	}
	return " and " + state
}

// declaredLB returns the load balancer, or the check saying why the rule
// cannot look at it.
func (a *awsInput) declaredLB() (*inventory.LoadBalancer, *Check) {
	lb := a.inv.LoadBalancer
	if lb == nil {
		c := skip("Not checked: there is no load balancer (see LB-TYPE).", nonEmpty(strings.TrimSpace(a.env.LoadBalancerArn))...)
		return nil, &c
	}
	return lb, nil
}

func lbArn(a *awsInput, lb *inventory.LoadBalancer) string {
	return cmpOrDefault(lb.Arn, strings.TrimSpace(a.env.LoadBalancerArn))
}

var lbListenersRule = awsRule{
	ID:             "LB-LISTENERS",
	Requirement:    reqLBType,
	Severity:       SeverityRequired,
	Sources:        []inventory.Source{inventory.SrcLoadBalancers, inventory.SrcListeners},
	ProdOnly:       true,
	DevSkip:        devLBSkip,
	DevRequirement: reqDevDirect,
	eval: func(a *awsInput) []Check {
		lb, c := a.declaredLB()
		if c != nil {
			return []Check{*c}
		}
		arn := lbArn(a, lb)
		if typ := strings.ToLower(lb.Type); typ != "network" {
			// An Application Load Balancer has only HTTP(S) listeners: one
			// root cause, reported once.
			return []Check{skip(fmt.Sprintf("Not checked: %s is not a Network Load Balancer (see LB-TYPE).", arn), arn)}
		}
		var checks []Check
		for _, p := range a.Config.LoadBalancerPorts {
			if p.Protocol != "tcp" {
				continue
			}
			for port := p.From; port <= p.To; port++ {
				checks = append(checks, listenerCheck(lb, arn, port))
			}
		}
		if len(checks) == 0 {
			return []Check{skip("Not checked: the configuration lists no load balancer ports.", arn)}
		}
		return checks
	},
}

func listenerCheck(lb *inventory.LoadBalancer, arn string, port int) Check {
	// The first listener on the port is judged.
	on := slices.IndexFunc(lb.Listeners, func(l inventory.Listener) bool { return int(l.Port) == port })
	if on < 0 {
		msg := fmt.Sprintf("%s has no listener on port %d.", arn, port)
		remedy := fmt.Sprintf("Add a TCP listener on port %d forwarding to a target group of the three nodes.", port)
		if port == tlsPort {
			return fail(msg, remedy, arn)
		}
		c := warn(msg+" Users who type the name without https:// get no answer.", remedy, arn)
		c.Severity = SeverityRecommended
		return c
	}
	l := &lb.Listeners[on]
	id := cmpOrDefault(l.Arn, arn)
	switch proto := strings.ToUpper(strings.TrimSpace(l.Protocol)); proto {
	case "TCP", "TCP_UDP":
		return pass("The listener on port "+strconv.Itoa(port)+" is "+proto+".", id)
	case "TLS", "HTTPS":
		return fail(fmt.Sprintf("The listener on port %d is %s: TLS must terminate on the nodes, not on the load balancer.", port, proto),
			fmt.Sprintf("Replace the listener on port %d with a TCP listener forwarding to the nodes (and remove its certificate from the load balancer).", port),
			id)
	default:
		return fail(fmt.Sprintf("The listener on port %d is %s; the appliance needs a TCP listener.", port, cmpOrDefault(proto, "of no reported protocol")),
			fmt.Sprintf("Replace the listener on port %d with a TCP listener forwarding to the nodes.", port),
			id)
	}
}

// targetGroups returns the groups behind the listeners on the load
// balancer ports (lb.TargetGroups itself when that is all of them: callers
// must not change it), and whether there are such listeners.
func (a *awsInput) targetGroups(lb *inventory.LoadBalancer) ([]inventory.TargetGroup, bool) {
	listeners := false
	for _, l := range lb.Listeners {
		if a.onLBPort(l.Port) {
			listeners = true
			break
		}
	}
	if !listeners {
		return nil, false
	}
	// A group is behind the listeners when one of them forwards to it.
	behind := func(tg *inventory.TargetGroup) bool {
		for _, l := range lb.Listeners {
			if a.onLBPort(l.Port) && slices.Contains(l.TargetGroupArns, tg.Arn) {
				return true
			}
		}
		return false
	}
	n := 0
	for g := range lb.TargetGroups {
		if behind(&lb.TargetGroups[g]) {
			n++
		}
	}
	switch n {
	case 0:
		// Listeners whose forward targets were not reported: judge every
		// group of the load balancer rather than none.
		return lb.TargetGroups, true
	case len(lb.TargetGroups):
		return lb.TargetGroups, true
	}
	tgs := make([]inventory.TargetGroup, 0, n)
	for g := range lb.TargetGroups {
		if behind(&lb.TargetGroups[g]) {
			tgs = append(tgs, lb.TargetGroups[g])
		}
	}
	return tgs, true
}

// onLBPort reports whether port is one of the configured load balancer
// ports (of any protocol).
func (a *awsInput) onLBPort(port int32) bool {
	for _, p := range a.Config.LoadBalancerPorts {
		if int(port) >= p.From && int(port) <= p.To {
			return true
		}
	}
	return false
}

func tgName(tg *inventory.TargetGroup) string {
	if tg.Name != "" {
		return tg.Name
	}
	return tg.Arn
}

var lbTargetsRule = awsRule{
	ID:          "LB-TARGETS",
	Requirement: reqLBFront,
	Severity:    SeverityRequired,
	Sources: []inventory.Source{inventory.SrcLoadBalancers, inventory.SrcListeners, inventory.SrcTargetGroups,
		inventory.SrcTargetHealth, inventory.SrcInstances},
	ProdOnly:       true,
	DevSkip:        devLBSkip,
	DevRequirement: reqDevDirect,
	eval: func(a *awsInput) []Check {
		lb, c := a.declaredLB()
		if c != nil {
			return []Check{*c}
		}
		arn := lbArn(a, lb)
		tgs, listeners := a.targetGroups(lb)
		switch {
		case !listeners:
			return []Check{skip("Not checked: the load balancer has no listener on its ports (see LB-LISTENERS).", arn)}
		case len(tgs) == 0:
			return []Check{fail(fmt.Sprintf("No target group is behind the listeners of %s: it forwards to no node.", arn),
				"Create a target group (TCP, instance targets), register the three nodes and forward the listeners to it.", arn)}
		}
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		r := newRegistrations(tgs, a.nodeSet())
		// What follows the id in a passing node's message is the same for
		// every node: written once.
		names := make([]string, len(tgs))
		for g := range tgs {
			names[g] = tgName(&tgs[g])
		}
		registered := " is registered in " + andList(names) + "."
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		t := &a.text
		for i := range ns.live {
			if r.fine(i) {
				t.start()
				t.s(ns.live[i].ID).s(registered)
				passIn(&room[i], t.end(), ns.factsSlab[i].res)
				continue
			}
			room[i] = r.check(i)
		}
		return checks
	},
}

// registrations finds the nodes' registrations in the target groups behind
// the listeners.
type registrations struct {
	tgs   []inventory.TargetGroup
	kinds []string // the groups' target types, lower case
	ns    *nodeSet
	// next is, per group, where the next node's registration is looked for
	// first: a group often lists the nodes in the order of their ids, the
	// order the rule goes through them in, and then most nodes are found
	// there without an index. It is -1 for a group with a target of bad
	// health: there, which of a node's registrations comes first decides.
	next []int
	// firsts is, per group, the position of each live node's first
	// registration (-1: none), worked out on first need in one pass over
	// the group's targets.
	firsts [][]int32
	addrs  *nodeAddrs // built for the first group that registers addresses
}

func newRegistrations(tgs []inventory.TargetGroup, ns *nodeSet) *registrations {
	r := &registrations{tgs: tgs, ns: ns, kinds: make([]string, len(tgs)), next: make([]int, len(tgs)),
		firsts: make([][]int32, len(tgs))}
	for g := range tgs {
		r.kinds[g] = strings.ToLower(tgs[g].TargetType)
		for _, t := range tgs[g].Targets {
			if !healthyTarget(t.Health) {
				r.next[g] = -1
				break
			}
		}
	}
	return r
}

// nodeAddrs indexes the live nodes' private addresses: ips[k] is one of
// node[k]'s, and same[k] the next entry of the same address (-1: none), for
// the rare address two nodes share.
type nodeAddrs struct {
	ips        []string
	node, same []int32
	idx        positions // of ips, the first entry of each address
}

func newNodeAddrs(ns *nodeSet) *nodeAddrs {
	n := 0
	for i := range ns.factsSlab {
		n += len(ns.factsSlab[i].ips)
	}
	a := &nodeAddrs{ips: make([]string, 0, n), node: make([]int32, 0, n), same: make([]int32, n), idx: newPositions(n)}
	for i := range ns.factsSlab {
		for _, ip := range ns.factsSlab[i].ips {
			a.ips = append(a.ips, ip)
			a.node = append(a.node, int32(i))
		}
	}
	for k, ip := range a.ips {
		a.same[k] = -1
		slot, found := a.idx.find(a.ips, ip)
		if !found {
			a.idx.slots[slot] = int32(k) + 1
			continue
		}
		head := a.idx.slots[slot] - 1
		a.same[k], a.same[head] = a.same[head], int32(k)
	}
	return a
}

// healthyTarget reports whether a target's health passes a node: healthy,
// or not reported.
func healthyTarget(health string) bool {
	if health == "healthy" {
		return true // as AWS reports it
	}
	h := strings.TrimSpace(health)
	return h == "healthy" || h == "" || strings.EqualFold(h, "healthy")
}

// matches reports whether target i of group g is live node n: by id, by
// address, or either, as the group's target type allows.
func (r *registrations) matches(g, i, n int) bool {
	t := r.tgs[g].Targets[i].ID
	return (r.kinds[g] != "ip" && t == r.ns.live[n].ID) || (r.kinds[g] != "instance" && slices.Contains(r.ns.factsSlab[n].ips, t))
}

// first returns the position of live node n's first registration in group
// g, or -1.
func (r *registrations) first(g, n int) int {
	if r.firsts[g] == nil {
		r.firsts[g] = r.firstsIn(g)
	}
	return int(r.firsts[g][n])
}

// firstsIn works out, in one pass over group g's targets, the position of
// each live node's first registration there: a target is a node by its
// id, or by one of its addresses, as the group's target type allows.
func (r *registrations) firstsIn(g int) []int32 {
	first := make([]int32, len(r.ns.live))
	for n := range first {
		first[n] = -1
	}
	byID, byAddr := r.kinds[g] != "ip", r.kinds[g] != "instance"
	if byAddr && r.addrs == nil {
		r.addrs = newNodeAddrs(r.ns)
	}
	for i := range r.tgs[g].Targets {
		id := r.tgs[g].Targets[i].ID
		if byID {
			if n, ok := r.ns.liveIndex(id); ok && first[n] < 0 {
				first[n] = int32(i)
			}
		}
		if byAddr {
			k, ok := r.addrs.idx.index(r.addrs.ips, id)
			for ; ok && k >= 0; k = int(r.addrs.same[k]) {
				if n := r.addrs.node[k]; first[n] < 0 {
					first[n] = int32(i)
				}
			}
		}
	}
	return first
}

// fine reports whether check passes live node n without a note: it is
// registered in every group, healthy (or of unreported health) in each.
func (r *registrations) fine(n int) bool {
	if st := r.ns.live[n].State; st != "running" && st != "" && !strings.EqualFold(st, "running") {
		return false
	}
	for g := range r.tgs {
		// In a group whose targets are all healthy, any registration of
		// the node judges it as its first would.
		i := r.next[g]
		if i < 0 || i >= len(r.tgs[g].Targets) || !r.matches(g, i, n) {
			if i = r.first(g, n); i < 0 || !healthyTarget(r.tgs[g].Targets[i].Health) {
				return false
			}
		}
		if r.next[g] >= 0 {
			r.next[g] = i + 1
		}
	}
	return true
}

// check checks that live node n is registered in every group, by id or
// (ip targets) by private address, and healthy there.
func (r *registrations) check(n int) Check {
	inst, ips := &r.ns.live[n], r.ns.factsSlab[n].ips
	running := strings.EqualFold(inst.State, "running") || inst.State == ""
	var missing, missingArns, unhealthy, unhealthyArns []string
	in := make([]string, 0, len(r.tgs))
	for g := range r.tgs {
		tg := &r.tgs[g]
		first := r.first(g, n)
		if first < 0 {
			missing = append(missing, tgName(tg))
			missingArns = append(missingArns, tg.Arn)
			continue
		}
		in = append(in, tgName(tg))
		if target := &tg.Targets[first]; running && !healthyTarget(target.Health) {
			why := strings.ToLower(strings.TrimSpace(target.Health))
			if target.Reason != "" {
				why += ": " + target.Reason
			}
			unhealthy = append(unhealthy, fmt.Sprintf("%s (%s)", tgName(tg), why))
			unhealthyArns = append(unhealthyArns, tg.Arn)
		}
	}
	if len(missing) > 0 {
		return fail(fmt.Sprintf("%s is not registered in the target group %s behind the load balancer's listeners.", inst.ID, andList(missing)),
			fmt.Sprintf("Register %s in %s (by instance id, or by its private IP %s for an ip target group).", inst.ID, andList(missing), cmpOrDefault(strings.Join(ips, ", "), "address")),
			append([]string{inst.ID}, nonEmpty(missingArns...)...)...)
	}
	if len(unhealthy) > 0 {
		return warn(fmt.Sprintf("%s is registered but not healthy in %s.", inst.ID, andList(unhealthy)),
			fmt.Sprintf("Check that %s runs the appliance and answers the health check from the load balancer (its security groups must allow the health check port from the VPC).", inst.ID),
			append([]string{inst.ID}, nonEmpty(unhealthyArns...)...)...)
	}
	note := ""
	if !running {
		note = fmt.Sprintf(" (its health is not judged while it is %s; see VM-EXISTS)", strings.ToLower(inst.State))
	}
	return pass(inst.ID+" is registered in "+andList(in)+note+".", inst.ID)
}

var lbHealthCheckRule = awsRule{
	ID:             "LB-HEALTHCHECK",
	Requirement:    reqHealth,
	Severity:       SeverityRequired,
	Sources:        []inventory.Source{inventory.SrcLoadBalancers, inventory.SrcListeners, inventory.SrcTargetGroups},
	ProdOnly:       true,
	DevSkip:        devLBSkip,
	DevRequirement: reqDevDirect,
	eval: func(a *awsInput) []Check {
		lb, c := a.declaredLB()
		if c != nil {
			return []Check{*c}
		}
		arn := lbArn(a, lb)
		tgs, listeners := a.targetGroups(lb)
		switch {
		case !listeners:
			return []Check{skip("Not checked: the load balancer has no listener on its ports (see LB-LISTENERS).", arn)}
		case len(tgs) == 0:
			return []Check{skip("Not checked: no target group is behind the listeners (see LB-TARGETS).", arn)}
		}
		path := a.Config.HealthCheckPath
		checks := make([]Check, 0, len(tgs))
		for g := range tgs {
			tg := &tgs[g]
			proto := strings.ToUpper(strings.TrimSpace(tg.HealthCheckProtocol))
			got := strings.TrimSpace(tg.HealthCheckPath)
			res := cmpOrDefault(tg.Arn, arn)
			var msg string
			switch {
			case proto != "HTTP" && proto != "HTTPS":
				msg = fmt.Sprintf("Target group %s checks health over %s; the appliance is monitored by HTTP against %s.", tgName(tg), cmpOrDefault(proto, "an unreported protocol"), path)
			case got != path:
				msg = fmt.Sprintf("Target group %s checks health over %s on %s, not on %s.", tgName(tg), proto, cmpOrDefault(got, "no path"), path)
			default:
				checks = append(checks, pass("Target group "+tgName(tg)+" checks health over "+proto+" on "+path+".", res))
				continue
			}
			checks = append(checks, fail(msg,
				fmt.Sprintf("Set the health check of target group %s to HTTP (or HTTPS) with path %s (EC2 › Target groups › Health checks).", tgName(tg), path),
				res))
		}
		return checks
	},
}
