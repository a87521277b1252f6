package store

// Approval records live in the submissions table next to the submissions
// they gate. They carry no TTL attribute, so the audit of who decided what
// survives; a link's expiry is the separate linkExpiresAt.
//
// Item layout (pk / sk):
//
//	APPROVAL#<id>  APPROVAL                    the approval: gate, task token,
//	                                           status, decision, delivery state
//	SUB#<id>       GATE#<00001>#<gate>         pointer: approvalId of the gate
//
// Life of an approval:
//
//	pending ──DecideApproval──▶ approved|rejected|deployed|failed (delivered=false,
//	   ▲                              delivery claimed by the decider)
//	   │                              ├─MarkApprovalDelivered──▶ delivered=true (final)
//	   │                              ├─ReleaseApprovalDelivery─▶ undelivered, claim free:
//	   │                              │     ClaimApprovalDelivery retries it
//	   │                              └─ExpireApproval──▶ expired (decision kept in outcome)
//	   └──────── RearmApproval (a new task token for the same gate) ◀── expired
//
// The task token is written only here; it never leaves the server.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalDeployed = "deployed"
	ApprovalFailed   = "failed"
	ApprovalExpired  = "expired"
)

// DeliveryLease is how long a claimed delivery (the SendTaskSuccess of a
// recorded decision) blocks another attempt. A decider that died holding
// the claim is taken over after it.
const DeliveryLease = 2 * time.Minute

// ErrApprovalExists is returned by PutApproval when the gate (or the id)
// already has an approval; the ApprovalExistsError names it.
var ErrApprovalExists = errors.New("approval already exists")

// ErrApprovalDecided is returned when an approval's decision is already
// recorded; the ApprovalDecidedError says who decided what and when.
var ErrApprovalDecided = errors.New("approval already decided")

// ErrApprovalExpired is returned when an approval's link has expired or the
// approval was marked expired (the workflow stopped waiting for it).
var ErrApprovalExpired = errors.New("approval expired")

// ErrApprovalBusy is returned while another caller delivers the approval's
// decision (the delivery claim is held and not yet stale): retry shortly.
var ErrApprovalBusy = errors.New("approval decision is being delivered")

// ApprovalExistsError names the approval that already holds a gate.
type ApprovalExistsError struct {
	ApprovalID string
}

func (e *ApprovalExistsError) Error() string {
	return "gate already has approval " + e.ApprovalID
}

func (e *ApprovalExistsError) Unwrap() error { return ErrApprovalExists }

// ApprovalDecidedError says who decided an approval, what and when.
type ApprovalDecidedError struct {
	ID        string
	Status    string
	Actor     string
	DecidedAt time.Time
	// Delivered is false while the decision has not reached the workflow.
	Delivered bool
}

func (e *ApprovalDecidedError) Error() string {
	return fmt.Sprintf("approval %s already %s by %s at %s", e.ID, e.Status, e.Actor, e.DecidedAt.UTC().Format(time.RFC3339))
}

func (e *ApprovalDecidedError) Unwrap() error { return ErrApprovalDecided }

// ApprovalRecord is one approval of one gate of one submission version.
type ApprovalRecord struct {
	ID           string
	SubmissionID string
	Version      int
	Gate         string // approve-dev, deploy-dev, approve-prod, deploy-prod
	Environment  string // dev, prod
	Kind         string // approve, deploy
	TaskToken    string
	ReportKey    string
	CustomerName string
	// Status is pending, a decision (approved, rejected, deployed, failed)
	// or expired.
	Status        string
	CreatedAt     time.Time
	LinkExpiresAt time.Time
	DecidedAt     time.Time
	Actor         string
	Comment       string
	Source        string

	// Outcome is the recorded decision; unlike Status it is kept when an
	// approval expires after a decision the workflow no longer accepted.
	Outcome string
	// Delivered says the workflow accepted the decision (SendTaskSuccess).
	Delivered   bool
	DeliveredAt time.Time
	// DeliveryError is the last failed delivery attempt's error.
	DeliveryError   string
	DeliveryErrorAt time.Time
	// DeliveryAttemptAt is when the current delivery claim was taken; zero
	// when no delivery is in flight.
	DeliveryAttemptAt time.Time
	ExpiredAt         time.Time
	// Reissued counts re-arms (new task tokens for the same gate).
	Reissued int
}

// Decided reports whether the record holds a decision (delivered or not)
// that has not expired.
func (a ApprovalRecord) Decided() bool { return isDecision(a.Status) }

