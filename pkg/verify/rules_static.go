package verify

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// Requirement lines, quoted from the appliance requirements (emphasis
// dropped; "…" marks an omitted part of the same line).
const (
	reqDevInstance  = "Every multi-node production subscription also needs one single-node Development/Test (non-Production) instance; it is deployed and proven first, then Production."
	reqProdCluster  = "Production is a three-node high-availability cluster."
	reqIsolation    = "Production and non-Production must be on completely isolated networks."
	reqDNSLabels    = "A hostname label is at least 3 characters and has no underscore; all names share one parent domain; three- or four-part names are allowed."
	reqDNSReserved  = "Reserved, never an App tenant name: login admin app manage blog ftp mail pop pop3 imap smtp stage stats status dev logs www docs sdk ci docker styleguide ask it cdn api releases release spf feedback help support int."
	reqDNSPerInst   = "Four kinds of names per instance: … DEV commonly appends \"-dev\"."
	reqOwnCert      = "Each instance (PROD cluster, DEV node) needs its own certificate"
	reqPublicCA     = "Each instance (PROD cluster, DEV node) needs its own certificate: from a public CA (never self-signed)"
	reqChain        = "Each instance (PROD cluster, DEV node) needs its own certificate: … intermediates included in the chain."
	reqRSAKey       = "Each instance (PROD cluster, DEV node) needs its own certificate: … RSA key"
	reqCertNames    = "wildcard or SAN, covering every name above including future App tenants"
	reqSharedWild   = "The same wildcard for PROD and non-PROD is advised against, as is pointing both environments' DNS at the same servers."
	reqPublicChain  = "The customer shares only the public certificate chain with this service, never a private key."
	remDeclareNames = "Correct the names in the checklist before deployment: DNS names cannot change once the appliance is installed."
)

var envDeclaredRule = Rule{
	ID:          "ENV-DECLARED",
	Requirement: reqDevInstance,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		name := strings.ToUpper(in.Env)
		switch {
		case in.Env != checklist.EnvDev && in.Env != checklist.EnvProd:
			return []Check{fail(
				fmt.Sprintf("%q is not an appliance environment; only %s and %s are verified.", in.Env, checklist.EnvDev, checklist.EnvProd),
				"Verify the dev or the prod environment.", in.Env)}
		case in.Environment() == nil:
			return []Check{fail(
				fmt.Sprintf("The checklist declares no %s environment.", name),
				fmt.Sprintf("Fill in the environments.%s section of the checklist.", in.Env), in.Env)}
		case in.Env == checklist.EnvProd && in.Other() == nil:
			return []Check{fail(
				"The checklist declares PROD without the single-node DEV instance that is deployed and proven first.",
				"Fill in the environments.dev section of the checklist as well.", in.Env)}
		}
		return []Check{pass(fmt.Sprintf("The checklist declares the %s environment.", name), in.Env)}
	},
}

var nodeCountRule = Rule{
	ID:          "NODE-COUNT",
	Requirement: reqProdCluster,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		env := in.Environment()
		if env == nil {
			return []Check{notDeclared(in.Env)}
		}
		want, req, shape := in.Config.ProdNodes, reqProdCluster, "a high-availability cluster"
		if in.Env == checklist.EnvDev {
			want, req, shape = in.Config.DevNodes, reqDevInstance, "a single-node instance"
		}
		ids, dups := distinct(env.InstanceIDs)
		name := strings.ToUpper(in.Env)
		if len(ids) == want && len(dups) == 0 {
			c := pass(name+" declares "+plural(len(ids), "instance")+", as required.", ids...)
			c.Requirement = req
			return []Check{c}
		}
		var problems []string
		if len(ids) != want {
			problems = append(problems, fmt.Sprintf("%s declares %s; it is %s of exactly %s", name, plural(len(ids), "instance"), shape, plural(want, "node")))
		}
		if len(dups) > 0 {
			problems = append(problems, fmt.Sprintf("%s lists %s more than once", name, strings.Join(dups, ", ")))
		}
		c := fail(sentence(problems),
			fmt.Sprintf("Declare the ids of exactly %s of the %s environment, each once.", plural(want, "EC2 instance"), name), ids...)
		c.Requirement = req
		return []Check{c}
	},
}

