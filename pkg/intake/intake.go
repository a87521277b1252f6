// Package intake accepts checklist submissions: it validates the document,
// stores it exactly once (idempotency key, or identical body within 24 h),
// and starts the install workflow under a name derived from the submission
// version so that a retried start can never run twice.
package intake

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// DedupWindow is how long an idempotency key or an identical body maps to
// the submission it first created.
const DedupWindow = 24 * time.Hour

// MaxKeyLength bounds the Idempotency-Key header.
const MaxKeyLength = 255

// ErrKeyReused means an Idempotency-Key was sent again with a different body.
var ErrKeyReused = errors.New("idempotency key already used for a different document")

// ErrNotFound means no submission has that id.
var ErrNotFound = errors.New("submission not found")

// InvalidError lists every problem with a submitted document.
type InvalidError struct {
	Errors []checklist.FieldError
}

func (e *InvalidError) Error() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		msgs = append(msgs, fe.Field+": "+fe.Message)
	}
	return "invalid checklist: " + strings.Join(msgs, "; ")
}

// NotStartedError means the submission is stored but its workflow could not
// be started; repeating the same request starts it.
type NotStartedError struct {
	Receipt Receipt
	Err     error
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("submission %s stored but workflow not started: %v", e.Receipt.ID, e.Err)
}

func (e *NotStartedError) Unwrap() error { return e.Err }

type submissionStore interface {
	Create(ctx context.Context, n store.NewSubmission) (store.Submission, error)
	Get(ctx context.Context, id string) (*store.Record, error)
	MarkStarted(ctx context.Context, id string, version int, executionArn string) error
	Append(ctx context.Context, id string, e store.Event) error
	AddVersion(ctx context.Context, n store.NewVersion) (int, error)
	GetVersion(ctx context.Context, id string, version int) (*store.Version, error)
	Reports(ctx context.Context, id string) ([]store.StoredReport, error)
	ExternalID(ctx context.Context, accountID string) (string, error)
}

type executionStarter interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// Service accepts submissions.
type Service struct {
	store           submissionStore
	sfn             executionStarter
	stateMachineArn string
	baseURL         string
	log             *slog.Logger

	// Now and NewID are replaceable so tests can pin time and ids.
	Now   func() time.Time
	NewID func() string
}

// Config wires a Service.
type Config struct {
	StateMachineArn string
	// BaseURL prefixes status links; empty gives site-relative links.
	BaseURL string
	Logger  *slog.Logger
}

// New returns a Service.
func New(st submissionStore, ex executionStarter, cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, sfn: ex, stateMachineArn: cfg.StateMachineArn,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"), log: log, Now: time.Now, NewID: NewID}
}

// Receipt is what the submitter gets back.
type Receipt struct {
	ID        string `json:"id"`
	Version   int    `json:"version"`
	Status    string `json:"status"`
	StatusURL string `json:"statusUrl"`
	// Duplicate is true when the request repeated an earlier one and the
	// original submission is returned.
	Duplicate bool `json:"duplicate,omitempty"`
}

var idPattern = regexp.MustCompile(`^sub-[a-z2-7]{16}$`)

// ValidID reports whether s has the shape of a submission id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// NewID returns a random submission id such as "sub-k3x9...".
func NewID() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return "sub-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Submit validates and stores a checklist and starts its workflow. A repeat
// of an earlier request (same Idempotency-Key, or same body without a key,
// within DedupWindow) returns the original submission, starting its
// workflow if an earlier attempt stored it but could not start it.
func (s *Service) Submit(ctx context.Context, body []byte, idempotencyKey string) (Receipt, error) {
	if len(idempotencyKey) > MaxKeyLength {
		return Receipt{}, &InvalidError{Errors: []checklist.FieldError{{Field: "Idempotency-Key",
			Message: fmt.Sprintf("header must be at most %d characters", MaxKeyLength)}}}
	}
	doc, problems := checklist.Parse(body)
	if len(problems) > 0 {
		return Receipt{}, &InvalidError{Errors: problems}
	}
	canonical, err := canonicalJSON(body)
	if err != nil {
		return Receipt{}, &InvalidError{Errors: []checklist.FieldError{{Field: "body", Message: err.Error()}}}
	}
	sum := sha256.Sum256(canonical)
	bodyHash := hex.EncodeToString(sum[:])
	dedup := store.Dedup{Kind: "body", Value: bodyHash, BodyHash: bodyHash, TTL: DedupWindow}
	if idempotencyKey != "" {
		dedup = store.Dedup{Kind: "key", Value: idempotencyKey, BodyHash: bodyHash, TTL: DedupWindow}
	}

	id := s.NewID()
	_, err = s.store.Create(ctx, store.NewSubmission{
		ID: id, CustomerName: doc.Customer.Name, Document: canonical, Dedup: dedup, Now: s.Now(),
		Status: workflow.StatusReceived, Stage: workflow.StageIntake, Actor: "customer",
	})
	var dup *store.DuplicateError
	switch {
	case errors.As(err, &dup):
		if dup.BodyHash != bodyHash {
			return Receipt{}, ErrKeyReused
		}
		return s.resume(ctx, dup.SubmissionID)
	case err != nil:
		return Receipt{}, fmt.Errorf("store submission: %w", err)
	}
	s.log.InfoContext(ctx, "submission stored", "submissionId", id, "customer", doc.Customer.Name, "dedup", dedup.Kind)
	return s.start(ctx, id, 1, workflow.StatusReceived, false)
}

