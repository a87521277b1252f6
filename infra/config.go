package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Context keys the app reads (cdk.json "context", `cdk -c key=value`, or the
// CDK_CONTEXT_JSON variable). Every key is optional.
const (
	CtxPMEmail                = "pmEmail"                // project manager's address (notify: PM_EMAIL)
	CtxSenderEmail            = "senderEmail"            // verified SES sender (notify: SENDER_EMAIL); empty = email disabled
	CtxPublicBaseURL          = "publicBaseUrl"          // e.g. https://intake.example.com; empty = the API's own URL
	CtxLambdaAssetDir         = "lambdaAssetDir"         // holds <name>/bootstrap per function
	CtxApprovalTimeoutDays    = "approvalTimeoutDays"    // how long the PM has to decide an approval gate
	CtxApprovalReminderDays   = "approvalReminderDays"   // the reminder goes out this long before the approval expires
	CtxDeployTimeoutDays      = "deployTimeoutDays"      // how long a deployment confirmation may take
	CtxHealthIntervalSeconds  = "healthIntervalSeconds"  // pause between two health checks of an environment
	CtxHealthWindowMinutes    = "healthWindowMinutes"    // how long an environment may take to become healthy
	CtxHealthCheckURLTemplate = "healthCheckUrlTemplate" // URL checked after a deployment; {host} = the manage hostname
	CtxCorsOrigin             = "corsOrigin"             // browser origin allowed to call the API; empty = no CORS
	CtxServiceAccountID       = "serviceAccountId"       // default of the verifier role template's ServiceAccountId parameter
	CtxSlackWebhookSecretArn  = "slackWebhookSecretArn"  // complete ARN of the secret holding the Slack incoming-webhook URL; empty = no Slack
	CtxCustomerEmails         = "customerEmails"         // true (default): changes-requested also emails the customer's contacts of the affected teams
	CtxAlarmEmail             = "alarmEmail"             // operator address subscribed to the alarm topic; empty = no subscription
)

// ContextKeys lists every context key the app reads.
var ContextKeys = []string{
	CtxPMEmail, CtxSenderEmail, CtxPublicBaseURL, CtxLambdaAssetDir,
	CtxApprovalTimeoutDays, CtxApprovalReminderDays, CtxDeployTimeoutDays,
	CtxHealthIntervalSeconds, CtxHealthWindowMinutes, CtxHealthCheckURLTemplate,
	CtxCorsOrigin, CtxServiceAccountID, CtxSlackWebhookSecretArn, CtxCustomerEmails,
	CtxAlarmEmail,
}

// Defaults for the context keys. The timings are workflow.DefaultSettings().
const (
	DefaultLambdaAssetDir         = ".build/lambda"
	DefaultApprovalTimeoutDays    = 7
	DefaultApprovalReminderDays   = 2
	DefaultDeployTimeoutDays      = 14
	DefaultHealthIntervalSeconds  = 60
	DefaultHealthWindowMinutes    = 30
	DefaultHealthCheckURLTemplate = "https://{host}/testall"
)

// HostPlaceholder is replaced by the appliance's manage hostname in the
// health-check URL template.
const HostPlaceholder = "{host}"

// MaxHealthAttempts bounds the health-check loop of one environment: each
// attempt adds about ten events to the execution history, which Step
// Functions caps at 25,000 events per execution (two environments).
const MaxHealthAttempts = 500

// Config is the app's resolved context.
type Config struct {
	PMEmail        string
	SenderEmail    string
	PublicBaseURL  string
	LambdaAssetDir string
	// Workflow timings (see workflow.Settings).
	ApprovalTimeoutDays   int
	ApprovalReminderDays  int
	DeployTimeoutDays     int
	HealthIntervalSeconds int
	HealthWindowMinutes   int
	// HealthCheckURLTemplate is the health function's
	// HEALTHCHECK_URL_TEMPLATE; it contains {host}.
	HealthCheckURLTemplate string
	// CorsOrigin is the one browser origin (scheme://host[:port], https
	// unless the host is localhost) allowed to call the API; empty = none.
	CorsOrigin string
	// ServiceAccountID pre-fills the verifier role template's
	// ServiceAccountId parameter; empty means the customer must supply it.
	ServiceAccountID string
	// SlackWebhookSecretArn is the complete ARN of an existing secret
	// holding the Slack incoming-webhook URL (notify reads it at cold
	// start); empty turns Slack off. The URL itself never enters the app.
	SlackWebhookSecretArn string
	// CustomerEmails: changes-requested also goes to the customer's
	// contacts for the affected teams (default true).
	CustomerEmails bool
	// AlarmEmail is subscribed (by email, after the recipient confirms)
	// to the alarm topic; empty = the topic has no subscription.
	AlarmEmail string
}

// secretArnPattern is a complete Secrets Manager ARN: with the six
// characters Secrets Manager appends to the name.
var secretArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)

