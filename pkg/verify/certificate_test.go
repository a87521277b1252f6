package verify

import (
	"crypto/x509"
	"encoding/pem"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

var certIDs = []string{"TLS-CHAIN", "TLS-EXPIRY", "TLS-KEY", "TLS-NAMES", "TLS-SELF-SIGNED"}

// byID groups checks by rule id.
func byID(checks []Check) map[string][]Check {
	m := map[string][]Check{}
	for _, c := range checks {
		m[c.ID] = append(m[c.ID], c)
	}
	return m
}

func TestEvaluateCertificate(t *testing.T) {
	p := pkiOnce()
	hosts := devHosts.All()
	leafWith := func(mod func(*x509.Certificate)) *x509.Certificate {
		tmpl := leafTemplate(hosts[0], hosts...)
		mod(tmpl)
		return issued(t, tmpl)
	}
	expiringIn := func(d time.Duration) []*x509.Certificate {
		return []*x509.Certificate{leafWith(func(c *x509.Certificate) { c.NotAfter = testNow.Add(d) }), p.inter}
	}
	wildcard := issued(t, leafTemplate("*.example.com", "*.example.com"))

	type want struct {
		status    Status
		resources []string // checked when non-nil
		message   string   // substring, checked when set
	}
	tests := []struct {
		name  string
		chain []*x509.Certificate
		hosts []string
		want  map[string]want // rule id → its single check; others must pass
	}{
		{name: "leaf and intermediate", chain: goodChain(t, hosts...)},
		{name: "leaf, intermediate and root", chain: append(goodChain(t, hosts...), p.root)},
		{name: "wildcard covers three-part names", chain: []*x509.Certificate{wildcard, p.inter}},
		{name: "self-signed leaf", chain: []*x509.Certificate{selfSignedLeaf(t, hosts...)}, want: map[string]want{
			"TLS-SELF-SIGNED": {status: StatusFail, message: "a public CA must issue it", resources: []string{hosts[0]}},
			"TLS-CHAIN":       {status: StatusSkip},
		}},
		{name: "self-signed CA as the only certificate", chain: []*x509.Certificate{p.root}, hosts: []string{}, want: map[string]want{
			"TLS-SELF-SIGNED": {status: StatusFail},
			"TLS-CHAIN":       {status: StatusSkip},
			"TLS-NAMES":       {status: StatusSkip},
		}},
		{name: "leaf without intermediates", chain: goodChain(t, hosts...)[:1], want: map[string]want{
			"TLS-CHAIN": {status: StatusFail, message: "include the intermediate certificates"},
		}},
		{name: "reversed order", chain: []*x509.Certificate{p.inter, goodChain(t, hosts...)[0]}, hosts: []string{}, want: map[string]want{
			"TLS-CHAIN": {status: StatusFail, message: "wrong order"},
			"TLS-NAMES": {status: StatusSkip},
		}},
		{name: "intermediate of another CA", chain: []*x509.Certificate{goodChain(t, hosts...)[0], p.otherInter}, want: map[string]want{
			"TLS-CHAIN": {status: StatusFail, resources: []string{hosts[0], "Other Intermediate CA"}},
		}},
		{name: "root without the intermediate", chain: []*x509.Certificate{goodChain(t, hosts...)[0], p.root}, want: map[string]want{
			"TLS-CHAIN": {status: StatusFail},
		}},
		{name: "ECDSA key", chain: []*x509.Certificate{mustCreate(leafTemplate(hosts[0], hosts...), p.inter, &p.ecKey.PublicKey, p.interKey), p.inter}, want: map[string]want{
			"TLS-KEY": {status: StatusFail, message: "ECDSA (P-256)"},
		}},
		{name: "1024-bit RSA key", chain: []*x509.Certificate{mustCreate(leafTemplate(hosts[0], hosts...), p.inter, &p.weakKey.PublicKey, p.interKey), p.inter}, want: map[string]want{
			"TLS-KEY": {status: StatusFail, message: "1024-bit"},
		}},
		{name: "expired", chain: expiringIn(-day24), want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail, message: "expired on 2026-02-28"},
		}},
		{name: "expires in 10 days", chain: expiringIn(10 * day24), want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail, message: "in 10 days"},
		}},
		{name: "expires in exactly 30 days", chain: expiringIn(30 * day24), want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail},
		}},
		{name: "expires in 30 days and an hour", chain: expiringIn(30*day24 + time.Hour), want: map[string]want{
			"TLS-EXPIRY": {status: StatusWarn},
		}},
		{name: "expires in 45 days", chain: expiringIn(45 * day24), want: map[string]want{
			"TLS-EXPIRY": {status: StatusWarn, message: "in 45 days"},
		}},
		{name: "expires in 61 days", chain: expiringIn(61 * day24)},
		{name: "expires within the hour", chain: expiringIn(time.Minute), want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail, message: "less than a day"},
		}},
		{name: "not yet valid", chain: []*x509.Certificate{leafWith(func(c *x509.Certificate) { c.NotBefore = testNow.Add(day24) }), p.inter}, want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail, message: "not valid before 2026-03-02"},
		}},
		{name: "intermediate expiring", chain: func() []*x509.Certificate {
			tmpl := caTemplate("Short Intermediate CA")
			tmpl.NotAfter = testNow.Add(10 * day24)
			inter := mustCreate(tmpl, p.root, &p.interKey.PublicKey, p.rootKey)
			leaf := mustCreate(leafTemplate(hosts[0], hosts...), inter, &p.leafKey.PublicKey, p.interKey)
			return []*x509.Certificate{leaf, inter}
		}(), want: map[string]want{
			"TLS-EXPIRY": {status: StatusFail, resources: []string{"Short Intermediate CA"}},
		}},
		{name: "a name is missing", chain: goodChain(t, hosts[:3]...), want: map[string]want{
			"TLS-NAMES": {status: StatusFail, resources: []string{"app1-acme-dev.example.com"}},
		}},
		{name: "wildcard does not cover four-part names", chain: []*x509.Certificate{wildcard, p.inter},
			hosts: []string{"manage.example.com", "app1.dev.example.com", "example.com"}, want: map[string]want{
				"TLS-NAMES": {status: StatusFail, resources: []string{"app1.dev.example.com", "example.com"}},
			}},
		{name: "common name used without SANs", chain: []*x509.Certificate{issued(t, leafTemplate(hosts[0])), p.inter}, hosts: hosts[:1]},
		{name: "common name ignored with SANs", chain: []*x509.Certificate{issued(t, leafTemplate(hosts[0], "other.example.com")), p.inter}, hosts: hosts[:1], want: map[string]want{
			"TLS-NAMES": {status: StatusFail, resources: []string{hosts[0]}},
		}},
		{name: "no hostnames", chain: goodChain(t, hosts...), hosts: []string{"", " "}, want: map[string]want{
			"TLS-NAMES": {status: StatusSkip},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names := hosts
			if tc.hosts != nil {
				names = tc.hosts
			}
			got := byID(EvaluateCertificate(tc.chain, names, testNow, DefaultConfig()))
			if ids := slices.Sorted(maps.Keys(got)); !slices.Equal(ids, certIDs) {
				t.Fatalf("rule ids = %v, want %v", ids, certIDs)
			}
			for _, id := range certIDs {
				w, ok := tc.want[id]
				if !ok {
					w = want{status: StatusPass}
				}
				checks := got[id]
				if len(checks) != 1 || checks[0].Status != w.status {
					t.Errorf("%s = %+v, want one %s", id, checks, w.status)
					continue
				}
				c := checks[0]
				if w.resources != nil && !slices.Equal(c.Resources, w.resources) {
					t.Errorf("%s resources = %q, want %q", id, c.Resources, w.resources)
				}
				if !strings.Contains(c.Message, w.message) {
					t.Errorf("%s message = %q, want it to contain %q", id, c.Message, w.message)
				}
			}
		})
	}
}

