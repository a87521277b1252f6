package verify

import (
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// checksOf returns the report's checks of one rule.
func checksOf(r Report, id string) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.ID == id {
			out = append(out, c)
		}
	}
	return out
}

// statuses returns the statuses of one rule's checks, in report order.
func statuses(r Report, id string) []Status {
	var out []Status
	for _, c := range checksOf(r, id) {
		out = append(out, c.Status)
	}
	return out
}

// staticCase mutates a passing checklist and names the checks it expects.
type staticCase struct {
	name   string
	env    string
	mutate func(d *checklist.Document)
	cfg    func(c *Config)
	id     string
	want   []Status
	// resources, when set, are the resources of the rule's first check.
	resources []string
	// message, when set, must appear in the rule's first check's message.
	message string
}

func (tc staticCase) run(t *testing.T) Report {
	t.Helper()
	doc := testDoc(t)
	if tc.mutate != nil {
		tc.mutate(doc)
	}
	cfg := DefaultConfig()
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	env := cmpOr(tc.env, checklist.EnvDev)
	r := Static(doc, env, testNow, cfg)
	got := statuses(r, tc.id)
	if !slices.Equal(got, tc.want) {
		t.Fatalf("%s statuses = %v, want %v\nchecks: %+v", tc.id, got, tc.want, checksOf(r, tc.id))
	}
	first := checksOf(r, tc.id)[0]
	if tc.resources != nil && !slices.Equal(first.Resources, tc.resources) {
		t.Errorf("%s resources = %q, want %q", tc.id, first.Resources, tc.resources)
	}
	if tc.message != "" && !strings.Contains(first.Message, tc.message) {
		t.Errorf("%s message = %q, want it to contain %q", tc.id, first.Message, tc.message)
	}
	return r
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func runStatic(t *testing.T, cases []staticCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

var (
	passOnce = []Status{StatusPass}
	failOnce = []Status{StatusFail}
	skipOnce = []Status{StatusSkip}
	warnOnce = []Status{StatusWarn}
)

func TestStaticPassingChecklist(t *testing.T) {
	doc := testDoc(t)
	for _, env := range []string{checklist.EnvDev, checklist.EnvProd} {
		r := Static(doc, env, testNow, DefaultConfig())
		if !r.Passed || r.APICalls != 0 || !r.GeneratedAt.Equal(testNow) || r.Environment != env {
			t.Errorf("%s: passed=%v apiCalls=%d generatedAt=%v environment=%q", env, r.Passed, r.APICalls, r.GeneratedAt, r.Environment)
		}
		var ids []string
		for _, c := range r.Checks {
			if c.Status != StatusPass {
				t.Errorf("%s: %s = %s: %s", env, c.ID, c.Status, c.Message)
			}
			if !slices.Contains(ids, c.ID) {
				ids = append(ids, c.ID)
			}
		}
		want := []string{"DNS-DISTINCT", "DNS-NAMES", "ENV-DECLARED", "NET-ISOLATION-DECLARED", "NODE-COUNT",
			"TLS-CHAIN", "TLS-DISTINCT", "TLS-EXPIRY", "TLS-KEY", "TLS-NAMES", "TLS-PARSE", "TLS-SELF-SIGNED"}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: rule ids = %v, want %v", env, ids, want)
		}
	}
}

func TestStaticEnvironmentNameIsCaseInsensitive(t *testing.T) {
	r := Static(testDoc(t), "DEV", testNow, DefaultConfig())
	if r.Environment != "dev" || !r.Passed {
		t.Fatalf("environment %q passed %v", r.Environment, r.Passed)
	}
}

func TestEnvDeclared(t *testing.T) {
	runStatic(t, []staticCase{
		{name: "dev declared", id: "ENV-DECLARED", want: passOnce, resources: []string{"dev"}},
		{name: "prod declared", env: "prod", id: "ENV-DECLARED", want: passOnce},
		{name: "dev without prod", id: "ENV-DECLARED", want: passOnce,
			mutate: func(d *checklist.Document) { d.Environments.Prod = nil }},
		{name: "prod without dev", env: "prod", id: "ENV-DECLARED", want: failOnce, message: "DEV instance",
			mutate: func(d *checklist.Document) { d.Environments.Dev = nil }},
		{name: "dev missing", id: "ENV-DECLARED", want: failOnce, message: "declares no DEV",
			mutate: func(d *checklist.Document) { d.Environments.Dev = nil }},
		{name: "unknown environment", env: "staging", id: "ENV-DECLARED", want: failOnce, message: "not an appliance environment"},
	})
}

func TestStaticNilDocument(t *testing.T) {
	r := Static(nil, "dev", testNow, DefaultConfig())
	if r.Passed {
		t.Fatal("a missing checklist passed")
	}
	for _, c := range r.Checks {
		want := StatusSkip
		if c.ID == "ENV-DECLARED" {
			want = StatusFail
		}
		if c.Status != want {
			t.Errorf("%s = %s, want %s", c.ID, c.Status, want)
		}
	}
}

func TestNodeCount(t *testing.T) {
	ids := func(env string, v ...string) func(*checklist.Document) {
		return func(d *checklist.Document) { d.Env(env).InstanceIDs = v }
	}
	runStatic(t, []staticCase{
		{name: "dev one", id: "NODE-COUNT", want: passOnce, resources: []string{"i-dev1"}},
		{name: "dev none", id: "NODE-COUNT", want: failOnce, mutate: ids("dev"), message: "declares 0 instances"},
		{name: "dev two", id: "NODE-COUNT", want: failOnce, mutate: ids("dev", "i-1", "i-2"), resources: []string{"i-1", "i-2"}},
		{name: "dev one listed twice", id: "NODE-COUNT", want: failOnce, mutate: ids("dev", "i-1", "i-1"), message: "DEV lists i-1 more than once"},
		{name: "blank ids ignored", id: "NODE-COUNT", want: failOnce, mutate: ids("dev", " ", ""), message: "declares 0 instances"},
		{name: "prod three", env: "prod", id: "NODE-COUNT", want: passOnce},
		{name: "prod two", env: "prod", id: "NODE-COUNT", want: failOnce, mutate: ids("prod", "i-1", "i-2"), message: "exactly 3 nodes"},
		{name: "prod four", env: "prod", id: "NODE-COUNT", want: failOnce, mutate: ids("prod", "i-1", "i-2", "i-3", "i-4")},
		{name: "prod three with a duplicate", env: "prod", id: "NODE-COUNT", want: failOnce, mutate: ids("prod", "i-1", "i-2", "i-2")},
		{name: "prod count from config", env: "prod", id: "NODE-COUNT", want: passOnce,
			mutate: ids("prod", "i-1", "i-2", "i-3", "i-4", "i-5"), cfg: func(c *Config) { c.ProdNodes = 5 }},
		{name: "prod missing", env: "prod", id: "NODE-COUNT", want: skipOnce,
			mutate: func(d *checklist.Document) { d.Environments.Prod = nil }},
	})
}

func TestNodeCountQuotesEnvironmentRequirement(t *testing.T) {
	dev := checksOf(Static(testDoc(t), "dev", testNow, DefaultConfig()), "NODE-COUNT")[0]
	prod := checksOf(Static(testDoc(t), "prod", testNow, DefaultConfig()), "NODE-COUNT")[0]
	if dev.Requirement != reqDevInstance || prod.Requirement != reqProdCluster {
		t.Errorf("requirements: dev %q, prod %q", dev.Requirement, prod.Requirement)
	}
}

func TestNetIsolationDeclared(t *testing.T) {
	vpc := func(env, id string) func(*checklist.Document) {
		return func(d *checklist.Document) { d.Env(env).VpcID = id }
	}
	runStatic(t, []staticCase{
		{name: "different", id: "NET-ISOLATION-DECLARED", want: passOnce, resources: []string{"vpc-dev", "vpc-prod"}},
		{name: "same", id: "NET-ISOLATION-DECLARED", want: failOnce, mutate: vpc("dev", "vpc-prod"), resources: []string{"vpc-prod"}},
		{name: "same from prod", env: "prod", id: "NET-ISOLATION-DECLARED", want: failOnce, mutate: vpc("prod", "vpc-dev")},
		{name: "same ignoring case and space", id: "NET-ISOLATION-DECLARED", want: failOnce, mutate: vpc("dev", " VPC-PROD ")},
		{name: "same in different accounts (shared VPC)", id: "NET-ISOLATION-DECLARED", want: failOnce,
			mutate: func(d *checklist.Document) {
				d.Environments.Dev.VpcID = "vpc-prod"
				d.Environments.Dev.AccountID = "333333333333"
			}},
		{name: "own VPC missing", id: "NET-ISOLATION-DECLARED", want: failOnce, mutate: vpc("dev", "")},
		{name: "other VPC missing", id: "NET-ISOLATION-DECLARED", want: skipOnce, mutate: vpc("prod", "")},
		{name: "other environment missing", id: "NET-ISOLATION-DECLARED", want: skipOnce,
			mutate: func(d *checklist.Document) { d.Environments.Prod = nil }},
	})
}

func TestDNSNames(t *testing.T) {
	hosts := func(f func(h *checklist.Hostnames)) func(*checklist.Document) {
		return func(d *checklist.Document) {
			f(&d.Environments.Dev.Hostnames)
			// The certificate must not be what fails: cover any name.
			d.Environments.Dev.Certificate.PEM = ""
		}
	}
	runStatic(t, []staticCase{
		{name: "valid", id: "DNS-NAMES", want: passOnce, resources: []string{
			"manage-acme-dev.example.com", "rta-acme-dev.example.com", "webtask-dev.example.com", "app1-acme-dev.example.com"}},
		{name: "upper case and trailing dot", id: "DNS-NAMES", want: passOnce,
			mutate: hosts(func(h *checklist.Hostnames) { h.Manage = "Manage-Acme-Dev.Example.COM." })},
		{name: "four parts", id: "DNS-NAMES", want: passOnce, mutate: hosts(func(h *checklist.Hostnames) {
			*h = checklist.Hostnames{Manage: "manage.dev.example.com", Rta: "rta.dev.example.com", Webtask: "webtask.dev.example.com"}
		})},
		{name: "short first label", id: "DNS-NAMES", want: failOnce, resources: []string{"ab.example.com"}, message: `"ab" of 2 characters`,
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"ab.example.com"} })},
		{name: "three characters", id: "DNS-NAMES", want: passOnce,
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"abc.example.com"} })},
		{name: "underscore", id: "DNS-NAMES", want: failOnce, message: "underscore",
			mutate: hosts(func(h *checklist.Hostnames) { h.Rta = "rta_acme.example.com" })},
		{name: "two parts", id: "DNS-NAMES", want: failOnce, message: "has 2 parts",
			mutate: hosts(func(h *checklist.Hostnames) { h.Webtask = "example.com" })},
		{name: "five parts", id: "DNS-NAMES", want: failOnce, message: "has 5 parts",
			mutate: hosts(func(h *checklist.Hostnames) { h.Webtask = "webtask.a.b.example.com" })},
		{name: "invalid character", id: "DNS-NAMES", want: failOnce, message: "other than letters",
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"app!.example.com"} })},
		{name: "leading hyphen", id: "DNS-NAMES", want: failOnce, message: "hyphen",
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"-app1.example.com"} })},
		{name: "empty label", id: "DNS-NAMES", want: failOnce, message: "empty label",
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"app1..example.com"} })},
		{name: "other parent domain", id: "DNS-NAMES", want: failOnce, resources: []string{"app1-acme-dev.example.org"}, message: "under example.org",
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"app1-acme-dev.example.org"} })},
		{name: "manage is the odd one out", id: "DNS-NAMES", want: failOnce, resources: []string{"manage-acme-dev.other.com"},
			mutate: hosts(func(h *checklist.Hostnames) { h.Manage = "manage-acme-dev.other.com" })},
		{name: "missing manage", id: "DNS-NAMES", want: failOnce, resources: []string{"hostnames.manage"},
			mutate: hosts(func(h *checklist.Hostnames) { h.Manage = "" })},
		{name: "declared twice", id: "DNS-NAMES", want: failOnce, message: "both rta and apps[0]",
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"RTA-acme-dev.example.com"} })},
		{name: "reserved app tenant", id: "DNS-NAMES", want: failOnce, resources: []string{"api.example.com"}, message: `"api"`,
			mutate: hosts(func(h *checklist.Hostnames) {
				*h = checklist.Hostnames{Manage: "manage.example.com", Rta: "rta.example.com", Webtask: "webtask.example.com", Apps: []string{"api.example.com"}}
			})},
		{name: "reserved app tenant with the customer suffix", id: "DNS-NAMES", want: failOnce, message: `"support"`,
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"support-acme-dev.example.com"} })},
		{name: "reserved word inside a longer tenant name", id: "DNS-NAMES", want: passOnce,
			mutate: hosts(func(h *checklist.Hostnames) {
				h.Apps = []string{"apiary-acme-dev.example.com", "devtools-acme-dev.example.com"}
			})},
		{name: "reserved names apply to App tenants only", id: "DNS-NAMES", want: passOnce,
			mutate: hosts(func(h *checklist.Hostnames) { h.Webtask = "status.example.com" })},
		{name: "reserved list from config", id: "DNS-NAMES", want: failOnce,
			cfg:    func(c *Config) { c.ReservedTenantNames = append(c.ReservedTenantNames, "app1") },
			mutate: hosts(func(*checklist.Hostnames) {})},
		{name: "several problems, one check each", id: "DNS-NAMES", want: []Status{StatusFail, StatusFail},
			mutate: hosts(func(h *checklist.Hostnames) { h.Apps = []string{"ab.example.com", "www.example.com"} })},
		{name: "environment missing", id: "DNS-NAMES", want: skipOnce,
			mutate: func(d *checklist.Document) { d.Environments.Dev = nil }},
	})
}

