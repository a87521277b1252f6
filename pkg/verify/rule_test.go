package verify

import (
	"cmp"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// failingInputs are checklists that break each static rule at least once;
// the invariant tests run every rule over all of them.
func failingInputs(t *testing.T) map[string]*checklist.Document {
	t.Helper()
	p := pkiOnce()
	docs := map[string]*checklist.Document{}
	add := func(name string, mutate func(d *checklist.Document)) {
		d := testDoc(t)
		mutate(d)
		docs[name] = d
	}
	add("nothing declared", func(d *checklist.Document) { *d = checklist.Document{} })
	add("prod only", func(d *checklist.Document) { d.Environments.Dev = nil })
	add("dev only", func(d *checklist.Document) { d.Environments.Prod = nil })
	add("wrong node counts", func(d *checklist.Document) {
		d.Environments.Dev.InstanceIDs = []string{"i-1", "i-2"}
		d.Environments.Prod.InstanceIDs = []string{"i-3", "i-3"}
	})
	add("same VPC", func(d *checklist.Document) { d.Environments.Dev.VpcID = d.Environments.Prod.VpcID })
	add("no VPC", func(d *checklist.Document) { d.Environments.Dev.VpcID, d.Environments.Prod.VpcID = "", "" })
	add("bad names", func(d *checklist.Document) {
		d.Environments.Dev.Hostnames = checklist.Hostnames{Manage: "", Rta: "rt.example.com", Webtask: "web_task.example.org",
			Apps: []string{"api.example.com", "api.example.com", "x.y.z.a.example.com"}}
		d.Environments.Prod.Hostnames.Apps = []string{"login-acme.example.com"}
	})
	add("shared names", func(d *checklist.Document) { d.Environments.Dev.Hostnames = cloneHosts(prodHosts) })
	add("no certificate", func(d *checklist.Document) { d.Environments.Dev.Certificate = checklist.Certificate{} })
	add("private key", func(d *checklist.Document) {
		d.Environments.Dev.Certificate.PEM += "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	})
	add("junk PEM", func(d *checklist.Document) { d.Environments.Prod.Certificate.PEM = "junk" })
	add("ACM only", func(d *checklist.Document) {
		d.Environments.Dev.Certificate = checklist.Certificate{AcmArn: "arn:aws:acm:eu-west-1:1:certificate/a"}
		d.Environments.Prod.Certificate = checklist.Certificate{AcmArn: "arn:aws:acm:eu-west-1:1:certificate/a"}
	})
	add("self-signed, ECDSA, leaf only, expired", func(d *checklist.Document) {
		tmpl := leafTemplate("x.example.com", "x.example.com")
		tmpl.NotAfter = testNow.Add(-day24)
		d.Environments.Dev.Certificate.PEM = pemOf(mustCreate(tmpl, nil, &p.ecKey.PublicKey, p.ecKey))
		tmpl = leafTemplate("y.example.com", "y.example.com")
		tmpl.NotAfter = testNow.Add(45 * day24)
		d.Environments.Prod.Certificate.PEM = pemOf(issued(t, tmpl))
	})
	add("reversed chain", func(d *checklist.Document) {
		chain := goodChain(t, devHosts.All()...)
		d.Environments.Dev.Certificate.PEM = pemOf(chain[1], chain[0])
	})
	add("same certificate", func(d *checklist.Document) { d.Environments.Dev.Certificate = d.Environments.Prod.Certificate })
	add("same wildcard", func(d *checklist.Document) {
		d.Environments.Dev.Certificate.PEM = pemOf(issued(t, leafTemplate("dev", "*.example.com")), p.inter)
		d.Environments.Prod.Certificate.PEM = pemOf(issued(t, leafTemplate("prod", "*.example.com")), p.inter)
	})
	return docs
}

func TestEveryCheckIsComplete(t *testing.T) {
	seen := map[string]map[Status]bool{}
	for name, doc := range failingInputs(t) {
		for _, env := range []string{"dev", "prod", "staging"} {
			r := Static(doc, env, testNow, DefaultConfig())
			if r.Passed == slices.ContainsFunc(r.Checks, func(c Check) bool {
				return c.Severity == SeverityRequired && (c.Status == StatusFail || c.Status == StatusError)
			}) {
				t.Errorf("%s/%s: passed = %v disagrees with the checks", name, env, r.Passed)
			}
			if !slices.IsSortedFunc(r.Checks, func(a, b Check) int {
				return cmp.Or(cmp.Compare(a.ID, b.ID), slices.Compare(a.Resources, b.Resources))
			}) {
				t.Errorf("%s/%s: checks not sorted", name, env)
			}
			for _, c := range r.Checks {
				assertComplete(t, name+"/"+env, c)
				if seen[c.ID] == nil {
					seen[c.ID] = map[Status]bool{}
				}
				seen[c.ID][c.Status] = true
			}
		}
	}
	for _, r := range StaticRules() {
		if !seen[r.ID][StatusFail] {
			t.Errorf("no failing input makes %s fail; statuses seen: %v", r.ID, seen[r.ID])
		}
	}
	if !seen["TLS-DISTINCT"][StatusWarn] || !seen["TLS-EXPIRY"][StatusWarn] {
		t.Error("the failing inputs miss a warning")
	}
}

func assertComplete(t *testing.T, where string, c Check) {
	t.Helper()
	if c.ID == "" || c.Requirement == "" || c.Message == "" {
		t.Errorf("%s: incomplete check %+v", where, c)
	}
	if c.Resources == nil {
		t.Errorf("%s: %s has nil resources", where, c.ID)
	}
	if c.Severity != SeverityRequired && c.Severity != SeverityRecommended {
		t.Errorf("%s: %s has severity %q", where, c.ID, c.Severity)
	}
	switch c.Status {
	case StatusPass, StatusSkip:
	case StatusFail, StatusWarn, StatusError:
		if c.Remediation == "" {
			t.Errorf("%s: %s is %s without a remediation: %s", where, c.ID, c.Status, c.Message)
		}
	default:
		t.Errorf("%s: %s has status %q", where, c.ID, c.Status)
	}
}

// TestRequirementsAreQuoted proves each rule cites a line of the appliance
// requirements word for word ("…" standing for an omitted part).
func TestRequirementsAreQuoted(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "reference", "appliance-requirements.md"))
	if err != nil {
		t.Skipf("requirements not available: %v", err)
	}
	normalize := func(s string) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(s, "**", "")), " ")
	}
	doc := normalize(string(raw))
	quotes := map[string]bool{reqDNSReserved: true, reqSharedWild: true, reqDevInstance: true, reqOwnCert: true}
	for _, r := range StaticRules() {
		quotes[r.Requirement] = true
	}
	for _, cc := range chainChecks {
		quotes[cc.Requirement] = true
	}
	for q := range quotes {
		rest := doc
		for part := range strings.SplitSeq(q, "…") {
			part = normalize(part)
			i := strings.Index(rest, part)
			if i < 0 {
				t.Errorf("not quoted from the requirements: %q (part %q)", q, part)
				break
			}
			rest = rest[i+len(part):]
		}
	}
}