func TestEvaluateCertificateEmptyChain(t *testing.T) {
	checks := EvaluateCertificate(nil, devHosts.All(), testNow, DefaultConfig())
	if len(checks) != len(certIDs) {
		t.Fatalf("got %d checks", len(checks))
	}
	for _, c := range checks {
		if c.Status != StatusError || c.Remediation == "" {
			t.Errorf("%s = %s (%q)", c.ID, c.Status, c.Remediation)
		}
	}
}

func TestEvaluateCertificateThresholdsFromConfig(t *testing.T) {
	p := pkiOnce()
	tmpl := leafTemplate("a.example.com", "a.example.com")
	tmpl.NotAfter = testNow.Add(10 * day24)
	chain := []*x509.Certificate{issued(t, tmpl), p.inter}
	cfg := DefaultConfig()
	cfg.CertFailDays, cfg.CertWarnDays = 7, 14
	if got := byID(EvaluateCertificate(chain, nil, testNow, cfg))["TLS-EXPIRY"][0].Status; got != StatusWarn {
		t.Errorf("10 days left with fail 7 / warn 14: %s, want warn", got)
	}
	cfg.MinRSAKeyBits = 3072
	if got := byID(EvaluateCertificate(chain, nil, testNow, cfg))["TLS-KEY"][0].Status; got != StatusFail {
		t.Errorf("2048-bit key with a 3072-bit minimum: %s, want fail", got)
	}
}

