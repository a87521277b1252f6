package store

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

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// ErrVersionConflict means another version was added since the caller
// read the submission.
var ErrVersionConflict = errors.New("submission changed since it was read")

// NewVersion is a resubmission of an existing submission.
type NewVersion struct {
	SubmissionID string
	// Previous is the latest version the caller saw; the new one is
	// Previous+1 and is written only if that is still the latest.
	Previous     int
	CustomerName string
	Document     []byte
	BodyHash     string
	Now          time.Time
	Status       string
	Stage        string
	Actor        string
}

// AddVersion stores the next version of a submission (with its pending
// marker) and moves its status back to the start, in one transaction
// conditional on the version read.
func (s *Store) AddVersion(ctx context.Context, n NewVersion) (int, error) {
	next := n.Previous + 1
	now := stamp(n.Now)
	ver, err := marshal(versionItem{PK: subPK(n.SubmissionID), SK: versionSK(next), Version: next, CreatedAt: now,
		BodyHash: n.BodyHash, ExecutionName: workflow.ExecutionName(n.SubmissionID, next), Document: string(n.Document)})
	if err != nil {
		return 0, err
	}
	evt, err := marshal(eventItem{PK: subPK(n.SubmissionID), SK: eventSK(n.Now), At: now, Version: next,
		Status: n.Status, Stage: n.Stage, Actor: n.Actor, Detail: fmt.Sprintf("version %d submitted", next)})
	if err != nil {
		return 0, err
	}
	pending, err := s.pendingPut(n.SubmissionID, next, n.Now)
	if err != nil {
		return 0, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                &s.table,
			Key:                      key(subPK(n.SubmissionID), "META"),
			UpdateExpression:         aws.String("SET latestVersion = :next, customerName = :name, #status = :status, stage = :stage, updatedAt = :at"),
			ConditionExpression:      aws.String("latestVersion = :prev"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":next":   &types.AttributeValueMemberN{Value: strconv.Itoa(next)},
				":prev":   &types.AttributeValueMemberN{Value: strconv.Itoa(n.Previous)},
				":status": &types.AttributeValueMemberS{Value: n.Status},
				":stage":  &types.AttributeValueMemberS{Value: n.Stage},
				":name":   &types.AttributeValueMemberS{Value: n.CustomerName},
				":at":     &types.AttributeValueMemberS{Value: now},
			},
		}},
		{Put: &types.Put{TableName: &s.table, Item: ver, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: &s.table, Item: evt}},
		pending,
	}})
	if err != nil {
		var tc *types.TransactionCanceledException
		if errors.As(err, &tc) {
			return 0, fmt.Errorf("add version %d to %s: %w", next, n.SubmissionID, ErrVersionConflict)
		}
		return 0, fmt.Errorf("add version %d to %s: %w", next, n.SubmissionID, err)
	}
	return next, nil
}

// StoredReport is one verification report with where it belongs.
type StoredReport struct {
	Key         string `json:"key"`
	Version     int    `json:"version"`
	Environment string `json:"environment"`
	Report      []byte `json:"-"`
}

// Reports returns every report of a submission, oldest version first.
func (s *Store) Reports(ctx context.Context, id string) ([]StoredReport, error) {
	var out []StoredReport
	err := s.queryItems(ctx, "reports of "+id, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: subPK(id)},
			":prefix": &types.AttributeValueMemberS{Value: "REPORT#"},
		},
	}, func(item map[string]types.AttributeValue) (bool, error) {
		var r reportItem
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return false, fmt.Errorf("decode report: %w", err)
		}
		parts := strings.Split(r.SK, "#") // REPORT#00001#dev
		if len(parts) != 3 {
			return true, nil
		}
		v, _ := strconv.Atoi(parts[1])
		out = append(out, StoredReport{Key: r.SK, Version: v, Environment: parts[2], Report: []byte(r.Report)})
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
