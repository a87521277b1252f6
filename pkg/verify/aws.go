package verify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// Requirement lines of the AWS rules, quoted from the appliance requirements
// (emphasis dropped; "…" marks an omitted part of the same line).
const (
	reqAMI          = "Provisioned from the AMI that Auth0 shares with the customer's account (Auth0 needs the account number and region of each environment)."
	reqVMSize       = "Memory 16 GB recommended, 8 GB minimum; CPU 4 vCPU recommended, 2 vCPU minimum."
	reqVMSizeRec    = "Recommended instance size m4.xlarge; m4.large at least."
	reqDevStorage   = "Storage, non-Production node: 4 drives — 40 GB system, 50 GB data, 50 GB user search, 50 GB backup."
	reqProdStorage  = "Storage, three-node Production: two nodes with 3 drives — 40 GB system, 100 GB data, 100 GB user search; one node with 4 drives — the same plus 100 GB backup."
	reqNIC          = "Exactly one network interface per VM."
	reqEgress       = "Each VM has its own private static IP and outbound internet access through a public IP, or NAT / transparent proxy."
	reqSpread       = "Multi-node: nodes spread over more than one host; on AWS, availability zones across subnets are supported and recommended."
	reqClusterPorts = "Between cluster nodes (same network segment):"
	reqLBPorts      = "all traffic | inbound | the load balancer | 80 and 443 (or 4443) | yes"
	reqSSH          = "Port 22 open to anything wider than the declared jump host is a security finding, not a requirement met."
	reqLBType       = "On AWS it must be TCP/IP (a Network Load Balancer with TCP listeners; TLS terminates on the nodes)."
	reqLBFront      = "Round-robin load balancer in front of the cluster; DNS records point at it."
	reqHealth       = "HTTP health monitoring against the unauthenticated /testall endpoint."
	reqDevDirect    = "A single-node DEV instance is reached directly (DNS points at the VM)."
	reqBackup       = "IT Operations backs up and monitors the appliance infrastructure: on AWS, every node in a backup plan (AWS Backup selection or a DLM policy covering its volumes)"
	reqAlarm        = "IT Operations backs up and monitors the appliance infrastructure: on AWS, … an alarm on each node's status checks."
)

// Names of the customer-side role template (infra/verifier_role.go), for
// remediations of unreadable sources.
const (
	verifierRoleName  = "ApplianceIntakeVerifier"
	verifierRoleStack = "ApplianceIntakeVerifierRoleStack"
)