// ApprovalDecision is what DecideApproval records.
type ApprovalDecision struct {
	Status  string // approved, rejected, deployed or failed
	Actor   string
	Comment string
	Source  string // web, slack, …
}

type approvalItem struct {
	PK                string `dynamodbav:"pk"`
	SK                string `dynamodbav:"sk"`
	ID                string `dynamodbav:"id"`
	SubmissionID      string `dynamodbav:"submissionId"`
	Version           int    `dynamodbav:"version"`
	Gate              string `dynamodbav:"gate"`
	Environment       string `dynamodbav:"environment"`
	Kind              string `dynamodbav:"kind"`
	TaskToken         string `dynamodbav:"taskToken"`
	ReportKey         string `dynamodbav:"reportKey,omitempty"`
	CustomerName      string `dynamodbav:"customerName,omitempty"`
	Status            string `dynamodbav:"status"`
	CreatedAt         string `dynamodbav:"createdAt"`
	LinkExpiresAt     int64  `dynamodbav:"linkExpiresAt"`
	DecidedAt         string `dynamodbav:"decidedAt,omitempty"`
	Actor             string `dynamodbav:"actor,omitempty"`
	Comment           string `dynamodbav:"comment,omitempty"`
	Source            string `dynamodbav:"source,omitempty"`
	Outcome           string `dynamodbav:"outcome,omitempty"`
	Delivered         bool   `dynamodbav:"delivered"`
	DeliveredAt       string `dynamodbav:"deliveredAt,omitempty"`
	DeliveryError     string `dynamodbav:"deliveryError,omitempty"`
	DeliveryErrorAt   string `dynamodbav:"deliveryErrorAt,omitempty"`
	DeliveryAttemptAt int64  `dynamodbav:"deliveryAttemptAt"`
	ExpiredAt         string `dynamodbav:"expiredAt,omitempty"`
	Reissued          int    `dynamodbav:"reissued"`
}

type gateItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	ApprovalID string `dynamodbav:"approvalId"`
	CreatedAt  string `dynamodbav:"createdAt"`
}

func approvalPK(id string) string { return "APPROVAL#" + id }

const approvalSK = "APPROVAL"

func gateSK(version int, gate string) string { return fmt.Sprintf("GATE#%05d#%s", version, gate) }

func isDecision(s string) bool {
	switch s {
	case ApprovalApproved, ApprovalRejected, ApprovalDeployed, ApprovalFailed:
		return true
	}
	return false
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(unix int64) time.Time {
	if unix == 0 {
		return time.Time{}
	}
	return time.Unix(unix, 0).UTC()
}

func stampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

func (it approvalItem) record() *ApprovalRecord {
	return &ApprovalRecord{ID: it.ID, SubmissionID: it.SubmissionID, Version: it.Version, Gate: it.Gate,
		Environment: it.Environment, Kind: it.Kind, TaskToken: it.TaskToken, ReportKey: it.ReportKey,
		CustomerName: it.CustomerName, Status: it.Status, CreatedAt: parseStamp(it.CreatedAt),
		LinkExpiresAt: timeOrZero(it.LinkExpiresAt), DecidedAt: parseStamp(it.DecidedAt), Actor: it.Actor,
		Comment: it.Comment, Source: it.Source, Outcome: it.Outcome, Delivered: it.Delivered,
		DeliveredAt: parseStamp(it.DeliveredAt), DeliveryError: it.DeliveryError, DeliveryErrorAt: parseStamp(it.DeliveryErrorAt),
		DeliveryAttemptAt: timeOrZero(it.DeliveryAttemptAt), ExpiredAt: parseStamp(it.ExpiredAt), Reissued: it.Reissued}
}

func (a *ApprovalRecord) decidedError() *ApprovalDecidedError {
	status := a.Status
	if !isDecision(status) {
		status = a.Outcome
	}
	return &ApprovalDecidedError{ID: a.ID, Status: status, Actor: a.Actor, DecidedAt: a.DecidedAt, Delivered: a.Delivered}
}

func numAV(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func strAV(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

var falseAV types.AttributeValue = &types.AttributeValueMemberBOOL{Value: false}

// PutApproval stores a new approval and its gate pointer in one
// transaction. When the gate already has an approval nothing is written and
// an *ApprovalExistsError names it.
func (st *Store) PutApproval(ctx context.Context, a ApprovalRecord) error {
	if a.ID == "" || a.SubmissionID == "" || a.Gate == "" || a.TaskToken == "" {
		return fmt.Errorf("put approval: id, submission, gate and task token are required")
	}
	if a.Status == "" {
		a.Status = ApprovalPending
	}
	item, err := marshal(approvalItem{PK: approvalPK(a.ID), SK: approvalSK, ID: a.ID, SubmissionID: a.SubmissionID,
		Version: a.Version, Gate: a.Gate, Environment: a.Environment, Kind: a.Kind, TaskToken: a.TaskToken,
		ReportKey: a.ReportKey, CustomerName: a.CustomerName, Status: a.Status, CreatedAt: stamp(a.CreatedAt),
		LinkExpiresAt: unixOrZero(a.LinkExpiresAt), DecidedAt: stampOrEmpty(a.DecidedAt), Actor: a.Actor,
		Comment: a.Comment, Source: a.Source, Outcome: a.Outcome, Reissued: a.Reissued})
	if err != nil {
		return err
	}
	ptr, err := marshal(gateItem{PK: subPK(a.SubmissionID), SK: gateSK(a.Version, a.Gate), ApprovalID: a.ID,
		CreatedAt: stamp(a.CreatedAt)})
	if err != nil {
		return err
	}
	_, err = st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &st.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: &st.table, Item: ptr, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		},
	})
	if err == nil {
		return nil
	}
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		return fmt.Errorf("store approval %s: %w", a.ID, err)
	}
	if len(tc.CancellationReasons) > 1 && aws.ToString(tc.CancellationReasons[1].Code) == "ConditionalCheckFailed" {
		existing, gerr := st.gatePointer(ctx, a.SubmissionID, a.Version, a.Gate)
		if gerr != nil {
			return fmt.Errorf("store approval %s: gate %s is taken: %w", a.ID, a.Gate, gerr)
		}
		return &ApprovalExistsError{ApprovalID: existing}
	}
	if len(tc.CancellationReasons) > 0 && aws.ToString(tc.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return &ApprovalExistsError{ApprovalID: a.ID}
	}
	return fmt.Errorf("store approval %s: %w", a.ID, err)
}

