package awsx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Clients reduced to the operations the functions call.
//
// Why: a *dynamodb.Client (or *sfn.Client) put in an interface keeps,
// once anything in the binary can call methods by name through reflection
// (text/template and html/template can: the intake function renders its
// pages with them), every exported method of the client in the binary —
// every operation of the service with its serializers, about 1.3 MB for
// DynamoDB and 1 MB for Step Functions. Even a wrapper struct holding the
// client would not help (reflection reaches fields). These hold only
// closures over the methods they offer, so only those are linked. A
// function that can do without templates loses nothing by using them.
//
// When pkg/store's DB (or another consumer's interface) gains an
// operation, add it here.

// DynamoDBOps is DynamoDB reduced to what pkg/store calls (store.DB).
type DynamoDBOps struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// NewDynamoDBOps returns the operations of DynamoDB(cfg).
func NewDynamoDBOps(cfg aws.Config) DynamoDBOps {
	c := DynamoDB(cfg)
	return DynamoDBOps{getItem: c.GetItem, putItem: c.PutItem, updateItem: c.UpdateItem, deleteItem: c.DeleteItem,
		query: c.Query, transactWriteItems: c.TransactWriteItems}
}

func (d DynamoDBOps) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return d.getItem(ctx, in, optFns...)
}

func (d DynamoDBOps) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return d.putItem(ctx, in, optFns...)
}

func (d DynamoDBOps) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return d.updateItem(ctx, in, optFns...)
}

func (d DynamoDBOps) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return d.deleteItem(ctx, in, optFns...)
}

func (d DynamoDBOps) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return d.query(ctx, in, optFns...)
}

func (d DynamoDBOps) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return d.transactWriteItems(ctx, in, optFns...)
}

// SFNOps is Step Functions reduced to starting an execution (intake) and
// answering a task token (approvals).
type SFNOps struct {
	startExecution  func(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	sendTaskSuccess func(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

// NewSFNOps returns the operations of a Step Functions client of cfg.
func NewSFNOps(cfg aws.Config) SFNOps {
	c := sfn.NewFromConfig(cfg)
	return SFNOps{startExecution: c.StartExecution, sendTaskSuccess: c.SendTaskSuccess}
}

func (s SFNOps) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return s.startExecution(ctx, in, optFns...)
}

func (s SFNOps) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return s.sendTaskSuccess(ctx, in, optFns...)
}

// SecretsOps is Secrets Manager reduced to reading a secret's value.
type SecretsOps struct {
	getSecretValue func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// NewSecretsOps returns the operations of a Secrets Manager client of cfg.
func NewSecretsOps(cfg aws.Config) SecretsOps {
	return SecretsOps{getSecretValue: secretsmanager.NewFromConfig(cfg).GetSecretValue}
}

func (s SecretsOps) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return s.getSecretValue(ctx, in, optFns...)
}
