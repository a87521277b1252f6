package verify

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// Rule is one requirement the verifier enforces. Rules are pure: everything
// they look at is in the Input, so they are evaluated without I/O and tested
// with plain values.
type Rule struct {
	ID string
	// Requirement quotes the line of the appliance requirements the rule
	// enforces; a Check may quote a more specific line instead.
	Requirement string
	// Severity is the default for the rule's checks; a Check may set its
	// own when one rule carries both a requirement and a recommendation.
	Severity Severity
	// Eval returns at least one Check. It may leave ID, Requirement and
	// Severity empty: they are filled in from the Rule.
	Eval func(*Input) []Check
}

// Input is everything a rule may look at for one environment.
type Input struct {
	Doc    *checklist.Document
	Env    string // checklist.EnvDev or checklist.EnvProd
	Now    time.Time
	Config Config
	// Inventory is what the AWS verification collected in the environment's
	// account and region; nil for the static verification, in which case
	// the AWS rules skip. Static rules never need it, except that the
	// certificate rules read an ACM certificate from it.
	Inventory *inventory.Inventory

	// certs caches each environment's parsed certificate: several rules
	// read it, and TLS-DISTINCT reads the other environment's too. Rules
	// run one after another, so the caches need no lock.
	certs map[string]*certSource
	// nodes caches the declared and existing instances every AWS rule
	// starts from.
	nodes *nodeSet
	// text holds the messages of the per-node checks (see textArena).
	text textArena
	// pool is the report's checks, rule after rule, as evaluate places
	// them; a rule that returns checks from reserve (free space past
	// them) has them placed where they are, without a copy. top is the
	// end of the space reserved so far.
	pool []Check
	top  int
	// dirty is the end of the space reserved so far: room below it may
	// hold checks a rule wrote and then did not return, which reserve
	// clears before handing it out again.
	dirty int
	// room is where the running rule's per-node checks lie in what it
	// returns (set by nodeRoom).
	room roomMark
	// otherIDs says that a check of the rule that ran last reports under
	// an id other than the rule's (set by run).
	otherIDs bool
}

// roomMark locates a rule's per-node checks: checks[off:off+n], one per
// live node, or with declared set one per declared id, in the order of
// their ids (see nodeSet).
type roomMark struct {
	off, n   int
	set      bool
	declared bool
}

// perNodeRules is how many rules report one check per declared node (VM-EXISTS,
// VM-AMI, VM-SIZE, VM-STORAGE, VM-NIC, NET-EGRESS, NET-ISOLATION,
// NET-CLUSTER-PORTS, NET-LB-PORTS, LB-TARGETS, OPS-BACKUP, OPS-ALARM):
// evaluate sizes the pool by it. A wrong count costs a copy, not a check.
const perNodeRules = 12

// reserve returns an empty slice with room for n checks, from the pool
// when it has room. The room is zeroed, so that a rule may fill checks in
// place field by field.
func (in *Input) reserve(n int) []Check {
	if in == nil || in.top+n > cap(in.pool) {
		return make([]Check, 0, n)
	}
	r := in.pool[in.top : in.top : in.top+n]
	if in.top < in.dirty {
		clear(in.pool[in.top:min(in.top+n, in.dirty)])
	}
	in.top += n
	in.dirty = max(in.dirty, in.top)
	return r
}

// place puts a rule's checks after those placed before, in the pool
// (where they may already be).
func (in *Input) place(checks []Check) {
	start := len(in.pool)
	if len(checks) > 0 && start < cap(in.pool) && &checks[0] == &in.pool[:start+1][start] {
		in.pool = in.pool[:start+len(checks)]
	} else {
		in.pool = append(in.pool, checks...)
	}
	in.top = len(in.pool)
}

// Environment returns the environment under verification, or nil when the
// checklist does not declare it.
func (in *Input) Environment() *checklist.Environment {
	if in.Doc == nil {
		return nil
	}
	return in.Doc.Env(in.Env)
}