var netIsolationDeclaredRule = Rule{
	ID:          "NET-ISOLATION-DECLARED",
	Requirement: reqIsolation,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		env, other := in.Environment(), in.Other()
		name, otherName := strings.ToUpper(in.Env), strings.ToUpper(in.OtherName())
		switch {
		case env == nil:
			return []Check{notDeclared(in.Env)}
		case strings.TrimSpace(env.VpcID) == "":
			return []Check{fail(fmt.Sprintf("%s declares no VPC.", name),
				fmt.Sprintf("Declare the id of the VPC the %s instance runs in.", name))}
		case other == nil || strings.TrimSpace(other.VpcID) == "":
			return []Check{skip(fmt.Sprintf("Not checked: the checklist declares no %s VPC to compare with.", otherName), env.VpcID)}
		}
		vpc, otherVpc := strings.TrimSpace(env.VpcID), strings.TrimSpace(other.VpcID)
		// Compare ids regardless of account: a shared VPC (AWS RAM) has the
		// same id in every account it is shared with, and is one network.
		if strings.EqualFold(vpc, otherVpc) {
			return []Check{fail(
				fmt.Sprintf("%s and %s are both declared in VPC %s; Production and non-Production must be on completely isolated networks.", name, otherName, vpc),
				"Deploy DEV and PROD into separate VPCs that are neither peered nor connected through a transit gateway or VPN, and declare each environment's own VPC.",
				vpc)}
		}
		return []Check{pass(
			fmt.Sprintf("%s (%s) and %s (%s) are declared in different VPCs; that nothing connects them is checked against AWS.", name, vpc, otherName, otherVpc),
			vpc, otherVpc)}
	},
}

// namedHost is one declared hostname and the checklist field it came from,
// so that messages can say which name is wrong.
type namedHost struct {
	field string
	host  string // normalized: lower case, no trailing dot
}

func declaredHosts(h checklist.Hostnames) []namedHost {
	out := []namedHost{
		{"manage", normalizeHost(h.Manage)},
		{"rta", normalizeHost(h.Rta)},
		{"webtask", normalizeHost(h.Webtask)},
	}
	for i, a := range h.Apps {
		out = append(out, namedHost{fmt.Sprintf("apps[%d]", i), normalizeHost(a)})
	}
	return out
}

// normalizeHost folds the spellings DNS treats as the same name.
func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

var dnsNamesRule = Rule{
	ID:          "DNS-NAMES",
	Requirement: reqDNSLabels,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		env := in.Environment()
		if env == nil {
			return []Check{notDeclared(in.Env)}
		}
		cfg := in.Config
		hosts := declaredHosts(env.Hostnames)
		var checks []Check
		var valid []namedHost
		firstField := map[string]string{}
		for _, h := range hosts {
			if h.host == "" {
				checks = append(checks, fail(
					fmt.Sprintf("No %s hostname is declared.", h.field),
					fmt.Sprintf("Declare the %s hostname. %s", h.field, remDeclareNames),
					"hostnames."+h.field))
				continue
			}
			if f, dup := firstField[h.host]; dup {
				checks = append(checks, fail(
					fmt.Sprintf("%s is declared for both %s and %s; every name serves one purpose.", h.host, f, h.field),
					"Give each of the dashboard, the root tenant authority, webtask and every App tenant its own name. "+remDeclareNames,
					h.host))
				continue
			}
			firstField[h.host] = h.field
			if problems := hostProblems(h.host, cfg); len(problems) > 0 {
				checks = append(checks, fail(
					fmt.Sprintf("%s (%s) %s.", h.host, h.field, sentenceBody(problems)),
					fmt.Sprintf("Use a name of %d to %d parts whose first label has at least %d characters, with only letters, digits and hyphens. %s",
						cfg.MinNameParts, cfg.MaxNameParts, cfg.MinHostLabelLength, remDeclareNames),
					h.host))
				continue
			}
			valid = append(valid, h)
		}

		parent := commonParent(valid)
		for _, h := range valid {
			if p := parentDomain(h.host); p != parent {
				checks = append(checks, fail(
					fmt.Sprintf("%s (%s) is under %s, but the other names are under %s; all names share one parent domain.", h.host, h.field, p, parent),
					fmt.Sprintf("Move %s under %s. %s", h.field, parent, remDeclareNames),
					h.host))
			}
		}

		suffix := tenantSuffix(normalizeHost(env.Hostnames.Manage))
		for _, h := range valid {
			if !strings.HasPrefix(h.field, "apps[") {
				continue
			}
			if t, ok := reservedTenant(firstLabel(h.host), suffix, cfg.ReservedTenantNames); ok {
				c := fail(
					fmt.Sprintf("%s (%s) names the App tenant %q, which the appliance reserves.", h.host, h.field, t),
					"Choose another App tenant name; the reserved names are: "+strings.Join(cfg.ReservedTenantNames, " ")+". "+remDeclareNames,
					h.host)
				c.Requirement = reqDNSReserved
				checks = append(checks, c)
			}
		}

		if len(checks) > 0 {
			return checks
		}
		names := make([]string, len(valid))
		for i, h := range valid {
			names[i] = h.host
		}
		return []Check{pass(fmt.Sprintf("All %d names are valid hostnames under %s.", len(names), parent), names...)}
	},
}

