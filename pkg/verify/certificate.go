package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// certKind says where an environment's certificate is to be found.
type certKind int

const (
	certNone certKind = iota
	certPEM
	certACM // only an ACM ARN: the AWS verification fetches and checks it
)

// certSource is one environment's declared certificate, parsed once.
type certSource struct {
	kind   certKind
	acmArn string
	chain  []*x509.Certificate // leaf first; set when kind is certPEM and err is nil, or from ACM
	err    error               // why the PEM could not be read
	// acm is what the AWS verification found in ACM for the environment
	// under verification; nil without an inventory, and for the other
	// environment, whose account is not read.
	acm *acmCertificate
}

// certificate returns the named environment's certificate, parsing its PEM
// on first use. It returns nil when the environment is not declared.
func (in *Input) certificate(envName string) *certSource {
	if src, ok := in.certs[envName]; ok {
		return src
	}
	var src *certSource
	if in.Doc != nil {
		if env := in.Doc.Env(envName); env != nil {
			src = &certSource{acmArn: strings.TrimSpace(env.Certificate.AcmArn)}
			switch {
			case strings.TrimSpace(env.Certificate.PEM) != "":
				src.kind = certPEM
				// The checklist's own parser, so that the intake and the
				// verifier accept and refuse exactly the same PEM.
				src.chain, src.err = checklist.ParseCertificates(env.Certificate.PEM)
				// pem.Decode skips a damaged block followed by a good one;
				// count the blocks rather than check a chain missing one.
				if src.err == nil && strings.Count(env.Certificate.PEM, "-----BEGIN") > len(src.chain) {
					src.chain, src.err = nil, errors.New("has a damaged PEM block (truncated, re-wrapped or edited); paste the chain again as your CA delivered it")
				}
			case src.acmArn != "":
				src.kind = certACM
				if envName == in.Env && in.Inventory != nil {
					src.acm = newACMCertificate(in.Inventory, src.acmArn)
					if src.acm.usable() {
						src.chain = src.acm.chain
					}
				}
			}
		}
	}
	if in.certs == nil {
		in.certs = map[string]*certSource{}
	}
	in.certs[envName] = src
	return src
}

var tlsParseRule = Rule{
	ID:          "TLS-PARSE",
	Requirement: reqPublicChain,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		src := in.certificate(in.Env)
		name := strings.ToUpper(in.Env)
		switch {
		case src == nil:
			return []Check{notDeclared(in.Env)}
		case src.kind == certNone:
			c := fail(fmt.Sprintf("%s declares no certificate.", name),
				"Provide the certificate's public chain as PEM (server certificate first, then the intermediates), or the ARN of the certificate in ACM.")
			c.Requirement = reqOwnCert
			return []Check{c}
		case src.kind == certACM && src.acm != nil:
			return []Check{skip("The certificate is read from ACM (see TLS-ACM).", src.acmArn)}
		case src.kind == certACM:
			return []Check{acmSkip(src)}
		case errors.Is(src.err, checklist.ErrPrivateKey):
			return []Check{fail(
				"The certificate PEM contains a private key. Never share a private key: this service needs only the public certificate chain.",
				"Remove the PRIVATE KEY block and submit only the CERTIFICATE blocks. The key has left your control, so consider having the certificate reissued with a new key.")}
		case src.err != nil:
			return []Check{fail(
				// ParseCertificates words its errors as predicates of the
				// field and never quotes the input, so they are safe to show.
				fmt.Sprintf("The certificate PEM %v.", src.err),
				"Submit the chain as your CA delivered it: PEM CERTIFICATE blocks (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), server certificate first, then the intermediates.")}
		}
		return []Check{pass(fmt.Sprintf("The PEM holds %s.", plural(len(src.chain), "certificate")), certNames(src.chain)...)}
	},
}

func acmSkip(src *certSource) Check {
	return skip("Checked through ACM by the AWS verification.", src.acmArn)
}