// OtherName names the environment that must stay apart from this one.
func (in *Input) OtherName() string {
	if in.Env == checklist.EnvProd {
		return checklist.EnvDev
	}
	return checklist.EnvProd
}

// Other returns the other environment, or nil when it is not declared.
func (in *Input) Other() *checklist.Environment {
	if in.Doc == nil {
		return nil
	}
	return in.Doc.Env(in.OtherName())
}

// StaticRules returns the rules that need nothing but the checklist, in a
// new slice the caller may extend.
func StaticRules() []Rule {
	return slices.Clone(staticRules)
}

var staticRules = []Rule{
	envDeclaredRule,
	nodeCountRule,
	netIsolationDeclaredRule,
	dnsNamesRule,
	dnsDistinctRule,
	tlsParseRule,
	chainRule(tlsSelfSigned),
	chainRule(tlsChain),
	chainRule(tlsKey),
	chainRule(tlsNames),
	chainRule(tlsExpiry),
	tlsDistinctRule,
}

// Static verifies one environment of a checklist with the rules that need no
// AWS call, so a customer gets the cheap answers before any role is assumed.
func Static(doc *checklist.Document, env string, now time.Time, cfg Config) Report {
	in := &Input{Doc: doc, Env: strings.ToLower(env), Now: now, Config: cfg}
	return newReport(in.Env, now, 0, evaluate(in, staticRules))
}

func newReport(env string, now time.Time, apiCalls int, checks []Check) Report {
	return Report{
		Environment: env,
		Passed:      passed(checks),
		APICalls:    apiCalls,
		GeneratedAt: now,
		Checks:      checks,
	}
}

// evaluate runs the rules and returns their checks sorted by ID, then
// resources, so that two reports on the same input compare line by line.
func evaluate(in *Input, rules []Rule) []Check {
	if err := in.Config.Validate(); err != nil {
		// Rules run on a broken configuration would report the customer's
		// infrastructure as wrong; blame the configuration instead.
		return []Check{{
			ID:          "CONFIG",
			Requirement: "Numbers in the appliance requirements are the rules' defaults; a deployment can override them in configuration.",
			Severity:    SeverityRequired,
			Status:      StatusError,
			Resources:   []string{},
			Message:     "The verifier's configuration is invalid, so nothing was checked: " + err.Error(),
			Remediation: "This is a fault of the verification service, not of your infrastructure: ask your project manager to have the configuration fixed.",
		}}
	}
	// Rules run in the order of their ids, each placing its checks after
	// the previous rule's in one pool; when every rule reports under its
	// own id, the pool is the report in order (each rule's checks sorted
	// by resources in place as they are placed, while the cache holds
	// them) and nothing is copied. Otherwise the checks are sorted as
	// sortedChecks does (which the sort of each rule's checks by
	// resources, a stable one, does not change).
	order := make([]int, len(rules))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(rules[x].ID, rules[y].ID) })
	est := 2 * len(rules)
	if env := in.Environment(); env != nil && in.Inventory != nil {
		est += perNodeRules * len(env.InstanceIDs)
	}
	in.pool, in.top, in.dirty = make([]Check, 0, est), 0, 0
	starts := make([]int, len(rules)) // rule i's checks: pool[starts[i]:starts[i]+n[i]]
	inOrder := true                   // every check reports under its rule's id, each rule's its own
	for k, i := range order {
		starts[i] = len(in.pool)
		in.room = roomMark{}
		checks := rules[i].run(in)
		inOrder = inOrder && !in.otherIDs && (k == 0 || rules[i].ID != rules[order[k-1]].ID)
		sortByResources(checks, in.orderRoom(checks))
		in.place(checks)
	}
	checks := in.pool
	in.pool, in.top, in.dirty = nil, 0, 0
	if inOrder {
		return checks
	}
	// The pool may have moved as it grew: cut the rules' checks from its
	// final place.
	results := make([][]Check, len(rules))
	for k, i := range order {
		end := len(checks)
		if k+1 < len(order) {
			end = starts[order[k+1]]
		}
		results[i] = checks[starts[i]:end:end]
	}
	return sortedChecks(results)
}