// hostProblems lists what makes host unusable as an appliance name, in words
// a customer can act on.
func hostProblems(host string, cfg Config) []string {
	var problems []string
	labels := strings.Split(host, ".")
	switch {
	case len(labels) < cfg.MinNameParts:
		problems = append(problems, fmt.Sprintf("has %s, fewer than the %d required", plural(len(labels), "part"), cfg.MinNameParts))
	case len(labels) > cfg.MaxNameParts:
		problems = append(problems, fmt.Sprintf("has %s, more than the %d allowed", plural(len(labels), "part"), cfg.MaxNameParts))
	}
	if n := len(labels[0]); n < cfg.MinHostLabelLength {
		problems = append(problems, fmt.Sprintf("has the first label %q of %s, fewer than %d", labels[0], plural(n, "character"), cfg.MinHostLabelLength))
	}
	if strings.Contains(host, "_") {
		problems = append(problems, "contains an underscore")
	}
	var empty, chars, hyphen, long bool
	for _, l := range labels {
		empty = empty || l == ""
		long = long || len(l) > 63
		hyphen = hyphen || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-")
		chars = chars || strings.ContainsFunc(l, func(r rune) bool {
			return r != '-' && r != '_' && (r < 'a' || r > 'z') && (r < '0' || r > '9')
		})
	}
	if empty {
		problems = append(problems, "has an empty label")
	}
	if chars {
		problems = append(problems, "contains characters other than letters, digits and hyphens")
	}
	if hyphen {
		problems = append(problems, "has a label that starts or ends with a hyphen")
	}
	if long || len(host) > 253 {
		problems = append(problems, "is longer than DNS allows")
	}
	return problems
}

func firstLabel(host string) string {
	label, _, _ := strings.Cut(host, ".")
	return label
}

func parentDomain(host string) string {
	_, parent, _ := strings.Cut(host, ".")
	return parent
}

// commonParent returns the parent domain most names share, the earliest
// declared winning a tie, so that the odd name out is the one reported.
func commonParent(hosts []namedHost) string {
	count := map[string]int{}
	best := ""
	for _, h := range hosts {
		p := parentDomain(h.host)
		count[p]++
		if count[p] > count[best] {
			best = p
		}
	}
	return best
}

// tenantSuffix is what the customer appends to every tenant label, read off
// the dashboard name: "manage-project-dev" gives "-project-dev". The App
// tenant's name is its label without that suffix, which is what must not be
// reserved.
func tenantSuffix(manage string) string {
	if rest, ok := strings.CutPrefix(firstLabel(manage), "manage"); ok {
		return rest
	}
	return ""
}

// reservedTenant returns the reserved tenant name label stands for, if any:
// the label itself or the label without the customer's common suffix.
func reservedTenant(label, suffix string, reserved []string) (string, bool) {
	candidates := []string{label}
	if t, ok := strings.CutSuffix(label, suffix); ok && suffix != "" && t != "" {
		candidates = append(candidates, t)
	}
	for _, c := range candidates {
		if slices.Contains(reserved, c) {
			return c, true
		}
	}
	return "", false
}

