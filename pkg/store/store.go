// Package store keeps submissions in one DynamoDB table: the submission's
// current state, one item per version (the document as submitted), an
// append-only audit trail, the verification reports, and the idempotency
// records that make a retried POST return the original submission.
//
// Item layout (pk / sk):
//
//	SUB#<id>   META                      current status, stage, latest version
//	SUB#<id>   VER#<00001>               document, body hash, execution name/ARN
//	SUB#<id>   EVT#<rfc3339nano>#<rand>  one audit event
//	SUB#<id>   REPORT#<00001>#<env>      one verification report (JSON)
//	DEDUP#<kind>:<sha256>  DEDUP         idempotency record, expires (TTL)
//	PENDING    <id>#<00001>              a stored version whose workflow may not
//	                                     have started yet (see pending.go)
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// ErrNotFound is returned when a submission, version or report does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicate is returned by Create when the idempotency record already
// names a submission; the DuplicateError carries which one.
var ErrDuplicate = errors.New("duplicate submission")

// DuplicateError names the submission an idempotency record points at.
type DuplicateError struct {
	SubmissionID string
	BodyHash     string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("duplicate of submission %s", e.SubmissionID)
}

func (e *DuplicateError) Unwrap() error { return ErrDuplicate }

// DB is the part of the DynamoDB API the store uses.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes submissions in one table.
type Store struct {
	db    DB
	table string
}

// New returns a store over the named table.
func New(db DB, table string) *Store { return &Store{db: db, table: table} }

// Submission is a submission's current state, as the status page shows it.
type Submission struct {
	ID            string    `json:"id"`
	CustomerName  string    `json:"customerName"`
	Status        string    `json:"status"`
	Stage         string    `json:"stage"`
	LatestVersion int       `json:"latestVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Version is one submitted version of the checklist.
type Version struct {
	Number        int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	BodyHash      string    `json:"bodyHash"`
	ExecutionName string    `json:"executionName"`
	ExecutionArn  string    `json:"executionArn,omitempty"`
	Document      string    `json:"-"`
}

// Started reports whether the version's workflow execution has been started.
func (v Version) Started() bool { return v.ExecutionArn != "" }

// Event is one entry of the append-only audit trail.
type Event struct {
	At        time.Time `json:"at"`
	Version   int       `json:"version"`
	Status    string    `json:"status"`
	Stage     string    `json:"stage"`
	Actor     string    `json:"actor"`
	Detail    string    `json:"detail,omitempty"`
	ReportKey string    `json:"reportKey,omitempty"`
}

// Record is everything stored about a submission, oldest first.
type Record struct {
	Submission
	Versions []Version `json:"versions"`
	History  []Event   `json:"history"`
	Reports  []string  `json:"reports"`
}

// Dedup says how a submission is deduplicated: by the client's
// Idempotency-Key, or (without one) by the hash of its body.
type Dedup struct {
	Kind     string // "key" or "body"
	Value    string // the key, or the body hash
	BodyHash string
	TTL      time.Duration
}

// NewSubmission is what Create stores.
type NewSubmission struct {
	ID           string
	CustomerName string
	Document     []byte
	Dedup        Dedup
	Now          time.Time
	Status       string
	Stage        string
	Actor        string
}

type metaItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	ID            string `dynamodbav:"id"`
	CustomerName  string `dynamodbav:"customerName"`
	Status        string `dynamodbav:"status"`
	Stage         string `dynamodbav:"stage"`
	LatestVersion int    `dynamodbav:"latestVersion"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
}

type versionItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Version       int    `dynamodbav:"version"`
	CreatedAt     string `dynamodbav:"createdAt"`
	BodyHash      string `dynamodbav:"bodyHash"`
	ExecutionName string `dynamodbav:"executionName"`
	ExecutionArn  string `dynamodbav:"executionArn,omitempty"`
	Document      string `dynamodbav:"document"`
}

type eventItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	At        string `dynamodbav:"at"`
	Version   int    `dynamodbav:"version"`
	Status    string `dynamodbav:"status"`
	Stage     string `dynamodbav:"stage"`
	Actor     string `dynamodbav:"actor"`
	Detail    string `dynamodbav:"detail,omitempty"`
	ReportKey string `dynamodbav:"reportKey,omitempty"`
}

type dedupItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	SubmissionID string `dynamodbav:"submissionId"`
	BodyHash     string `dynamodbav:"bodyHash"`
	ExpiresAt    int64  `dynamodbav:"expiresAt"`
}

type reportItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	Report string `dynamodbav:"report"`
	At     string `dynamodbav:"at"`
}

func subPK(id string) string            { return "SUB#" + id }
func versionSK(v int) string            { return fmt.Sprintf("VER#%05d", v) }
func reportSK(v int, env string) string { return fmt.Sprintf("REPORT#%05d#%s", v, env) }

func dedupPK(d Dedup) string {
	sum := sha256.Sum256([]byte(d.Value))
	return "DEDUP#" + d.Kind + ":" + hex.EncodeToString(sum[:])
}

// stampLayout is RFC 3339 with a fixed nine-digit fraction, so stamps
// compare in time order as strings (DynamoDB conditions compare them so).
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func eventSK(at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	// Fixed-width timestamps sort lexically; the random suffix keeps two
	// events written in the same nanosecond from overwriting each other.
	return "EVT#" + at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + hex.EncodeToString(b[:])
}

func marshal(v any) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("marshal item: %w", err)
	}
	return item, nil
}

// Create stores a new submission with its first version, its pending
// marker and first audit event in one transaction, guarded by the
// idempotency record. When the record already exists (and has not expired)
// nothing is written and a *DuplicateError names the original submission.
func (s *Store) Create(ctx context.Context, n NewSubmission) (Submission, error) {
	now := stamp(n.Now)
	meta := metaItem{PK: subPK(n.ID), SK: "META", ID: n.ID, CustomerName: n.CustomerName,
		Status: n.Status, Stage: n.Stage, LatestVersion: 1, CreatedAt: now, UpdatedAt: now}
	ver := versionItem{PK: subPK(n.ID), SK: versionSK(1), Version: 1, CreatedAt: now,
		BodyHash: n.Dedup.BodyHash, ExecutionName: workflow.ExecutionName(n.ID, 1), Document: string(n.Document)}
	evt := eventItem{PK: subPK(n.ID), SK: eventSK(n.Now), At: now, Version: 1, Status: n.Status,
		Stage: n.Stage, Actor: n.Actor, Detail: "submission received"}
	dd := dedupItem{PK: dedupPK(n.Dedup), SK: "DEDUP", SubmissionID: n.ID, BodyHash: n.Dedup.BodyHash,
		ExpiresAt: n.Now.Add(n.Dedup.TTL).Unix()}

	var items []map[string]types.AttributeValue
	for _, v := range []any{dd, meta, ver, evt} {
		m, err := marshal(v)
		if err != nil {
			return Submission{}, err
		}
		items = append(items, m)
	}
	pending, err := s.pendingPut(n.ID, 1, n.Now)
	if err != nil {
		return Submission{}, err
	}
	in := &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &s.table, Item: items[0],
				// An expired record may be reused; DynamoDB's TTL deletes lazily.
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt < :now"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(n.Now.Unix(), 10)}}}},
			{Put: &types.Put{TableName: &s.table, Item: items[1], ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: &s.table, Item: items[2], ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Put: &types.Put{TableName: &s.table, Item: items[3]}},
			pending,
		},
	}
	for attempt := 1; ; attempt++ {
		_, err = s.db.TransactWriteItems(ctx, in)
		// Two identical submissions at once: DynamoDB may cancel one with
		// TransactionConflict (on the idempotency record) instead of
		// failing its condition. Nothing was written; try again, and the
		// condition then names the winner.
		if !transactionConflict(err) || attempt == maxConflictAttempts {
			break
		}
		if werr := sleepCtx(ctx, time.Duration(attempt)*conflictBackoff); werr != nil {
			return Submission{}, fmt.Errorf("store submission %s: %w", n.ID, werr)
		}
	}
	if err != nil {
		var tc *types.TransactionCanceledException
		if errors.As(err, &tc) && len(tc.CancellationReasons) > 0 &&
			aws.ToString(tc.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			existing, gerr := s.lookupDedup(ctx, n.Dedup)
			if gerr != nil {
				return Submission{}, gerr
			}
			return Submission{}, existing
		}
		return Submission{}, fmt.Errorf("store submission %s: %w", n.ID, err)
	}
	return meta.submission(), nil
}

