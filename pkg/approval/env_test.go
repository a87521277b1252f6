package approval

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/store"
)

const testKey = "0123456789abcdef0123456789abcdef-signing-key"

// countingSecrets is a Secrets Manager that counts reads; fail makes the
// first failures reads fail, block holds every read until it is closed.
type countingSecrets struct {
	value string
	reads atomic.Int32
	fail  int32
	block chan struct{}
}

func (c *countingSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	n := c.reads.Add(1)
	if c.block != nil {
		<-c.block
	}
	if n <= c.fail {
		return nil, errors.New("AccessDeniedException: not allowed")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(c.value)}, nil
}

type noTasks struct{}

func (noTasks) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return nil, errors.New("not used")
}

func lazyForTest(t *testing.T, sm secretReader) *LazyService {
	t.Helper()
	st := store.New(nil, "unused") // the calls below never reach the store
	l, err := newLazyService(sm, "arn:aws:secretsmanager:eu-west-1:1:secret:signing", noTasks{}, st, st,
		Config{BaseURL: "https://intake.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// badLink loads an approval with a forged signature: ErrBadSignature
// proves the key was loaded (the signature is checked before any lookup).
func badLink(l *LazyService) error {
	_, err := l.Load(context.Background(), "apv-1", "4102444800", "forged")
	return err
}

func TestSigningKeyIsReadOnFirstUseOnce(t *testing.T) {
	sm := &countingSecrets{value: testKey}
	l := lazyForTest(t, sm)
	if n := sm.reads.Load(); n != 0 {
		t.Fatalf("building the service read the key %d times; it must wait for the first use", n)
	}
	for range 3 {
		if err := badLink(l); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Load of a forged link: %v, want ErrBadSignature", err)
		}
	}
	if _, err := l.Decide(context.Background(), "apv-1", "4102444800", "forged", Decision{}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Decide of a forged link: %v", err)
	}
	if n := sm.reads.Load(); n != 1 {
		t.Fatalf("the key was read %d times, want once per cold start", n)
	}
}

func TestUnreadableSigningKeyFailsTheUseAndIsReadAgain(t *testing.T) {
	sm := &countingSecrets{value: testKey, fail: 2}
	l := lazyForTest(t, sm)
	err := badLink(l)
	if err == nil || errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "approval signing key") {
		t.Fatalf("Load with an unreadable key: %v", err)
	}
	if _, err := l.Open(context.Background(), OpenRequest{}); err == nil {
		t.Fatal("Open succeeded after the key read failed")
	}
	if n := sm.reads.Load(); n != 2 {
		t.Fatalf("reads = %d, want 2: a failed read is not kept", n)
	}
	if err := badLink(l); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("after the secret became readable: %v", err)
	}
	badLink(l)
	if n := sm.reads.Load(); n != 3 {
		t.Fatalf("reads = %d, want 3 (the successful read is kept)", n)
	}
}

func TestShortSigningKeyIsAnErrorThatDoesNotQuoteIt(t *testing.T) {
	sm := &countingSecrets{value: "short-secret-value"}
	err := badLink(lazyForTest(t, sm))
	if err == nil || strings.Contains(err.Error(), sm.value) {
		t.Fatalf("a too-short key: %v", err)
	}
}

func TestConcurrentFirstUsesReadTheSigningKeyOnce(t *testing.T) {
	sm := &countingSecrets{value: testKey, block: make(chan struct{})}
	l := lazyForTest(t, sm)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- badLink(l) }()
	}
	for deadline := time.Now().Add(5 * time.Second); sm.reads.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(sm.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrBadSignature) {
			t.Fatalf("a concurrent first use got %v", err)
		}
	}
	if n := sm.reads.Load(); n != 1 {
		t.Fatalf("16 concurrent first uses read the key %d times, want 1", n)
	}
}

// TestFromEnvMakesNoAWSCallAtInit builds the service from the environment
// against a Secrets Manager endpoint that counts requests: none at init,
// one at the first use, none after.
func TestFromEnvMakesNoAWSCallAtInit(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.Copy(io.Discard, r.Body)
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetSecretValue") {
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"ARN":"arn:aws:secretsmanager:eu-west-1:1:secret:signing","SecretString":"`+testKey+`"}`)
	}))
	defer srv.Close()
	t.Setenv("SIGNING_KEY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:signing")
	t.Setenv("PUBLIC_BASE_URL", "https://intake.example.com")
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		})}
	l, err := FromEnv(context.Background(), cfg, store.New(boot.NewDynamoDBOps(cfg), "table"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("FromEnv made %d AWS requests; init must make none", n)
	}
	for range 2 {
		if err := badLink(l); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("Load: %v", err)
		}
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d requests after two uses, want the one secret read", n)
	}

	t.Setenv("PUBLIC_BASE_URL", "ftp://nowhere")
	if _, err := FromEnv(context.Background(), cfg, store.New(nil, "table"), nil); err == nil {
		t.Fatal("FromEnv accepted a base URL that is not http(s): configuration errors must still fail the init")
	}
}
