package verify

import (
	"fmt"
	"slices"
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
	var on []inventory.Listener
	for _, l := range lb.Listeners {
		if int(l.Port) == port {
			on = append(on, l)
		}
	}
	if len(on) == 0 {
		msg := fmt.Sprintf("%s has no listener on port %d.", arn, port)
		remedy := fmt.Sprintf("Add a TCP listener on port %d forwarding to a target group of the three nodes.", port)
		if port == tlsPort {
			return fail(msg, remedy, arn)
		}
		c := warn(msg+" Users who type the name without https:// get no answer.", remedy, arn)
		c.Severity = SeverityRecommended
		return c
	}
	l := on[0]
	id := cmpOrDefault(l.Arn, arn)
	switch proto := strings.ToUpper(strings.TrimSpace(l.Protocol)); proto {
	case "TCP", "TCP_UDP":
		return pass(fmt.Sprintf("The listener on port %d is %s.", port, proto), id)
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
// balancer ports, and whether there are such listeners.
func (a *awsInput) targetGroups(lb *inventory.LoadBalancer) ([]inventory.TargetGroup, bool) {
	ports := map[int32]bool{}
	for _, p := range a.Config.LoadBalancerPorts {
		for port := p.From; port <= p.To; port++ {
			ports[int32(port)] = true
		}
	}
	var arns []string
	listeners := false
	for _, l := range lb.Listeners {
		if ports[l.Port] {
			listeners = true
			arns = append(arns, l.TargetGroupArns...)
		}
	}
	if !listeners {
		return nil, false
	}
	var tgs []inventory.TargetGroup
	for _, tg := range lb.TargetGroups {
		if slices.Contains(arns, tg.Arn) {
			tgs = append(tgs, tg)
		}
	}
	if len(tgs) == 0 {
		// Listeners whose forward targets were not reported: judge every
		// group of the load balancer rather than none.
		tgs = lb.TargetGroups
	}
	return tgs, true
}

func tgName(tg inventory.TargetGroup) string {
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
		idx := indexTargets(tgs)
		names := make([]string, len(tgs))
		kinds := make([]string, len(tgs))
		for g, tg := range tgs {
			names[g], kinds[g] = tgName(tg), strings.ToLower(tg.TargetType)
		}
		return a.perNode(func(inst *inventory.Instance) Check {
			ips := a.ipsOf(inst)
			if targetsFine(inst, ips, tgs, idx, kinds) {
				// The common case, worded as targetCheck does, in the arena.
				t := &a.text
				t.start()
				t.s(inst.ID).s(" is registered in ").list(names).s(".")
				return Check{Status: StatusPass, Message: t.end(), Resources: a.resOf(inst.ID)}
			}
			return targetCheck(*inst, ips, tgs, idx)
		})
	},
}

// indexTargets maps, for each target group, every target id (an instance
// id or an address) to the position of its first registration, so that a
// node's registration is found without scanning every target.
func indexTargets(tgs []inventory.TargetGroup) []map[string]int {
	idx := make([]map[string]int, len(tgs))
	for g, tg := range tgs {
		idx[g] = make(map[string]int, len(tg.Targets))
		for i, t := range tg.Targets {
			if _, ok := idx[g][t.ID]; !ok {
				idx[g][t.ID] = i
			}
		}
	}
	return idx
}

// targetsFine reports whether targetCheck passes a running node without
// a note: it is registered in every group, healthy (or of unreported
// health) in each. kinds are the groups' target types, lower case.
func targetsFine(inst *inventory.Instance, ips []string, tgs []inventory.TargetGroup, idx []map[string]int, kinds []string) bool {
	if inst.State != "" && !strings.EqualFold(inst.State, "running") {
		return false
	}
	for g := range tgs {
		first := -1
		if kinds[g] != "ip" {
			if i, ok := idx[g][inst.ID]; ok {
				first = i
			}
		}
		if kinds[g] != "instance" {
			for _, ip := range ips {
				if i, ok := idx[g][ip]; ok && (first < 0 || i < first) {
					first = i
				}
			}
		}
		if first < 0 {
			return false
		}
		switch h := strings.TrimSpace(tgs[g].Targets[first].Health); h {
		case "healthy", "":
		default:
			if !strings.EqualFold(h, "healthy") {
				return false
			}
		}
	}
	return true
}

// targetCheck checks that the node is registered in every group, by id or
// (ip targets) by private address (ips, as privateIPs), and healthy there.
// idx is indexTargets(tgs).
func targetCheck(inst inventory.Instance, ips []string, tgs []inventory.TargetGroup, idx []map[string]int) Check {
	running := strings.EqualFold(inst.State, "running") || inst.State == ""
	var missing, missingArns, unhealthy, unhealthyArns []string
	in := make([]string, 0, len(tgs))
	for g, tg := range tgs {
		// The first registration matching the node: by id, by address, or
		// either, as the group's target type allows.
		first := -1
		kind := strings.ToLower(tg.TargetType)
		if kind != "ip" {
			if i, ok := idx[g][inst.ID]; ok {
				first = i
			}
		}
		if kind != "instance" {
			for _, ip := range ips {
				if i, ok := idx[g][ip]; ok && (first < 0 || i < first) {
					first = i
				}
			}
		}
		var target *inventory.Target
		if first >= 0 {
			target = &tg.Targets[first]
		}
		if target == nil {
			missing = append(missing, tgName(tg))
			missingArns = append(missingArns, tg.Arn)
			continue
		}
		in = append(in, tgName(tg))
		switch h := strings.ToLower(strings.TrimSpace(target.Health)); h {
		case "healthy", "":
		default:
			if running {
				why := h
				if target.Reason != "" {
					why += ": " + target.Reason
				}
				unhealthy = append(unhealthy, fmt.Sprintf("%s (%s)", tgName(tg), why))
				unhealthyArns = append(unhealthyArns, tg.Arn)
			}
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
		var checks []Check
		for _, tg := range tgs {
			proto := strings.ToUpper(strings.TrimSpace(tg.HealthCheckProtocol))
			got := strings.TrimSpace(tg.HealthCheckPath)
			remedy := fmt.Sprintf("Set the health check of target group %s to HTTP (or HTTPS) with path %s (EC2 › Target groups › Health checks).", tgName(tg), path)
			res := cmpOrDefault(tg.Arn, arn)
			switch {
			case proto != "HTTP" && proto != "HTTPS":
				checks = append(checks, fail(fmt.Sprintf("Target group %s checks health over %s; the appliance is monitored by HTTP against %s.", tgName(tg), cmpOrDefault(proto, "an unreported protocol"), path), remedy, res))
			case got != path:
				checks = append(checks, fail(fmt.Sprintf("Target group %s checks health over %s on %s, not on %s.", tgName(tg), proto, cmpOrDefault(got, "no path"), path), remedy, res))
			default:
				checks = append(checks, pass(fmt.Sprintf("Target group %s checks health over %s on %s.", tgName(tg), proto, path), res))
			}
		}
		return checks
	},
}