// Retries of a transaction cancelled by TransactionConflict.
const (
	maxConflictAttempts = 4
	conflictBackoff     = 20 * time.Millisecond
)

// transactionConflict reports whether err is a transaction cancelled only
// because another transaction was writing the same item.
func transactionConflict(err error) bool {
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		return false
	}
	conflict := false
	for _, r := range tc.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "", "None":
		default:
			return false // a failed condition or a validation error decides
		}
	}
	return conflict
}

// queryItems runs a query page by page, handing each item to each until it
// answers false; a failed query is reported as "query <what>", errors of
// each as they are.
func (s *Store) queryItems(ctx context.Context, what string, in *dynamodb.QueryInput, each func(map[string]types.AttributeValue) (bool, error)) error {
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("query %s: %w", what, err)
		}
		for _, item := range page.Items {
			if more, err := each(item); err != nil || !more {
				return err
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *Store) lookupDedup(ctx context.Context, d Dedup) (*DuplicateError, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(dedupPK(d), "DEDUP"),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read idempotency record: %w", err)
	}
	if out.Item == nil {
		// The record that blocked us expired or vanished in between: tell
		// the caller to retry rather than guess.
		return nil, fmt.Errorf("idempotency record changed during write; retry the request")
	}
	var it dedupItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("decode idempotency record: %w", err)
	}
	return &DuplicateError{SubmissionID: it.SubmissionID, BodyHash: it.BodyHash}, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

func (m metaItem) submission() Submission {
	return Submission{ID: m.ID, CustomerName: m.CustomerName, Status: m.Status, Stage: m.Stage,
		LatestVersion: m.LatestVersion, CreatedAt: parseStamp(m.CreatedAt), UpdatedAt: parseStamp(m.UpdatedAt)}
}

// Get returns everything stored about a submission: current state, versions
// (without documents), audit history and report keys, oldest first.
func (s *Store) Get(ctx context.Context, id string) (*Record, error) {
	var rec Record
	found := false
	err := s.queryItems(ctx, "submission "+id, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: subPK(id)}},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) (bool, error) {
		sk := item["sk"].(*types.AttributeValueMemberS).Value
		switch {
		case sk == "META":
			var m metaItem
			if err := attributevalue.UnmarshalMap(item, &m); err != nil {
				return false, fmt.Errorf("decode submission %s: %w", id, err)
			}
			rec.Submission = m.submission()
			found = true
		case strings.HasPrefix(sk, "VER#"):
			var v versionItem
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				return false, fmt.Errorf("decode version: %w", err)
			}
			rec.Versions = append(rec.Versions, v.version(false))
		case strings.HasPrefix(sk, "EVT#"):
			var e eventItem
			if err := attributevalue.UnmarshalMap(item, &e); err != nil {
				return false, fmt.Errorf("decode event: %w", err)
			}
			rec.History = append(rec.History, Event{At: parseStamp(e.At), Version: e.Version, Status: e.Status,
				Stage: e.Stage, Actor: e.Actor, Detail: e.Detail, ReportKey: e.ReportKey})
		case strings.HasPrefix(sk, "REPORT#"):
			rec.Reports = append(rec.Reports, sk)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("submission %s: %w", id, ErrNotFound)
	}
	sort.SliceStable(rec.History, func(i, j int) bool { return rec.History[i].At.Before(rec.History[j].At) })
	if rec.Versions == nil {
		rec.Versions = []Version{}
	}
	if rec.History == nil {
		rec.History = []Event{}
	}
	if rec.Reports == nil {
		rec.Reports = []string{}
	}
	return &rec, nil
}

func (v versionItem) version(withDoc bool) Version {
	out := Version{Number: v.Version, CreatedAt: parseStamp(v.CreatedAt), BodyHash: v.BodyHash,
		ExecutionName: v.ExecutionName, ExecutionArn: v.ExecutionArn}
	if withDoc {
		out.Document = v.Document
	}
	return out
}

