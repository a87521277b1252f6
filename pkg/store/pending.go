package store

// Pending markers let a sweep find the versions that were stored but whose
// workflow was never started (the process died between the two, and the
// client never retried). The marker is written in the same transaction as
// the version, so a stored version always has one; starting the workflow
// stamps it, and the sweep removes stamped markers. The PENDING partition
// therefore only holds the versions stored since the last sweep plus the
// stuck ones: reading it is a small Query, whatever the table's size.
//
// Item layout (pk / sk):
//
//	PENDING  <id>#<00001>   submissionId, version, storedAt[, startedAt]

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PendingPartition is the partition key of the pending markers.
const PendingPartition = "PENDING"

// SubmissionPartitionPrefix starts the partition key of every item of a
// submission (SUB#<id>).
const SubmissionPartitionPrefix = "SUB#"

// ErrPendingMarker wraps a failure to stamp a version's pending marker
// after its workflow was recorded as started. The version is started; the
// next sweep finds the unstamped marker, sees the version started and
// removes it, so callers may treat this as a warning.
var ErrPendingMarker = errors.New("pending marker not updated")

// PendingVersion is one pending marker: a stored version whose workflow
// had not been recorded as started when the marker was last written.
type PendingVersion struct {
	SubmissionID string
	Version      int
	StoredAt     time.Time
	// StartedAt is set once the version's execution is recorded: the
	// marker then only waits for a sweep to remove it.
	StartedAt time.Time
}

// Started reports whether the marker was stamped by MarkStarted.
func (p PendingVersion) Started() bool { return !p.StartedAt.IsZero() }

type pendingItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	SubmissionID string `dynamodbav:"submissionId"`
	Version      int    `dynamodbav:"version"`
	StoredAt     string `dynamodbav:"storedAt"`
	StartedAt    string `dynamodbav:"startedAt,omitempty"`
}

func pendingSK(id string, version int) string { return fmt.Sprintf("%s#%05d", id, version) }

// pendingPut is the transaction item that writes a version's marker.
func (s *Store) pendingPut(id string, version int, now time.Time) (types.TransactWriteItem, error) {
	item, err := marshal(pendingItem{PK: PendingPartition, SK: pendingSK(id, version), SubmissionID: id,
		Version: version, StoredAt: stamp(now)})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}, nil
}

// stampPending records on a version's marker that its workflow started.
// A missing marker (already removed, or a version stored before markers
// existed) is fine: nothing is created.
func (s *Store) stampPending(ctx context.Context, id string, version int, at time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(PendingPartition, pendingSK(id, version)),
		UpdateExpression:          aws.String("SET startedAt = :at"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": &types.AttributeValueMemberS{Value: stamp(at)}},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("stamp pending marker of %s v%d: %w: %w", id, version, ErrPendingMarker, err)
	}
	return nil
}

// Pending returns up to limit pending markers (limit <= 0: all), stamped
// or not, in key order. A sweep removes the stamped ones and starts the
// others once they are old enough.
func (s *Store) Pending(ctx context.Context, limit int) ([]PendingVersion, error) {
	var out []PendingVersion
	err := s.queryItems(ctx, "pending versions", &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: PendingPartition}},
		ConsistentRead:            aws.Bool(true),
	}, func(item map[string]types.AttributeValue) (bool, error) {
		var it pendingItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return false, fmt.Errorf("decode pending marker: %w", err)
		}
		p := PendingVersion{SubmissionID: it.SubmissionID, Version: it.Version, StoredAt: parseStamp(it.StoredAt)}
		if it.StartedAt != "" {
			p.StartedAt = parseStamp(it.StartedAt)
		}
		out = append(out, p)
		return limit <= 0 || len(out) < limit, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ClearPending removes a version's marker. Removing a marker that is
// already gone is not an error.
func (s *Store) ClearPending(ctx context.Context, id string, version int) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(PendingPartition, pendingSK(id, version))})
	if err != nil {
		return fmt.Errorf("remove pending marker of %s v%d: %w", id, version, err)
	}
	return nil
}
