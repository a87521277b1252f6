// Package boot is what every function's start needs: the JSON logger,
// required environment variables, the AWS configuration from the
// environment, and the submission table's DynamoDB client reduced to the
// operations pkg/store calls.
//
// It links no other AWS service. Each SDK service package costs its whole
// generated schema set (package-level variables built at init, which the
// linker cannot drop) as soon as it is imported, used or not: Step
// Functions and Secrets Manager, which pkg/awsx also offers, cost about
// 200 KB in a function that never calls them. A function that needs
// neither (verify, health) imports this package rather than pkg/awsx.
package boot

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Logger returns a JSON logger at LOG_LEVEL (debug, info, warn, error).
func Logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(os.Getenv("LOG_LEVEL")))); err != nil {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	return log
}

// MustEnv returns the named variables, or exits naming every one missing:
// a function without its wiring should fail at start, not on first use.
func MustEnv(log *slog.Logger, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	var missing []string
	for _, n := range names {
		v := os.Getenv(n)
		if v == "" {
			missing = append(missing, n)
		}
		out[n] = v
	}
	if len(missing) > 0 {
		log.Error("missing required environment variables", "names", missing)
		os.Exit(1)
	}
	return out
}

// DynamoDB returns a DynamoDB client. Against an emulator endpoint
// (AWS_ENDPOINT_URL set) it skips the CRC32 response check, which kumo's
// responses do not carry and which otherwise floods logs with warnings.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	local := os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != ""
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = local })
}

// Boot is every function's start: the JSON logger, the required variables
// and the AWS configuration. Any problem exits, so the Lambda init fails
// visibly instead of the first invocation.
func Boot(names ...string) (*slog.Logger, map[string]string, aws.Config) {
	log := Logger()
	env := MustEnv(log, names...)
	cfg, err := Config(context.Background())
	Must(log, err)
	return log, env, cfg
}

// Must exits when err is set: a function that cannot start should fail
// its init.
func Must(log *slog.Logger, err error) {
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
}