func TestRulePanicBecomesError(t *testing.T) {
	r := Rule{ID: "X", Requirement: "req", Severity: SeverityRequired, Eval: func(*Input) []Check {
		var m map[string]*x509.Certificate
		return []Check{pass(m["missing"].Subject.CommonName)}
	}}
	checks := evaluate(&Input{Config: DefaultConfig()}, []Rule{r})
	if len(checks) != 1 || checks[0].Status != StatusError || checks[0].ID != "X" || checks[0].Remediation == "" {
		t.Fatalf("got %+v", checks)
	}
	if passed(checks) {
		t.Error("an errored required rule passed")
	}
}

func TestRuleWithoutResultBecomesError(t *testing.T) {
	r := Rule{ID: "X", Requirement: "req", Severity: SeverityRequired, Eval: func(*Input) []Check { return nil }}
	checks := evaluate(&Input{Config: DefaultConfig()}, []Rule{r})
	if len(checks) != 1 || checks[0].Status != StatusError {
		t.Fatalf("got %+v", checks)
	}
}

func TestStampKeepsCheckOverrides(t *testing.T) {
	r := Rule{ID: "X", Requirement: "rule req", Severity: SeverityRequired, Eval: func(*Input) []Check {
		c := warn("m", "fix")
		c.Severity, c.Requirement = SeverityRecommended, "check req"
		return []Check{c, pass("ok")}
	}}
	checks := r.run(nil)
	if checks[0].Severity != SeverityRecommended || checks[0].Requirement != "check req" {
		t.Errorf("override lost: %+v", checks[0])
	}
	if checks[1].Severity != SeverityRequired || checks[1].Requirement != "rule req" || checks[1].ID != "X" {
		t.Errorf("defaults not applied: %+v", checks[1])
	}
}

