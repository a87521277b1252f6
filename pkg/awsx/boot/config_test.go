package boot

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// lambdaEnv is what Lambda (or the local stack) sets, and no shared config
// file, so that config.LoadDefaultConfig reads the environment only.
func lambdaEnv(t *testing.T, extra map[string]string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ACCOUNT_ID": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_DYNAMODB": "",
		"AWS_ENDPOINT_URL_SFN": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "", "AWS_SDK_UA_APP_ID": "", "AWS_MAX_ATTEMPTS": "",
		"AWS_RETRY_MODE": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": t.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
	} {
		t.Setenv(k, v)
	}
	for k, v := range extra {
		t.Setenv(k, v)
	}
}

// endpoints are the base endpoints three clients of cfg resolve.
func endpoints(cfg aws.Config) [3]string {
	return [3]string{aws.ToString(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint),
		aws.ToString(sfn.NewFromConfig(cfg).Options().BaseEndpoint),
		aws.ToString(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint)}
}

func TestConfigReadsTheEnvironmentAsLoadDefaultConfigDoes(t *testing.T) {
	cases := map[string]map[string]string{
		"lambda":           {},
		"local stack":      {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_SDK_UA_APP_ID": "notify", "AWS_SESSION_TOKEN": ""},
		"service endpoint": {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9000"},
		"only a service":   {"AWS_ENDPOINT_URL_SFN": "http://127.0.0.1:9001", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:9002"},
		"ignored":          {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SFN": "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
		"retries":          {"AWS_MAX_ATTEMPTS": "5", "AWS_RETRY_MODE": "adaptive", "AWS_ACCOUNT_ID": "123456789012"},
		"default region":   {"AWS_REGION": "", "AWS_DEFAULT_REGION": "ap-south-1"},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			lambdaEnv(t, extra)
			want, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := Config(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got.Region != want.Region || got.AppID != want.AppID || aws.ToString(got.BaseEndpoint) != aws.ToString(want.BaseEndpoint) ||
				got.RetryMaxAttempts != want.RetryMaxAttempts || got.RetryMode != want.RetryMode {
				t.Errorf("got region %q app %q endpoint %q retries %d/%q; LoadDefaultConfig: %q %q %q %d/%q",
					got.Region, got.AppID, aws.ToString(got.BaseEndpoint), got.RetryMaxAttempts, got.RetryMode,
					want.Region, want.AppID, aws.ToString(want.BaseEndpoint), want.RetryMaxAttempts, want.RetryMode)
			}
			gc, err := got.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wc, err := want.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if gc.AccessKeyID != wc.AccessKeyID || gc.SecretAccessKey != wc.SecretAccessKey || gc.SessionToken != wc.SessionToken ||
				gc.AccountID != wc.AccountID || gc.Source != wc.Source {
				t.Errorf("credentials differ: got %+v, LoadDefaultConfig %+v", gc, wc)
			}
			if g, w := endpoints(got), endpoints(want); g != w {
				t.Errorf("client endpoints: got %q, LoadDefaultConfig %q", g, w)
			}
		})
	}
}

func TestConfigNeedsCredentialsInTheEnvironment(t *testing.T) {
	lambdaEnv(t, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
	if _, err := Config(context.Background()); err == nil {
		t.Fatal("Config without credentials in the environment succeeded")
	}
	lambdaEnv(t, map[string]string{"AWS_MAX_ATTEMPTS": "many"})
	if _, err := Config(context.Background()); err == nil {
		t.Fatal("Config with AWS_MAX_ATTEMPTS=many succeeded")
	}
}