// chainCheck is a certificate rule over a parsed chain, independent of where
// the chain came from: the PEM of the checklist now, ACM later.
type chainCheck struct {
	ID          string
	Requirement string
	Severity    Severity
	eval        func(chain []*x509.Certificate, hostnames []string, now time.Time, cfg Config) []Check
}

var chainChecks = []chainCheck{tlsSelfSigned, tlsChain, tlsKey, tlsNames, tlsExpiry}

// chainRule turns a chainCheck into a rule over the checklist's PEM.
func chainRule(cc chainCheck) Rule {
	return Rule{
		ID:          cc.ID,
		Requirement: cc.Requirement,
		Severity:    cc.Severity,
		Eval: func(in *Input) []Check {
			src := in.certificate(in.Env)
			switch {
			case src == nil:
				return []Check{notDeclared(in.Env)}
			case src.kind == certNone:
				return []Check{skip("Not checked: no certificate is declared (see TLS-PARSE).")}
			case src.kind == certACM && src.acm != nil:
				return acmChainChecks(in, src, cc)
			case src.kind == certACM:
				return []Check{acmSkip(src)}
			case src.err != nil:
				return []Check{skip("Not checked: the certificate PEM cannot be read (see TLS-PARSE).")}
			}
			return cc.eval(src.chain, in.Environment().Hostnames.All(), in.Now, in.Config)
		},
	}
}

// EvaluateCertificate checks a parsed chain (leaf first) against the
// certificate requirements: TLS-SELF-SIGNED, TLS-CHAIN, TLS-KEY, TLS-NAMES
// and TLS-EXPIRY. hostnames are the names the certificate must cover. It is
// the same logic the static rules apply to a checklist's PEM, exported so a
// chain fetched from ACM is judged identically.
func EvaluateCertificate(chain []*x509.Certificate, hostnames []string, now time.Time, cfg Config) []Check {
	var out []Check
	for _, cc := range chainChecks {
		r := Rule{ID: cc.ID, Requirement: cc.Requirement, Severity: cc.Severity, Eval: func(*Input) []Check {
			if len(chain) == 0 {
				return []Check{internalError("no certificate was given")}
			}
			return cc.eval(chain, hostnames, now, cfg)
		}}
		out = append(out, r.run(nil)...)
	}
	sortChecks(out)
	return out
}

var tlsSelfSigned = chainCheck{
	ID:          "TLS-SELF-SIGNED",
	Requirement: reqPublicCA,
	Severity:    SeverityRequired,
	eval: func(chain []*x509.Certificate, _ []string, _ time.Time, _ Config) []Check {
		leaf := chain[0]
		if selfSigned(leaf) {
			return []Check{fail(
				fmt.Sprintf("The certificate %s is self-signed; a public CA must issue it.", certName(leaf)),
				"Have the certificate issued by a public certificate authority and submit its chain.",
				certName(leaf))}
		}
		return []Check{pass(fmt.Sprintf("The certificate %s is issued by %s, not self-signed.", certName(leaf), issuerName(leaf)), certName(leaf))}
	},
}

// selfSigned reports whether c names itself as issuer and its own key
// verifies its signature. The signature is checked directly rather than with
// CheckSignatureFrom, which refuses any parent that is not a CA and so would
// miss a self-signed leaf.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

