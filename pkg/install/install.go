// Package install performs the install workflow's notification step:
// announcing stage changes (and opening approvals for the gates). It
// records the change on the submission before anyone is told of it.
//
// The verification and health-check steps live in install/verifytask and
// install/healthtask, so that their functions do not link email, Slack,
// Secrets Manager and the approval pages.
package install

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/approval"
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
	GetReport(ctx context.Context, id, reportKey string) ([]byte, error)
}

type gateOpener interface {
	Open(ctx context.Context, r approval.OpenRequest) (approval.Link, error)
}

type mailer interface {
	Send(ctx context.Context, e notify.Email) (string, error)
}

// Tasks performs the workflow's notification step (Notify).
type Tasks struct {
	store   submissionStore
	notify  *notify.Notifier
	gates   gateOpener
	pmEmail string
	baseURL string
	// customerEmails: changes-requested also goes to the customer's
	// contacts for the affected teams.
	customerEmails bool
	log            *slog.Logger
	Now            func() time.Time
}

// Config wires Tasks.
type Config struct {
	PMEmail string
	BaseURL string
	Logger  *slog.Logger
	// Gates opens approvals for the waitForTaskToken gates.
	Gates gateOpener
	// Slack posts to the Slack channel; nil = no Slack.
	Slack notify.WebhookPoster
	// NoCustomerEmails keeps changes-requested from emailing the
	// customer's contacts (the project manager is told either way).
	NoCustomerEmails bool
}

// New returns Tasks. mail may be nil when no email channel is configured.
func New(st submissionStore, mail mailer, cfg Config) *Tasks {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var ms notify.MailSender
	if mail != nil {
		ms = mail
	}
	t := &Tasks{store: st, notify: notify.NewNotifier(ms, cfg.Slack, log), gates: cfg.Gates,
		pmEmail: cfg.PMEmail, baseURL: strings.TrimRight(cfg.BaseURL, "/"), customerEmails: !cfg.NoCustomerEmails,
		log: log, Now: time.Now}
	t.notify.Now = func() time.Time { return t.Now() }
	return t
}

// transition is what one notify event does to the submission.
type transition struct {
	status, stage, headline, action string
	// trailOnly events repeat a state (a reminder) rather than change it.
	trailOnly bool
}

func transitionFor(in workflow.NotifyInput, current string) (transition, error) {
	env := strings.ToUpper(in.Environment)
	who := "the project manager"
	if in.Decision != nil && in.Decision.Actor != "" {
		who = in.Decision.Actor
	}
	switch in.Event {
	case workflow.EventChangesRequested:
		return transition{status: workflow.StatusChangesRequested, stage: "verify-" + in.Environment,
			headline: env + " did not pass verification — changes requested",
			action:   "The customer must fix the failed checks and resubmit; a resubmission starts a new version."}, nil
	case workflow.EventApprovalRequested:
		return transition{status: workflow.StatusAwaitingApproval, stage: in.Gate,
			headline: env + " passed verification — your approval is needed",
			action:   "Open the approval page to approve or reject the " + env + " deployment."}, nil
	case workflow.EventApprovalReminder:
		return transition{status: workflow.StatusAwaitingApproval, stage: in.Gate, trailOnly: true,
			headline: "Reminder: the " + env + " deployment is still waiting for your approval",
			action:   "Open the approval page to approve or reject it before the link expires."}, nil
	case workflow.EventDeployRequested:
		return transition{status: workflow.StatusAwaitingDeployment, stage: in.Gate,
			headline: env + " approved — deploy the appliance and confirm",
			action:   "Deploy the " + env + " appliance, then open the confirmation page to report that it is deployed (or that the deployment failed)."}, nil
	case workflow.EventRejected:
		return transition{status: workflow.StatusRejected, stage: in.Gate,
			headline: "the " + env + " deployment was rejected by " + who,
			action:   "The install has stopped. The customer may resubmit with changes as a new version."}, nil
	case workflow.EventExpired:
		return transition{status: workflow.StatusExpired, stage: in.Gate,
			headline: "the " + env + " " + gateWords(in.Gate) + " expired without an answer",
			action:   "The install has stopped. Resubmitting the checklist starts a new version."}, nil
	case workflow.EventDeployFailed:
		return transition{status: workflow.StatusFailed, stage: in.Gate,
			headline: "the " + env + " deployment was reported failed by " + who,
			action:   "Fix the deployment with the customer; resubmitting the checklist starts a new version."}, nil
	case workflow.EventUnhealthy:
		return transition{status: workflow.StatusFailed, stage: "healthcheck-" + in.Environment,
			headline: "the " + env + " appliance did not pass its health check",
			action:   "Check that https://<manage hostname>/testall answers 200 OK (DNS, load balancer, the appliance's services)."}, nil
	case workflow.EventCompleted:
		return transition{status: workflow.StatusCompleted, stage: workflow.StageCompleted,
			headline: "the install is complete: DEV and PROD are deployed and healthy",
			action:   "Nothing more to do."}, nil
	case workflow.EventFailed:
		return transition{status: workflow.StatusFailed, stage: current,
			headline: "the install workflow failed",
			action:   "An operator should look at the error below and the workflow's execution history."}, nil
	}
	return transition{}, fmt.Errorf("notify: unknown event %q", in.Event)
}

func gateWords(gate string) string {
	if strings.HasPrefix(gate, "deploy-") {
		return "deployment confirmation"
	}
	return "approval"
}