// AWSRules returns the rules that judge the inventory collected in one
// environment's account and region, in a new slice the caller may extend.
// Their ids are stable: reports, notifications and customers' scripts refer
// to them.
//
//	ID                 Severity  Sources (IAM actions read)                    Fails when
//	VM-EXISTS          required  ec2:DescribeInstances                         a declared instance does not exist, or is not running
//	                                                                           (pending warns)
//	VM-AMI             required  ec2:DescribeInstances, ec2:DescribeImages     an instance was launched from another AMI than the
//	                                                                           declared one; the declared AMI is not visible
//	VM-SIZE            required  ec2:DescribeInstances,                        fewer than MinVCPU (2) vCPU or MinMemoryGiB (8) GiB;
//	                             ec2:DescribeInstanceTypes                     below 4 vCPU / 16 GiB warns (recommended)
//	VM-STORAGE         required  ec2:DescribeInstances, ec2:DescribeVolumes    a node's drive count is not exactly its role's, or a
//	                                                                           drive is smaller than needed (DEV 40/50/50/50 GB;
//	                                                                           PROD 40/100/100, exactly one node +100 GB backup)
//	VM-NIC             required  ec2:DescribeInstances                         a node has other than one network interface
//	NET-EGRESS         required  ec2:DescribeInstances,                        no private IP, or no 0.0.0.0/0 route out: to an
//	                             ec2:DescribeRouteTables                       internet gateway with a public IP, or to a NAT
//	                                                                           gateway, transit/virtual gateway or proxy instance
//	NET-NODES          required  ec2:DescribeInstances (ec2:DescribeSubnets)   the PROD nodes are all in one availability zone
//	NET-ISOLATION      required  ec2:DescribeInstances,                        a node is outside the declared VPC; an active peering
//	                             ec2:DescribeVpcPeeringConnections             connects this VPC with the other environment's
//	NET-CLUSTER-PORTS  required  ec2:DescribeInstances,                        (PROD) a node does not accept a required cluster port
//	                             ec2:DescribeSecurityGroups                    (27017, 7777, 8721, 8701, 9200, 9300–9400) from
//	                                                                           every other node
//	NET-LB-PORTS       required  ec2:DescribeInstances,                        a node does not accept 80 and 443
//	                             ec2:DescribeSecurityGroups
//	NET-SSH            required  ec2:DescribeInstances,                        port 22 is open to a range not inside the declared
//	                             ec2:DescribeSecurityGroups                    jump host (ranges inside the VPC pass when the jump
//	                                                                           host is outside it: node-to-node maintenance)
//	LB-TYPE            required  elasticloadbalancing:DescribeLoadBalancers    (PROD) the load balancer is missing, not a network
//	                                                                           load balancer, or failed (provisioning warns)
//	LB-LISTENERS       required  …DescribeLoadBalancers, …DescribeListeners    (PROD) no TCP listener on 443, or a TLS/HTTPS/HTTP
//	                                                                           listener on 80 or 443; no listener on 80 warns
//	LB-TARGETS         required  …DescribeLoadBalancers, …DescribeListeners,   (PROD) a node is not registered in a target group
//	                             …DescribeTargetGroups,                        behind those listeners; an unhealthy target warns
//	                             …DescribeTargetHealth, ec2:DescribeInstances
//	LB-HEALTHCHECK     required  …DescribeLoadBalancers, …DescribeListeners,   (PROD) a target group's health check is not HTTP(S)
//	                             …DescribeTargetGroups                         against HealthCheckPath (/testall)
//	TLS-ACM            required  acm:DescribeCertificate                       the declared ACM certificate does not exist here, is
//	                                                                           not issued, or comes from a private CA
//	OPS-BACKUP         required  ec2:DescribeInstances (backup:*, dlm:*,       a node is in no AWS Backup selection or DLM policy
//	                             ec2:DescribeVolumes when a node is uncovered)
//	OPS-ALARM          required  ec2:DescribeInstances,                        a node has no StatusCheckFailed* alarm (AWS/EC2,
//	                             cloudwatch:DescribeAlarms                     InstanceId); an alarm without actions warns
//
// With an inventory, the certificate rules TLS-SELF-SIGNED, TLS-CHAIN,
// TLS-KEY, TLS-NAMES, TLS-EXPIRY and TLS-DISTINCT judge an ACM certificate
// (its chain from acm:GetCertificate, else ACM's summary) instead of
// skipping it, under the same ids as for a PEM chain.
//
// Every rule declares the sources it reads. When one of them failed, the
// rule reports one error check naming the IAM action and the AWS error code
// instead of a verdict: never a crash, never a silent pass. Without an
// inventory (nil) every AWS rule skips. A declared instance that does not
// exist is reported once, by VM-EXISTS; the other per-instance rules skip it.
func AWSRules() []Rule {
	rules := make([]Rule, 0, len(awsRules)+1)
	for _, r := range awsRules {
		rules = append(rules, r.rule())
	}
	return append(rules, tlsACMRule)
}

var awsRules = []awsRule{
	vmExistsRule,
	vmAMIRule,
	vmSizeRule,
	vmStorageRule,
	vmNICRule,
	netEgressRule,
	netNodesRule,
	netIsolationRule,
	netClusterPortsRule,
	netLBPortsRule,
	netSSHRule,
	lbTypeRule,
	lbListenersRule,
	lbTargetsRule,
	lbHealthCheckRule,
	opsBackupRule,
	opsAlarmRule,
}