var tlsChain = chainCheck{
	ID:          "TLS-CHAIN",
	Requirement: reqChain,
	Severity:    SeverityRequired,
	eval: func(chain []*x509.Certificate, _ []string, _ time.Time, _ Config) []Check {
		leaf := chain[0]
		if len(chain) == 1 {
			if selfSigned(leaf) {
				return []Check{skip("Not checked: the certificate is self-signed and has no chain (see TLS-SELF-SIGNED).", certName(leaf))}
			}
			return []Check{fail(
				fmt.Sprintf("The PEM holds only the server certificate %s, issued by %s; include the intermediate certificates.", certName(leaf), issuerName(leaf)),
				"Append the intermediate certificates your CA provides (its chain or bundle file) after the server certificate in the PEM.",
				certName(leaf))}
		}
		var checks []Check
		for i := 0; i+1 < len(chain); i++ {
			child, parent := chain[i], chain[i+1]
			err := child.CheckSignatureFrom(parent)
			if err == nil {
				continue
			}
			msg := fmt.Sprintf("Certificate %d (%s) is not signed by certificate %d (%s) that follows it: %v.", i+1, certName(child), i+2, certName(parent), err)
			if parent.CheckSignatureFrom(child) == nil {
				msg = fmt.Sprintf("The certificates are in the wrong order: certificate %d (%s) is issued by certificate %d (%s), not the other way round.", i+2, certName(parent), i+1, certName(child))
			}
			checks = append(checks, fail(msg,
				"List the certificates leaf first, each followed by its issuer: server certificate, then the intermediates, optionally the root last; leave out certificates of other chains.",
				certName(child), certName(parent)))
		}
		if len(checks) > 0 {
			return checks
		}
		return []Check{pass(fmt.Sprintf("Each certificate of the chain %s is signed by the next.", strings.Join(certNames(chain), " → ")), certNames(chain)...)}
	},
}

var tlsKey = chainCheck{
	ID:          "TLS-KEY",
	Requirement: reqRSAKey,
	Severity:    SeverityRequired,
	eval: func(chain []*x509.Certificate, _ []string, _ time.Time, cfg Config) []Check {
		leaf := chain[0]
		name := certName(leaf)
		remedy := fmt.Sprintf("Have the certificate reissued for an RSA key of at least %d bits.", cfg.MinRSAKeyBits)
		switch k := leaf.PublicKey.(type) {
		case *rsa.PublicKey:
			if bits := k.N.BitLen(); bits < cfg.MinRSAKeyBits {
				return []Check{fail(fmt.Sprintf("The certificate %s has a %d-bit RSA key; at least %d bits are required.", name, bits, cfg.MinRSAKeyBits), remedy, name)}
			}
			return []Check{pass(fmt.Sprintf("The certificate %s has a %d-bit RSA key.", name, k.N.BitLen()), name)}
		case *ecdsa.PublicKey:
			return []Check{fail(fmt.Sprintf("The certificate %s has an ECDSA (%s) key; the appliance needs an RSA key.", name, k.Curve.Params().Name), remedy, name)}
		case ed25519.PublicKey:
			return []Check{fail(fmt.Sprintf("The certificate %s has an Ed25519 key; the appliance needs an RSA key.", name), remedy, name)}
		}
		return []Check{fail(fmt.Sprintf("The certificate %s has a %s key; the appliance needs an RSA key.", name, leaf.PublicKeyAlgorithm), remedy, name)}
	},
}

var tlsNames = chainCheck{
	ID:          "TLS-NAMES",
	Requirement: reqCertNames,
	Severity:    SeverityRequired,
	eval: func(chain []*x509.Certificate, hostnames []string, _ time.Time, _ Config) []Check {
		return namesCheck(certHostnames(chain[0]), hostnames, certName(chain[0]))
	},
}

// namesCheck is TLS-NAMES over the names a certificate is valid for; label
// names the certificate when no hostname is declared.
func namesCheck(sans, hostnames []string, label string) []Check {
	var hosts []string
	for _, h := range hostnames {
		if h = normalizeHost(h); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return []Check{skip("Not checked: no hostnames are declared (see DNS-NAMES).", label)}
	}
	var uncovered []string
	for _, h := range hosts {
		if !hostnameCovered(sans, h) {
			uncovered = append(uncovered, h)
		}
	}
	if len(uncovered) > 0 {
		has := "no DNS names"
		if len(sans) > 0 {
			has = strings.Join(sans, ", ")
		}
		return []Check{fail(
			fmt.Sprintf("The certificate (%s) does not cover %s.", has, strings.Join(uncovered, ", ")),
			"Have the certificate reissued with every declared name as a subject alternative name, or with a wildcard for their parent domain (which also covers future App tenants), and submit the new chain.",
			uncovered...)}
	}
	return []Check{pass(fmt.Sprintf("The certificate covers all %s.", plural(len(hosts), "declared name")), hosts...)}
}