func (st *Store) gatePointer(ctx context.Context, submissionID string, version int, gate string) (string, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table,
		Key: key(subPK(submissionID), gateSK(version, gate)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("read gate %s of %s v%d: %w", gate, submissionID, version, err)
	}
	if out.Item == nil {
		return "", fmt.Errorf("gate %s of %s v%d: %w", gate, submissionID, version, ErrNotFound)
	}
	var g gateItem
	if err := attributevalue.UnmarshalMap(out.Item, &g); err != nil {
		return "", fmt.Errorf("decode gate pointer: %w", err)
	}
	return g.ApprovalID, nil
}

// GetApproval returns an approval (consistent read), or ErrNotFound.
func (st *Store) GetApproval(ctx context.Context, id string) (*ApprovalRecord, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key(approvalPK(id), approvalSK),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read approval %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("approval %s: %w", id, ErrNotFound)
	}
	var it approvalItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("decode approval %s: %w", id, err)
	}
	return it.record(), nil
}

// ApprovalForGate returns the approval of one gate of a submission
// version, or ErrNotFound.
func (st *Store) ApprovalForGate(ctx context.Context, submissionID string, version int, gate string) (*ApprovalRecord, error) {
	id, err := st.gatePointer(ctx, submissionID, version, gate)
	if err != nil {
		return nil, err
	}
	return st.GetApproval(ctx, id)
}

