// Package awsx holds what functions that call Step Functions or Secrets
// Manager share: those clients reduced to the operations a function calls,
// reading a secret, and values (secrets) loaded on first use.
//
// The start-up every function needs (Boot, Logger, MustEnv, Must, Config,
// DynamoDB and DynamoDBOps) lives in pkg/awsx/boot, which links no AWS
// service but DynamoDB, so a function that calls neither of the two
// services here (verify, health) saves their SDK packages (about 200 KB).
package awsx

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type secretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Secret reads a secret's string value. It is never logged: functions read
// it on first use through a Lazy, which keeps it for the cold start.
func Secret(ctx context.Context, sm secretReader, arn string) ([]byte, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", arn, err)
	}
	if out.SecretString != nil {
		return []byte(*out.SecretString), nil
	}
	if len(out.SecretBinary) > 0 {
		return out.SecretBinary, nil
	}
	return nil, fmt.Errorf("secret %s is empty", arn)
}
