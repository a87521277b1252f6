package verify

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

var awsIDs = []string{
	"LB-HEALTHCHECK", "LB-LISTENERS", "LB-TARGETS", "LB-TYPE",
	"NET-CLUSTER-PORTS", "NET-EGRESS", "NET-ISOLATION", "NET-LB-PORTS", "NET-NODES", "NET-SSH",
	"OPS-ALARM", "OPS-BACKUP", "TLS-ACM",
	"VM-AMI", "VM-EXISTS", "VM-NIC", "VM-SIZE", "VM-STORAGE",
}

// TestVerifyCorrectEnvironments is the premise of every table case: the
// fixture passes with no failure, warning or error, and skips only rules
// that do not apply.
func TestVerifyCorrectEnvironments(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		acm       bool
		skips     []string
	}{
		{"dev", "dev", false, []string{"LB-HEALTHCHECK", "LB-LISTENERS", "LB-TARGETS", "LB-TYPE", "NET-CLUSTER-PORTS", "TLS-ACM"}},
		{"prod with PEM", "prod", false, []string{"TLS-ACM"}},
		{"prod with ACM", "prod", true, []string{"TLS-PARSE"}},
		{"dev beside prod with ACM", "dev", true, []string{"LB-HEALTHCHECK", "LB-LISTENERS", "LB-TARGETS", "LB-TYPE", "NET-CLUSTER-PORTS", "TLS-ACM", "TLS-DISTINCT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, inv := fixture(t, tc.env, tc.acm)
			r := Verify(doc, tc.env, inv, testNow, DefaultConfig())
			if !r.Passed || r.APICalls != inv.APICalls || r.Environment != tc.env || !r.GeneratedAt.Equal(testNow) {
				t.Errorf("passed=%v apiCalls=%d environment=%q", r.Passed, r.APICalls, r.Environment)
			}
			var ids []string
			for _, c := range r.Checks {
				assertComplete(t, tc.name, c)
				switch {
				case c.Status == StatusPass:
				case c.Status == StatusSkip && slices.Contains(tc.skips, c.ID):
				default:
					t.Errorf("%s = %s %v: %s", c.ID, c.Status, c.Resources, c.Message)
				}
				if !slices.Contains(ids, c.ID) {
					ids = append(ids, c.ID)
				}
			}
			var want []string
			for _, r := range append(StaticRules(), AWSRules()...) {
				want = append(want, r.ID)
			}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("rule ids = %v, want %v", ids, want)
			}
		})
	}
}

func TestVerifyWithoutInventory(t *testing.T) {
	doc := awsDoc(t, true)
	for _, env := range []string{"dev", "prod"} {
		r := Verify(doc, env, nil, testNow, DefaultConfig())
		static := Static(doc, env, testNow, DefaultConfig())
		if r.APICalls != 0 || r.Passed != static.Passed {
			t.Errorf("%s: apiCalls %d, passed %v", env, r.APICalls, r.Passed)
		}
		for _, c := range r.Checks {
			if slices.Contains(awsIDs, c.ID) {
				if c.Status != StatusSkip {
					t.Errorf("%s: %s = %s without an inventory", env, c.ID, c.Status)
				}
				continue
			}
			if s := checksOf(static, c.ID); len(s) == 0 || s[0].Status != c.Status || s[0].Message != c.Message {
				t.Errorf("%s: %s differs from the static verification", env, c.ID)
			}
		}
	}
}

// TestVerifyEmptyInventory: nothing collected must not crash a rule, and
// must not pass one either.
func TestVerifyEmptyInventory(t *testing.T) {
	for _, env := range []string{"dev", "prod"} {
		r := Verify(awsDoc(t, true), env, &inventory.Inventory{}, testNow, DefaultConfig())
		if r.Passed {
			t.Errorf("%s: an empty inventory passed", env)
		}
		for _, c := range r.Checks {
			assertComplete(t, env, c)
			if strings.Contains(c.Message, "stopped unexpectedly") {
				t.Errorf("%s: %s panicked: %s", env, c.ID, c.Message)
			}
			if c.ID == "VM-EXISTS" && c.Status != StatusFail {
				t.Errorf("%s: VM-EXISTS = %s", env, c.Status)
			}
		}
	}
}