// RearmApproval gives an approval the task token of a re-issued gate (the
// workflow's reminder) and a new link expiry, keeping its id and so its
// links. A pending approval just takes the new token; an expired one (its
// previous token died) becomes pending again, its attempted decision
// cleared; a decided one whose decision never reached the workflow keeps
// the decision and takes the token, so a retry delivers it. It fails with
// an *ApprovalDecidedError once a decision was delivered, and with
// ErrApprovalBusy while a delivery is in flight (judged against the wall
// clock and DeliveryLease).
func (st *Store) RearmApproval(ctx context.Context, id, newToken string, newExpiry time.Time) error {
	if newToken == "" {
		return fmt.Errorf("rearm approval %s: empty task token", id)
	}
	for attempt := 0; attempt < 5; attempt++ {
		a, err := st.GetApproval(ctx, id)
		if err != nil {
			return err
		}
		vals := map[string]types.AttributeValue{
			":token": strAV(newToken), ":exp": numAV(newExpiry.Unix()), ":one": numAV(1), ":seen": strAV(a.Status),
		}
		var update, cond string
		switch {
		case a.Delivered:
			return a.decidedError()
		case a.Status == ApprovalPending:
			update = "SET taskToken = :token, linkExpiresAt = :exp, reissued = reissued + :one"
			cond = "#status = :seen"
		case a.Status == ApprovalExpired:
			update = "SET #status = :pending, taskToken = :token, linkExpiresAt = :exp, reissued = reissued + :one, " +
				"deliveryAttemptAt = :zero REMOVE outcome, actor, #comment, #source, decidedAt, expiredAt, deliveryError, deliveryErrorAt"
			cond = "#status = :seen AND delivered = :false"
			vals[":pending"], vals[":zero"], vals[":false"] = strAV(ApprovalPending), numAV(0), falseAV
		case isDecision(a.Status):
			if !a.DeliveryAttemptAt.IsZero() && time.Since(a.DeliveryAttemptAt) < DeliveryLease {
				return fmt.Errorf("rearm approval %s: %w", id, ErrApprovalBusy)
			}
			update = "SET taskToken = :token, linkExpiresAt = :exp, reissued = reissued + :one"
			cond = "#status = :seen AND delivered = :false AND deliveryAttemptAt = :attempt"
			vals[":false"], vals[":attempt"] = falseAV, numAV(unixOrZero(a.DeliveryAttemptAt))
		default:
			return fmt.Errorf("rearm approval %s: unknown status %q", id, a.Status)
		}
		ok, err := st.updateApproval(ctx, id, update, cond, vals)
		if err != nil {
			return fmt.Errorf("rearm: %w", err)
		}
		if ok {
			return nil
		}
		// The approval changed between the read and the write: look again.
	}
	return fmt.Errorf("rearm approval %s: it keeps changing; retry", id)
}

// updateApproval runs one conditional update of an existing approval and
// reports whether the condition held. #status, #comment and #source stand
// for the reserved words status, comment and source.
func (st *Store) updateApproval(ctx context.Context, id, update, cond string, values map[string]types.AttributeValue) (bool, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                 &st.table,
		Key:                       key(approvalPK(id), approvalSK),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("attribute_exists(pk) AND " + cond),
		ExpressionAttributeNames:  usedNames(update+" "+cond, map[string]string{"#status": "status", "#comment": "comment", "#source": "source"}),
		ExpressionAttributeValues: values,
	}
	if _, err := st.db.UpdateItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return false, nil
		}
		return false, fmt.Errorf("update approval %s: %w", id, err)
	}
	return true, nil
}

// usedNames keeps the placeholders an expression uses: DynamoDB rejects
// unused ExpressionAttributeNames.
func usedNames(expr string, names map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range names {
		if containsWord(expr, k) {
			out[k] = v
		}
	}
	return out
}

func containsWord(expr, word string) bool {
	for i := 0; i+len(word) <= len(expr); i++ {
		if expr[i:i+len(word)] != word {
			continue
		}
		end := i + len(word)
		if end == len(expr) || !isNameChar(expr[end]) {
			return true
		}
	}
	return false
}

func isNameChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// DecideApproval records a decision exactly once: only while the approval
// is pending and its link has not expired at now. The decider holds the
// delivery claim until MarkApprovalDelivered, ReleaseApprovalDelivery or
// ExpireApproval. When the condition fails it returns an
// *ApprovalDecidedError (someone decided first), ErrApprovalExpired, or
// ErrNotFound.
func (st *Store) DecideApproval(ctx context.Context, id string, d ApprovalDecision, now time.Time) error {
	if !isDecision(d.Status) {
		return fmt.Errorf("decide approval %s: %q is not a decision", id, d.Status)
	}
	update := "SET #status = :decision, outcome = :decision, actor = :actor, decidedAt = :at, deliveryAttemptAt = :now"
	vals := map[string]types.AttributeValue{
		":decision": strAV(d.Status), ":actor": strAV(d.Actor), ":at": strAV(stamp(now)), ":now": numAV(now.Unix()),
		":pending": strAV(ApprovalPending),
	}
	if d.Comment != "" {
		update += ", #comment = :comment"
		vals[":comment"] = strAV(d.Comment)
	}
	if d.Source != "" {
		update += ", #source = :source"
		vals[":source"] = strAV(d.Source)
	}
	ok, err := st.updateApproval(ctx, id, update, "#status = :pending AND linkExpiresAt > :now", vals)
	if err != nil {
		return fmt.Errorf("decide: %w", err)
	}
	if ok {
		return nil
	}
	a, err := st.GetApproval(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case isDecision(a.Status):
		return a.decidedError()
	case a.Status == ApprovalExpired, a.Status == ApprovalPending && !a.LinkExpiresAt.After(now):
		return fmt.Errorf("approval %s: %w", id, ErrApprovalExpired)
	}
	return fmt.Errorf("decide approval %s: it changed while deciding; retry", id)
}

