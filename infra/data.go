package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Table key and TTL attribute names, shared with pkg/store's item layout.
const (
	TablePartitionKey = "pk"
	TableSortKey      = "sk"
	TableTTLAttribute = "expiresAt"
)

// DataProps configures the data construct.
type DataProps struct {
	// RemovalPolicy defaults to RETAIN: submissions and their audit trail
	// outlive the stack.
	RemovalPolicy awscdk.RemovalPolicy
}

// Data is the single DynamoDB table holding submissions, their versions,
// verification reports and the audit trail (single-table design).
type Data struct {
	Scope constructs.Construct
	Table awsdynamodb.Table
}

// NewData creates the table: on-demand, point-in-time recovery, encrypted
// with the AWS managed key, TTL on expiresAt, deletion protection on.
func NewData(scope constructs.Construct, id string, props *DataProps) *Data {
	if props == nil {
		props = &DataProps{}
	}
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	table := awsdynamodb.NewTable(c, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(TablePartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:      &awsdynamodb.Attribute{Name: jsii.String(TableSortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		TimeToLiveAttribute: jsii.String(TableTTLAttribute),
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       removal,
	})
	return &Data{Scope: c, Table: table}
}
