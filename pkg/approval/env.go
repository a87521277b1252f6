package approval

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/store"
)

// FromEnv builds the approval service a function uses from its
// environment: SIGNING_KEY_SECRET_ARN, PUBLIC_BASE_URL and
// APPROVAL_LINK_TTL_HOURS. It makes no AWS call: the configuration is
// checked now (a bad base URL fails the function's init), and the signing
// key is read from Secrets Manager on first use, once per cold start (see
// LazyService).
func FromEnv(ctx context.Context, cfg aws.Config, st *store.Store, log *slog.Logger) (*LazyService, error) {
	return newLazyService(awsx.NewSecretsOps(cfg), os.Getenv("SIGNING_KEY_SECRET_ARN"), awsx.NewSFNOps(cfg), st, st, envConfig(log))
}

func envConfig(log *slog.Logger) Config {
	var ttl time.Duration
	if h, err := strconv.Atoi(os.Getenv("APPROVAL_LINK_TTL_HOURS")); err == nil && h > 0 {
		ttl = time.Duration(h) * time.Hour
	}
	return Config{BaseURL: os.Getenv("PUBLIC_BASE_URL"), LinkTTL: ttl, Logger: log}
}

type secretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// LazyService is the Service whose signing key is read on first use: the
// first Open, Load or Decide reads the secret and builds the Service, and
// the uses after it share that Service until the process ends. A read that
// fails fails that use only (an approval page shows its error page, a gate
// task fails and the workflow retries it) and the next use reads again;
// concurrent first uses read once.
type LazyService struct {
	svc *awsx.Lazy[*Service]
}

func newLazyService(sm secretReader, keyArn string, tasks taskResponder, st approvalStore, subs submissionRecorder, cfg Config) (*LazyService, error) {
	if keyArn == "" {
		return nil, fmt.Errorf("approval signing key: no secret named (SIGNING_KEY_SECRET_ARN)")
	}
	// Check the configuration now, with a throwaway key, so that a wrong
	// base URL fails the function's init rather than its first approval.
	probe := make([]byte, MinKeyLen)
	if _, err := rand.Read(probe); err != nil {
		return nil, err
	}
	signer, err := NewSigner(probe)
	if err != nil {
		return nil, err
	}
	if _, err := New(st, tasks, subs, signer, cfg); err != nil {
		return nil, err
	}
	return &LazyService{svc: awsx.NewLazy(func(ctx context.Context) (*Service, error) {
		key, err := awsx.Secret(ctx, sm, keyArn)
		if err != nil {
			return nil, fmt.Errorf("approval signing key: %w", err)
		}
		signer, err := NewSigner(key)
		if err != nil {
			return nil, fmt.Errorf("approval signing key (secret %s): %w", keyArn, err)
		}
		return New(st, tasks, subs, signer, cfg)
	})}, nil
}

// Open is Service.Open.
func (l *LazyService) Open(ctx context.Context, r OpenRequest) (Link, error) {
	s, err := l.svc.Get(ctx)
	if err != nil {
		return Link{}, err
	}
	return s.Open(ctx, r)
}

// Load is Service.Load.
func (l *LazyService) Load(ctx context.Context, id, exp, sig string) (View, error) {
	s, err := l.svc.Get(ctx)
	if err != nil {
		return View{}, err
	}
	return s.Load(ctx, id, exp, sig)
}

// Decide is Service.Decide.
func (l *LazyService) Decide(ctx context.Context, id, exp, sig string, d Decision) (View, error) {
	s, err := l.svc.Get(ctx)
	if err != nil {
		return View{}, err
	}
	return s.Decide(ctx, id, exp, sig, d)
}