// Notify records a stage change on the submission, opens the approval for
// a gate, then tells the project manager on every configured channel
// (email, Slack) and, when changes are requested, the customer's contacts
// for the affected teams by email. Every delivery (channel, time, outcome)
// is appended to the trail. A channel that fails is recorded and does not
// fail the step nor stop the other channels: the record is what matters,
// and it is already written.
func (t *Tasks) Notify(ctx context.Context, in workflow.NotifyInput) (workflow.NotifyOutput, error) {
	rec, err := t.store.Get(ctx, in.SubmissionID)
	if err != nil {
		return workflow.NotifyOutput{}, fmt.Errorf("notify: %w", err)
	}
	if in.Environment == "" {
		in.Environment = envOfStage(rec.Stage)
	}
	tr, err := transitionFor(in, rec.Stage)
	if err != nil {
		return workflow.NotifyOutput{}, err
	}
	var problem string
	switch {
	case in.Error != nil:
		problem = strings.TrimSpace(in.Error.Error + ": " + in.Error.Cause)
	case in.Health != nil:
		problem = in.Health.Detail
	case in.Decision != nil && in.Decision.Comment != "":
		problem = in.Decision.Actor + " wrote: " + in.Decision.Comment
	}

	// The gate's approval exists before anyone hears of it, so a link in a
	// message always works.
	var link string
	if in.TaskToken != "" {
		if t.gates == nil {
			return workflow.NotifyOutput{}, fmt.Errorf("notify: gate %s needs approvals configured", in.Gate)
		}
		l, err := t.gates.Open(ctx, approval.OpenRequest{SubmissionID: in.SubmissionID, Version: in.Version,
			Gate: in.Gate, Environment: in.Environment, Kind: in.Kind, TaskToken: in.TaskToken,
			ReportKey: in.ReportKey, CustomerName: rec.CustomerName})
		if err != nil {
			return workflow.NotifyOutput{}, fmt.Errorf("notify: open %s: %w", in.Gate, err)
		}
		link = l.URL
	}

	detail := tr.headline
	if problem != "" {
		detail += " (" + problem + ")"
	}
	e := store.Event{At: t.Now(), Version: in.Version, Status: tr.status, Stage: tr.stage, Actor: "workflow",
		Detail: detail, ReportKey: in.ReportKey}
	if tr.trailOnly {
		err = t.store.Append(ctx, in.SubmissionID, e)
	} else {
		err = t.store.Record(ctx, in.SubmissionID, e)
	}
	if err != nil {
		return workflow.NotifyOutput{}, fmt.Errorf("notify: %w", err)
	}
	// One line per workflow event, once it is recorded. CloudWatch metric
	// filters count approval reminders and expired gates from it
	// (infra/monitoring.go): keep the message and the event field.
	t.log.InfoContext(ctx, "workflow event", "submissionId", in.SubmissionID, "version", in.Version,
		"event", in.Event, "gate", in.Gate, "environment", in.Environment, "status", tr.status)

	stage := notify.Stage{Customer: rec.CustomerName, SubmissionID: in.SubmissionID, Version: in.Version,
		Environment: strings.ToUpper(in.Environment), Headline: tr.headline, Action: tr.action,
		StatusURL: t.baseURL + "/submissions/" + in.SubmissionID, ActionURL: link, Problem: problem,
		Step: tr.stage, Status: tr.status}
	if in.Kind == "deploy" {
		stage.ActionLabel = "Confirm the deployment"
	}
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

	audience := notify.Audience{PM: t.pmEmail}
	if in.Event == workflow.EventChangesRequested && t.customerEmails {
		audience.Customer = t.customerAudience(ctx, in, stage)
	}
	out := workflow.NotifyOutput{Status: tr.status, Deliveries: []string{}}
	for _, d := range t.notify.Announce(ctx, stage, audience) {
		out.Deliveries = append(out.Deliveries, d.String())
		if err := t.store.Append(ctx, in.SubmissionID, store.Event{At: d.At, Version: in.Version,
			Status: tr.status, Stage: tr.stage, Actor: "notify", Detail: d.String()}); err != nil {
			t.log.WarnContext(ctx, "record notification outcome", "channel", d.Channel, "error", err)
		}
	}
	return out, nil
}

// customerAudience finds the customer's contacts for the teams that own
// the checks needing attention, from the version's stored checklist.
func (t *Tasks) customerAudience(ctx context.Context, in workflow.NotifyInput, s notify.Stage) *notify.CustomerAudience {
	teams := notify.AffectedTeams(s.Problems())
	if len(teams) == 0 {
		return nil // nothing a customer team owns (or no report): the PM triages
	}
	c := &notify.CustomerAudience{Teams: teams}
	ver, err := t.store.GetVersion(ctx, in.SubmissionID, in.Version)
	if err != nil {
		c.Problem = "could not read the checklist's contacts: " + err.Error()
		return c
	}
	doc, problems := checklist.Parse([]byte(ver.Document))
	if len(problems) > 0 || doc == nil {
		c.Problem = "the stored checklist no longer parses, so its contacts are unknown"
		return c
	}
	c.Addresses = notify.ContactsFor(doc.Customer.Contacts, teams)
	return c
}

// envOfStage reads the environment from a stage name like "deploy-prod".
func envOfStage(stage string) string {
	if i := strings.LastIndex(stage, "-"); i >= 0 {
		if env := stage[i+1:]; env == checklist.EnvDev || env == checklist.EnvProd {
			return env
		}
	}
	return ""
}
