package checklist

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on list and text sizes. They keep a submission (and its error
// list) small; real checklists are far below them.
const (
	MaxNameLength = 200 // customer and contact names, in characters
	MaxContacts   = 50
	MaxApps       = 50
	MaxEmailBytes = 254 // RFC 5321 path limit
)

// Contact teams: each must have at least one contact.
const (
	TeamInfrastructure = "infrastructure"
	TeamSecurity       = "security"
	TeamNetworking     = "networking"
	TeamOperations     = "operations"
)

// Teams returns the four teams that each need a contact, in display order.
func Teams() []string {
	return []string{TeamInfrastructure, TeamSecurity, TeamNetworking, TeamOperations}
}

// Instance counts: DEV is a single node, PROD a three-node HA cluster.
const (
	DevInstanceCount  = 1
	ProdInstanceCount = 3
)

// Narrowest-allowed jump host ranges. Port 22 opens to jumpHostCidr, and
// anything wider than the jump host is a security finding. A /24 (256
// addresses) is the widest IPv4 range we accept; for IPv6 the analogue is a
// single /64 subnet.
const (
	MinJumpHostPrefixV4 = 24
	MinJumpHostPrefixV6 = 64
)

// maxCheckedItems caps per-item checks of lists whose count is already
// wrong by a lot, so a hostile document cannot produce a huge error list.
const maxCheckedItems = 10

// Validate reports every problem with the document at once, sorted stably
// by field (plain string order). Field names are JSON-path-like, e.g.
// "customer.contacts[1].email" or "environments.prod.instanceIds[2]".
// It returns nil when the document is acceptable.
func (d *Document) Validate() []FieldError {
	if d == nil {
		return []FieldError{{Field: "", Message: "is required: send the checklist as a JSON object"}}
	}
	var v validator
	// A wholly missing section gets one error, not one per sub-field.
	if c := d.Customer; strings.TrimSpace(c.Name) == "" && len(c.Contacts) == 0 {
		v.add("customer", "is required: the customer's name and a contact for each team (%s)", strings.Join(Teams(), ", "))
	} else {
		v.customer("customer", d.Customer)
	}
	dev, prod := d.Environments.Dev, d.Environments.Prod
	if dev == nil && prod == nil {
		v.add("environments", "is required: the single-node DEV instance (dev) and the three-node production cluster (prod)")
		return sortErrors(v.errs)
	}
	if dev == nil {
		v.add("environments.dev", "is required: every production subscription also needs one single-node Development/Test instance, deployed and proven first")
	} else {
		v.environment(EnvDev, dev)
	}
	if prod == nil {
		v.add("environments.prod", "is required: the three-node production cluster")
	} else {
		v.environment(EnvProd, prod)
	}
	if dev != nil && prod != nil {
		v.isolation(dev, prod)
	}
	return sortErrors(v.errs)
}

// sortErrors orders errors by field, keeping rule order within a field.
func sortErrors(errs []FieldError) []FieldError {
	slices.SortStableFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return errs
}

// validator accumulates problems; it is used by one Validate call only.
type validator struct {
	errs []FieldError
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// required reports a blank value and says whether the value is present.
func (v *validator) required(field, value, hint string) bool {
	if strings.TrimSpace(value) != "" {
		return true
	}
	if hint == "" {
		v.add(field, "is required")
	} else {
		v.add(field, "is required: %s", hint)
	}
	return false
}

// identifier is required for machine-readable values: surrounding spaces
// (a common copy-paste slip) get their own message rather than surfacing
// as a puzzling format error.
func (v *validator) identifier(field, value, hint string) bool {
	if !v.required(field, value, hint) {
		return false
	}
	if strings.TrimSpace(value) != value {
		v.add(field, "has spaces before or after the value; remove them")
		return false
	}
	return true
}

func (v *validator) customer(p string, c Customer) {
	if v.required(p+".name", c.Name, "the customer's company name") {
		v.name(p+".name", c.Name)
	}
	field := p + ".contacts"
	switch {
	case len(c.Contacts) == 0:
		v.add(field, "is required: at least one contact for each team (%s)", strings.Join(Teams(), ", "))
		return
	case len(c.Contacts) > MaxContacts:
		v.add(field, "must list at most %d contacts (it has %d)", MaxContacts, len(c.Contacts))
		return
	}
	covered := map[string]bool{}
	for i, ct := range c.Contacts {
		cp := fmt.Sprintf("%s[%d]", field, i)
		if v.identifier(cp+".team", ct.Team, "one of "+strings.Join(Teams(), ", ")) {
			if slices.Contains(Teams(), ct.Team) {
				covered[ct.Team] = true
			} else {
				v.add(cp+".team", "must be one of %s", strings.Join(Teams(), ", "))
			}
		}
		if v.required(cp+".name", ct.Name, "the person's full name") {
			v.name(cp+".name", ct.Name)
		}
		if v.identifier(cp+".email", ct.Email, "the person's work email, e.g. ida@example.com") && !validEmail(ct.Email) {
			v.add(cp+".email", "must be a plain email address such as ida@example.com (no display name or angle brackets)")
		}
	}
	var missing []string
	for _, t := range Teams() {
		if !covered[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		v.add(field, "needs at least one contact for each team; missing: %s", strings.Join(missing, ", "))
	}
}

// name checks a person's or company's name: one line of text, which goes
// into emails, Slack messages and page titles as it is.
func (v *validator) name(field, s string) {
	if n := utf8.RuneCountInString(s); n > MaxNameLength {
		v.add(field, "must be at most %d characters (it has %d)", MaxNameLength, n)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		v.add(field, "must be one line of text without control characters (such as a line break, tab or NUL)")
	}
}

// validEmail accepts a bare addr-spec whose domain has a dot.
func validEmail(s string) bool {
	if len(s) > MaxEmailBytes || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, ok := strings.Cut(s, "@")
	return ok && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func (v *validator) environment(name string, e *Environment) {
	p := "environments." + name
	isProd := name == EnvProd

	if v.identifier(p+".accountId", e.AccountID, "the 12-digit AWS account id, e.g. 111111111111") && !accountIDRe.MatchString(e.AccountID) {
		v.add(p+".accountId", "must be 12 digits, e.g. 111111111111 (keep leading zeros)")
	}
	if v.identifier(p+".region", e.Region, "the AWS region code, e.g. us-east-1") && !regionRe.MatchString(e.Region) {
		v.add(p+".region", "must be an AWS region code such as us-east-1 or eu-west-2")
	}
	if v.identifier(p+".roleArn", e.RoleArn, "the ARN of the read-only role this service assumes in the account") {
		v.arn(p+".roleArn", e.RoleArn, roleKind, e)
	}
	if v.identifier(p+".amiId", e.AmiID, "the id of the appliance AMI Auth0 shared with this account") && !amiIDRe.MatchString(e.AmiID) {
		v.add(p+".amiId", "must be an AMI id: ami- and 8 or 17 hex digits, e.g. ami-0123456789abcdef0")
	}
	if v.identifier(p+".vpcId", e.VpcID, "the VPC the instances run in") && !vpcIDRe.MatchString(e.VpcID) {
		v.add(p+".vpcId", "must be a VPC id: vpc- and 8 or 17 hex digits, e.g. vpc-0123456789abcdef0")
	}
	v.instanceIDs(p+".instanceIds", e.InstanceIDs, isProd)
	switch {
	case strings.TrimSpace(e.LoadBalancerArn) != "":
		if v.identifier(p+".loadBalancerArn", e.LoadBalancerArn, "") {
			v.arn(p+".loadBalancerArn", e.LoadBalancerArn, nlbKind, e)
		}
	case isProd:
		v.add(p+".loadBalancerArn", "is required: the production cluster sits behind a Network Load Balancer with TCP listeners")
	}
	if v.identifier(p+".jumpHostCidr", e.JumpHostCidr, "the jump host's address as a CIDR, e.g. 203.0.113.10/32") {
		if msg := jumpHostProblem(e.JumpHostCidr); msg != "" {
			v.add(p+".jumpHostCidr", "%s", msg)
		}
	}
	v.hostnames(p+".hostnames", e.Hostnames)
	v.certificate(p+".certificate", e.Certificate, e)
}

func (v *validator) instanceIDs(field string, ids []string, isProd bool) {
	want, what, why := DevInstanceCount, "1 instance id", "DEV is a single node"
	if isProd {
		want, what, why = ProdInstanceCount, "3 instance ids", "production is a three-node high-availability cluster"
	}
	switch {
	case len(ids) == 0:
		v.add(field, "is required: exactly %s, e.g. i-0123456789abcdef0 (%s)", what, why)
		return
	case len(ids) != want:
		v.add(field, "must list exactly %s, found %d: %s", what, len(ids), why)
		if len(ids) > maxCheckedItems {
			return
		}
	}
	seen := map[string]int{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !v.identifier(f, id, "an EC2 instance id, e.g. i-0123456789abcdef0") {
			continue
		}
		if !instanceIDRe.MatchString(id) {
			v.add(f, "must be an EC2 instance id: i- and 8 or 17 hex digits, e.g. i-0123456789abcdef0")
			continue
		}
		if j, dup := seen[id]; dup {
			v.add(f, "duplicates instanceIds[%d]: each node is a separate instance", j)
			continue
		}
		seen[id] = i
	}
}

// arnKind describes one kind of ARN a field must hold.
type arnKind struct {
	what     string // "an IAM role ARN"
	service  string
	regional bool // IAM ARNs have no region; the others must have one
	resource *regexp.Regexp
	example  func(account, region string) string
	// hint, if set, explains a well-formed ARN of the wrong kind, or
	// returns "".
	hint func(arn) string
}

var (
	roleKind = arnKind{
		what: "an IAM role ARN", service: "iam", resource: roleResourceRe,
		example: func(acct, _ string) string { return "arn:aws:iam::" + acct + ":role/ApplianceIntakeVerifier" },
		hint: func(a arn) string {
			if a.Service == "iam" && strings.HasPrefix(a.Resource, "user/") {
				return "is an IAM user; give the ARN of a role this service can assume"
			}
			return ""
		},
	}
	nlbKind = arnKind{
		what: "a Network Load Balancer ARN", service: "elasticloadbalancing", regional: true, resource: nlbResourceRe,
		example: func(acct, region string) string {
			return "arn:aws:elasticloadbalancing:" + region + ":" + acct + ":loadbalancer/net/appliance/0123456789abcdef"
		},
		hint: func(a arn) string {
			if a.Service != "elasticloadbalancing" {
				return ""
			}
			switch {
			case strings.HasPrefix(a.Resource, "loadbalancer/app/"):
				return "is an Application Load Balancer; the cluster needs a Network Load Balancer (loadbalancer/net/...) with TCP listeners, because TLS terminates on the nodes"
			case strings.HasPrefix(a.Resource, "targetgroup/"):
				return "is a target group; give the ARN of the Network Load Balancer itself (loadbalancer/net/...)"
			case strings.HasPrefix(a.Resource, "listener/"):
				return "is a listener; give the ARN of the Network Load Balancer itself (loadbalancer/net/...)"
			case strings.HasPrefix(a.Resource, "loadbalancer/") && !strings.HasPrefix(a.Resource, "loadbalancer/net/"):
				return "is not a Network Load Balancer; the cluster needs one (loadbalancer/net/...) with TCP listeners"
			}
			return ""
		},
	}
	acmKind = arnKind{
		what: "an ACM certificate ARN", service: "acm", regional: true, resource: acmResourceRe,
		example: func(acct, region string) string {
			return "arn:aws:acm:" + region + ":" + acct + ":certificate/00000000-0000-0000-0000-000000000000"
		},
	}
)

// arn checks that s is an ARN of the given kind in e's account, region and
// partition. Mismatches are reported only against valid accountId/region,
// which have their own errors otherwise.
func (v *validator) arn(field, s string, k arnKind, e *Environment) {
	acct, region := "111111111111", "us-east-1"
	if accountIDRe.MatchString(e.AccountID) {
		acct = e.AccountID
	}
	if regionRe.MatchString(e.Region) {
		region = e.Region
	}
	a, ok := parseARN(s)
	if ok && k.hint != nil {
		if h := k.hint(a); h != "" {
			v.add(field, "%s", h)
			return
		}
	}
	if !ok || a.Service != k.service || !accountIDRe.MatchString(a.Account) ||
		k.regional != (a.Region != "") || (k.regional && !regionRe.MatchString(a.Region)) ||
		!k.resource.MatchString(a.Resource) {
		v.add(field, "must be %s such as %s", k.what, k.example(acct, region))
		return
	}
	if accountIDRe.MatchString(e.AccountID) && a.Account != e.AccountID {
		v.add(field, "must be in the environment's account %s (accountId), not %s", e.AccountID, a.Account)
	}
	if k.regional && regionRe.MatchString(e.Region) && a.Region != e.Region {
		v.add(field, "must be in the environment's region %s, not %s", e.Region, a.Region)
	}
	if regionRe.MatchString(e.Region) && a.Partition != partitionFor(e.Region) {
		v.add(field, "must use the ARN partition %s for region %s, not %s", partitionFor(e.Region), e.Region, a.Partition)
	}
}

// jumpHostProblem returns why cidr is not an acceptable jump host range.
func jumpHostProblem(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		if addr, addrErr := netip.ParseAddr(cidr); addrErr == nil && addr.Zone() == "" {
			return fmt.Sprintf("must be a CIDR with a prefix length, e.g. %s/%d for a single jump host", addr, addr.BitLen())
		}
		return "must be an IPv4 or IPv6 CIDR, e.g. 203.0.113.10/32"
	}
	if p.Masked() != p {
		return fmt.Sprintf("has host bits set; write the network address %s, or /%d for the single jump host", p.Masked(), p.Addr().BitLen())
	}
	if p.Bits() == 0 {
		return "must not be open to the whole internet: port 22 must be open only to the jump host, e.g. 203.0.113.10/32"
	}
	minBits := MinJumpHostPrefixV4
	if p.Addr().Is6() {
		minBits = MinJumpHostPrefixV6
	}
	if p.Bits() < minBits {
		return fmt.Sprintf("is wider than /%d: port 22 must be open only to the jump host; give its address, e.g. 203.0.113.10/32", minBits)
	}
	return ""
}

// named is one hostname field with its value.
type named struct{ field, name string }

func hostnameFields(p string, h Hostnames) []named {
	out := []named{{p + ".manage", h.Manage}, {p + ".rta", h.Rta}, {p + ".webtask", h.Webtask}}
	for i, a := range h.Apps {
		out = append(out, named{fmt.Sprintf("%s.apps[%d]", p, i), a})
	}
	return out
}

func (v *validator) hostnames(p string, h Hostnames) {
	if h.Manage == "" && h.Rta == "" && h.Webtask == "" && len(h.Apps) == 0 {
		v.add(p, "is required: the manage, rta, webtask and App tenant (apps) DNS names")
		return
	}
	hints := map[string]string{
		p + ".manage":  "the Management Dashboard name, e.g. manage-acme.example.com",
		p + ".rta":     "the Root Tenant Authority name, e.g. rta-acme.example.com",
		p + ".webtask": "the webtask name, e.g. webtask.example.com",
	}
	switch {
	case len(h.Apps) == 0:
		v.add(p+".apps", "is required: at least one App tenant hostname, e.g. app1-acme.example.com")
	case len(h.Apps) > MaxApps:
		v.add(p+".apps", "must list at most %d App tenant hostnames (it has %d)", MaxApps, len(h.Apps))
		h.Apps = nil // do not check (or report on) each of a huge list
	}
	var parent, parentOf string
	seen := map[string]string{}
	for _, n := range hostnameFields(p, h) {
		if !v.identifier(n.field, n.name, hints[n.field]) {
			continue
		}
		if msg := hostnameProblem(n.name); msg != "" {
			v.add(n.field, "%s", msg)
			continue
		}
		host, par := splitHost(n.name)
		if strings.Contains(n.field, ".apps[") && IsReservedAppName(host) {
			v.add(n.field, "uses the reserved App tenant name %q; choose another, e.g. app1-acme", host)
		}
		if first, dup := seen[n.name]; dup {
			v.add(n.field, "is the same as %s; every name must be distinct", strings.TrimPrefix(first, p+"."))
			continue
		}
		seen[n.name] = n.field
		// The first valid name (manage, normally) fixes the parent domain.
		if parent == "" {
			parent, parentOf = par, n.field
		} else if par != parent {
			v.add(n.field, "must be under %s, like the %s name: all names of one environment share one parent domain", parent, strings.TrimPrefix(parentOf, p+"."))
		}
	}
}

func (v *validator) certificate(p string, c Certificate, e *Environment) {
	hasPEM, hasACM := strings.TrimSpace(c.PEM) != "", strings.TrimSpace(c.AcmArn) != ""
	switch {
	case hasPEM && hasACM:
		v.add(p, "set either pem or acmArn, not both")
		return
	case !hasPEM && !hasACM:
		v.add(p, "is required: give the public certificate chain (pem) or the ARN of the certificate in ACM (acmArn)")
		return
	case hasACM:
		if v.identifier(p+".acmArn", c.AcmArn, "") {
			v.arn(p+".acmArn", c.AcmArn, acmKind, e)
		}
		return
	}
	if len(c.PEM) > MaxPEMBytes {
		v.add(p+".pem", "is %d bytes; a certificate chain is at most %d bytes (64 KiB): send the leaf and intermediates only", len(c.PEM), MaxPEMBytes)
		return
	}
	_, err := ParseCertificates(c.PEM)
	var keyErr *privateKeyError
	switch {
	case errors.As(err, &keyErr):
		// Say where, never what: the message must not carry key material.
		where := ""
		if keyErr.block > 0 {
			where = fmt.Sprintf(" (PEM block %d, %s)", keyErr.block, keyErr.label)
		}
		v.add(p+".pem", "contains a private key%s: never send the private key, only the public certificate chain (leaf and intermediates). Remove the key; since it has left your systems, consider re-keying the certificate", where)
	case err != nil:
		v.add(p+".pem", "%s", err.Error())
	}
}

// isolation checks the rules that relate DEV and PROD: separate networks,
// instances, names and certificates.
func (v *validator) isolation(dev, prod *Environment) {
	const pp = "environments.prod"
	if vpcIDRe.MatchString(prod.VpcID) && prod.VpcID == dev.VpcID {
		if prod.AccountID == dev.AccountID {
			v.add(pp+".vpcId", "must be a different VPC from dev: production and non-production need completely isolated networks")
		} else {
			v.add(pp+".vpcId", "is the same VPC id as environments.dev.vpcId: production and non-production need completely isolated networks; check it was not copied from dev")
		}
	}
	devIDs := map[string]bool{}
	for _, id := range dev.InstanceIDs {
		devIDs[id] = true
	}
	if len(prod.InstanceIDs) <= maxCheckedItems {
		for i, id := range prod.InstanceIDs {
			if instanceIDRe.MatchString(id) && devIDs[id] {
				v.add(fmt.Sprintf("%s.instanceIds[%d]", pp, i), "is also the dev instance: production and DEV need separate instances")
			}
		}
	}
	devNames := map[string]string{}
	for _, n := range hostnameFields("environments.dev.hostnames", dev.Hostnames) {
		if _, dup := devNames[n.name]; !dup && n.name != "" {
			devNames[n.name] = n.field
		}
	}
	prodNames := prod.Hostnames
	if len(prodNames.Apps) > MaxApps {
		prodNames.Apps = nil
	}
	for _, n := range hostnameFields(pp+".hostnames", prodNames) {
		if f, ok := devNames[n.name]; ok {
			v.add(n.field, "is also used by dev (%s): DEV and PROD need distinct names", f)
		}
	}
	dc, pc := dev.Certificate, prod.Certificate
	switch {
	case dc.AcmArn != "" && dc.AcmArn == pc.AcmArn:
		v.add(pp+".certificate", "is the same ACM certificate as dev: each instance needs its own certificate")
	case dc.PEM != "" && pc.PEM != "":
		df, dok := leafFingerprint(dc.PEM)
		pf, pok := leafFingerprint(pc.PEM)
		if dok && pok && df == pf {
			v.add(pp+".certificate", "is the same certificate as dev: each instance needs its own certificate")
		}
	}
}