// certHostnames returns the names a certificate is valid for: its DNS
// subject alternative names, or its common name when it has none (clients
// ignore the common name once SANs are present).
func certHostnames(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// hostnameCovered reports whether a certificate valid for sans serves host.
// A wildcard stands for exactly one whole leftmost label, as in RFC 6125:
// *.example.com covers a.example.com but neither a.b.example.com nor
// example.com; partial wildcards (a*.example.com) cover nothing.
func hostnameCovered(sans []string, host string) bool {
	host = normalizeHost(host)
	if host == "" {
		return false
	}
	for _, san := range sans {
		san = normalizeHost(san)
		if san == host {
			return true
		}
		if suffix, ok := strings.CutPrefix(san, "*."); ok && !strings.Contains(suffix, "*") {
			label, rest, found := strings.Cut(host, ".")
			if found && label != "" && rest == suffix {
				return true
			}
		}
	}
	return false
}

var tlsExpiry = chainCheck{
	ID:          "TLS-EXPIRY",
	Requirement: reqOwnCert,
	Severity:    SeverityRequired,
	eval: func(chain []*x509.Certificate, _ []string, now time.Time, cfg Config) []Check {
		var checks []Check
		// Every certificate of the chain counts: browsers refuse a chain
		// whose intermediate has expired just as one whose leaf has.
		for _, c := range chain {
			if check, bad := expiryCheck(certName(c), c.NotBefore, c.NotAfter, now, cfg); bad {
				checks = append(checks, check)
			}
		}
		if len(checks) > 0 {
			return checks
		}
		first := slices.MinFunc(chain, func(a, b *x509.Certificate) int { return a.NotAfter.Compare(b.NotAfter) })
		return []Check{pass(
			fmt.Sprintf("The chain is valid until %s (%s), when %s expires.", day(first.NotAfter), days(first.NotAfter.Sub(now)), certName(first)),
			certNames(chain)...)}
	},
}

// expiryCheck is TLS-EXPIRY's verdict on one certificate's validity, and
// whether it needs attention (false: valid for long enough).
func expiryCheck(name string, notBefore, notAfter, now time.Time, cfg Config) (Check, bool) {
	failWithin := time.Duration(cfg.CertFailDays) * 24 * time.Hour
	warnWithin := time.Duration(cfg.CertWarnDays) * 24 * time.Hour
	renew := "Renew the certificate with your CA and submit the new chain."
	left := notAfter.Sub(now)
	switch {
	case now.Before(notBefore):
		return fail(
			fmt.Sprintf("The certificate %s is not valid before %s.", name, day(notBefore)),
			"Submit a certificate that is already valid, or resubmit once it is.", name), true
	case now.After(notAfter):
		return fail(fmt.Sprintf("The certificate %s expired on %s.", name, day(notAfter)), renew, name), true
	case left <= failWithin:
		return fail(
			fmt.Sprintf("The certificate %s expires on %s, in %s; it must stay valid for more than %s.", name, day(notAfter), days(left), plural(cfg.CertFailDays, "day")),
			renew, name), true
	case left <= warnWithin:
		return warn(
			fmt.Sprintf("The certificate %s expires on %s, in %s.", name, day(notAfter), days(left)),
			"Plan the renewal now: renew the certificate with your CA and install it on the appliance before it expires.", name), true
	}
	return Check{}, false
}

var tlsDistinctRule = Rule{
	ID:          "TLS-DISTINCT",
	Requirement: reqOwnCert,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		mine, theirs := in.certificate(in.Env), in.certificate(in.OtherName())
		name, otherName := strings.ToUpper(in.Env), strings.ToUpper(in.OtherName())
		switch {
		case mine == nil:
			return []Check{notDeclared(in.Env)}
		case mine.kind == certNone:
			return []Check{skip("Not checked: no certificate is declared (see TLS-PARSE).")}
		case theirs == nil || theirs.kind == certNone:
			return []Check{skip(fmt.Sprintf("Not checked: the checklist declares no %s certificate to compare with.", otherName))}
		case mine.acmArn != "" && mine.acmArn == theirs.acmArn:
			// Caught without AWS: one ARN is one certificate.
			return []Check{sameCertificate(name, otherName, "ACM certificate "+mine.acmArn, mine.acmArn)}
		case mine.kind == certACM && mine.acm == nil, theirs.kind == certACM && in.Inventory == nil:
			return []Check{skip("Checked through ACM by the AWS verification.", nonEmpty(mine.acmArn, theirs.acmArn)...)}
		case theirs.kind == certACM && mine.kind == certACM:
			return []Check{skip(fmt.Sprintf("Not compared: both certificates are in ACM under different ARNs, and only %s's account is read here; declare one of them by its PEM chain to have them compared.", name),
				nonEmpty(mine.acmArn, theirs.acmArn)...)}
		case theirs.kind == certACM:
			return []Check{skip(fmt.Sprintf("Not checked here: the %s certificate is in %s's ACM; the two are compared when %s is verified.", otherName, otherName, otherName), theirs.acmArn)}
		case mine.kind == certACM && len(mine.chain) == 0:
			return []Check{skip("Not checked: ACM returned no certificate chain to compare (see TLS-ACM).", mine.acmArn)}
		case mine.err != nil:
			return []Check{skip("Not checked: the certificate PEM cannot be read (see TLS-PARSE).")}
		case theirs.err != nil:
			return []Check{skip(fmt.Sprintf("Not checked: the %s certificate PEM cannot be read.", otherName))}
		}
		leaf, otherLeaf := mine.chain[0], theirs.chain[0]
		if fp := fingerprint(leaf); fp == fingerprint(otherLeaf) {
			return []Check{withResources(sameCertificate(name, otherName, fmt.Sprintf("certificate %s (SHA-256 %s)", certName(leaf), fp), mine.acmArn), certName(leaf))}
		}
		if w := sharedWildcards(leaf, otherLeaf); len(w) > 0 {
			c := warn(
				fmt.Sprintf("The %s and %s certificates are both wildcards for %s; the same wildcard for PROD and non-PROD is advised against.", name, otherName, strings.Join(w, ", ")),
				"Put DEV under its own parent domain (for example *.dev.example.com) with its own wildcard certificate, so that a certificate leaked from DEV cannot impersonate PROD.",
				nonEmpty(mine.acmArn, certName(leaf), certName(otherLeaf))...)
			c.Severity, c.Requirement = SeverityRecommended, reqSharedWild
			return []Check{c}
		}
		return []Check{pass(fmt.Sprintf("%s and %s use different certificates.", name, otherName), nonEmpty(mine.acmArn, certName(leaf), certName(otherLeaf))...)}
	},
}