func TestDNSNamesReservedQuotesReservedLine(t *testing.T) {
	doc := testDoc(t)
	doc.Environments.Dev.Hostnames.Apps = []string{"login-acme-dev.example.com"}
	c := checksOf(Static(doc, "dev", testNow, DefaultConfig()), "DNS-NAMES")[0]
	if c.Requirement != reqDNSReserved {
		t.Errorf("requirement = %q", c.Requirement)
	}
}

func TestDNSDistinct(t *testing.T) {
	runStatic(t, []staticCase{
		{name: "distinct", id: "DNS-DISTINCT", want: passOnce},
		{name: "shared name", id: "DNS-DISTINCT", want: failOnce, resources: []string{"webtask.example.com"},
			mutate: func(d *checklist.Document) { d.Environments.Dev.Hostnames.Webtask = "webtask.example.com" }},
		{name: "shared name, other spelling", env: "prod", id: "DNS-DISTINCT", want: failOnce, resources: []string{"webtask.example.com"},
			mutate: func(d *checklist.Document) { d.Environments.Dev.Hostnames.Webtask = "WebTask.Example.com." }},
		{name: "all shared", id: "DNS-DISTINCT", want: failOnce,
			mutate: func(d *checklist.Document) { d.Environments.Dev.Hostnames = cloneHosts(prodHosts) }},
		{name: "other environment missing", id: "DNS-DISTINCT", want: skipOnce,
			mutate: func(d *checklist.Document) { d.Environments.Prod = nil }},
	})
}