// ClaimApprovalDelivery takes the delivery claim of a decided approval
// whose decision has not reached the workflow (a previous attempt failed,
// or its claim is older than DeliveryLease). It fails with
// *ApprovalDecidedError once delivered, ErrApprovalExpired when expired,
// ErrApprovalBusy while another claim is live.
func (st *Store) ClaimApprovalDelivery(ctx context.Context, id string, now time.Time) error {
	vals := map[string]types.AttributeValue{
		":now": numAV(now.Unix()), ":stale": numAV(now.Add(-DeliveryLease).Unix()),
		":false": falseAV,
		":a":     strAV(ApprovalApproved), ":r": strAV(ApprovalRejected), ":d": strAV(ApprovalDeployed), ":f": strAV(ApprovalFailed),
	}
	ok, err := st.updateApproval(ctx, id, "SET deliveryAttemptAt = :now",
		"delivered = :false AND #status IN (:a, :r, :d, :f) AND deliveryAttemptAt < :stale", vals)
	if err != nil {
		return fmt.Errorf("claim delivery: %w", err)
	}
	if ok {
		return nil
	}
	a, err := st.GetApproval(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case a.Delivered:
		return a.decidedError()
	case a.Status == ApprovalExpired:
		return fmt.Errorf("approval %s: %w", id, ErrApprovalExpired)
	case a.Status == ApprovalPending:
		return fmt.Errorf("approval %s has no decision to deliver: %w", id, ErrNotFound)
	}
	return fmt.Errorf("approval %s: %w", id, ErrApprovalBusy)
}

// MarkApprovalDelivered records that the workflow accepted the decision
// and releases the claim. The status is set back to the recorded outcome:
// once the workflow has the decision, that is what happened.
func (st *Store) MarkApprovalDelivered(ctx context.Context, id string, now time.Time) error {
	a, err := st.GetApproval(ctx, id)
	if err != nil {
		return err
	}
	if !isDecision(a.Outcome) {
		return fmt.Errorf("mark approval %s delivered: it holds no decision", id)
	}
	ok, err := st.updateApproval(ctx, id,
		"SET delivered = :true, deliveredAt = :at, #status = :outcome, deliveryAttemptAt = :zero REMOVE deliveryError, deliveryErrorAt, expiredAt",
		"outcome = :outcome",
		map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":at": strAV(stamp(now)),
			":zero": numAV(0), ":outcome": strAV(a.Outcome)})
	if err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	if !ok {
		return fmt.Errorf("mark approval %s delivered: its decision changed meanwhile", id)
	}
	return nil
}

// ReleaseApprovalDelivery records a failed delivery attempt and releases
// the claim, so ClaimApprovalDelivery can retry; the decision stays.
func (st *Store) ReleaseApprovalDelivery(ctx context.Context, id, reason string, now time.Time) error {
	if reason == "" {
		reason = "delivery failed"
	}
	if len(reason) > 1000 {
		reason = strings.ToValidUTF8(reason[:1000], "")
	}
	ok, err := st.updateApproval(ctx, id, "SET deliveryAttemptAt = :zero, deliveryError = :reason, deliveryErrorAt = :at",
		"delivered = :false",
		map[string]types.AttributeValue{":zero": numAV(0), ":reason": strAV(reason), ":at": strAV(stamp(now)),
			":false": falseAV})
	if err != nil {
		return fmt.Errorf("release delivery: %w", err)
	}
	if !ok {
		a, err := st.GetApproval(ctx, id)
		if err != nil {
			return err
		}
		return a.decidedError()
	}
	return nil
}

// ExpireApproval marks an approval expired: its link timed out or the
// workflow no longer accepts its task token. A recorded but undelivered
// decision is kept (outcome, actor, comment) for the audit. It is
// idempotent, and fails with *ApprovalDecidedError once a decision was
// delivered.
func (st *Store) ExpireApproval(ctx context.Context, id string, now time.Time) error {
	ok, err := st.updateApproval(ctx, id,
		"SET #status = :expired, expiredAt = if_not_exists(expiredAt, :at), deliveryAttemptAt = :zero",
		"delivered = :false",
		map[string]types.AttributeValue{":expired": strAV(ApprovalExpired), ":at": strAV(stamp(now)), ":zero": numAV(0),
			":false": falseAV})
	if err != nil {
		return fmt.Errorf("expire: %w", err)
	}
	if !ok {
		a, err := st.GetApproval(ctx, id)
		if err != nil {
			return err
		}
		return a.decidedError()
	}
	return nil
}
