// Package healthtask performs the install workflow's health-check step: one
// check of an environment's appliance per invocation, recorded on the
// submission.
//
// It is apart from package install (the notification step) so that the
// health function links only what the check needs: no email, Slack,
// Secrets Manager or approval pages. It must not import pkg/install,
// pkg/notify or pkg/approval.
package healthtask

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/health"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Store is what the step reads and writes of a submission.
type Store interface {
	GetVersion(ctx context.Context, id string, version int) (*store.Version, error)
	Record(ctx context.Context, id string, e store.Event) error
	Append(ctx context.Context, id string, e store.Event) error
}

// Checker checks an appliance's /testall.
type Checker interface {
	Check(ctx context.Context, host string) health.Result
}

// Task performs the health-check step.
type Task struct {
	store  Store
	health Checker
	Now    func() time.Time
}

// New returns a Task.
func New(st Store, checker Checker) *Task {
	return &Task{store: st, health: checker, Now: time.Now}
}

// Health runs one health-check attempt of an environment's appliance and
// says whether the workflow should wait and try again or give up.
func (t *Task) Health(ctx context.Context, in workflow.HealthInput) (workflow.HealthOutput, error) {
	if t.health == nil {
		return workflow.HealthOutput{}, fmt.Errorf("health: no checker configured")
	}
	ver, err := t.store.GetVersion(ctx, in.SubmissionID, in.Version)
	if err != nil {
		return workflow.HealthOutput{}, fmt.Errorf("health: %w", err)
	}
	doc, problems := checklist.Parse([]byte(ver.Document))
	if len(problems) > 0 || doc.Env(in.Environment) == nil {
		return workflow.HealthOutput{}, fmt.Errorf("health: stored document of %s v%d has no %q environment", in.SubmissionID, in.Version, in.Environment)
	}
	host := doc.Env(in.Environment).Hostnames.Manage
	stage := "healthcheck-" + in.Environment
	attempt := in.Attempt + 1
	if attempt == 1 {
		if err := t.store.Record(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
			Status: workflow.StatusInProgress, Stage: stage, Actor: "health-check",
			Detail: "checking " + strings.ToUpper(in.Environment) + " at " + host}); err != nil {
			return workflow.HealthOutput{}, fmt.Errorf("health: %w", err)
		}
	}
	res := t.health.Check(ctx, host)
	out := workflow.HealthOutput{Healthy: res.Healthy, Attempt: attempt, URL: res.URL, Detail: res.Detail,
		GiveUp: !res.Healthy && attempt >= in.MaxAttempts}
	detail := fmt.Sprintf("attempt %d of %d: %s", attempt, in.MaxAttempts, res.Detail)
	if res.Healthy {
		detail = strings.ToUpper(in.Environment) + " is healthy: " + res.Detail
	}
	if err := t.store.Append(ctx, in.SubmissionID, store.Event{At: t.Now(), Version: in.Version,
		Status: workflow.StatusInProgress, Stage: stage, Actor: "health-check", Detail: detail}); err != nil {
		return workflow.HealthOutput{}, fmt.Errorf("health: %w", err)
	}
	return out, nil
}
