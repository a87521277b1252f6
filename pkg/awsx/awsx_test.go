package awsx

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func TestLazyLoadsOnFirstUseOnceAndKeepsTheValue(t *testing.T) {
	var loads atomic.Int32
	l := NewLazy(func(context.Context) (string, error) { loads.Add(1); return "value", nil })
	if n := loads.Load(); n != 0 {
		t.Fatalf("NewLazy loaded %d times; it must wait for the first use", n)
	}
	for range 3 {
		v, err := l.Get(context.Background())
		if err != nil || v != "value" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("loaded %d times, want 1", n)
	}
}

func TestLazyDoesNotKeepAFailedLoad(t *testing.T) {
	var loads atomic.Int32
	denied := errors.New("AccessDeniedException")
	l := NewLazy(func(context.Context) (string, error) {
		if loads.Add(1) == 1 {
			return "", denied
		}
		return "value", nil
	})
	if _, err := l.Get(context.Background()); !errors.Is(err, denied) {
		t.Fatalf("first Get: %v, want the load's error", err)
	}
	if v, err := l.Get(context.Background()); err != nil || v != "value" {
		t.Fatalf("second Get = %q, %v: a failed load must be retried", v, err)
	}
	l.Get(context.Background())
	if n := loads.Load(); n != 2 {
		t.Fatalf("loaded %d times, want 2 (one failure, one success, then kept)", n)
	}
}

func TestLazyConcurrentFirstUsesLoadOnce(t *testing.T) {
	for _, fail := range []bool{false, true} {
		var loads atomic.Int32
		release := make(chan struct{})
		l := NewLazy(func(context.Context) (int, error) {
			loads.Add(1)
			<-release
			if fail {
				return 0, errors.New("throttled")
			}
			return 42, nil
		})
		const users = 32
		var wg sync.WaitGroup
		results := make(chan error, users)
		for range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := l.Get(context.Background())
				if err == nil && v != 42 {
					err = errors.New("wrong value")
				}
				results <- err
			}()
		}
		// Let every user reach Get before the load returns.
		for deadline := time.Now().Add(5 * time.Second); loads.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		close(release)
		wg.Wait()
		close(results)
		for err := range results {
			if fail != (err != nil) {
				t.Fatalf("fail=%v: a user got %v", fail, err)
			}
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("fail=%v: %d concurrent first uses loaded %d times, want 1", fail, users, n)
		}
		if fail {
			// The shared failure is not kept: the next use loads again.
			l.Get(context.Background())
			if n := loads.Load(); n != 2 {
				t.Fatalf("after a failed load, the next use loaded %d times in all, want 2", n)
			}
		}
	}
}

func TestLazyWaiterStopsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	l := NewLazy(func(context.Context) (int, error) { close(started); <-release; return 1, nil })
	go l.Get(context.Background())
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter with a cancelled context got %v", err)
	}
}

func TestLazyPanickingLoadIsNotKept(t *testing.T) {
	var loads atomic.Int32
	l := NewLazy(func(context.Context) (int, error) {
		if loads.Add(1) == 1 {
			panic("boom")
		}
		return 7, nil
	})
	func() {
		defer func() { recover() }()
		l.Get(context.Background())
	}()
	if v, err := l.Get(context.Background()); err != nil || v != 7 {
		t.Fatalf("after a panicking load, Get = %v, %v", v, err)
	}
}

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