// orderRooms is off only in the test that compares the report with the
// one the sort by resources alone gives: orderRoom then returns no run in
// order.
var orderRooms = true

// orderRoom says whether a rule's per-node checks (in.room) are in the
// order of their resources already. The node set goes through the nodes
// in the order of their ids, so they are when each node's check begins
// its resources with the node's id: then no two of them tie, and the
// stable sort that follows (sortByResources) need not compare them with
// each other, only the checks outside the room with them. Without that,
// the sort is a comparison sort of hundreds of large checks per rule at
// 300 instances, as much as all the rest of the rules' work.
//
// When a check does not begin with its node's id, orderRoom returns no run
// in order and the sort compares them all; the room is in the order of the
// nodes' ids, the order the stable sort keeps among checks that tie.
func (in *Input) orderRoom(checks []Check) roomMark {
	m, ns := in.room, in.nodes
	if !m.set || ns == nil || !orderRooms {
		return roomMark{}
	}
	keys := ns.liveIDs
	if m.declared {
		keys = ns.declared
	}
	if m.n != len(keys) || m.off+m.n > len(checks) {
		return roomMark{} // the rule did not return the room it was handed
	}
	room := checks[m.off : m.off+m.n]
	for k := range room {
		if r := room[k].Resources; len(r) == 0 || r[0] != keys[k] {
			return roomMark{}
		}
	}
	return m
}

// sortByResources sorts one rule's checks by resources, stably. They come
// sorted, or with a few out of place (a summary check after the nodes'
// checks, which names them all): each of those is moved to its place in
// the sorted part before it (insertion sort, after its equals, so stable),
// a search and one move rather than a sort of the group. With many out of
// place, a stable sort of what is left gives the same order.
//
// inOrder, when set, is a run of g known to be in order already (see
// orderRoom): its checks are not compared with each other, as long as
// nothing has moved into it. (A check moved back from before the run
// moves checks before it only; its first check moved back moves the check
// before it into the run, and then every pair is compared.)
func sortByResources(g []Check, inOrder roomMark) {
	moved := 0
	skip := inOrder.set
	for i := 1; i < len(g); i++ {
		if skip && i > inOrder.off && i < inOrder.off+inOrder.n {
			continue
		}
		if compareResources(g[i-1].Resources, g[i].Resources) <= 0 {
			continue
		}
		if i >= inOrder.off {
			skip = false
		}
		if moved++; moved > 8 {
			slices.SortStableFunc(g, byResources)
			return
		}
		c := g[i]
		j := sort.Search(i, func(k int) bool { return compareResources(g[k].Resources, c.Resources) > 0 })
		copy(g[j+1:i+1], g[j:i])
		g[j] = c
	}
}

// run evaluates the rule, turning a panic into an error check: one rule's
// bug on odd input must not hide the other rules' findings.
func (r Rule) run(in *Input) (checks []Check) {
	defer func() {
		if p := recover(); p != nil {
			checks = []Check{internalError(fmt.Sprintf("the check stopped unexpectedly (%v)", p))}
		}
		var own bool
		checks, own = stamp(r.ID, r.Requirement, r.Severity, checks)
		if in != nil {
			in.otherIDs = !own
		}
	}()
	checks = r.Eval(in)
	if len(checks) == 0 {
		checks = []Check{internalError("the check returned no result")}
	}
	return checks
}

func internalError(what string) Check {
	return Check{
		Status:      StatusError,
		Message:     "This requirement could not be verified: " + what + ".",
		Remediation: "This is a fault of the verification service, not of your infrastructure: ask your project manager to report it.",
	}
}