func TestVolumesAccessDenied(t *testing.T) {
	doc, inv := fixture(t, "prod", false)
	base := Verify(doc, "prod", inv, testNow, DefaultConfig())
	denied(inventory.SrcVolumes)(t, doc, inv)
	r := Verify(doc, "prod", inv, testNow, DefaultConfig())
	got := checksOf(r, "VM-STORAGE")
	if len(got) != 1 || got[0].Status != StatusError {
		t.Fatalf("VM-STORAGE:\n%s", dump(got))
	}
	c := got[0]
	for _, want := range []string{"Could not read ec2:DescribeVolumes (AccessDenied): grant it to the verifier role.", "not verified"} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q lacks %q", c.Message, want)
		}
	}
	if !strings.Contains(c.Remediation, verifierRoleName) || !strings.Contains(c.Remediation, "ec2:DescribeVolumes") ||
		!strings.Contains(c.Remediation, "arn:aws:iam::222222222222:role/ApplianceIntakeVerifier") {
		t.Errorf("remediation %q", c.Remediation)
	}
	if !slices.Equal(c.Resources, []string{"ec2:DescribeVolumes"}) || r.Passed {
		t.Errorf("resources %v, passed %v", c.Resources, r.Passed)
	}
	for _, b := range base.Checks {
		if b.ID == "VM-STORAGE" {
			continue
		}
		if !slices.Equal(statuses(r, b.ID), statuses(base, b.ID)) {
			t.Errorf("%s changed: %v", b.ID, statuses(r, b.ID))
		}
	}
}

// TestSourceErrors fails each source of each AWS rule in turn: exactly the
// rules that declare it turn into one error naming it; the others keep
// their verdicts.
func TestSourceErrors(t *testing.T) {
	sources := map[inventory.Source][]string{}
	for _, r := range awsRules {
		for _, s := range r.Sources {
			sources[s] = append(sources[s], r.ID)
		}
	}
	for _, env := range []string{"dev", "prod"} {
		doc, inv := fixture(t, env, false)
		base := Verify(doc, env, inv, testNow, DefaultConfig())
		for s, ids := range sources {
			doc, inv := fixture(t, env, false)
			denied(s)(t, doc, inv)
			r := Verify(doc, env, inv, testNow, DefaultConfig())
			for _, b := range base.Checks {
				got := checksOf(r, b.ID)
				prodOnly := slices.ContainsFunc(awsRules, func(a awsRule) bool { return a.ID == b.ID && a.ProdOnly })
				if slices.Contains(ids, b.ID) && !(prodOnly && env == "dev") {
					if len(got) != 1 || got[0].Status != StatusError || !strings.Contains(got[0].Message, string(s)+" (AccessDenied)") {
						t.Errorf("%s/%s: %s =\n%s", env, s, b.ID, dump(got))
					}
					continue
				}
				if !slices.Equal(statuses(r, b.ID), statuses(base, b.ID)) {
					t.Errorf("%s/%s: %s changed: %v", env, s, b.ID, statuses(r, b.ID))
				}
			}
		}
	}
}

func TestSourceErrorWording(t *testing.T) {
	inv := &inventory.Inventory{Errors: map[inventory.Source]inventory.SourceError{
		inventory.SrcInstances:   {Code: "UnauthorizedOperation"},
		inventory.SrcVolumes:     {Code: "AccessDeniedException"},
		inventory.SrcRouteTables: {Code: "RequestLimitExceeded"},
		inventory.SrcSubnets:     {Err: "connection reset"},
	}}
	c, ok := sourceError(inv, nil, inventory.SrcInstances, inventory.SrcVolumes, inventory.SrcRouteTables, inventory.SrcSubnets, inventory.SrcImages)
	if !ok || c.Status != StatusError {
		t.Fatalf("got %+v", c)
	}
	for _, want := range []string{
		"Could not read ec2:DescribeInstances (UnauthorizedOperation) and ec2:DescribeVolumes (AccessDeniedException): grant them to the verifier role.",
		"Could not read ec2:DescribeRouteTables (RequestLimitExceeded) and ec2:DescribeSubnets (connection reset).",
	} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q lacks %q", c.Message, want)
		}
	}
	if !strings.Contains(c.Remediation, "allows ec2:DescribeInstances and ec2:DescribeVolumes read-only") || !strings.Contains(c.Remediation, "Run the verification again") {
		t.Errorf("remediation %q", c.Remediation)
	}
	if want := []string{"ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeRouteTables", "ec2:DescribeSubnets"}; !slices.Equal(c.Resources, want) {
		t.Errorf("resources %v", c.Resources)
	}
	if _, ok := sourceError(inv, nil, inventory.SrcImages); ok {
		t.Error("a source that did not fail errs")
	}
}

