package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Context keys the app reads (cdk.json "context", `cdk -c key=value`, or the
// CDK_CONTEXT_JSON variable). Every key is optional.
const (
	CtxPMEmail             = "pmEmail"             // project manager's address (notify: PM_EMAIL)
	CtxSenderEmail         = "senderEmail"         // verified SES sender (notify: SENDER_EMAIL); empty = email disabled
	CtxPublicBaseURL       = "publicBaseUrl"       // e.g. https://intake.example.com; empty = the API's own URL
	CtxLambdaAssetDir      = "lambdaAssetDir"      // holds <name>/bootstrap per function
	CtxApprovalTimeoutDays = "approvalTimeoutDays" // approval gate timeout (not wired yet)
	CtxCorsOrigin          = "corsOrigin"          // browser origin allowed to call the API; empty = no CORS
	CtxServiceAccountID    = "serviceAccountId"    // default of the verifier role template's ServiceAccountId parameter
)

// Defaults for the context keys.
const (
	DefaultLambdaAssetDir      = ".build/lambda"
	DefaultApprovalTimeoutDays = 7
)

// Config is the app's resolved context.
type Config struct {
	PMEmail             string
	SenderEmail         string
	PublicBaseURL       string
	LambdaAssetDir      string
	ApprovalTimeoutDays int
	CorsOrigin          string
	// ServiceAccountID pre-fills the verifier role template's
	// ServiceAccountId parameter; empty means the customer must supply it.
	ServiceAccountID string
}

// ConfigFromContext reads and validates the context of node (normally the
// App's), applying the defaults. Every problem is reported at once.
func ConfigFromContext(node constructs.Node) (Config, error) {
	return configFrom(func(key string) interface{} { return node.TryGetContext(&key) })
}

// configFrom is ConfigFromContext over any lookup (nil = not set).
func configFrom(lookup func(key string) interface{}) (Config, error) {
	get := func(key string) string {
		v := lookup(key)
		if v == nil {
			return ""
		}
		switch t := v.(type) {
		case string:
			return strings.TrimSpace(t)
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64)
		default:
			return strings.TrimSpace(fmt.Sprint(t))
		}
	}
	cfg := Config{
		PMEmail:          get(CtxPMEmail),
		SenderEmail:      get(CtxSenderEmail),
		PublicBaseURL:    strings.TrimRight(get(CtxPublicBaseURL), "/"),
		LambdaAssetDir:   get(CtxLambdaAssetDir),
		CorsOrigin:       get(CtxCorsOrigin),
		ServiceAccountID: get(CtxServiceAccountID),
	}
	var problems []string
	if cfg.LambdaAssetDir == "" {
		cfg.LambdaAssetDir = DefaultLambdaAssetDir
	}
	cfg.ApprovalTimeoutDays = DefaultApprovalTimeoutDays
	if s := get(CtxApprovalTimeoutDays); s != "" {
		n, err := strconv.Atoi(s)
		// A task token wait can last at most a year (the execution limit).
		if err != nil || n < 1 || n > 365 {
			problems = append(problems, fmt.Sprintf("%s: want a whole number of days from 1 to 365, got %q", CtxApprovalTimeoutDays, s))
		} else {
			cfg.ApprovalTimeoutDays = n
		}
	}
	for key, v := range map[string]string{CtxPMEmail: cfg.PMEmail, CtxSenderEmail: cfg.SenderEmail} {
		if v == "" {
			continue
		}
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			problems = append(problems, fmt.Sprintf("%s: want a bare email address like name@example.com, got %q", key, v))
		}
	}
	for key, v := range map[string]string{CtxPublicBaseURL: cfg.PublicBaseURL, CtxCorsOrigin: cfg.CorsOrigin} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("%s: want an absolute http(s) URL like https://intake.example.com, got %q", key, v))
		}
	}
	if cfg.CorsOrigin != "" {
		if u, err := url.Parse(cfg.CorsOrigin); err == nil && u.Path != "" && u.Path != "/" {
			problems = append(problems, fmt.Sprintf("%s: an origin has no path, got %q", CtxCorsOrigin, cfg.CorsOrigin))
		}
		cfg.CorsOrigin = strings.TrimRight(cfg.CorsOrigin, "/")
	}
	if cfg.ServiceAccountID != "" && !isAccountID(cfg.ServiceAccountID) {
		problems = append(problems, fmt.Sprintf("%s: want a 12-digit AWS account id, got %q", CtxServiceAccountID, cfg.ServiceAccountID))
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Config{}, fmt.Errorf("invalid CDK context:\n  %s", strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
