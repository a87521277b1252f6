// Package awsx holds the start-up plumbing every function shares: the JSON
// logger, the AWS configuration, required environment variables, clients
// reduced to the operations a function calls, and values (secrets) loaded
// on first use.
//
// The start-up itself (Boot, Logger, MustEnv, Must, Config, DynamoDB and
// DynamoDBOps) lives in pkg/awsx/boot, which links no AWS service but
// DynamoDB; the names here forward to it. A function that calls neither
// Step Functions nor Secrets Manager imports pkg/awsx/boot directly and
// saves their SDK packages (about 200 KB).
package awsx

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/psaas/appliance-intake/pkg/awsx/boot"
)

// Logger returns a JSON logger at LOG_LEVEL (debug, info, warn, error).
func Logger() *slog.Logger { return boot.Logger() }

// MustEnv returns the named variables, or exits naming every one missing:
// a function without its wiring should fail at start, not on first use.
func MustEnv(log *slog.Logger, names ...string) map[string]string { return boot.MustEnv(log, names...) }

// Config builds the AWS configuration from the environment, as Lambda (and
// the local stack) sets it; see boot.Config.
func Config(ctx context.Context) (aws.Config, error) { return boot.Config(ctx) }

// DynamoDB returns a DynamoDB client; see boot.DynamoDB.
func DynamoDB(cfg aws.Config) *dynamodb.Client { return boot.DynamoDB(cfg) }

// Boot is every function's start: the JSON logger, the required variables
// and the AWS configuration. Any problem exits, so the Lambda init fails
// visibly instead of the first invocation.
func Boot(names ...string) (*slog.Logger, map[string]string, aws.Config) { return boot.Boot(names...) }

// Must exits when err is set: a function that cannot start should fail
// its init.
func Must(log *slog.Logger, err error) { boot.Must(log, err) }

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