// Verify verifies one environment of a checklist against the inventory
// collected in its account and region: the static rules and the AWS rules.
// A nil inventory makes the AWS rules skip, so Verify(doc, env, nil, …) is
// Static plus one skipped check per AWS rule.
func Verify(doc *checklist.Document, env string, inv *inventory.Inventory, now time.Time, cfg Config) Report {
	in := &Input{Doc: doc, Env: strings.ToLower(env), Now: now, Config: cfg, Inventory: inv}
	rules := append(StaticRules(), AWSRules()...)
	calls := 0
	if inv != nil {
		calls = inv.APICalls
	}
	return newReport(in.Env, now, calls, evaluate(in, rules))
}

// awsRule is a rule over the inventory. Its wrapper handles what every AWS
// rule shares: an undeclared environment, no inventory, a failed source,
// and rules that do not apply to the single-node DEV instance.
type awsRule struct {
	ID          string
	Requirement string
	Severity    Severity
	// Sources are the reads the rule cannot judge without.
	Sources []inventory.Source
	// ProdOnly rules skip DEV with DevSkip, quoting DevRequirement.
	ProdOnly       bool
	DevSkip        string
	DevRequirement string
	eval           func(a *awsInput) []Check
}

// awsInput is the Input of an AWS rule, with the inventory and the declared
// environment known to be present.
type awsInput struct {
	*Input
	inv *inventory.Inventory
	env *checklist.Environment
}

func (r awsRule) rule() Rule {
	return Rule{
		ID:          r.ID,
		Requirement: r.Requirement,
		Severity:    r.Severity,
		Eval: func(in *Input) []Check {
			env := in.Environment()
			switch {
			case env == nil:
				return []Check{notDeclared(in.Env)}
			case r.ProdOnly && in.Env != checklist.EnvProd:
				c := skip(r.DevSkip)
				c.Requirement = r.DevRequirement
				return []Check{c}
			case in.Inventory == nil:
				return []Check{noInventory()}
			}
			if c, failed := sourceError(in.Inventory, env, r.Sources...); failed {
				return []Check{c}
			}
			return r.eval(&awsInput{Input: in, inv: in.Inventory, env: env})
		},
	}
}

func noInventory() Check {
	return skip("Not checked: this needs the AWS verification of the environment's account (only the checklist was verified).")
}

// sourceError returns one error check naming every failed source among
// those given, and whether there was one.
func sourceError(inv *inventory.Inventory, env *checklist.Environment, sources ...inventory.Source) (Check, bool) {
	var failed []inventory.SourceError
	for _, s := range sources {
		e, ok := inv.Errors[s]
		if !ok || slices.ContainsFunc(failed, func(f inventory.SourceError) bool { return f.Source == s }) {
			continue
		}
		e.Source = s
		failed = append(failed, e)
	}
	if len(failed) == 0 {
		return Check{}, false
	}
	var denied, other, deniedSrc, otherSrc []string
	for _, e := range failed {
		code := strings.TrimSpace(e.Code)
		if isAccessDenied(code) {
			denied = append(denied, fmt.Sprintf("%s (%s)", e.Source, code))
			deniedSrc = append(deniedSrc, string(e.Source))
			continue
		}
		why := cmp.Or(code, strings.TrimSpace(e.Err), "unknown error")
		other = append(other, fmt.Sprintf("%s (%s)", e.Source, why))
		otherSrc = append(otherSrc, string(e.Source))
	}
	var msg, remedy []string
	if len(denied) > 0 {
		them := "it"
		if len(denied) > 1 {
			them = "them"
		}
		msg = append(msg, fmt.Sprintf("Could not read %s: grant %s to the verifier role.", andList(denied), them))
		role := verifierRoleName
		if env != nil && strings.TrimSpace(env.RoleArn) != "" {
			role = strings.TrimSpace(env.RoleArn)
		}
		remedy = append(remedy, fmt.Sprintf(
			"Update the verifier role %s from the current %s role template (CloudFormation stack %s), which allows %s read-only, then run the verification again.",
			role, verifierRoleName, verifierRoleStack, andList(deniedSrc)))
	}
	if len(other) > 0 {
		msg = append(msg, fmt.Sprintf("Could not read %s.", andList(other)))
		remedy = append(remedy, "Run the verification again; if the error persists, ask your project manager to report it with this message.")
	}
	msg = append(msg, "This requirement is not verified.")
	return Check{
		Status:      StatusError,
		Message:     strings.Join(msg, " "),
		Remediation: strings.Join(remedy, " "),
		Resources:   append(deniedSrc, otherSrc...),
	}, true
}