var dnsDistinctRule = Rule{
	ID:          "DNS-DISTINCT",
	Requirement: reqDNSPerInst,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		env, other := in.Environment(), in.Other()
		name, otherName := strings.ToUpper(in.Env), strings.ToUpper(in.OtherName())
		if env == nil {
			return []Check{notDeclared(in.Env)}
		}
		mine := hostSet(env.Hostnames)
		if other == nil {
			return []Check{skip(fmt.Sprintf("Not checked: the checklist declares no %s environment to compare with.", otherName), mine...)}
		}
		theirs := hostSet(other.Hostnames)
		var shared []string
		for _, h := range mine {
			if slices.Contains(theirs, h) {
				shared = append(shared, h)
			}
		}
		if len(shared) > 0 {
			return []Check{fail(
				fmt.Sprintf("%s and %s both declare %s; each instance needs its own names.", name, otherName, strings.Join(shared, ", ")),
				"Give DEV its own names, commonly by appending \"-dev\" to each label (manage-project-dev.example.com). "+remDeclareNames,
				shared...)}
		}
		return []Check{pass(fmt.Sprintf("None of %s's %s is declared for %s.", name, plural(len(mine), "name"), otherName), mine...)}
	},
}

// hostSet returns the environment's non-empty names, normalized, each once.
func hostSet(h checklist.Hostnames) []string {
	var names []string
	for _, n := range declaredHosts(h) {
		if n.host != "" && !slices.Contains(names, n.host) {
			names = append(names, n.host)
		}
	}
	return names
}

// distinct returns the non-empty values in order, each once, and the values
// seen more than once.
func distinct(values []string) (unique, dups []string) {
	unique = make([]string, 0, len(values))
	// A set, not a scan of unique, keeps this linear in the values (the
	// declared instance ids of a large environment); so does the set of
	// the duplicates listed, made only when there is one.
	seen := newPositions(len(values))
	var listed positions
	for _, v := range values {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		slot, ok := seen.find(unique, v)
		if !ok {
			seen.slots[slot] = int32(len(unique)) + 1
			unique = append(unique, v)
			continue
		}
		if listed.slots == nil {
			listed = newPositions(len(values) - len(unique))
		}
		if slot, ok := listed.find(dups, v); !ok {
			listed.slots[slot] = int32(len(dups)) + 1
			dups = append(dups, v)
		}
	}
	return unique, dups
}

// positions is a hash set of the strings of a slice, which it holds by
// position (plus one; 0 is a free slot) rather than by value as a
// map[string]… would: a table without pointers, which the collector
// neither scans nor guards with a write barrier per insertion. The strings
// are those of the slice: find looks v up in it, and returns v's slot, or
// the free slot where v goes.
type positions struct {
	seed  maphash.Seed
	slots []int32 // a power of two of them, at most half full
}

func newPositions(n int) positions {
	size := 8
	for size < 2*n {
		size *= 2
	}
	return positions{seed: maphash.MakeSeed(), slots: make([]int32, size)}
}

// indexOf returns the positions of strs, the first of each value kept.
func indexOf(strs []string) positions {
	p := newPositions(len(strs))
	for i, v := range strs {
		if slot, ok := p.find(strs, v); !ok {
			p.slots[slot] = int32(i) + 1
		}
	}
	return p
}

// index returns the position in strs (indexed by p) of v's first
// occurrence.
func (p *positions) index(strs []string, v string) (int, bool) {
	slot, ok := p.find(strs, v)
	if !ok {
		return -1, false
	}
	return int(p.slots[slot]) - 1, true
}

func (p *positions) find(strs []string, v string) (slot int, found bool) {
	mask := len(p.slots) - 1
	for i := int(maphash.String(p.seed, v)) & mask; ; i = (i + 1) & mask {
		switch k := p.slots[i]; {
		case k == 0:
			return i, false
		case strs[k-1] == v:
			return i, true
		}
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// sentence joins clauses that each start with a name into one sentence.
func sentence(clauses []string) string {
	return strings.Join(clauses, "; ") + "."
}

// sentenceBody joins predicates: "has x", "has x and contains y", "a, b and c".
func sentenceBody(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