// stamp fills in what a rule's checks left empty, and gives Resources a
// non-nil value so that JSON shows [] rather than null. It reports whether
// every check has the rule's id, which evaluate would otherwise read again
// from each check once the pool has moved on.
func stamp(id, requirement string, severity Severity, checks []Check) (_ []Check, own bool) {
	own = true
	for i := range checks {
		c := &checks[i]
		// Written only when empty: a pointer written while the collector
		// marks costs a write barrier.
		switch {
		case c.ID == "":
			c.ID = id
		case c.ID != id:
			own = false
		}
		if c.Requirement == "" {
			c.Requirement = requirement
		}
		if c.Severity == "" {
			c.Severity = severity
		}
		if c.Resources == nil {
			c.Resources = []string{}
		}
	}
	return checks, own
}

// sortedChecks concatenates the rules' checks sorted by ID, then resources,
// as sortChecks does. Each rule's checks usually share the rule's id and
// come nearly sorted, so it orders the rules by id and sorts each rule's
// checks on their own (most need nothing): a few hundred comparisons, not
// a sort of every check of a large environment.
func sortedChecks(results [][]Check) []Check {
	total := 0
	ids := make([]string, len(results))
	for i, r := range results {
		total += len(r)
		for j, c := range r {
			if j == 0 {
				ids[i] = c.ID
			} else if c.ID != ids[i] {
				ids = nil // a rule reporting under two ids: sort everything
				break
			}
		}
		if ids == nil {
			break
		}
	}
	checks := make([]Check, 0, total)
	if ids == nil {
		for _, r := range results {
			checks = append(checks, r...)
		}
		sortChecks(checks)
		return checks
	}
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(ids[x], ids[y]) })
	for k, i := range order {
		if k > 0 && len(results[i]) > 0 && ids[order[k-1]] == ids[i] && len(results[order[k-1]]) > 0 {
			// Two rules under one id: their checks interleave.
			checks = checks[:0]
			for _, r := range results {
				checks = append(checks, r...)
			}
			sortChecks(checks)
			return checks
		}
		start := len(checks)
		checks = append(checks, results[i]...)
		sortByResources(checks[start:], roomMark{})
	}
	return checks
}

func byResources(a, b Check) int { return compareResources(a.Resources, b.Resources) }

// compareResources is slices.Compare for resource lists, with one string
// comparison per element rather than cmp.Compare's two.
func compareResources(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func sortChecks(checks []Check) {
	// Sort positions rather than the checks (a Check is large to move), with
	// the position as the last key: the same order as a stable sort.
	order := make([]int, len(checks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		a, b := &checks[x], &checks[y]
		return cmp.Or(cmp.Compare(a.ID, b.ID), slices.Compare(a.Resources, b.Resources), cmp.Compare(x, y))
	})
	sorted := make([]Check, len(checks))
	for i, j := range order {
		sorted[i] = checks[j]
	}
	copy(checks, sorted)
}

// Small constructors keep the rules readable.

func pass(msg string, resources ...string) Check {
	return Check{Status: StatusPass, Message: msg, Resources: resources}
}

func skip(msg string, resources ...string) Check {
	return Check{Status: StatusSkip, Message: msg, Resources: resources}
}

func fail(msg, remediation string, resources ...string) Check {
	return Check{Status: StatusFail, Message: msg, Remediation: remediation, Resources: resources}
}

func warn(msg, remediation string, resources ...string) Check {
	return Check{Status: StatusWarn, Message: msg, Remediation: remediation, Resources: resources}
}

// notDeclared is the check of a rule that needs an environment the
// checklist lacks; ENV-DECLARED reports the gap itself.
func notDeclared(env string) Check {
	return skip(fmt.Sprintf("Not checked: the checklist declares no %s environment (see ENV-DECLARED).", strings.ToUpper(env)))
}