// isAccessDenied reports whether an AWS error code means the caller lacks a
// permission (rather than a fault or throttling).
func isAccessDenied(code string) bool {
	c := strings.ToLower(code)
	for _, s := range []string{"accessdenied", "unauthorized", "authfailure", "forbidden", "authorizationerror", "notauthorized"} {
		if strings.Contains(c, s) {
			return true
		}
	}
	return false
}

// nodeSet is what every AWS rule starts from, worked out once per
// verification (Input.nodes) rather than once per rule: the declared ids,
// each once, the instances among them that exist, and a skip check for
// each that does not.
//
// The nodes are in the order of their ids, not the order the checklist
// declares them in: the report lists each rule's checks by resources, so
// a rule that goes through the nodes in id order writes its per-node
// checks where the report puts them (see orderRoom), and the report does
// not depend on the order a customer listed the ids in.
type nodeSet struct {
	env      *checklist.Environment
	inv      *inventory.Inventory
	declared []string // sortedIDs of the environment's
	live     []inventory.Instance
	skips    []Check
	// factsSlab holds the live nodes' addresses, subnets, VPC and zone,
	// in live order, worked out once for every rule that reads them.
	factsSlab []nodeFacts
	// byID indexes liveIDs (and so live and factsSlab) by id.
	byID positions
	// liveIdx is, per declared id, its position in live, or -1.
	liveIdx []int
	// liveIDs are the live nodes' ids, in live order.
	liveIDs []string
	// groupRes holds, per live node, its id and its security groups
	// (see withGroups).
	groupRes [][]string
}

// withGroups returns live node i's id followed by its security groups,
// each once: the resources of the checks on its groups (NET-CLUSTER-PORTS,
// NET-LB-PORTS), worked out once for every node on first use, in one
// backing array. Checks share them, and none changes them.
func (ns *nodeSet) withGroups(i int) []string {
	if ns.groupRes == nil {
		n := 0
		for k := range ns.live {
			n += 1 + len(ns.live[k].SecurityGroupIDs)
		}
		slab := make([]string, 0, n)
		ns.groupRes = make([][]string, len(ns.live))
		for k := range ns.live {
			start := len(slab)
			slab = append(slab, ns.live[k].ID)
			for _, g := range ns.live[k].SecurityGroupIDs {
				if g != "" && !slices.Contains(slab[start+1:], g) {
					slab = append(slab, g)
				}
			}
			ns.groupRes[k] = slab[start:len(slab):len(slab)]
		}
	}
	return ns.groupRes[i]
}

