package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := configFrom(func(string) interface{} { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{LambdaAssetDir: ".build/lambda", ApprovalTimeoutDays: 7, ApprovalReminderDays: 2, DeployTimeoutDays: 14,
		HealthIntervalSeconds: 60, HealthWindowMinutes: 30, HealthCheckURLTemplate: "https://{host}/testall", CustomerEmails: true}
	if cfg != want {
		t.Errorf("defaults %+v, want %+v", cfg, want)
	}
	// The defaults are the workflow's production timings.
	if got, want := cfg.WorkflowSettings(), workflow.DefaultSettings(); got != want {
		t.Errorf("default timings %+v, want workflow.DefaultSettings() %+v", got, want)
	}
	if got := cfg.ApprovalLinkTTLHours(); got != 192 {
		t.Errorf("ApprovalLinkTTLHours = %d, want (7+1)*24", got)
	}
}

func TestConfigValues(t *testing.T) {
	ctx := map[string]interface{}{
		CtxPMEmail: "pm@example.com", CtxSenderEmail: "noreply@example.com",
		CtxPublicBaseURL: "https://intake.example.com/", CtxLambdaAssetDir: "/tmp/x",
		CtxApprovalTimeoutDays: 14.0, CtxApprovalReminderDays: 3.0, CtxDeployTimeoutDays: 21.0,
		CtxHealthIntervalSeconds: 30.0, CtxHealthWindowMinutes: 45.0,
		CtxHealthCheckURLTemplate: "http://127.0.0.1:8080/dev/appliance/{host}/testall",
		CtxCorsOrigin:             "https://portal.example.com",
		CtxServiceAccountID:       "123456789012",
		CtxSlackWebhookSecretArn:  "arn:aws:secretsmanager:us-east-1:123456789012:secret:intake/slack-a1B2c3",
		CtxCustomerEmails:         "off", // as `cdk -c customerEmails=off` passes it
		CtxAlarmEmail:             "ops@example.com",
	}
	cfg, err := configFrom(func(k string) interface{} { return ctx[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{PMEmail: "pm@example.com", SenderEmail: "noreply@example.com",
		PublicBaseURL: "https://intake.example.com", LambdaAssetDir: "/tmp/x",
		ApprovalTimeoutDays: 14, ApprovalReminderDays: 3, DeployTimeoutDays: 21,
		HealthIntervalSeconds: 30, HealthWindowMinutes: 45,
		HealthCheckURLTemplate: "http://127.0.0.1:8080/dev/appliance/{host}/testall",
		CorsOrigin:             "https://portal.example.com", ServiceAccountID: "123456789012",
		SlackWebhookSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:intake/slack-a1B2c3", CustomerEmails: false,
		AlarmEmail: "ops@example.com"}
	if cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	wantSettings := workflow.Settings{ApprovalTimeout: 14 * 24 * time.Hour, ApprovalReminder: 3 * 24 * time.Hour,
		DeployTimeout: 21 * 24 * time.Hour, HealthInterval: 30 * time.Second, HealthWindow: 45 * time.Minute}
	if got := cfg.WorkflowSettings(); got != wantSettings {
		t.Errorf("WorkflowSettings() = %+v, want %+v", got, wantSettings)
	}
	if got := cfg.ApprovalLinkTTLHours(); got != 360 {
		t.Errorf("ApprovalLinkTTLHours = %d, want (14+1)*24", got)
	}
	// `cdk -c approvalTimeoutDays=3` passes a string.
	cfg, err = configFrom(func(k string) interface{} {
		switch k {
		case CtxApprovalTimeoutDays:
			return "3"
		case CtxApprovalReminderDays:
			return "1"
		}
		return nil
	})
	if err != nil || cfg.ApprovalTimeoutDays != 3 || cfg.ApprovalReminderDays != 1 {
		t.Errorf("string days: %+v, %v", cfg, err)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	ctx := map[string]interface{}{
		CtxPMEmail: "not-an-address", CtxSenderEmail: "Intake <noreply@example.com>",
		CtxPublicBaseURL: "intake.example.com", CtxApprovalTimeoutDays: "a week",
		CtxApprovalReminderDays: 2.5, CtxDeployTimeoutDays: 0.0, CtxHealthIntervalSeconds: "-1",
		CtxHealthWindowMinutes: 100000.0, CtxHealthCheckURLTemplate: "https://appliance.example.com/testall",
		CtxCorsOrigin: "https://portal.example.com/form", CtxServiceAccountID: "12345",
		CtxAlarmEmail: "ops at example.com",
	}
	_, err := configFrom(func(k string) interface{} { return ctx[k] })
	if err == nil {
		t.Fatal("want an error")
	}
	for k := range ctx {
		if !strings.Contains(err.Error(), k+":") {
			t.Errorf("error does not name %s:\n%v", k, err)
		}
	}
}

// TestConfigRejectsInconsistentTimings: values each valid on their own but
// not together fail with the key to change.
func TestConfigRejectsInconsistentTimings(t *testing.T) {
	for _, c := range []struct {
		name string
		ctx  map[string]interface{}
		key  string
		text string
	}{
		{"reminder equals timeout", map[string]interface{}{CtxApprovalTimeoutDays: 3.0, CtxApprovalReminderDays: 3.0}, CtxApprovalReminderDays, "less than"},
		{"default reminder, 2-day timeout", map[string]interface{}{CtxApprovalTimeoutDays: "2"}, CtxApprovalReminderDays, "less than"},
		{"window shorter than interval", map[string]interface{}{CtxHealthIntervalSeconds: 600.0, CtxHealthWindowMinutes: 5.0}, CtxHealthWindowMinutes, "at least one"},
		{"too many health checks", map[string]interface{}{CtxHealthIntervalSeconds: 1.0, CtxHealthWindowMinutes: 60.0}, CtxHealthIntervalSeconds, "25,000"},
		{"gates beyond a year", map[string]interface{}{CtxApprovalTimeoutDays: 200.0, CtxDeployTimeoutDays: 100.0}, CtxDeployTimeoutDays, "one year"},
		{"template without host", map[string]interface{}{CtxHealthCheckURLTemplate: "https://example.com/testall"}, CtxHealthCheckURLTemplate, "{host}"},
		{"template not a URL", map[string]interface{}{CtxHealthCheckURLTemplate: "{host}/testall"}, CtxHealthCheckURLTemplate, "absolute"},
	} {
		_, err := configFrom(func(k string) interface{} { return c.ctx[k] })
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: want an error naming %s (%q), got %v", c.name, c.key, c.text, err)
		}
	}
}

func TestCheckPlaceholders(t *testing.T) {
	names, err := checkPlaceholders([]string{"B", "A"}, []string{"A", "B"})
	if err != nil || !reflect.DeepEqual(names, []string{"A", "B"}) {
		t.Errorf("got %v, %v", names, err)
	}
	if _, err := checkPlaceholders([]string{"A", "B"}, []string{"A"}); err == nil || !strings.Contains(err.Error(), "no function for placeholder(s) B") {
		t.Errorf("missing function: %v", err)
	}
	if _, err := checkPlaceholders([]string{"A"}, []string{"A", "C"}); err == nil || !strings.Contains(err.Error(), "C") {
		t.Errorf("unused function: %v", err)
	}
	if got := DefinitionPlaceholders(`{"a":"${X}","b":"${Y}","c":"${X}","d":"$$.Task.Token","e":"$.x"}`); !reflect.DeepEqual(got, []string{"X", "Y"}) {
		t.Errorf("DefinitionPlaceholders = %v, want [X Y]", got)
	}
	// The real definition's placeholders are exactly the three functions.
	def, err := RenderDefinition(workflow.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := DefinitionPlaceholders(def), []string{PlaceholderHealth, PlaceholderNotify, PlaceholderVerify}; !reflect.DeepEqual(got, want) {
		t.Errorf("definition placeholders = %v, want %v (update NewServiceStack's mapping)", got, want)
	}
}

// newWorkflowStack is a bare stack with one dummy function per name.
func newWorkflowStack(t *testing.T, names ...string) (awscdk.Stack, map[string]awslambda.IFunction) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	fns := map[string]awslambda.IFunction{}
	for _, name := range names {
		fns[name] = awslambda.NewFunction(stack, jsii.String(name), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
			Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(assetDir, FunctionVerify)), nil),
		})
	}
	return stack, fns
}

func TestNewWorkflowFailsWithoutFunction(t *testing.T) {
	stack, fns := newWorkflowStack(t, PlaceholderVerify)
	_, err := NewWorkflow(stack, "Workflow", &WorkflowProps{Settings: workflow.DefaultSettings(), Functions: fns})
	if err == nil || !strings.Contains(err.Error(), PlaceholderNotify) || !strings.Contains(err.Error(), PlaceholderHealth) {
		t.Fatalf("want an error naming %s and %s, got %v", PlaceholderNotify, PlaceholderHealth, err)
	}
}

func TestNewWorkflowFailsOnUnusedFunction(t *testing.T) {
	stack, fns := newWorkflowStack(t, PlaceholderVerify, PlaceholderNotify, PlaceholderHealth, "CleanupFunctionArn")
	_, err := NewWorkflow(stack, "Workflow", &WorkflowProps{Settings: workflow.DefaultSettings(), Functions: fns})
	if err == nil || !strings.Contains(err.Error(), "does not use: CleanupFunctionArn") {
		t.Fatalf("want an error naming the unused CleanupFunctionArn, got %v", err)
	}
}

func TestNewWorkflowFailsOnBadSettings(t *testing.T) {
	stack, fns := newWorkflowStack(t, PlaceholderVerify, PlaceholderNotify, PlaceholderHealth)
	s := workflow.DefaultSettings()
	s.ApprovalReminder = s.ApprovalTimeout
	_, err := NewWorkflow(stack, "Workflow", &WorkflowProps{Settings: s, Functions: fns})
	if err == nil || !strings.Contains(err.Error(), "ApprovalReminder") {
		t.Fatalf("want an error naming ApprovalReminder, got %v", err)
	}
}

func TestMissingBootstrapFails(t *testing.T) {
	empty := t.TempDir()
	_, _, _, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: map[string]interface{}{CtxLambdaAssetDir: empty}})
	if err == nil || !strings.Contains(err.Error(), "make build-lambda") {
		t.Fatalf("want an error pointing at make build-lambda, got %v", err)
	}
}