func sameCertificate(name, otherName, what, resource string) Check {
	return fail(
		fmt.Sprintf("%s and %s use the same %s; each instance needs its own certificate.", name, otherName, what),
		"Have a separate certificate issued for each instance, one for the PROD cluster and one for the DEV node, and declare each in its environment.",
		resource)
}

// sharedWildcards returns the wildcard names both certificates carry.
func sharedWildcards(a, b *x509.Certificate) []string {
	var shared []string
	for _, n := range certHostnames(a) {
		n = normalizeHost(n)
		if !strings.HasPrefix(n, "*.") || slices.Contains(shared, n) {
			continue
		}
		if slices.ContainsFunc(certHostnames(b), func(m string) bool { return normalizeHost(m) == n }) {
			shared = append(shared, n)
		}
	}
	return shared
}

// nonEmpty returns the non-empty values, each once, for resource lists.
func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// certName is how messages and resources name a certificate: the name a
// customer recognizes, not a fingerprint.
func certName(c *x509.Certificate) string {
	switch {
	case c.Subject.CommonName != "":
		return c.Subject.CommonName
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return c.Subject.String()
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

func certNames(chain []*x509.Certificate) []string {
	names := make([]string, len(chain))
	for i, c := range chain {
		names[i] = certName(c)
	}
	return names
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// days renders a duration in whole days, rounded down, as a customer reads
// a calendar.
func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	if n < 1 {
		return "less than a day"
	}
	return plural(n, "day")
}