// sortedIDs returns the ids, trimmed, without blanks, each once, in
// ascending order, in a new slice.
func sortedIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	ascending := true
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			ascending = ascending && (len(out) == 0 || out[len(out)-1] < id)
			out = append(out, id)
		}
	}
	if ascending {
		return out // declared in order, each once: the common case
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nodeFacts are what several rules read of one node.
type nodeFacts struct {
	ips, subnets []string
	vpc, az      string
	// res is []string{id}, the resources of most of the node's checks,
	// shared by them (no check changes its resources in place).
	res []string
}

// liveIndex returns the position in live of the node id. The index by id
// is built on first use, once per verification for every rule that looks
// nodes up by id (most go node by node, by position).
func (ns *nodeSet) liveIndex(id string) (int, bool) {
	if ns.byID.slots == nil {
		ns.byID = indexOf(ns.liveIDs)
	}
	return ns.byID.index(ns.liveIDs, id)
}

func (a *awsInput) nodeSet() *nodeSet {
	if ns := a.Input.nodes; ns != nil && ns.env == a.env && ns.inv == a.inv {
		return ns
	}
	ns := &nodeSet{env: a.env, inv: a.inv}
	ns.declared = sortedIDs(a.env.InstanceIDs)
	ns.live = make([]inventory.Instance, 0, len(ns.declared))
	ns.liveIdx = make([]int, len(ns.declared))
	for k, id := range ns.declared {
		ns.liveIdx[k] = -1
		inst, ok := a.inv.Instances[id]
		switch {
		case !ok:
			ns.skips = append(ns.skips, skip("Not checked: "+id+" does not exist (see VM-EXISTS).", id))
		case gone(inst.State):
			ns.skips = append(ns.skips, skip("Not checked: "+id+" is "+strings.ToLower(inst.State)+" (see VM-EXISTS).", id))
		default:
			inst.ID = id
			ns.liveIdx[k] = len(ns.live)
			ns.live = append(ns.live, inst)
		}
	}
	// Every live node's facts, worked out once into one backing array of
	// strings: the ids first (each node's resources), then each node's
	// addresses and subnets.
	facts := make([]nodeFacts, len(ns.live))
	ns.factsSlab = facts
	n := 0
	for i := range ns.live {
		n += 2 * (1 + len(ns.live[i].Interfaces))
	}
	strs := make([]string, len(ns.live), len(ns.live)+n)
	ids, rest := strs, strs[len(ns.live):]
	ns.liveIDs = ids[:len(ns.live):len(ns.live)]
	for i := range ns.live {
		inst := &ns.live[i]
		f := &facts[i]
		ids[i] = inst.ID
		f.res = ids[i : i+1 : i+1]
		start := len(rest)
		rest = appendPrivateIPs(rest, inst)
		if len(rest) > start {
			f.ips = rest[start:len(rest):len(rest)]
		}
		start = len(rest)
		rest = appendSubnets(rest, inst)
		if len(rest) > start {
			f.subnets = rest[start:len(rest):len(rest)]
		}
		f.vpc = a.computeVpc(inst, f.subnets)
		f.az = a.computeAz(inst, f.subnets)
	}
	a.Input.nodes = ns
	return ns
}

// declaredIDs returns the environment's instance ids, each once. The slice
// is shared: callers must not change it.
func (a *awsInput) declaredIDs() []string { return a.nodeSet().declared }

// gone reports whether an instance state means the instance is on its way
// out: AWS lists terminated instances for a while after termination.
func gone(state string) bool {
	switch strings.ToLower(state) {
	case "terminated", "shutting-down":
		return true
	}
	return false
}

// skipChecks returns head zeroed checks for the rule to set, then a skip
// for each declared node that does not exist (VM-EXISTS reports those),
// from reserve, with room for more checks after them.
func (a *awsInput) skipChecks(head, more int) []Check {
	ns := a.nodeSet()
	checks := a.Input.reserve(head + len(ns.skips) + more)[:head]
	for _, c := range ns.skips {
		c.Resources = slices.Clone(c.Resources)
		checks = append(checks, c)
	}
	return checks
}

// nodeRoom lays out the checks of a rule that reports on every declared
// node: head checks of the rule's own (for the rule to
// set), a skip for each declared node that does not exist, one check per
// live node, and room for one more appended. It returns them, and the live
// nodes' part, zeroed (reserve hands out zeroed room): room[i] is the
// check of the node set's live[i].
//
// The rule fills room in place, field by field, rather than returning each
// check by value to be appended: a Check (with its seven pointer
// fields) copied whole costs a bulk write barrier while the collector
// marks, where a passing node's Status, Message and Resources cost three
// pointer stores.
func (a *awsInput) nodeRoom(head int) (checks, room []Check) {
	ns := a.nodeSet()
	checks = a.skipChecks(head, len(ns.live)+1)
	n := len(checks)
	checks = checks[:n+len(ns.live)]
	a.Input.room = roomMark{off: n, n: len(ns.live), set: true}
	return checks, checks[n:]
}

// declaredRoom returns zeroed room for one check per declared id, for a
// rule that reports the instances that do not exist too (nodeRoom covers
// the live ones only): room[k] is declared id k's.
func (a *awsInput) declaredRoom() (checks, room []Check) {
	n := len(a.nodeSet().declared)
	a.Input.room = roomMark{off: 0, n: n, set: true, declared: true}
	checks = a.Input.reserve(n)[:n]
	return checks, checks
}

// passIn makes c, a zeroed check, a pass.
func passIn(c *Check, msg string, res []string) {
	c.Status, c.Message, c.Resources = StatusPass, msg, res
}

func noNodes() Check {
	return skip("Not checked: no instances are declared (see NODE-COUNT).")
}

// where names the account and region the inventory was collected in.
func (a *awsInput) where() string {
	acct := cmp.Or(a.inv.AccountID, a.env.AccountID)
	region := cmp.Or(a.inv.Region, a.env.Region)
	switch {
	case acct != "" && region != "":
		return fmt.Sprintf("account %s (%s)", acct, region)
	case acct != "":
		return "account " + acct
	case region != "":
		return "region " + region
	}
	return "the account"
}

// name is the environment's name as messages spell it: DEV, PROD.
func (a *awsInput) name() string { return strings.ToUpper(a.Env) }

func (a *awsInput) computeVpc(inst *inventory.Instance, subnets []string) string {
	return a.ownOrSubnets(inst.VpcID, subnets, func(s *inventory.Subnet) string { return s.VpcID })
}

func (a *awsInput) computeAz(inst *inventory.Instance, subnets []string) string {
	return a.ownOrSubnets(inst.AvailabilityZone, subnets, func(s *inventory.Subnet) string { return s.AvailabilityZone })
}

// ownOrSubnets returns an instance's own value of a field EC2 reports on
// instances and subnets alike (its VPC, its zone), trimmed, or else the
// first of its subnets' that is set.
func (a *awsInput) ownOrSubnets(own string, subnets []string, field func(*inventory.Subnet) string) string {
	if v := strings.TrimSpace(own); v != "" {
		return v
	}
	for _, sn := range subnets {
		if s, ok := a.inv.Subnets[sn]; ok && field(&s) != "" {
			return field(&s)
		}
	}
	return ""
}

func (a *awsInput) computeSubnets(inst *inventory.Instance) []string {
	if out := appendSubnets(nil, inst); len(out) > 0 {
		return out
	}
	return nil
}

// appendSubnets appends computeSubnets' subnets to dst.
func appendSubnets(dst []string, inst *inventory.Instance) []string {
	start := len(dst)
	dst = appendNew(dst, start, inst.SubnetID)
	for i := range inst.Interfaces {
		dst = appendNew(dst, start, inst.Interfaces[i].SubnetID)
	}
	return dst
}

// azOf returns the availability zone of an instance that is not a live
// node (the node set holds theirs), from the instance or else its subnet.
func (a *awsInput) azOf(inst *inventory.Instance) string {
	return a.computeAz(inst, a.computeSubnets(inst))
}

// appendPrivateIPs appends the instance's private addresses to dst, each
// once, primary first.
func appendPrivateIPs(dst []string, inst *inventory.Instance) []string {
	start := len(dst)
	dst = appendNew(dst, start, inst.PrivateIP)
	for i := range inst.Interfaces {
		dst = appendNew(dst, start, inst.Interfaces[i].PrivateIP)
	}
	return dst
}

// appendNew appends v, trimmed, to dst unless it is empty or already in
// dst[start:] (one instance's values).
func appendNew(dst []string, start int, v string) []string {
	if v = strings.TrimSpace(v); v != "" && !slices.Contains(dst[start:], v) {
		dst = append(dst, v)
	}
	return dst
}

// publicIP returns the instance's public address, if any.
func publicIP(inst *inventory.Instance) string {
	if ip := strings.TrimSpace(inst.PublicIP); ip != "" {
		return ip
	}
	for _, ni := range inst.Interfaces {
		if ip := strings.TrimSpace(ni.PublicIP); ip != "" {
			return ip
		}
	}
	return ""
}

// withResources returns c with extra resources appended, each once.
func withResources(c Check, extra ...string) Check {
	c.Resources = nonEmpty(append(slices.Clone(c.Resources), extra...)...)
	return c
}

// andList joins names for a sentence: "a", "a and b", "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return sentenceBody(items)
}
