// Package approval turns the install workflow's waitForTaskToken gates into
// signed, single-use links for the project manager.
//
// The gate's task (notify) calls Open with the task token: the token is
// stored server-side with a new approval record, and the PM is sent a link
// that carries only the approval id, an expiry and an HMAC signature. A GET
// of the link (Load) shows a confirmation page and never acts — mail
// scanners fetch every link. The page's form POSTs the decision (Decide),
// which is recorded exactly once (a conditional write) and then delivered
// to the workflow with SendTaskSuccess as {"decision", "actor", "comment",
// "approvalId"}; the state machine branches on "decision".
//
// A decision is never lost: it is written before it is delivered; a
// delivery that fails for a transient reason is kept and retried by the
// next submit; a delivery the workflow refuses (its token timed out or the
// execution ended) marks the approval expired, and a gate the workflow
// re-issues (a reminder) re-arms the same approval, so the same link works.
package approval

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Kinds of gate.
const (
	KindApprove = "approve" // approve or reject a deployment
	KindDeploy  = "deploy"  // confirm a deployment happened (or failed)
)

// Outcomes a PM can choose; approve gates take approved|rejected, deploy
// gates deployed|failed.
const (
	OutcomeApproved = store.ApprovalApproved
	OutcomeRejected = store.ApprovalRejected
	OutcomeDeployed = store.ApprovalDeployed
	OutcomeFailed   = store.ApprovalFailed
)

// States of an approval as a page shows it.
const (
	StatePending     = "pending"     // waiting for the PM: show the form
	StateDecided     = "decided"     // decided and accepted by the workflow
	StateUndelivered = "undelivered" // decided, not yet accepted: submit again to retry
	StateExpired     = "expired"     // the link expired or the workflow moved on
)

// Limits on what the PM types.
const (
	MaxActorLen   = 200
	MaxCommentLen = 2000
)

// DefaultLinkTTL is how long a link works when Config.LinkTTL is zero: the
// longest gate wait (7 days) plus a day of slack.
const DefaultLinkTTL = 8 * 24 * time.Hour

// ErrNotFound means the (authentic) link names no approval.
var ErrNotFound = errors.New("approval not found")

// ErrAlreadyDecided means the approval was decided before this request.
var ErrAlreadyDecided = errors.New("approval already decided")

// ErrBadRequest means invalid input; an *InputError names each field.
var ErrBadRequest = errors.New("invalid input")

// ErrNotDelivered means the decision is recorded but the workflow did not
// accept it (a transient failure): submitting again retries it.
var ErrNotDelivered = errors.New("decision recorded but the workflow did not accept it; try again")

// FieldError is one invalid input field.
type FieldError struct {
	Field   string // outcome, actor, comment, source; or the OpenRequest field
	Message string
}

