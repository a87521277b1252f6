package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sivchari/kumo"
)

const sample = "../../events/checklist.json"

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageAndValidate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"valid", []string{"validate", "--checklist", sample}, exitOK, "valid"},
		{"invalid", []string{"validate", "--checklist", "../../events/invalid/prod-two-instances.json"}, exitUsage, "environments.prod.instanceIds"},
		{"missing file", []string{"validate", "--checklist", "nope.json"}, exitUsage, "no such file"},
		{"no checklist flag", []string{"validate"}, exitUsage, "--checklist FILE is required"},
		{"bad env", []string{"verify", "--checklist", sample, "--env", "staging"}, exitUsage, "--env must be dev or prod"},
		{"bad format", []string{"verify", "--checklist", sample, "--env", "dev", "--format", "xml"}, exitUsage, "--format must be text or json"},
		{"assume without id", []string{"verify", "--checklist", sample, "--env", "dev", "--assume-role"}, exitUsage, "--external-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, output %q %q; want %d containing %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

// TestVerifyAgainstEmptyAccount runs the real collector against kumo, where
// none of the declared resources exist: the report must say so per
// instance, exit 1, and count its API calls.
func TestVerifyAgainstEmptyAccount(t *testing.T) {
	srv := kumo.NewServer()
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")

	code, out, errOut := runCLI(t, "verify", "--checklist", sample, "--env", "prod", "--format", "json")
	if code != exitFailed {
		t.Fatalf("exit %d; stderr %s", code, errOut)
	}
	var report struct {
		Environment string `json:"environment"`
		Passed      bool   `json:"passed"`
		APICalls    int    `json:"apiCalls"`
		Checks      []struct {
			ID        string   `json:"id"`
			Status    string   `json:"status"`
			Severity  string   `json:"severity"`
			Resources []string `json:"resources"`
			Message   string   `json:"message"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if report.Environment != "prod" || report.Passed || report.APICalls == 0 {
		t.Fatalf("report header %+v", report)
	}
	missing := map[string]bool{}
	for _, c := range report.Checks {
		if c.ID == "VM-EXISTS" && c.Status == "fail" {
			for _, r := range c.Resources {
				missing[r] = true
			}
		}
	}
	for _, id := range []string{"i-0bbbbbbbbbbbbbbb1", "i-0bbbbbbbbbbbbbbb2", "i-0bbbbbbbbbbbbbbb3"} {
		if !missing[id] {
			t.Errorf("VM-EXISTS does not report %s missing: %s", id, out)
		}
	}

	code, text, _ := runCLI(t, "verify", "--checklist", sample, "--env", "dev")
	if code != exitFailed || !strings.Contains(text, "VM-EXISTS") || !strings.Contains(text, "NOT READY") {
		t.Fatalf("text output exit %d:\n%s", code, text)
	}
}
