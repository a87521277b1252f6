package approval

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/store"
)

// FromEnv builds the Service a function uses from its environment:
// SIGNING_KEY_SECRET_ARN (read once, at cold start), PUBLIC_BASE_URL and
// APPROVAL_LINK_TTL_HOURS.
func FromEnv(ctx context.Context, cfg aws.Config, st *store.Store, log *slog.Logger) (*Service, error) {
	key, err := awsx.Secret(ctx, secretsmanager.NewFromConfig(cfg), os.Getenv("SIGNING_KEY_SECRET_ARN"))
	if err != nil {
		return nil, fmt.Errorf("approval signing key: %w", err)
	}
	signer, err := NewSigner(key)
	if err != nil {
		return nil, err
	}
	var ttl time.Duration
	if h, err := strconv.Atoi(os.Getenv("APPROVAL_LINK_TTL_HOURS")); err == nil && h > 0 {
		ttl = time.Duration(h) * time.Hour
	}
	return New(st, sfn.NewFromConfig(cfg), st, signer, Config{BaseURL: os.Getenv("PUBLIC_BASE_URL"), LinkTTL: ttl, Logger: log})
}