// InputError lists the invalid fields of a request. It unwraps to
// ErrBadRequest.
type InputError struct {
	Fields []FieldError
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (e *InputError) Unwrap() error { return ErrBadRequest }

// Message returns the error of one field, or "".
func (e *InputError) Message(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func (e *InputError) add(field, msg string) { e.Fields = append(e.Fields, FieldError{field, msg}) }

// NotDeliveredError is a recorded decision the workflow did not accept for
// a transient reason. It unwraps to ErrNotDelivered and the cause.
type NotDeliveredError struct {
	ApprovalID string
	Err        error
}

func (e *NotDeliveredError) Error() string {
	return fmt.Sprintf("approval %s: %s: %v", e.ApprovalID, ErrNotDelivered, e.Err)
}

func (e *NotDeliveredError) Unwrap() []error { return []error{ErrNotDelivered, e.Err} }

type approvalStore interface {
	PutApproval(ctx context.Context, a store.ApprovalRecord) error
	GetApproval(ctx context.Context, id string) (*store.ApprovalRecord, error)
	ApprovalForGate(ctx context.Context, submissionID string, version int, gate string) (*store.ApprovalRecord, error)
	RearmApproval(ctx context.Context, id, newToken string, newExpiry time.Time) error
	DecideApproval(ctx context.Context, id string, d store.ApprovalDecision, now time.Time) error
	ClaimApprovalDelivery(ctx context.Context, id string, now time.Time) error
	MarkApprovalDelivered(ctx context.Context, id string, now time.Time) error
	ReleaseApprovalDelivery(ctx context.Context, id, reason string, now time.Time) error
	ExpireApproval(ctx context.Context, id string, now time.Time) error
}

type taskResponder interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

type submissionRecorder interface {
	Record(ctx context.Context, id string, e store.Event) error
}

// Config configures a Service.
type Config struct {
	// BaseURL is the public origin links point at, e.g.
	// https://intake.example.com (a path prefix is kept).
	BaseURL string
	// LinkTTL is how long a link works; zero means DefaultLinkTTL. It must
	// outlast the gate's wait so the workflow, not the link, times out.
	LinkTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what cannot be returned (a decision delivered but
	// not recorded on the submission); nil means slog.Default().
	Logger *slog.Logger
}

// Service opens approvals for gates and takes the PM's decisions.
type Service struct {
	store   approvalStore
	tasks   taskResponder
	subs    submissionRecorder
	signer  *Signer
	baseURL string
	ttl     time.Duration
	now     func() time.Time
	log     *slog.Logger

	// busyWait/busyTries bound how long Open waits for an in-flight
	// delivery before re-arming.
	busyWait  time.Duration
	busyTries int
}

// New returns a Service. st is usually a *store.Store, tasks an *sfn.Client
// and subs the same *store.Store (it records the decision on the
// submission's audit trail).
func New(st approvalStore, tasks taskResponder, subs submissionRecorder, signer *Signer, cfg Config) (*Service, error) {
	if st == nil || tasks == nil || subs == nil || signer == nil {
		return nil, errors.New("approval: store, task responder, submission recorder and signer are required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("approval: base URL %q must be an absolute http(s) URL without query", cfg.BaseURL)
	}
	s := &Service{store: st, tasks: tasks, subs: subs, signer: signer, baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		ttl: cfg.LinkTTL, now: cfg.Now, log: cfg.Logger, busyWait: 250 * time.Millisecond, busyTries: 40}
	if s.ttl <= 0 {
		s.ttl = DefaultLinkTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// OpenRequest is what a gate's task knows when it asks for a link.
type OpenRequest struct {
	SubmissionID string
	Version      int
	Gate         string // approve-dev, deploy-dev, approve-prod, deploy-prod
	Environment  string // dev, prod
	Kind         string // approve, deploy
	TaskToken    string
	ReportKey    string
	CustomerName string
}

// Link is a signed approval link.
type Link struct {
	ID        string
	URL       string
	ExpiresAt time.Time
}

var (
	gatePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	envPattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
)

func (r OpenRequest) validate() error {
	var ie InputError
	if r.SubmissionID == "" || len(r.SubmissionID) > 128 || strings.ContainsAny(r.SubmissionID, "#/?") {
		ie.add("submissionId", "required, at most 128 characters, no # / ?")
	}
	if r.Version < 1 {
		ie.add("version", "must be 1 or more")
	}
	if !gatePattern.MatchString(r.Gate) {
		ie.add("gate", "must be lower-case letters, digits and dashes, like approve-dev")
	}
	if !envPattern.MatchString(r.Environment) {
		ie.add("environment", "must be lower-case letters, digits and dashes, like dev")
	}
	if r.Kind != KindApprove && r.Kind != KindDeploy {
		ie.add("kind", "must be approve or deploy")
	}
	if r.TaskToken == "" || len(r.TaskToken) > 8192 {
		ie.add("taskToken", "required, at most 8192 characters")
	}
	if len(ie.Fields) > 0 {
		return &ie
	}
	return nil
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("approval id: %w", err)
	}
	return "apv-" + strings.ToLower(idEncoding.EncodeToString(b[:])), nil
}

func (s *Service) link(id string, exp time.Time) Link {
	q := url.Values{"exp": {strconv.FormatInt(exp.Unix(), 10)}, "sig": {s.signer.Sign(id, exp)}}
	return Link{ID: id, URL: s.baseURL + "/approvals/" + id + "?" + q.Encode(), ExpiresAt: exp}
}

// Open stores the gate's task token with a new approval and returns its
// signed link. When the gate already has an approval (the workflow
// re-issued the gate after a reminder timeout, or retried the task) it is
// re-armed with the new token and a fresh link for the same id is
// returned. It fails with ErrAlreadyDecided when the gate's decision was
// already delivered, and with ErrBadRequest for an invalid request.
func (s *Service) Open(ctx context.Context, r OpenRequest) (Link, error) {
	if err := r.validate(); err != nil {
		return Link{}, fmt.Errorf("open approval: %w", err)
	}
	now := s.now()
	exp := time.Unix(now.Add(s.ttl).Unix(), 0).UTC()
	failed := func(err error) (Link, error) {
		return Link{}, fmt.Errorf("open approval for %s of %s v%d: %w", r.Gate, r.SubmissionID, r.Version, err)
	}
	for attempt := 0; ; attempt++ {
		existing, err := s.store.ApprovalForGate(ctx, r.SubmissionID, r.Version, r.Gate)
		switch {
		case err == nil:
			err = s.store.RearmApproval(ctx, existing.ID, r.TaskToken, exp)
			switch {
			case err == nil:
				return s.link(existing.ID, exp), nil
			case errors.Is(err, store.ErrApprovalBusy) && attempt < s.busyTries:
				// A decision is being delivered to the previous token; its
				// outcome decides what the new token gets.
				if err := sleep(ctx, s.busyWait); err != nil {
					return Link{}, err
				}
				continue
			case errors.Is(err, store.ErrApprovalDecided):
				return failed(fmt.Errorf("%w: %w", ErrAlreadyDecided, err))
			}
			return failed(err)
		case errors.Is(err, store.ErrNotFound):
			id, err := newID()
			if err != nil {
				return Link{}, err
			}
			err = s.store.PutApproval(ctx, store.ApprovalRecord{ID: id, SubmissionID: r.SubmissionID, Version: r.Version,
				Gate: r.Gate, Environment: r.Environment, Kind: r.Kind, TaskToken: r.TaskToken, ReportKey: r.ReportKey,
				CustomerName: r.CustomerName, Status: store.ApprovalPending, CreatedAt: now, LinkExpiresAt: exp})
			if err == nil {
				return s.link(id, exp), nil
			}
			if errors.Is(err, store.ErrApprovalExists) && attempt < 3 {
				continue // another Open for this gate won: re-arm it
			}
			return failed(err)
		default:
			return failed(err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// View is what the approval pages show. It never carries the task token.
type View struct {
	ID           string
	SubmissionID string
	Version      int
	Gate         string
	Environment  string
	Kind         string
	CustomerName string
	ReportKey    string
	// State is StatePending, StateDecided, StateUndelivered or StateExpired.
	State string
	// Status is the stored status: pending, a decision, or expired.
	Status string
	// Outcome, Actor, Comment, Source and DecidedAt describe the recorded
	// decision, if any.
	Outcome   string
	Actor     string
	Comment   string
	Source    string
	DecidedAt time.Time
	// ExpiresAt is when the approval's newest link expires.
	ExpiresAt time.Time
	// Exp and Sig are the verified link parameters, for the form's hidden
	// inputs.
	Exp, Sig string
}

// Env is the environment in capitals, as people write it.
func (v View) Env() string { return strings.ToUpper(v.Environment) }

// Title says what the gate asks, e.g. "Approve the DEV deployment".
func (v View) Title() string {
	if v.Kind == KindDeploy {
		return "Confirm the " + v.Env() + " appliance is deployed"
	}
	return "Approve the " + v.Env() + " deployment"
}

// Outcomes returns the outcomes the gate accepts, the positive one first.
func (v View) Outcomes() []string { return Outcomes(v.Kind) }

// Outcomes returns the outcomes a kind of gate accepts, positive first.
func Outcomes(kind string) []string {
	switch kind {
	case KindApprove:
		return []string{OutcomeApproved, OutcomeRejected}
	case KindDeploy:
		return []string{OutcomeDeployed, OutcomeFailed}
	}
	return nil
}

func (s *Service) view(a *store.ApprovalRecord, exp, sig string, now time.Time, linkExpired bool) View {
	v := View{ID: a.ID, SubmissionID: a.SubmissionID, Version: a.Version, Gate: a.Gate, Environment: a.Environment,
		Kind: a.Kind, CustomerName: a.CustomerName, ReportKey: a.ReportKey, Status: a.Status, Outcome: a.Outcome,
		Actor: a.Actor, Comment: a.Comment, Source: a.Source, DecidedAt: a.DecidedAt, ExpiresAt: a.LinkExpiresAt,
		Exp: exp, Sig: sig}
	if v.Environment == "" {
		v.Environment = envOfGate(a.Gate)
	}
	switch {
	case a.Delivered:
		v.State = StateDecided
	case a.Status == store.ApprovalExpired:
		v.State = StateExpired
	case linkExpired:
		v.State = StateExpired
	case a.Decided():
		v.State = StateUndelivered
	case !a.LinkExpiresAt.After(now):
		v.State = StateExpired
	default:
		v.State = StatePending
	}
	return v
}

func envOfGate(gate string) string {
	if i := strings.LastIndex(gate, "-"); i >= 0 {
		return gate[i+1:]
	}
	return ""
}

func (s *Service) get(ctx context.Context, id string) (*store.ApprovalRecord, error) {
	a, err := s.store.GetApproval(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("approval %s: %w", id, ErrNotFound)
	}
	return a, err
}

// verify checks the link; it returns the error to fail with (a bad
// signature) and whether the authentic link has expired.
func (s *Service) verify(id, exp, sig string, now time.Time) (expired bool, err error) {
	switch err := s.signer.Verify(id, exp, sig, now); {
	case err == nil:
		return false, nil
	case errors.Is(err, ErrLinkExpired):
		return true, nil
	default:
		return false, err
	}
}

// Load returns the approval for the confirmation page (GET). It never
// changes anything. The signature is checked before any lookup
// (ErrBadSignature); an unknown id is ErrNotFound. A decided or expired
// approval is returned with its State set, not as an error, so the page
// can say so.
func (s *Service) Load(ctx context.Context, id, exp, sig string) (View, error) {
	now := s.now()
	expired, err := s.verify(id, exp, sig, now)
	if err != nil {
		return View{}, err
	}
	a, err := s.get(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(a, exp, sig, now, expired), nil
}

// Decision is what the PM submits.
type Decision struct {
	Outcome string // approved|rejected (approve gates), deployed|failed (deploy gates)
	Actor   string // the name the PM typed (required)
	Comment string // optional
	Source  string // where it came from: web (default), slack, …
}

var sourcePattern = regexp.MustCompile(`^[a-z][a-z0-9._:-]{0,39}$`)

// validate normalizes a decision for a kind of gate.
func (d Decision) validate(kind string) (Decision, error) {
	var ie InputError
	d.Outcome = strings.TrimSpace(d.Outcome)
	valid := false
	for _, o := range Outcomes(kind) {
		valid = valid || d.Outcome == o
	}
	if !valid {
		ie.add("outcome", "Choose one of the buttons.")
	}
	d.Actor = strings.TrimSpace(d.Actor)
	switch {
	case !utf8.ValidString(d.Actor):
		ie.add("actor", "Your name contains characters that are not text.")
	case d.Actor == "":
		ie.add("actor", "Type your name.")
	case utf8.RuneCountInString(d.Actor) > MaxActorLen:
		ie.add("actor", fmt.Sprintf("Your name must be at most %d characters.", MaxActorLen))
	case strings.IndexFunc(d.Actor, unicode.IsControl) >= 0:
		ie.add("actor", "Your name must be on one line.")
	}
	d.Comment = strings.TrimSpace(strings.ReplaceAll(d.Comment, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(d.Comment):
		ie.add("comment", "The comment contains characters that are not text.")
	case utf8.RuneCountInString(d.Comment) > MaxCommentLen:
		ie.add("comment", fmt.Sprintf("The comment must be at most %d characters (it has %d).", MaxCommentLen, utf8.RuneCountInString(d.Comment)))
	case strings.IndexFunc(d.Comment, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		ie.add("comment", "The comment contains control characters.")
	}
	d.Source = strings.TrimSpace(d.Source)
	if d.Source == "" {
		d.Source = "web"
	}
	if !sourcePattern.MatchString(d.Source) {
		ie.add("source", "unknown source")
	}
	if len(ie.Fields) > 0 {
		return d, &ie
	}
	return d, nil
}

// Decide takes the PM's decision (POST), exactly once:
//
//  1. the signature (ErrBadSignature) and expiry (ErrLinkExpired) of the link;
//  2. the approval (ErrNotFound) and the input (*InputError, ErrBadRequest):
//     an outcome the gate accepts, a name, a comment of at most 2000 characters;
//  3. the conditional write of the decision: a replay, a double click or a
//     second PM gets ErrAlreadyDecided, an expired approval ErrLinkExpired;
//  4. SendTaskSuccess with the stored token: when the workflow no longer
//     waits for it (TaskTimedOut, TaskDoesNotExist, InvalidToken) the
//     approval is marked expired and ErrLinkExpired returned; any other
//     failure keeps the decision and returns a *NotDeliveredError
//     (ErrNotDelivered): submitting again retries the recorded decision;
//  5. the decision on the submission's audit trail.
//
// The View describes the approval after the attempt, for the result page.
func (s *Service) Decide(ctx context.Context, id, exp, sig string, d Decision) (View, error) {
	now := s.now()
	expired, err := s.verify(id, exp, sig, now)
	if err != nil {
		return View{}, err
	}
	a, err := s.get(ctx, id)
	if err != nil {
		return View{}, err
	}
	if expired {
		return s.view(a, exp, sig, now, true), fmt.Errorf("approval %s: %w", id, ErrLinkExpired)
	}
	d, err = d.validate(a.Kind)
	if err != nil {
		return s.view(a, exp, sig, now, false), err
	}
	err = s.store.DecideApproval(ctx, id, store.ApprovalDecision{Status: d.Outcome, Actor: d.Actor, Comment: d.Comment,
		Source: d.Source}, now)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrApprovalExpired):
		return s.reread(ctx, a, exp, sig, now), fmt.Errorf("approval %s: %w", id, ErrLinkExpired)
	case errors.Is(err, store.ErrApprovalDecided):
		cur := s.reread(ctx, a, exp, sig, now)
		if cur.State != StateUndelivered {
			return cur, fmt.Errorf("approval %s: %w", id, ErrAlreadyDecided)
		}
		// Decided before but never accepted by the workflow: deliver the
		// recorded decision (it stands, whoever retries).
		switch cerr := s.store.ClaimApprovalDelivery(ctx, id, now); {
		case cerr == nil:
		case errors.Is(cerr, store.ErrApprovalBusy), errors.Is(cerr, store.ErrApprovalDecided):
			return s.reread(ctx, a, exp, sig, now), fmt.Errorf("approval %s: %w", id, ErrAlreadyDecided)
		case errors.Is(cerr, store.ErrApprovalExpired):
			return s.reread(ctx, a, exp, sig, now), fmt.Errorf("approval %s: %w", id, ErrLinkExpired)
		default:
			return cur, fmt.Errorf("retry delivery of approval %s: %w", id, cerr)
		}
	case errors.Is(err, store.ErrNotFound):
		return View{}, fmt.Errorf("approval %s: %w", id, ErrNotFound)
	default:
		return s.view(a, exp, sig, now, false), fmt.Errorf("record decision on approval %s: %w", id, err)
	}
	return s.deliver(ctx, id, d.Outcome, exp, sig, now)
}

// reread returns the approval's current view, or the view of what was read
// before when it cannot be read again.
func (s *Service) reread(ctx context.Context, before *store.ApprovalRecord, exp, sig string, now time.Time) View {
	if a, err := s.store.GetApproval(ctx, before.ID); err == nil {
		return s.view(a, exp, sig, now, false)
	}
	return s.view(before, exp, sig, now, false)
}

// deliver sends the recorded decision to the workflow; the caller holds
// the delivery claim.
func (s *Service) deliver(ctx context.Context, id, requested, exp, sig string, now time.Time) (View, error) {
	// The decision is recorded: finish even if the browser goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	a, err := s.store.GetApproval(ctx, id)
	if err != nil {
		// The claim lapses after store.DeliveryLease; a later submit retries.
		return View{}, &NotDeliveredError{ApprovalID: id, Err: err}
	}
	out, err := json.Marshal(workflow.Decision{Decision: a.Outcome, Actor: a.Actor, Comment: a.Comment, ApprovalID: a.ID})
	if err != nil {
		return View{}, err
	}
	_, err = s.tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(a.TaskToken), Output: aws.String(string(out))})
	if err != nil {
		if code, gone := workflowMovedOn(err); gone {
			if xerr := s.store.ExpireApproval(ctx, id, now); xerr != nil {
				s.log.ErrorContext(ctx, "mark approval expired", "approvalId", id, "error", xerr)
			}
			return s.reread(ctx, a, exp, sig, now), fmt.Errorf("approval %s: the workflow no longer waits for this decision (%s): %w", id, code, ErrLinkExpired)
		}
		if rerr := s.store.ReleaseApprovalDelivery(ctx, id, err.Error(), now); rerr != nil {
			s.log.ErrorContext(ctx, "record failed delivery", "approvalId", id, "error", rerr)
		}
		s.log.WarnContext(ctx, "decision not delivered", "approvalId", id, "outcome", a.Outcome, "error", err)
		return s.reread(ctx, a, exp, sig, now), &NotDeliveredError{ApprovalID: id, Err: err}
	}

	// The workflow has the decision. Record that it does; a record stuck at
	// "undelivered" would later be retried into TaskTimedOut and shown as
	// expired, so insist a little.
	for attempt := 0; ; attempt++ {
		err := s.store.MarkApprovalDelivered(ctx, id, now)
		if err == nil {
			break
		}
		if attempt == 2 {
			s.log.ErrorContext(ctx, "decision delivered but not marked delivered", "approvalId", id, "error", err)
			break
		}
		_ = sleep(ctx, time.Duration(attempt+1)*100*time.Millisecond)
	}
	a.Status, a.Delivered, a.DeliveredAt, a.DeliveryAttemptAt = a.Outcome, true, now, time.Time{}
	if err := s.subs.Record(ctx, a.SubmissionID, decisionEvent(a, now)); err != nil {
		// The decision is in the approval record and in the workflow; the
		// next stage records the submission's state anyway.
		s.log.ErrorContext(ctx, "record decision on submission", "approvalId", id, "submissionId", a.SubmissionID, "error", err)
	}
	v := s.view(a, exp, sig, now, false)
	if requested != a.Outcome {
		return v, fmt.Errorf("approval %s: %w", id, ErrAlreadyDecided)
	}
	return v, nil
}

// workflowMovedOn reports whether SendTaskSuccess failed because the
// workflow no longer waits for the token.
func workflowMovedOn(err error) (string, bool) {
	var (
		timedOut *sfntypes.TaskTimedOut
		missing  *sfntypes.TaskDoesNotExist
		invalid  *sfntypes.InvalidToken
	)
	switch {
	case errors.As(err, &timedOut):
		return "TaskTimedOut", true
	case errors.As(err, &missing):
		return "TaskDoesNotExist", true
	case errors.As(err, &invalid):
		return "InvalidToken", true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); code {
		case "TaskTimedOut", "TaskDoesNotExist", "InvalidToken":
			return code, true
		}
	}
	return "", false
}

// decisionEvent is the audit event of a delivered decision: where the
// install stands after it.
func decisionEvent(a *store.ApprovalRecord, now time.Time) store.Event {
	env := a.Environment
	if env == "" {
		env = envOfGate(a.Gate)
	}
	ENV := strings.ToUpper(env)
	var status, stage, what string
	switch a.Outcome {
	case OutcomeApproved:
		status, stage, what = workflow.StatusInProgress, "deploy-"+env, "approved the "+ENV+" deployment"
	case OutcomeRejected:
		status, stage, what = workflow.StatusRejected, a.Gate, "rejected the "+ENV+" deployment"
	case OutcomeDeployed:
		status, stage, what = workflow.StatusInProgress, "healthcheck-"+env, "confirmed the "+ENV+" appliance is deployed"
	case OutcomeFailed:
		status, stage, what = workflow.StatusFailed, a.Gate, "reported the "+ENV+" deployment failed"
	}
	detail := a.Actor + " " + what + " (approval " + a.ID
	if a.Source != "" {
		detail += ", via " + a.Source
	}
	detail += ")"
	if a.Comment != "" {
		detail += ": " + a.Comment
	}
	return store.Event{At: now, Version: a.Version, Status: status, Stage: stage, Actor: "pm:" + a.Actor, Detail: detail}
}