func TestInvalidContextFails(t *testing.T) {
	for _, c := range []struct {
		ctx map[string]interface{}
		key string
	}{
		{map[string]interface{}{CtxSenderEmail: "nobody"}, CtxSenderEmail},
		{map[string]interface{}{CtxApprovalTimeoutDays: 3.0, CtxApprovalReminderDays: 3.0}, CtxApprovalReminderDays},
		{map[string]interface{}{CtxApprovalTimeoutDays: "3", CtxApprovalReminderDays: "5"}, CtxApprovalReminderDays},
		{map[string]interface{}{CtxHealthCheckURLTemplate: "https://appliance.example.com/testall"}, CtxHealthCheckURLTemplate},
		// A partial ARN (no 6-character suffix) cannot be granted exactly.
		{map[string]interface{}{CtxSlackWebhookSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack"}, CtxSlackWebhookSecretArn},
		{map[string]interface{}{CtxSlackWebhookSecretArn: "https://hooks.slack.com/services/T/B/x"}, CtxSlackWebhookSecretArn},
		{map[string]interface{}{CtxCustomerEmails: "sometimes"}, CtxCustomerEmails},
		{map[string]interface{}{CtxAlarmEmail: "ops"}, CtxAlarmEmail},
		{map[string]interface{}{CtxCorsOrigin: "*"}, CtxCorsOrigin},
		{map[string]interface{}{CtxCorsOrigin: "http://portal.example.com"}, CtxCorsOrigin},
	} {
		ctx := map[string]interface{}{CtxLambdaAssetDir: assetDir}
		for k, v := range c.ctx {
			ctx[k] = v
		}
		_, _, _, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: ctx})
		if err == nil || !strings.Contains(err.Error(), c.key+":") {
			t.Errorf("context %v: want an error naming %s, got %v", c.ctx, c.key, err)
		}
		if err != nil && strings.Contains(err.Error(), "hooks.slack.com") {
			t.Errorf("the error repeats a webhook URL: %v", err)
		}
	}
}

func TestCdkJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		App     string                 `json:"app"`
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	if f.App != "go run ./infra" {
		t.Errorf("app = %q", f.App)
	}
	for k := range f.Context {
		if !slices.Contains(ContextKeys, k) {
			t.Errorf("cdk.json context key %q is not read by the app", k)
		}
	}
	cfg, err := configFrom(func(k string) interface{} { return f.Context[k] })
	if err != nil {
		t.Fatalf("cdk.json context: %v", err)
	}
	if cfg.LambdaAssetDir != DefaultLambdaAssetDir {
		t.Errorf("lambdaAssetDir %q; the Makefile builds into %s", cfg.LambdaAssetDir, DefaultLambdaAssetDir)
	}
	// cdk.json documents every workflow setting with its default value.
	defaults, _ := configFrom(func(string) interface{} { return nil })
	for _, k := range []string{CtxApprovalTimeoutDays, CtxApprovalReminderDays, CtxDeployTimeoutDays,
		CtxHealthIntervalSeconds, CtxHealthWindowMinutes, CtxHealthCheckURLTemplate} {
		if _, ok := f.Context[k]; !ok {
			t.Errorf("cdk.json context has no %s", k)
		}
	}
	if cfg.WorkflowSettings() != defaults.WorkflowSettings() || cfg.HealthCheckURLTemplate != defaults.HealthCheckURLTemplate {
		t.Errorf("cdk.json workflow settings %+v (%s), want the defaults %+v (%s)",
			cfg.WorkflowSettings(), cfg.HealthCheckURLTemplate, defaults.WorkflowSettings(), defaults.HealthCheckURLTemplate)
	}
}
