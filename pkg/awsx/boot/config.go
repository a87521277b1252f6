package boot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// Config builds the AWS configuration from the environment, as Lambda (and
// the local stack) sets it:
//
//   - region: AWS_REGION, else AWS_DEFAULT_REGION;
//   - credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN (and AWS_ACCOUNT_ID), required;
//   - endpoints: AWS_ENDPOINT_URL for every client and
//     AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB) for one,
//     unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true;
//   - AWS_SDK_UA_APP_ID, AWS_MAX_ATTEMPTS and AWS_RETRY_MODE.
//
// It reads these the way config.LoadDefaultConfig does (the tests compare
// the two), but it is not config.LoadDefaultConfig: that one also knows
// shared config files, SSO, web identity, container and IMDS credentials,
// and linking them puts four more SDK service clients (STS, SSO, SSO OIDC,
// Sign-In) into every function — about 1 MB in each bootstrap, 2 MB in
// intake's. A Lambda function's credentials are always in its environment,
// so the functions load only that.
func Config(ctx context.Context) (aws.Config, error) {
	return configFrom(os.Getenv)
}

func configFrom(getenv func(string) string) (aws.Config, error) {
	key := cmpOr(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_ACCESS_KEY"))
	secret := cmpOr(getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SECRET_KEY"))
	if key == "" || secret == "" {
		return aws.Config{}, errors.New("load AWS config: no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as Lambda sets them)")
	}
	creds := credentials.StaticCredentialsProvider{Value: aws.Credentials{
		AccessKeyID:     key,
		SecretAccessKey: secret,
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		AccountID:       getenv("AWS_ACCOUNT_ID"),
		Source:          "EnvConfigCredentials",
	}}
	cfg := aws.Config{
		Region:      cmpOr(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Credentials: aws.NewCredentialsCache(creds),
		Logger:      logging.NewStandardLogger(os.Stderr),
		AppID:       getenv("AWS_SDK_UA_APP_ID"),
	}
	if v := strings.TrimSpace(getenv("AWS_MAX_ATTEMPTS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS config: AWS_MAX_ATTEMPTS %q is not a number", v)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := strings.TrimSpace(getenv("AWS_RETRY_MODE")); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS config: AWS_RETRY_MODE: %w", err)
		}
		cfg.RetryMode = mode
	}
	if ignore, _ := strconv.ParseBool(strings.TrimSpace(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))); !ignore {
		if u := getenv("AWS_ENDPOINT_URL"); u != "" {
			cfg.BaseEndpoint = aws.String(u)
		}
		// Each client asks its config sources for its own endpoint.
		cfg.ConfigSources = []any{envEndpoints{getenv}}
	}
	return cfg, nil
}

// envEndpoints answers a client's question for its service's endpoint
// (AWS_ENDPOINT_URL_<SDK ID, upper case, spaces as underscores>), the
// interface the SDK's clients look for among aws.Config.ConfigSources.
type envEndpoints struct{ getenv func(string) string }

func (e envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if v := e.getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