// resume returns an existing submission, starting the workflow of its
// latest version if no earlier attempt managed to.
func (s *Service) resume(ctx context.Context, id string) (Receipt, error) {
	rec, err := s.store.Get(ctx, id)
	if err != nil {
		return Receipt{}, fmt.Errorf("load original submission %s: %w", id, err)
	}
	latest := rec.LatestVersion
	for _, v := range rec.Versions {
		if v.Number == latest && !v.Started() {
			s.log.WarnContext(ctx, "resuming submission whose workflow was not started", "submissionId", id, "version", latest)
			return s.start(ctx, id, latest, rec.Status, true)
		}
	}
	return s.receipt(id, latest, rec.Status, true), nil
}

func (s *Service) start(ctx context.Context, id string, version int, status string, duplicate bool) (Receipt, error) {
	r := s.receipt(id, version, status, duplicate)
	started := func(bool) string { return "install workflow started: " }
	if _, err := s.startExecution(ctx, id, version, status, "intake", started); err != nil {
		return r, &NotStartedError{Receipt: r, Err: err}
	}
	return r, nil
}

// startExecution starts a version's workflow under its execution name,
// records the execution on the version and adds actor's trail event
// (detail(existed) + the name). existed is true when an execution of that
// name was already there (another attempt started it): same name, same work.
func (s *Service) startExecution(ctx context.Context, id string, version int, status, actor string, detail func(existed bool) string) (existed bool, err error) {
	name := workflow.ExecutionName(id, version)
	input, _ := json.Marshal(workflow.ExecutionInput{SubmissionID: id, Version: version})
	out, err := s.sfn.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.stateMachineArn),
		Name:            aws.String(name),
		Input:           aws.String(string(input)),
	})
	var arn string
	var exists *sfntypes.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		// Another attempt started it first: same name, same version, same work.
		arn, existed = executionArn(s.stateMachineArn, name), true
	case err != nil:
		s.log.ErrorContext(ctx, "start workflow", "submissionId", id, "version", version, "actor", actor, "error", err)
		return false, fmt.Errorf("start execution %s: %w", name, err)
	default:
		arn = aws.ToString(out.ExecutionArn)
	}
	if err := s.store.MarkStarted(ctx, id, version, arn); err != nil {
		if !errors.Is(err, store.ErrPendingMarker) {
			return existed, err
		}
		// The version records its execution; the sweep tidies the marker.
		s.log.WarnContext(ctx, "pending marker not stamped", "submissionId", id, "version", version, "error", err)
	}
	if err := s.store.Append(ctx, id, store.Event{At: s.Now(), Version: version, Status: status,
		Stage: workflow.StageIntake, Actor: actor, Detail: detail(existed) + name}); err != nil {
		// The workflow runs and the version records it; only this trail
		// entry is missing, which is not worth failing the request for.
		s.log.WarnContext(ctx, "append workflow-started event", "submissionId", id, "error", err)
	}
	return existed, nil
}

func (s *Service) receipt(id string, version int, status string, duplicate bool) Receipt {
	return Receipt{ID: id, Version: version, Status: status, StatusURL: s.baseURL + "/submissions/" + id, Duplicate: duplicate}
}

// executionArn derives an execution's ARN from its state machine's ARN.
func executionArn(stateMachineArn, name string) string {
	return strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Status returns everything stored about a submission.
func (s *Service) Status(ctx context.Context, id string) (*store.Record, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	rec, err := s.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load submission %s: %w", id, err)
	}
	return rec, nil
}

// canonicalJSON compacts the body so that formatting differences do not
// defeat the identical-body check.
func canonicalJSON(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, fmt.Errorf("body is not valid JSON: %w", err)
	}
	return buf.Bytes(), nil
}
