package awsx

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Clients reduced to the operations the functions call: see
// boot.DynamoDBOps for why.

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
