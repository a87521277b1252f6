package boot

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDB reduced to the operations the functions call.
//
// Why: a *dynamodb.Client put in an interface keeps, once anything in the
// binary can call methods by name through reflection (text/template and
// html/template can: the intake function renders its pages with them),
// every exported method of the client in the binary — every operation of
// the service with its serializers, about 1.3 MB. Even a wrapper struct
// holding the client would not help (reflection reaches fields).
// DynamoDBOps holds only closures over the methods it offers, so only
// those are linked. A function that can do without templates loses
// nothing by using it.
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