func TestHostnameCovered(t *testing.T) {
	tests := []struct {
		sans []string
		host string
		want bool
	}{
		{[]string{"a.example.com"}, "a.example.com", true},
		{[]string{"A.Example.com."}, "a.example.COM", true},
		{[]string{"a.example.com"}, "b.example.com", false},
		{[]string{"*.example.com"}, "a.example.com", true},
		{[]string{"*.example.com"}, "manage-acme-dev.example.com", true},
		{[]string{"*.example.com"}, "a.b.example.com", false},
		{[]string{"*.example.com"}, "example.com", false},
		{[]string{"*.example.com"}, ".example.com", false},
		{[]string{"*.example.com"}, "a.example.org", false},
		{[]string{"*.example.com"}, "a.badexample.com", false},
		{[]string{"a*.example.com"}, "ab.example.com", false},
		{[]string{"*.*.example.com"}, "a.b.example.com", false},
		{[]string{"*"}, "a", false},
		{[]string{"other.com", "*.example.com"}, "a.example.com", true},
		{nil, "a.example.com", false},
		{[]string{""}, "", false},
	}
	for _, tc := range tests {
		if got := hostnameCovered(tc.sans, tc.host); got != tc.want {
			t.Errorf("hostnameCovered(%q, %q) = %v, want %v", tc.sans, tc.host, got, tc.want)
		}
	}
}

// TestTLSParse covers what TLS-PARSE tells the customer; the parsing itself
// is checklist.ParseCertificates, tested with its package.
func TestTLSParse(t *testing.T) {
	chain := goodChain(t, devHosts.All()...)
	good := pemOf(chain...)
	tests := []struct {
		name    string
		pem     string
		want    Status
		message string
	}{
		{name: "chain", pem: good, want: StatusPass, message: "2 certificates"},
		{name: "CRLF line ends", pem: strings.ReplaceAll(good, "\n", "\r\n"), want: StatusPass},
		{name: "not PEM", pem: "hello", want: StatusFail, message: "The certificate PEM is not PEM"},
		{name: "private key", pem: good + "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", want: StatusFail, message: "Never share a private key"},
		{name: "damaged private key", pem: good + "-----BEGIN PRIVATE KEY-----\n!!!\n", want: StatusFail, message: "Never share a private key"},
		{name: "other block", pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})), want: StatusFail, message: `"PUBLIC KEY"`},
		{name: "truncated last block", pem: good[:len(good)-40], want: StatusFail},
		{name: "damaged block in the middle", pem: pemOf(chain[0]) + "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n" + pemOf(chain[1]), want: StatusFail},
		{name: "garbage in a certificate", pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), want: StatusFail, message: "block 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := testDoc(t)
			doc.Environments.Dev.Certificate.PEM = tc.pem
			c := checksOf(Static(doc, "dev", testNow, DefaultConfig()), "TLS-PARSE")[0]
			if c.Status != tc.want || !strings.Contains(c.Message, tc.message) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Message, tc.want, tc.message)
			}
			if strings.Contains(c.Message, "AAAA") || strings.Contains(c.Message, "!!!") {
				t.Errorf("message quotes the input: %q", c.Message)
			}
		})
	}
}

// TestStaticCertificateSources covers where the certificate comes from: the
// PEM is checked, an ACM ARN alone is left to the AWS verification.
func TestStaticCertificateSources(t *testing.T) {
	certRules := append([]string{"TLS-PARSE"}, certIDs...)
	setCert := func(c checklist.Certificate) func(*checklist.Document) {
		return func(d *checklist.Document) { d.Environments.Dev.Certificate = c }
	}
	const arn = "arn:aws:acm:eu-west-1:111111111111:certificate/dev"
	tests := []struct {
		name      string
		mutate    func(*checklist.Document)
		parse     Status
		others    Status
		message   string // substring of every other rule's message
		resources []string
	}{
		{name: "PEM", mutate: func(*checklist.Document) {}, parse: StatusPass, others: StatusPass},
		{name: "ACM only", mutate: setCert(checklist.Certificate{AcmArn: arn}), parse: StatusSkip, others: StatusSkip,
			message: "Checked through ACM by the AWS verification", resources: []string{arn}},
		{name: "nothing", mutate: setCert(checklist.Certificate{}), parse: StatusFail, others: StatusSkip, message: "see TLS-PARSE"},
		{name: "unreadable PEM", mutate: setCert(checklist.Certificate{PEM: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"}),
			parse: StatusFail, others: StatusSkip, message: "see TLS-PARSE"},
		{name: "private key", mutate: setCert(checklist.Certificate{PEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}),
			parse: StatusFail, others: StatusSkip},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := testDoc(t)
			tc.mutate(doc)
			r := Static(doc, "dev", testNow, DefaultConfig())
			for _, id := range certRules {
				want := tc.others
				if id == "TLS-PARSE" {
					want = tc.parse
				}
				checks := checksOf(r, id)
				if len(checks) != 1 || checks[0].Status != want {
					t.Errorf("%s = %+v, want one %s", id, checks, want)
					continue
				}
				if id == "TLS-PARSE" {
					continue
				}
				if !strings.Contains(checks[0].Message, tc.message) {
					t.Errorf("%s message = %q, want %q", id, checks[0].Message, tc.message)
				}
				if tc.resources != nil && !slices.Equal(checks[0].Resources, tc.resources) {
					t.Errorf("%s resources = %q, want %q", id, checks[0].Resources, tc.resources)
				}
			}
		})
	}
}

