// Package verifytask performs the install workflow's verification step:
// it verifies one environment of a submission version, stores the report
// and records the verdict on the submission.
//
// It is apart from package install (the notification step) so that the
// verify function links only what verification needs: no email, Slack,
// Secrets Manager or approval pages (whose templates are parsed at init).
// It must not import pkg/install, pkg/notify or pkg/approval.
package verifytask

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Store is what the step reads and writes of a submission.
type Store interface {
	GetVersion(ctx context.Context, id string, version int) (*store.Version, error)
	Record(ctx context.Context, id string, e store.Event) error
	Append(ctx context.Context, id string, e store.Event) error
	PutReport(ctx context.Context, id string, version int, env string, report []byte, at time.Time) (string, error)
}

// Config wires a Task.
type Config struct {
	Verify verify.Config
	Logger *slog.Logger
	// Inventory reads customer accounts; nil runs the static checks alone
	// (the local stack, which has no customer account).
	Inventory InventoryReader
}

// Task performs the verification step.
type Task struct {
	store  Store
	reader InventoryReader
	verify verify.Config
	log    *slog.Logger
	Now    func() time.Time
}

// New returns a Task.
func New(st Store, cfg Config) *Task {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Task{store: st, reader: cfg.Inventory, verify: cfg.Verify, log: log, Now: time.Now}
}

// Verify runs verification of one environment of a submission version,
// stores the report and returns the verdict. Errors are for the unexpected
// (storage down, a stored document that no longer parses); a failing check
// is a verdict, not an error.
func (t *Task) Verify(ctx context.Context, in workflow.VerifyInput) (workflow.VerifyOutput, error) {
	if in.Environment != checklist.EnvDev && in.Environment != checklist.EnvProd {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: unknown environment %q", in.Environment)
	}
	stage := "verify-" + in.Environment
	if err := t.store.Record(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
		Status: workflow.StatusInProgress, Stage: stage, Actor: "verifier",
		Detail: "verifying the " + strings.ToUpper(in.Environment) + " environment"}); err != nil {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: %w", err)
	}
	ver, err := t.store.GetVersion(ctx, in.SubmissionID, in.Version)
	if err != nil {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: %w", err)
	}
	doc, problems := checklist.Parse([]byte(ver.Document))
	if len(problems) > 0 {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: stored document of %s v%d no longer validates: %s: %s",
			in.SubmissionID, in.Version, problems[0].Field, problems[0].Message)
	}
	report := t.evaluate(ctx, doc, in.Environment)
	body, err := json.Marshal(report)
	if err != nil {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: encode report: %w", err)
	}
	key, err := t.store.PutReport(ctx, in.SubmissionID, in.Version, in.Environment, body, report.GeneratedAt)
	if err != nil {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: %w", err)
	}
	sum := report.Summarize()
	verdict := "passed"
	if !report.Passed {
		verdict = "did not pass"
	}
	if err := t.store.Append(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
		Status: workflow.StatusInProgress, Stage: stage, Actor: "verifier", ReportKey: key,
		Detail: fmt.Sprintf("%s verification %s: %d passed, %d failed, %d warnings, %d errors",
			strings.ToUpper(in.Environment), verdict, sum.Pass, sum.Fail, sum.Warn, sum.Error)}); err != nil {
		return workflow.VerifyOutput{}, fmt.Errorf("verify: %w", err)
	}
	t.log.InfoContext(ctx, "verified", "submissionId", in.SubmissionID, "version", in.Version,
		"environment", in.Environment, "passed", report.Passed, "fail", sum.Fail, "error", sum.Error)
	return workflow.VerifyOutput{Passed: report.Passed, ReportKey: key, Summary: sum}, nil
}

// evaluate runs the static checks alone, or with an inventory the whole
// verification; a role that cannot be assumed is reported as one finding.
func (t *Task) evaluate(ctx context.Context, doc *checklist.Document, env string) verify.Report {
	if t.reader == nil {
		return verify.Static(doc, env, t.Now(), t.verify)
	}
	inv, access := t.reader.Read(ctx, doc, env)
	if access.Err == nil {
		return verify.Verify(doc, env, inv, t.Now(), t.verify)
	}
	report := verify.Static(doc, env, t.Now(), t.verify)
	report.Checks = append([]verify.Check{{
		ID:          "ACCESS-ROLE",
		Requirement: "The service verifies a customer account by assuming a read-only role with our ExternalId; it never holds customer keys.",
		Severity:    verify.SeverityRequired,
		Status:      verify.StatusError,
		Resources:   []string{access.RoleArn},
		Message:     fmt.Sprintf("Could not assume %s with ExternalId %s: %v. Nothing in this account was verified.", access.RoleArn, access.ExternalID, access.Err),
		Remediation: fmt.Sprintf("Deploy the ApplianceIntakeVerifier role template in this account with ServiceAccountId set to our account and ExternalId %s, then resubmit.", access.ExternalID),
	}}, report.Checks...)
	report.Passed = false
	return report
}
