package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type externalIDItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	AccountID  string `dynamodbav:"accountId"`
	ExternalID string `dynamodbav:"externalId"`
	CreatedAt  string `dynamodbav:"createdAt"`
}

// ExternalID returns the ExternalId the service uses when it assumes the
// verifier role in a customer account, creating a random one the first
// time. It is not a secret (AWS says so); it is ours, stable per account,
// so a customer deploys the role template once.
func (s *Store) ExternalID(ctx context.Context, accountID string) (string, error) {
	k := key("ACCOUNT#"+accountID, "EXTERNALID")
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("read external id of %s: %w", accountID, err)
	}
	if out.Item != nil {
		var it externalIDItem
		if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
			return "", fmt.Errorf("decode external id: %w", err)
		}
		return it.ExternalID, nil
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	it := externalIDItem{PK: "ACCOUNT#" + accountID, SK: "EXTERNALID", AccountID: accountID,
		ExternalID: "intake-" + hex.EncodeToString(b[:]), CreatedAt: stamp(time.Now())}
	item, err := marshal(it)
	if err != nil {
		return "", err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Another request created it first: use theirs.
		return s.ExternalID(ctx, accountID)
	}
	if err != nil {
		return "", fmt.Errorf("create external id of %s: %w", accountID, err)
	}
	return it.ExternalID, nil
}