func TestChecksSortedByIDThenResources(t *testing.T) {
	rules := []Rule{
		{ID: "B", Requirement: "r", Severity: SeverityRequired, Eval: func(*Input) []Check {
			return []Check{pass("2", "z"), pass("1", "a"), pass("0")}
		}},
		{ID: "A", Requirement: "r", Severity: SeverityRequired, Eval: func(*Input) []Check {
			return []Check{pass("x", "b", "c"), pass("y", "b")}
		}},
	}
	var got []string
	for _, c := range evaluate(&Input{Config: DefaultConfig()}, rules) {
		got = append(got, c.ID+":"+c.Message)
	}
	want := []string{"A:y", "A:x", "B:0", "B:1", "B:2"}
	if !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestStaticIsDeterministic(t *testing.T) {
	doc := failingInputs(t)["bad names"]
	a, _ := json.Marshal(Static(doc, "dev", testNow, DefaultConfig()))
	b, _ := json.Marshal(Static(doc, "dev", testNow, DefaultConfig()))
	if string(a) != string(b) {
		t.Error("two runs on the same input differ")
	}
	if strings.Contains(string(a), `"resources":null`) {
		t.Error("resources render as null")
	}
}

func TestStaticRulesReturnsACopy(t *testing.T) {
	rules := StaticRules()
	rules[0].ID = "CHANGED"
	if StaticRules()[0].ID == "CHANGED" {
		t.Error("StaticRules exposes the registry")
	}
	ids := map[string]bool{}
	for _, r := range StaticRules() {
		if ids[r.ID] || r.Requirement == "" || r.Eval == nil || (r.Severity != SeverityRequired && r.Severity != SeverityRecommended) {
			t.Errorf("rule %q is duplicated or incomplete", r.ID)
		}
		ids[r.ID] = true
	}
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	a, b := DefaultConfig(), DefaultConfig()
	a.DevDriveSizesGB[0], a.ReservedTenantNames[0], a.ClusterPorts[0].From = 1, "x", 1
	if b.DevDriveSizesGB[0] != 40 || b.ReservedTenantNames[0] != "login" || b.ClusterPorts[0].From != 27017 {
		t.Error("DefaultConfig shares slices between calls")
	}

	// A deployment overrides some thresholds by JSON over the defaults.
	cfg := DefaultConfig()
	if err := json.Unmarshal([]byte(`{"certFailDays": 14, "prodNodes": 5}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.CertFailDays != 14 || cfg.ProdNodes != 5 || cfg.CertWarnDays != 60 || cfg.DevNodes != 1 || cfg.Validate() != nil {
		t.Errorf("override: %+v", cfg)
	}

	for name, mutate := range map[string]func(*Config){
		"zero config":          func(c *Config) { *c = Config{} },
		"no dev nodes":         func(c *Config) { c.DevNodes = 0 },
		"warn before fail":     func(c *Config) { c.CertWarnDays = 10 },
		"recommended below":    func(c *Config) { c.RecommendedVCPU = 1 },
		"name parts inverted":  func(c *Config) { c.MaxNameParts = 2 },
		"bad port range":       func(c *Config) { c.ClusterPorts[0].To = 70000 },
		"unknown protocol":     func(c *Config) { c.LoadBalancerPorts[0].Protocol = "sctp" },
		"negative fail window": func(c *Config) { c.CertFailDays = -1 },
	} {
		c := DefaultConfig()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStaticWithInvalidConfigErrors(t *testing.T) {
	r := Static(testDoc(t), "dev", testNow, Config{})
	if r.Passed || len(r.Checks) != 1 || r.Checks[0].ID != "CONFIG" || r.Checks[0].Status != StatusError {
		t.Fatalf("got %+v", r)
	}
	assertComplete(t, "config", r.Checks[0])
}

// TestSampleChecklist runs the sample event through the static rules. It
// asserts only what holds for any input; the generated inputs above carry
// the real assertions.
func TestSampleChecklist(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "checklist.json"))
	if err != nil {
		t.Skipf("no sample checklist: %v", err)
	}
	var doc checklist.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("events/checklist.json: %v", err)
	}
	for _, env := range []string{"dev", "prod"} {
		r := Static(&doc, env, testNow, DefaultConfig())
		if len(r.Checks) == 0 || r.APICalls != 0 {
			t.Errorf("%s: %d checks, %d API calls", env, len(r.Checks), r.APICalls)
		}
		for _, c := range r.Checks {
			assertComplete(t, "sample/"+env, c)
		}
		t.Logf("sample %s: %s", env, SummaryLine(r))
	}
}

func TestReportFailed(t *testing.T) {
	r := Report{Checks: []Check{
		{ID: "A", Status: StatusPass}, {ID: "B", Status: StatusFail}, {ID: "C", Status: StatusSkip},
		{ID: "D", Status: StatusWarn}, {ID: "E", Status: StatusError},
	}}
	var ids []string
	for _, c := range r.Failed() {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []string{"B", "D", "E"}) {
		t.Errorf("Failed() = %v", ids)
	}
	if (Report{}).Failed() != nil {
		t.Error("an empty report has failures")
	}
}