// WorkflowSettings are the workflow timings of the configuration; the
// function ARNs are left for NewWorkflow to fill in.
func (c Config) WorkflowSettings() workflow.Settings {
	const day = 24 * time.Hour
	return workflow.Settings{
		ApprovalTimeout:  time.Duration(c.ApprovalTimeoutDays) * day,
		ApprovalReminder: time.Duration(c.ApprovalReminderDays) * day,
		DeployTimeout:    time.Duration(c.DeployTimeoutDays) * day,
		HealthInterval:   time.Duration(c.HealthIntervalSeconds) * time.Second,
		HealthWindow:     time.Duration(c.HealthWindowMinutes) * time.Minute,
	}
}

// ApprovalLinkTTLHours is how long a signed approval link stays valid: the
// whole approval gate (the reminder re-issues the same link) plus a day.
func (c Config) ApprovalLinkTTLHours() int { return (c.ApprovalTimeoutDays + 1) * 24 }

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
		PMEmail:                get(CtxPMEmail),
		SenderEmail:            get(CtxSenderEmail),
		PublicBaseURL:          strings.TrimRight(get(CtxPublicBaseURL), "/"),
		LambdaAssetDir:         get(CtxLambdaAssetDir),
		HealthCheckURLTemplate: get(CtxHealthCheckURLTemplate),
		CorsOrigin:             get(CtxCorsOrigin),
		ServiceAccountID:       get(CtxServiceAccountID),
		SlackWebhookSecretArn:  get(CtxSlackWebhookSecretArn),
		AlarmEmail:             get(CtxAlarmEmail),
		CustomerEmails:         true,
	}
	var problems []string
	if cfg.LambdaAssetDir == "" {
		cfg.LambdaAssetDir = DefaultLambdaAssetDir
	}

	// Whole numbers within [lo, hi]; a bad value keeps the default so the
	// checks between keys below do not report it a second time.
	timingsOK := true
	number := func(key string, def, lo, hi int, unit string) int {
		s := get(key)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			problems = append(problems, fmt.Sprintf("%s: want a whole number of %s from %d to %d, got %q", key, unit, lo, hi, s))
			timingsOK = false
			return def
		}
		return n
	}
	// A task token wait can last at most a year (the execution limit).
	cfg.ApprovalTimeoutDays = number(CtxApprovalTimeoutDays, DefaultApprovalTimeoutDays, 1, 365, "days")
	cfg.ApprovalReminderDays = number(CtxApprovalReminderDays, DefaultApprovalReminderDays, 1, 364, "days")
	cfg.DeployTimeoutDays = number(CtxDeployTimeoutDays, DefaultDeployTimeoutDays, 1, 365, "days")
	cfg.HealthIntervalSeconds = number(CtxHealthIntervalSeconds, DefaultHealthIntervalSeconds, 1, 3600, "seconds")
	cfg.HealthWindowMinutes = number(CtxHealthWindowMinutes, DefaultHealthWindowMinutes, 1, 7*24*60, "minutes")
	if timingsOK {
		if cfg.ApprovalReminderDays >= cfg.ApprovalTimeoutDays {
			problems = append(problems, fmt.Sprintf("%s: the reminder (%d days before expiry) must come after the approval is requested, so it must be less than %s (%d)",
				CtxApprovalReminderDays, cfg.ApprovalReminderDays, CtxApprovalTimeoutDays, cfg.ApprovalTimeoutDays))
			timingsOK = false
		}
		if cfg.HealthWindowMinutes*60 < cfg.HealthIntervalSeconds {
			problems = append(problems, fmt.Sprintf("%s: the window (%d min) must be at least one %s (%d s)",
				CtxHealthWindowMinutes, cfg.HealthWindowMinutes, CtxHealthIntervalSeconds, cfg.HealthIntervalSeconds))
			timingsOK = false
		} else if n := cfg.HealthWindowMinutes*60/cfg.HealthIntervalSeconds + 1; n > MaxHealthAttempts {
			problems = append(problems, fmt.Sprintf("%s / %s: %d min every %d s is %d checks per environment; at most %d keep an execution within Step Functions' 25,000-event history",
				CtxHealthWindowMinutes, CtxHealthIntervalSeconds, cfg.HealthWindowMinutes, cfg.HealthIntervalSeconds, n, MaxHealthAttempts))
			timingsOK = false
		}
	}
	if timingsOK {
		// The workflow's own rules (e.g. all gates within an execution's year).
		s := cfg.WorkflowSettings()
		s.VerifyFunctionArn, s.NotifyFunctionArn, s.HealthFunctionArn = "verify", "notify", "health"
		if err := s.Validate(); err != nil {
			problems = append(problems, fmt.Sprintf("%s, %s, %s, %s, %s: %s", CtxApprovalTimeoutDays, CtxApprovalReminderDays,
				CtxDeployTimeoutDays, CtxHealthIntervalSeconds, CtxHealthWindowMinutes, strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}

	if cfg.HealthCheckURLTemplate == "" {
		cfg.HealthCheckURLTemplate = DefaultHealthCheckURLTemplate
	} else if !strings.Contains(cfg.HealthCheckURLTemplate, HostPlaceholder) {
		problems = append(problems, fmt.Sprintf("%s: must contain %s (the appliance's manage hostname), like %s, got %q",
			CtxHealthCheckURLTemplate, HostPlaceholder, DefaultHealthCheckURLTemplate, cfg.HealthCheckURLTemplate))
	} else if u, err := url.Parse(strings.ReplaceAll(cfg.HealthCheckURLTemplate, HostPlaceholder, "appliance.example.com")); err != nil ||
		(u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("%s: want an absolute http(s) URL like %s, got %q",
			CtxHealthCheckURLTemplate, DefaultHealthCheckURLTemplate, cfg.HealthCheckURLTemplate))
	}

	for key, v := range map[string]string{CtxPMEmail: cfg.PMEmail, CtxSenderEmail: cfg.SenderEmail, CtxAlarmEmail: cfg.AlarmEmail} {
		if v == "" {
			continue
		}
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			problems = append(problems, fmt.Sprintf("%s: want a bare email address like name@example.com, got %q", key, v))
		}
	}
	if v := cfg.PublicBaseURL; v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("%s: want an absolute http(s) URL like https://intake.example.com, got %q", CtxPublicBaseURL, v))
		}
	}
	if cfg.CorsOrigin != "" {
		origin, problem := corsOrigin(cfg.CorsOrigin)
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%s: want one bare origin like https://portal.example.com "+
				"(https, no path, query or wildcard; http only for localhost), got %q: %s", CtxCorsOrigin, cfg.CorsOrigin, problem))
		}
		cfg.CorsOrigin = origin
	}
	if cfg.ServiceAccountID != "" && !isAccountID(cfg.ServiceAccountID) {
		problems = append(problems, fmt.Sprintf("%s: want a 12-digit AWS account id, got %q", CtxServiceAccountID, cfg.ServiceAccountID))
	}
	if v := cfg.SlackWebhookSecretArn; v != "" && !secretArnPattern.MatchString(v) {
		got := fmt.Sprintf("%q", v)
		if !strings.HasPrefix(v, "arn:") {
			got = "something else (not quoted: it may be the webhook URL itself, which belongs in the secret, not in the context)"
		}
		problems = append(problems, fmt.Sprintf("%s: want the complete ARN of a Secrets Manager secret (with its 6-character suffix), like "+
			"arn:aws:secretsmanager:us-east-1:123456789012:secret:appliance-intake/slack-AbCdEf, got %s", CtxSlackWebhookSecretArn, got))
	}
	switch v := strings.ToLower(get(CtxCustomerEmails)); v {
	case "", "true", "on", "yes":
	case "false", "off", "no":
		cfg.CustomerEmails = false
	default:
		problems = append(problems, fmt.Sprintf("%s: want true or false, got %q", CtxCustomerEmails, v))
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Config{}, fmt.Errorf("invalid CDK context:\n  %s", strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

// corsOrigin checks that v is one bare browser origin, scheme://host[:port]
// as a browser sends it in the Origin header, and returns it normalized
// (lower case, no trailing slash), or says what is wrong with it. Only
// https is allowed, except http for the local machine (a dev server).
func corsOrigin(v string) (string, string) {
	if strings.Contains(v, "*") {
		return "", "a wildcard would let any site call the API from its visitors' browsers"
	}
	if strings.ContainsAny(v, ", \t") {
		return "", "only one origin is allowed"
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "", err.Error()
	case u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return "", "not an absolute URL"
	case u.User != nil:
		return "", "an origin has no user information"
	case u.Path != "" && u.Path != "/":
		return "", "an origin has no path"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#"):
		return "", "an origin has no query or fragment"
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	local := host == "localhost" || host == "127.0.0.1" || host == "::1"
	switch {
	case scheme == "http" && !local:
		return "", "http is allowed only for localhost; use https"
	case scheme != "https" && scheme != "http":
		return "", "the scheme must be https"
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Sprintf("bad port %q", p)
		}
	}
	return scheme + "://" + strings.ToLower(u.Host), ""
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