func TestACMUnreadable(t *testing.T) {
	doc, inv := fixture(t, "prod", true)
	inv.Certificate = nil
	denied(inventory.SrcCertificate)(t, doc, inv)
	r := Verify(doc, "prod", inv, testNow, DefaultConfig())
	for _, id := range append([]string{"TLS-ACM"}, certIDs...) {
		got := checksOf(r, id)
		if len(got) != 1 || got[0].Status != StatusError || !strings.Contains(got[0].Message, "acm:DescribeCertificate (AccessDenied)") ||
			got[0].Resources[0] != fxACM {
			t.Errorf("%s:\n%s", id, dump(got))
		}
	}
}

// TestSampleChecklist verifies the sample events against the fixture's
// inventories: the fixture matches what the samples declare.
func TestVerifySampleChecklists(t *testing.T) {
	for _, tc := range []struct {
		file, env string
		acm       bool
	}{
		{"checklist.json", "dev", false}, {"checklist.json", "prod", false}, {"checklist-acm.json", "prod", true},
	} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "events", tc.file))
		if err != nil {
			t.Skipf("no sample checklist: %v", err)
		}
		var doc checklist.Document
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		_, inv := fixture(t, tc.env, tc.acm)
		r := Verify(&doc, tc.env, inv, testNow, DefaultConfig())
		for _, c := range r.Checks {
			assertComplete(t, tc.file, c)
			if c.Status != StatusPass && c.Status != StatusSkip {
				t.Errorf("%s/%s: %s = %s: %s", tc.file, tc.env, c.ID, c.Status, c.Message)
			}
		}
		if !r.Passed {
			t.Errorf("%s/%s: not passed", tc.file, tc.env)
		}
	}
}

func TestAWSRulesRegistry(t *testing.T) {
	rules := AWSRules()
	rules[0].ID = "CHANGED"
	if AWSRules()[0].ID == "CHANGED" {
		t.Error("AWSRules exposes the registry")
	}
	src, err := os.ReadFile("aws.go")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	static := map[string]bool{}
	for _, r := range StaticRules() {
		static[r.ID] = true
	}
	for _, r := range AWSRules() {
		if slices.Contains(ids, r.ID) || static[r.ID] || r.Requirement == "" || r.Eval == nil ||
			(r.Severity != SeverityRequired && r.Severity != SeverityRecommended) {
			t.Errorf("rule %q is duplicated or incomplete", r.ID)
		}
		// The table in aws.go documents every rule.
		if !strings.Contains(string(src), "//\t"+r.ID+" ") {
			t.Errorf("%s is missing from the rule table in aws.go", r.ID)
		}
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, awsIDs) {
		t.Errorf("AWS rule ids = %v", ids)
	}
}

