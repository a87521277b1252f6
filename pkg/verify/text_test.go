package verify

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummaryLine(t *testing.T) {
	checks := func(n int, s Status) []Check {
		out := make([]Check, n)
		for i := range out {
			out[i] = Check{ID: "X", Status: s, Severity: SeverityRequired}
		}
		return out
	}
	concat := func(parts ...[]Check) []Check {
		var out []Check
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{"the CLI example", Report{Environment: "dev", Checks: concat(checks(12, StatusPass), checks(1, StatusFail), checks(1, StatusWarn))},
			"DEV: 12 passed, 1 failed, 1 warning — NOT READY"},
		{"ready with warnings", Report{Environment: "prod", Passed: true, Checks: concat(checks(3, StatusPass), checks(2, StatusWarn))},
			"PROD: 3 passed, 0 failed, 2 warnings — READY"},
		{"errors and skips counted when present", Report{Environment: "dev", Checks: concat(checks(1, StatusPass), checks(1, StatusError), checks(2, StatusSkip))},
			"DEV: 1 passed, 0 failed, 0 warnings, 1 error, 2 skipped — NOT READY"},
		{"no environment", Report{Passed: true}, "REPORT: 0 passed, 0 failed, 0 warnings — READY"},
	}
	for _, tc := range tests {
		if got := SummaryLine(tc.r); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	r := Report{
		Environment: "dev",
		Checks: []Check{
			{ID: "DNS-NAMES", Status: StatusFail, Severity: SeverityRequired, Resources: []string{"ab.example.com"},
				Message: "ab.example.com is too short.\nReally.", Remediation: "Use a longer name."},
			{ID: "NODE-COUNT", Status: StatusPass, Severity: SeverityRequired, Resources: []string{"i-1"}, Message: "DEV declares 1 instance."},
			{ID: "TLS-DISTINCT", Status: StatusWarn, Severity: SeverityRecommended, Resources: []string{"*.example.com"},
				Message: "Same wildcard.", Remediation: "Use another domain."},
			{ID: "TLS-PARSE", Status: StatusSkip, Severity: SeverityRequired, Resources: []string{}, Message: "Checked\tthrough ACM."},
		},
	}
	r.Passed = passed(r.Checks)
	var b bytes.Buffer
	if err := Text(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")

	// The table: a header and one line per check, columns aligned.
	table := lines[:5]
	col := strings.Index(table[0], "MESSAGE")
	if col < 0 || !strings.HasPrefix(table[0], "STATUS") {
		t.Fatalf("header = %q", table[0])
	}
	for i, want := range []string{"ab.example.com is too short. Really.", "DEV declares 1 instance.", "Same wildcard.", "Checked through ACM."} {
		if got := table[i+1][col:]; got != want {
			t.Errorf("row %d message column = %q, want %q", i+1, got, want)
		}
	}
	for i, prefix := range []string{"FAIL", "PASS", "WARN", "SKIP"} {
		if !strings.HasPrefix(table[i+1], prefix+" ") {
			t.Errorf("row %d = %q, want status %s", i+1, table[i+1], prefix)
		}
	}
	if !strings.Contains(table[4], " - ") {
		t.Errorf("no resources shown as '-': %q", table[4])
	}

	for _, want := range []string{
		"To fix:\n  DNS-NAMES (ab.example.com): Use a longer name.\n  TLS-DISTINCT (*.example.com): Use another domain.\n",
		"\nDEV: 1 passed, 1 failed, 1 warning, 1 skipped — NOT READY\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "NOT READY\n") {
		t.Errorf("the verdict is not the last line:\n%s", out)
	}
}

func TestTextAllPassed(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, Static(testDoc(t), "prod", testNow, DefaultConfig())); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "To fix:") || !strings.HasSuffix(out, "PROD: 12 passed, 0 failed, 0 warnings — READY\n") {
		t.Errorf("got:\n%s", out)
	}
}

func TestTableResources(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "-"},
		{[]string{"a"}, "a"},
		{[]string{"a", "b", "c"}, "a, b, c"},
		{[]string{"a", "b", "c", "d", "e"}, "a, b +3 more"},
	} {
		if got := tableResources(tc.in); got != tc.want {
			t.Errorf("tableResources(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func TestTextReportsWriteErrors(t *testing.T) {
	if err := Text(failingWriter{}, Report{Environment: "dev"}); err == nil {
		t.Error("write error swallowed")
	}
}
