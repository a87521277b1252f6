// Package install performs the install workflow's task steps: verifying an
// environment of a submission version and announcing stage changes. Each
// step records the change on the submission before anyone is told of it.
package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

type submissionStore interface {
	Get(ctx context.Context, id string) (*store.Record, error)
	GetVersion(ctx context.Context, id string, version int) (*store.Version, error)
	Record(ctx context.Context, id string, e store.Event) error
	Append(ctx context.Context, id string, e store.Event) error
	PutReport(ctx context.Context, id string, version int, env string, report []byte, at time.Time) (string, error)
	GetReport(ctx context.Context, id, reportKey string) ([]byte, error)
}

type mailer interface {
	Send(ctx context.Context, e notify.Email) (string, error)
}

// Tasks performs the workflow's task steps.
type Tasks struct {
	store   submissionStore
	mail    mailer
	pmEmail string
	baseURL string
	verify  verify.Config
	log     *slog.Logger
	Now     func() time.Time
}

// Config wires Tasks.
type Config struct {
	PMEmail string
	BaseURL string
	Verify  verify.Config
	Logger  *slog.Logger
}

// New returns Tasks. mail may be nil when no email channel is configured.
func New(st submissionStore, mail mailer, cfg Config) *Tasks {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Tasks{store: st, mail: mail, pmEmail: cfg.PMEmail, baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		verify: cfg.Verify, log: log, Now: time.Now}
}

// Verify runs verification of one environment of a submission version,
// stores the report and returns the verdict. Errors are for the unexpected
// (storage down, a stored document that no longer parses); a failing check
// is a verdict, not an error.
func (t *Tasks) Verify(ctx context.Context, in workflow.VerifyInput) (workflow.VerifyOutput, error) {
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
	report := verify.Static(doc, in.Environment, t.Now(), t.verify)
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

// transition is what one notify event does to the submission.
type transition struct {
	status, stage, headline, action string
}

func transitionFor(in workflow.NotifyInput, current string) (transition, error) {
	env := strings.ToUpper(in.Environment)
	switch in.Event {
	case workflow.EventDevVerified:
		return transition{workflow.StatusAwaitingApproval, workflow.StageApproveDev,
			env + " passed verification — approval needed",
			"Review the report and approve the " + env + " deployment."}, nil
	case workflow.EventChangesRequested:
		return transition{workflow.StatusChangesRequested, "verify-" + in.Environment,
			env + " did not pass verification — changes requested",
			"The customer must fix the failed checks and resubmit; a resubmission starts a new version."}, nil
	case workflow.EventFailed:
		return transition{workflow.StatusFailed, current,
			"the install workflow failed",
			"An operator should look at the error below and the workflow's execution history."}, nil
	}
	return transition{}, fmt.Errorf("notify: unknown event %q", in.Event)
}

// Notify records a stage change on the submission, then tells the project
// manager. A channel that fails is recorded on the submission and does not
// fail the step: the record is what matters, and it is already written.
func (t *Tasks) Notify(ctx context.Context, in workflow.NotifyInput) (workflow.NotifyOutput, error) {
	rec, err := t.store.Get(ctx, in.SubmissionID)
	if err != nil {
		return workflow.NotifyOutput{}, fmt.Errorf("notify: %w", err)
	}
	tr, err := transitionFor(in, rec.Stage)
	if err != nil {
		return workflow.NotifyOutput{}, err
	}
	var problem string
	if in.Error != nil {
		problem = strings.TrimSpace(in.Error.Error + ": " + in.Error.Cause)
	}
	detail := tr.headline
	if problem != "" {
		detail += " (" + problem + ")"
	}
	if err := t.store.Record(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
		Status: tr.status, Stage: tr.stage, Actor: "workflow", Detail: detail, ReportKey: in.ReportKey}); err != nil {
		return workflow.NotifyOutput{}, fmt.Errorf("notify: %w", err)
	}

	stage := notify.Stage{Customer: rec.CustomerName, SubmissionID: in.SubmissionID, Version: in.Version,
		Environment: strings.ToUpper(in.Environment), Headline: tr.headline, Action: tr.action,
		StatusURL: t.baseURL + "/api/submissions/" + in.SubmissionID, Problem: problem}
	if in.ReportKey != "" {
		if body, err := t.store.GetReport(ctx, in.SubmissionID, in.ReportKey); err == nil {
			var r verify.Report
			if json.Unmarshal(body, &r) == nil {
				stage.Report = &r
			}
		} else {
			t.log.WarnContext(ctx, "load report for notification", "reportKey", in.ReportKey, "error", err)
		}
	}

	out := workflow.NotifyOutput{Status: tr.status, Deliveries: []string{}}
	outcome := t.sendEmail(ctx, stage)
	out.Deliveries = append(out.Deliveries, outcome)
	if err := t.store.Append(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
		Status: tr.status, Stage: tr.stage, Actor: "notify", Detail: outcome}); err != nil {
		t.log.WarnContext(ctx, "record notification outcome", "error", err)
	}
	return out, nil
}

func (t *Tasks) sendEmail(ctx context.Context, s notify.Stage) string {
	if t.mail == nil || t.pmEmail == "" {
		return "email: skipped (no project manager address or sender configured)"
	}
	msg, err := notify.RenderEmail(s, []string{t.pmEmail})
	if err != nil {
		return "email: failed: " + err.Error()
	}
	id, err := t.mail.Send(ctx, msg)
	if errors.Is(err, notify.ErrNotConfigured) {
		return "email: skipped: " + err.Error()
	}
	if err != nil {
		t.log.ErrorContext(ctx, "email to project manager", "submissionId", s.SubmissionID, "error", err)
		return "email to " + t.pmEmail + ": failed: " + err.Error()
	}
	return "email to " + t.pmEmail + ": sent (" + id + ")"
}