// TestAWSRequirementsAreQuoted checks every requirement an AWS check can
// carry against the requirements document, as TestRequirementsAreQuoted
// does for the static rules.
func TestAWSRequirementsAreQuoted(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "reference", "appliance-requirements.md"))
	if err != nil {
		t.Skipf("requirements not available: %v", err)
	}
	normalize := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "**", "")), " ") }
	doc := normalize(string(raw))
	quotes := map[string]bool{}
	for _, r := range AWSRules() {
		quotes[r.Requirement] = true
	}
	for _, q := range []string{reqAMI, reqVMSize, reqVMSizeRec, reqDevStorage, reqProdStorage, reqNIC, reqEgress, reqSpread,
		reqClusterPorts, reqLBPorts, reqSSH, reqLBType, reqLBFront, reqHealth, reqDevDirect, reqBackup, reqAlarm} {
		quotes[q] = true
	}
	// And every requirement the fixture's reports carry, failing or not.
	for _, env := range []string{"dev", "prod"} {
		for _, acm := range []bool{false, true} {
			d, inv := fixture(t, env, acm)
			for _, c := range Verify(d, env, inv, testNow, DefaultConfig()).Checks {
				quotes[c.Requirement] = true
			}
			for _, c := range Verify(d, env, &inventory.Inventory{}, testNow, DefaultConfig()).Checks {
				quotes[c.Requirement] = true
			}
		}
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

func TestVerifyIsDeterministic(t *testing.T) {
	doc, inv := fixture(t, "prod", true)
	inv.Volumes[volID(2, 2)] = inventory.Volume{ID: volID(2, 2), SizeGiB: 10, InstanceID: fxProd2}
	inv.Peerings = append(inv.Peerings, inventory.Peering{ID: "pcx-1", RequesterVpc: fxProdVPC, AccepterVpc: fxDevVPC, Status: "active"},
		inventory.Peering{ID: "pcx-0", RequesterVpc: fxDevVPC, AccepterVpc: fxProdVPC, Status: "active"})
	a, _ := json.Marshal(Verify(doc, "prod", inv, testNow, DefaultConfig()))
	for range 5 {
		b, _ := json.Marshal(Verify(doc, "prod", inv, testNow, DefaultConfig()))
		if string(a) != string(b) {
			t.Fatal("two runs on the same input differ")
		}
	}
	if strings.Contains(string(a), `"resources":null`) {
		t.Error("resources render as null")
	}
}

func TestTextOfAWSReport(t *testing.T) {
	doc, inv := fixture(t, "prod", false)
	denied(inventory.SrcVolumes)(t, doc, inv)
	inv.Alarms = inv.Alarms[:2] // fxProd3 loses its alarm
	var b bytes.Buffer
	if err := Text(&b, Verify(doc, "prod", inv, testNow, DefaultConfig())); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"\nERROR ",
		"  VM-STORAGE (ec2:DescribeVolumes): Update the verifier role",
		"  OPS-ALARM (" + fxProd3 + "): Create a CloudWatch alarm",
		"\nRead with 19 AWS API calls.\nPROD: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "1 failed, 0 warnings, 1 error, 1 skipped — NOT READY\n") {
		t.Errorf("verdict:\n%s", out)
	}
}

func TestGaps(t *testing.T) {
	for _, tc := range []struct {
		want portSpan
		have []portSpan
		gaps string
	}{
		{portSpan{9300, 9400}, nil, "9300–9400"},
		{portSpan{9300, 9400}, []portSpan{{9300, 9400}}, ""},
		{portSpan{9300, 9400}, []portSpan{{0, 65535}}, ""},
		{portSpan{9300, 9400}, []portSpan{{9300, 9350}}, "9351–9400"},
		{portSpan{9300, 9400}, []portSpan{{9351, 9400}, {9300, 9350}}, ""},
		{portSpan{9300, 9400}, []portSpan{{9310, 9320}, {9330, 9400}}, "9300–9309 and 9321–9329"},
		{portSpan{9300, 9400}, []portSpan{{9200, 9299}, {9401, 9500}}, "9300–9400"},
		{portSpan{22, 22}, []portSpan{{20, 30}}, ""},
	} {
		if got := spansString(gaps(tc.want, tc.have)); got != tc.gaps {
			t.Errorf("gaps(%v, %v) = %q, want %q", tc.want, tc.have, got, tc.gaps)
		}
	}
}

func TestOpens(t *testing.T) {
	for _, tc := range []struct {
		rule  inventory.IngressRule
		proto string
		span  portSpan
		ok    bool
	}{
		{inventory.IngressRule{Protocol: "-1"}, "tcp", portSpan{0, 65535}, true},
		{inventory.IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22}, "tcp", portSpan{22, 22}, true},
		{inventory.IngressRule{Protocol: "6", FromPort: 80, ToPort: 443}, "tcp", portSpan{80, 443}, true},
		{inventory.IngressRule{Protocol: "tcp", FromPort: -1, ToPort: -1}, "tcp", portSpan{0, 65535}, true},
		{inventory.IngressRule{Protocol: "udp", FromPort: 22, ToPort: 22}, "tcp", portSpan{}, false},
		{inventory.IngressRule{Protocol: "icmp", FromPort: -1, ToPort: -1}, "tcp", portSpan{}, false},
	} {
		span, ok := opens(tc.rule, tc.proto)
		if span != tc.span || ok != tc.ok {
			t.Errorf("opens(%+v, %s) = %v %v", tc.rule, tc.proto, span, ok)
		}
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		inner, outer string
		want         bool
	}{
		{"203.0.113.10/32", "203.0.113.10/32", true},
		{"203.0.113.10", "203.0.113.10/32", true},
		{"203.0.113.0/24", "203.0.113.10/32", false},
		{"203.0.113.10/32", "203.0.113.0/24", true},
		{"0.0.0.0/0", "203.0.113.10/32", false},
		{"::/0", "203.0.113.10/32", false},
		{"10.20.0.5/16", "10.20.0.0/16", true}, // host bits set: masked
		{"::ffff:203.0.113.10/128", "203.0.113.10/32", true},
		{"::ffff:203.0.113.0/120", "203.0.113.10/32", false},
	} {
		in, ok1 := parseCIDR(tc.inner)
		out, ok2 := parseCIDR(tc.outer)
		if !ok1 || !ok2 {
			t.Errorf("parse %q or %q failed", tc.inner, tc.outer)
			continue
		}
		if got := within(in, out); got != tc.want {
			t.Errorf("within(%s, %s) = %v", tc.inner, tc.outer, got)
		}
	}
	if _, ok := parseCIDR("not a cidr"); ok {
		t.Error("garbage parsed")
	}
}

// TestRouteTableWithoutVPC: some endpoints report route tables without
// their VPC; a single main table is still the one that applies.
func TestRouteTableWithoutVPC(t *testing.T) {
	doc, inv := fixture(t, "dev", false)
	inv.RouteTables[0].VpcID = ""
	r := Verify(doc, "dev", inv, testNow, DefaultConfig())
	if s := statuses(r, "NET-EGRESS"); !slices.Equal(s, []Status{StatusPass}) {
		t.Errorf("NET-EGRESS = %v", s)
	}
	inv.RouteTables = nil
	r = Verify(doc, "dev", inv, testNow, DefaultConfig())
	if c := checksOf(r, "NET-EGRESS"); len(c) != 1 || c[0].Status != StatusFail || !strings.Contains(c[0].Message, "No route table applies") {
		t.Errorf("NET-EGRESS:\n%s", dump(c))
	}
}

func TestACMChainUnusable(t *testing.T) {
	for name, mutate := range map[string]func(c *inventory.Certificate){
		"unparseable": func(c *inventory.Certificate) { c.Chain = "junk" },
		"absent":      func(c *inventory.Certificate) { c.Chain = "" },
	} {
		doc, inv := fixture(t, "prod", true)
		mutate(inv.Certificate)
		r := Verify(doc, "prod", inv, testNow, DefaultConfig())
		for _, id := range []string{"TLS-SELF-SIGNED", "TLS-CHAIN"} {
			c := checksOf(r, id)
			if len(c) != 1 || c[0].Status != StatusError || !strings.Contains(c[0].Message, "cannot be checked") || c[0].Resources[0] != fxACM {
				t.Errorf("%s: %s:\n%s", name, id, dump(c))
			}
		}
		// The summary still answers for the rest.
		for _, id := range []string{"TLS-KEY", "TLS-NAMES", "TLS-EXPIRY", "TLS-ACM"} {
			if s := statuses(r, id); !slices.Equal(s, []Status{StatusPass}) {
				t.Errorf("%s: %s = %v", name, id, s)
			}
		}
	}
}

func TestConfigValidatesAWSThresholds(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"no dev drives":        func(c *Config) { c.DevDriveSizesGB = nil },
		"zero backup drive":    func(c *Config) { c.ProdBackupDriveGB = 0 },
		"negative drive":       func(c *Config) { c.ProdDriveSizesGB = []int{40, -1} },
		"no maintenance port":  func(c *Config) { c.MaintenancePort = 0 },
		"relative health path": func(c *Config) { c.HealthCheckPath = "testall" },
	} {
		c := DefaultConfig()
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
		doc, inv := fixture(t, "dev", false)
		if r := Verify(doc, "dev", inv, testNow, c); r.Passed || r.Checks[0].ID != "CONFIG" {
			t.Errorf("%s: verified with a broken configuration", name)
		}
	}
}
