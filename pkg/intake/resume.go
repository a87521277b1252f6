package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/psaas/appliance-intake/pkg/store"
)

// DefaultResumeGrace is how old an unstarted version must be before the
// resumer starts it. The intake request that stored it has long ended by
// then (the function's timeout is 10 s, API Gateway's 30 s), so the sweep
// does not race a live request, and a client that retries on a 503 gets
// there first. Starting is idempotent by execution name, so a race would
// still start nothing twice.
const DefaultResumeGrace = 2 * time.Minute

// DefaultResumeLimit bounds the markers one sweep reads.
const DefaultResumeLimit = 1000

// ResumeStore is the store as the resumer uses it: the submission store
// plus the pending markers (store.Store is one).
type ResumeStore interface {
	submissionStore
	Pending(ctx context.Context, limit int) ([]store.PendingVersion, error)
	ClearPending(ctx context.Context, id string, version int) error
}

// ResumerConfig wires a Resumer.
type ResumerConfig struct {
	StateMachineArn string
	// Grace is how old an unstarted version must be; zero means
	// DefaultResumeGrace.
	Grace time.Duration
	// Limit bounds the markers one sweep reads; zero means
	// DefaultResumeLimit. A sweep that hits it leaves the rest to the next.
	Limit  int
	Logger *slog.Logger
}

// Resumer finds versions that were stored but whose workflow was never
// started (the process died in between and the client never retried) and
// starts them, under the same execution name the request would have used.
type Resumer struct {
	svc   *Service
	store ResumeStore
	grace time.Duration
	limit int
	log   *slog.Logger
}

// NewResumer returns a Resumer.
func NewResumer(st ResumeStore, ex executionStarter, cfg ResumerConfig) *Resumer {
	svc := New(st, ex, Config{StateMachineArn: cfg.StateMachineArn, Logger: cfg.Logger})
	r := &Resumer{svc: svc, store: st, grace: cfg.Grace, limit: cfg.Limit, log: svc.log}
	if r.grace <= 0 {
		r.grace = DefaultResumeGrace
	}
	if r.limit <= 0 {
		r.limit = DefaultResumeLimit
	}
	return r
}

// SetClock replaces the resumer's clock (tests).
func (r *Resumer) SetClock(now func() time.Time) { r.svc.Now = now }

// SweepResult says what one sweep did. Names are execution names.
type SweepResult struct {
	// Pending is how many markers the sweep read.
	Pending int `json:"pending"`
	// Started are the executions this sweep started: stored versions
	// nobody had started.
	Started []string `json:"started"`
	// AlreadyStarted are executions that existed but were not recorded on
	// their version (the process died after starting them); now recorded.
	AlreadyStarted []string `json:"alreadyStarted"`
	// Cleared is how many markers of started versions were removed.
	Cleared int `json:"cleared"`
	// InFlight is how many unstarted versions were younger than the grace
	// period: left to the request that stored them.
	InFlight int `json:"inFlight"`
	// Failed are the versions that could not be started; the next sweep
	// tries again.
	Failed []string `json:"failed"`
}

// Sweep reads the pending markers once: it removes those of started
// versions, and starts every version older than the grace period whose
// workflow was never started. It goes through every marker and returns the
// failures joined; a canceled ctx stops it early.
func (r *Resumer) Sweep(ctx context.Context) (SweepResult, error) {
	res := SweepResult{Started: []string{}, AlreadyStarted: []string{}, Failed: []string{}}
	markers, err := r.store.Pending(ctx, r.limit)
	if err != nil {
		return res, err
	}
	res.Pending = len(markers)
	now := r.svc.Now()
	var errs []error
	clear := func(p store.PendingVersion) {
		if err := r.store.ClearPending(ctx, p.SubmissionID, p.Version); err != nil {
			errs = append(errs, err)
			return
		}
		res.Cleared++
	}
	for i, p := range markers {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("sweep stopped with %d of %d markers left: %w", len(markers)-i, len(markers), err))
			break
		}
		if p.Started() {
			clear(p)
			continue
		}
		age := now.Sub(p.StoredAt)
		if age < r.grace {
			res.InFlight++
			continue
		}
		name, existed, err := r.resume(ctx, p, age)
		switch {
		case errors.Is(err, errStartedBefore), errors.Is(err, errOrphan):
			clear(p)
		case err != nil:
			res.Failed = append(res.Failed, name)
			errs = append(errs, err)
		default:
			if existed {
				res.AlreadyStarted = append(res.AlreadyStarted, name)
			} else {
				res.Started = append(res.Started, name)
			}
			// MarkStarted stamped the marker; remove it now rather than
			// on the next sweep.
			if err := r.store.ClearPending(ctx, p.SubmissionID, p.Version); err != nil {
				r.log.WarnContext(ctx, "remove pending marker", "submissionId", p.SubmissionID, "version", p.Version, "error", err)
			}
		}
	}
	if len(res.Started)+len(res.AlreadyStarted)+len(res.Failed) > 0 {
		r.log.InfoContext(ctx, "resumer sweep", "pending", res.Pending, "started", res.Started,
			"alreadyStarted", res.AlreadyStarted, "failed", res.Failed, "cleared", res.Cleared, "inFlight", res.InFlight)
	}
	return res, errors.Join(errs...)
}

var (
	errStartedBefore = errors.New("version already records its execution")
	errOrphan        = errors.New("marker without its version")
)

// resume starts one version and returns its execution name; existed says
// the execution was already there.
func (r *Resumer) resume(ctx context.Context, p store.PendingVersion, age time.Duration) (name string, existed bool, err error) {
	id, version := p.SubmissionID, p.Version
	rec, err := r.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		r.log.WarnContext(ctx, "pending marker of a submission that does not exist", "submissionId", id, "version", version)
		return "", false, errOrphan
	}
	if err != nil {
		return fmt.Sprintf("%s v%d", id, version), false, fmt.Errorf("resume %s v%d: %w", id, version, err)
	}
	for _, v := range rec.Versions {
		if v.Number != version {
			continue
		}
		if v.Started() {
			// Started and recorded; only the marker's stamp was lost.
			return v.ExecutionName, false, errStartedBefore
		}
		stored := age.Truncate(time.Second)
		existed, err := r.svc.startExecution(ctx, id, version, rec.Status, "resumer", func(existed bool) string {
			if existed {
				return fmt.Sprintf("install workflow found running but not recorded (stored %s earlier); recorded by the resumer: ", stored)
			}
			return fmt.Sprintf("install workflow started by the resumer (stored %s earlier, never started): ", stored)
		})
		if err != nil {
			return v.ExecutionName, false, fmt.Errorf("resume %s v%d: %w", id, version, err)
		}
		r.log.WarnContext(ctx, "resumed a submission whose workflow was not started", "submissionId", id, "version", version,
			"storedAgo", stored.String(), "alreadyRunning", existed)
		return v.ExecutionName, existed, nil
	}
	r.log.WarnContext(ctx, "pending marker of a version that does not exist", "submissionId", id, "version", version)
	return "", false, errOrphan
}