func TestStaticPrivateKeyMessage(t *testing.T) {
	doc := testDoc(t)
	doc.Environments.Dev.Certificate.PEM += "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"
	c := checksOf(Static(doc, "dev", testNow, DefaultConfig()), "TLS-PARSE")[0]
	if c.Status != StatusFail || !strings.Contains(c.Message, "Never share a private key") {
		t.Errorf("got %s: %q", c.Status, c.Message)
	}
}

func TestTLSDistinct(t *testing.T) {
	p := pkiOnce()
	wildPEM := func(cn string) string {
		return pemOf(issued(t, leafTemplate(cn, "*.example.com")), p.inter)
	}
	const arn = "arn:aws:acm:eu-west-1:111111111111:certificate/x"
	tests := []struct {
		name     string
		env      string
		mutate   func(d *checklist.Document)
		want     Status
		severity Severity
		message  string
	}{
		{name: "different certificates", mutate: func(*checklist.Document) {}, want: StatusPass, severity: SeverityRequired},
		{name: "same certificate", want: StatusFail, severity: SeverityRequired, message: "same certificate",
			mutate: func(d *checklist.Document) { d.Environments.Dev.Certificate = d.Environments.Prod.Certificate }},
		{name: "same certificate, seen from prod", env: "prod", want: StatusFail, severity: SeverityRequired,
			mutate: func(d *checklist.Document) { d.Environments.Prod.Certificate = d.Environments.Dev.Certificate }},
		{name: "same certificate, other PEM text", want: StatusFail, severity: SeverityRequired,
			mutate: func(d *checklist.Document) {
				d.Environments.Dev.Certificate.PEM = strings.ReplaceAll(d.Environments.Prod.Certificate.PEM, "\n", "\r\n")
			}},
		{name: "two certificates for the same wildcard", want: StatusWarn, severity: SeverityRecommended, message: "*.example.com",
			mutate: func(d *checklist.Document) {
				d.Environments.Dev.Certificate.PEM = wildPEM("dev")
				d.Environments.Prod.Certificate.PEM = wildPEM("prod")
			}},
		{name: "wildcards for different domains", want: StatusPass, severity: SeverityRequired,
			mutate: func(d *checklist.Document) {
				d.Environments.Dev.Certificate.PEM = pemOf(issued(t, leafTemplate("dev", "*.dev.example.com")), p.inter)
				d.Environments.Prod.Certificate.PEM = wildPEM("prod")
			}},
		{name: "one wildcard", want: StatusPass, severity: SeverityRequired,
			mutate: func(d *checklist.Document) { d.Environments.Prod.Certificate.PEM = wildPEM("prod") }},
		{name: "same ACM certificate", want: StatusFail, severity: SeverityRequired, message: arn,
			mutate: func(d *checklist.Document) {
				d.Environments.Dev.Certificate = checklist.Certificate{AcmArn: arn}
				d.Environments.Prod.Certificate = checklist.Certificate{AcmArn: arn}
			}},
		{name: "other environment in ACM", want: StatusSkip, severity: SeverityRequired, message: "through ACM",
			mutate: func(d *checklist.Document) { d.Environments.Prod.Certificate = checklist.Certificate{AcmArn: arn} }},
		{name: "other environment without certificate", want: StatusSkip, severity: SeverityRequired,
			mutate: func(d *checklist.Document) { d.Environments.Prod.Certificate = checklist.Certificate{} }},
		{name: "other environment missing", want: StatusSkip, severity: SeverityRequired,
			mutate: func(d *checklist.Document) { d.Environments.Prod = nil }},
		{name: "other PEM unreadable", want: StatusSkip, severity: SeverityRequired,
			mutate: func(d *checklist.Document) { d.Environments.Prod.Certificate.PEM = "junk" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := testDoc(t)
			tc.mutate(doc)
			checks := checksOf(Static(doc, cmpOr(tc.env, "dev"), testNow, DefaultConfig()), "TLS-DISTINCT")
			if len(checks) != 1 {
				t.Fatalf("got %d checks", len(checks))
			}
			c := checks[0]
			if c.Status != tc.want || c.Severity != tc.severity || !strings.Contains(c.Message, tc.message) {
				t.Errorf("got %s/%s %q, want %s/%s containing %q", c.Status, c.Severity, c.Message, tc.want, tc.severity, tc.message)
			}
		})
	}
}