// GetVersion returns one version including its document.
func (s *Store) GetVersion(ctx context.Context, id string, version int) (*Version, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(subPK(id), versionSK(version)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("read submission %s version %d: %w", id, version, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("submission %s version %d: %w", id, version, ErrNotFound)
	}
	var v versionItem
	if err := attributevalue.UnmarshalMap(out.Item, &v); err != nil {
		return nil, fmt.Errorf("decode version: %w", err)
	}
	ver := v.version(true)
	return &ver, nil
}

// MarkStarted records the execution ARN of a version's workflow, then
// stamps the version's pending marker as started (the sweep removes it).
// It is idempotent: a second call with the same ARN changes nothing. When
// only the stamp fails the version is started and the error wraps
// ErrPendingMarker.
func (s *Store) MarkStarted(ctx context.Context, id string, version int, executionArn string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(subPK(id), versionSK(version)),
		UpdateExpression:          aws.String("SET executionArn = :arn"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":arn": &types.AttributeValueMemberS{Value: executionArn}},
	})
	if err != nil {
		return fmt.Errorf("record execution of %s v%d: %w", id, version, err)
	}
	return s.stampPending(ctx, id, version, time.Now())
}

// Record appends an audit event and moves the submission's current status
// and stage to it, in one transaction, so the trail and the state agree.
func (s *Store) Record(ctx context.Context, id string, e Event) error {
	return s.write(ctx, id, e, true)
}

// Append adds an event to the audit trail without changing the current
// status: for facts (a notification sent, a workflow started) that are not
// stage changes and may land after later stage changes.
func (s *Store) Append(ctx context.Context, id string, e Event) error {
	return s.write(ctx, id, e, false)
}

func (s *Store) write(ctx context.Context, id string, e Event, moveState bool) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	evt, err := marshal(eventItem{PK: subPK(id), SK: eventSK(e.At), At: stamp(e.At), Version: e.Version,
		Status: e.Status, Stage: e.Stage, Actor: e.Actor, Detail: e.Detail, ReportKey: e.ReportKey})
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: evt}}}
	if moveState {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:        &s.table,
			Key:              key(subPK(id), "META"),
			UpdateExpression: aws.String("SET #status = :status, stage = :stage, updatedAt = :at"),
			// A stage change that happened before the one already recorded
			// (a decision whose write lost the race with the next task's)
			// must not move the status back; it still joins the trail.
			ConditionExpression:      aws.String("attribute_exists(pk) AND (attribute_not_exists(updatedAt) OR updatedAt <= :at)"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":status": &types.AttributeValueMemberS{Value: e.Status},
				":stage":  &types.AttributeValueMemberS{Value: e.Stage},
				":at":     &types.AttributeValueMemberS{Value: stamp(e.At)},
			},
		}})
	}
	if !moveState {
		// The event may only join an existing submission.
		items[0].Put.ConditionExpression = aws.String("attribute_not_exists(pk)")
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(subPK(id), "META"), ConditionExpression: aws.String("attribute_exists(pk)"),
		}})
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		var tc *types.TransactionCanceledException
		if errors.As(err, &tc) {
			if moveState && s.exists(ctx, id) {
				// Stale: the submission has moved on; keep the fact only.
				return s.write(ctx, id, e, false)
			}
			return fmt.Errorf("record %q on submission %s: %w", e.Status, id, ErrNotFound)
		}
		return fmt.Errorf("record %q on submission %s: %w", e.Status, id, err)
	}
	return nil
}

func (s *Store) exists(ctx context.Context, id string) bool {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(subPK(id), "META"),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("pk")})
	return err == nil && out.Item != nil
}

// PutReport stores a verification report (JSON) and returns its key.
func (s *Store) PutReport(ctx context.Context, id string, version int, env string, report []byte, at time.Time) (string, error) {
	sk := reportSK(version, env)
	item, err := marshal(reportItem{PK: subPK(id), SK: sk, Report: string(report), At: stamp(at)})
	if err != nil {
		return "", err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return "", fmt.Errorf("store %s report of %s v%d: %w", env, id, version, err)
	}
	return sk, nil
}

// GetReport returns a stored report's JSON.
func (s *Store) GetReport(ctx context.Context, id, reportKey string) ([]byte, error) {
	if !strings.HasPrefix(reportKey, "REPORT#") {
		return nil, fmt.Errorf("report %q: %w", reportKey, ErrNotFound)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(subPK(id), reportKey)})
	if err != nil {
		return nil, fmt.Errorf("read report %s of %s: %w", reportKey, id, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("report %s of %s: %w", reportKey, id, ErrNotFound)
	}
	var r reportItem
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	return []byte(r.Report), nil
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }
