package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

func TestFunctions(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	fns := f.svcJSON.resources("AWS::Lambda::Function")
	if len(fns) != len(FunctionNames) {
		t.Fatalf("want %d Lambda functions (%v), got %d: %v", len(FunctionNames), FunctionNames, len(fns), keys(toAny(fns)))
	}
	mustNotPanic(t, "every function is provided.al2023/arm64/bootstrap with active tracing", func() {
		f.svcTpl.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), &map[string]interface{}{
			"Runtime":       "provided.al2023",
			"Architectures": []interface{}{"arm64"},
			"Handler":       "bootstrap",
			"TracingConfig": map[string]interface{}{"Mode": "Active"},
		})
	})

	tableRef := ref(logicalID(t, stack, f.svc.Data.Table))
	smRef := ref(logicalID(t, stack, f.svc.Workflow.StateMachine))
	keyRef := ref(logicalID(t, stack, f.svc.SigningKey))
	cases := []struct {
		fn      *GoFunction
		memory  float64
		timeout float64
		env     map[string]interface{}
	}{
		{f.svc.Intake, 256, 10, map[string]interface{}{
			"TABLE_NAME": tableRef, "LOG_LEVEL": "info", "STATE_MACHINE_ARN": smRef, "PUBLIC_BASE_URL": testBaseURL,
			"SIGNING_KEY_SECRET_ARN": keyRef, "APPROVAL_LINK_TTL_HOURS": "192",
		}},
		{f.svc.Verify, 512, 120, map[string]interface{}{
			"TABLE_NAME": tableRef, "LOG_LEVEL": "info", "VERIFY_MODE": "aws",
		}},
		{f.svc.Notify, 256, 30, map[string]interface{}{
			"TABLE_NAME": tableRef, "LOG_LEVEL": "info", "PM_EMAIL": testPMEmail, "SENDER_EMAIL": testSenderEmail, "PUBLIC_BASE_URL": testBaseURL,
			"SIGNING_KEY_SECRET_ARN": keyRef, "APPROVAL_LINK_TTL_HOURS": "192", "CUSTOMER_EMAILS": "on",
		}},
		{f.svc.Health, 256, 30, map[string]interface{}{
			"TABLE_NAME": tableRef, "LOG_LEVEL": "info", "HEALTHCHECK_URL_TEMPLATE": "https://{host}/testall",
		}},
		{f.svc.Resumer.Function, 256, 60, map[string]interface{}{
			"TABLE_NAME": tableRef, "LOG_LEVEL": "info", "STATE_MACHINE_ARN": smRef, "RESUME_GRACE_SECONDS": "120",
		}},
	}
	for _, c := range cases {
		id := logicalID(t, stack, c.fn.Function)
		p := props(f.svcJSON.resource(t, id))
		if p["MemorySize"] != c.memory || p["Timeout"] != c.timeout {
			t.Errorf("%s: memory %v timeout %v, want %v and %v", id, p["MemorySize"], p["Timeout"], c.memory, c.timeout)
		}
		if got := obj(obj(p["Environment"])["Variables"]); !reflect.DeepEqual(got, c.env) {
			t.Errorf("%s environment:\n got  %s\n want %s", id, js(got), js(c.env))
		}
		// Own log group with retention, own role without AWS managed policies.
		lg := logicalID(t, stack, c.fn.LogGroup)
		if got := obj(p["LoggingConfig"])["LogGroup"]; !reflect.DeepEqual(got, ref(lg)) {
			t.Errorf("%s: LoggingConfig.LogGroup = %s, want its own log group %s", id, js(got), lg)
		}
		if r := props(f.svcJSON.resource(t, lg))["RetentionInDays"]; r != 90.0 {
			t.Errorf("%s log group retention = %v, want 90", id, r)
		}
		role := logicalID(t, stack, c.fn.Role)
		if got := obj(p["Role"]); !reflect.DeepEqual(got, getAttArn(role)) {
			t.Errorf("%s: role %s, want its own role %s", id, js(got), role)
		}
		if mp := props(f.svcJSON.resource(t, role))["ManagedPolicyArns"]; mp != nil {
			t.Errorf("%s: role has managed policies %s; it should have only its own grants", id, js(mp))
		}
	}
}

func TestFunctionGrants(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	table := getAttArn(logicalID(t, stack, f.svc.Data.Table))
	smID := logicalID(t, stack, f.svc.Workflow.StateMachine)
	byRole := policyStatementsByRole(f.svcJSON)

	for _, fn := range []*GoFunction{f.svc.Intake, f.svc.Verify, f.svc.Notify, f.svc.Health} {
		role := logicalID(t, stack, fn.Role)
		stmts := byRole[role]
		if !hasStatement(stmts, "dynamodb:PutItem", table) || !hasStatement(stmts, "dynamodb:Query", table) {
			t.Errorf("%s: no read/write grant on the table: %s", role, js(stmts))
		}
		lg := getAttArn(logicalID(t, stack, fn.LogGroup))
		if !hasStatement(stmts, "logs:PutLogEvents", lg) {
			t.Errorf("%s: cannot write to its own log group: %s", role, js(stmts))
		}
		for _, s := range stmts {
			for _, a := range list(s["Action"]) {
				if strings.HasPrefix(a.(string), "logs:") && !reflect.DeepEqual(s["Resource"], lg) {
					t.Errorf("%s: %s on %s, want only its own log group", role, a, js(s["Resource"]))
				}
			}
		}
	}

	intake := byRole[logicalID(t, stack, f.svc.Intake.Role)]
	if !hasStatement(intake, "states:StartExecution", ref(smID)) {
		t.Errorf("intake cannot start the state machine: %s", js(intake))
	}
	if !hasAction(intake, "states:DescribeExecution") {
		t.Errorf("intake cannot read execution status: %s", js(intake))
	}
	for _, role := range []string{logicalID(t, stack, f.svc.Verify.Role), logicalID(t, stack, f.svc.Intake.Role), logicalID(t, stack, f.svc.Health.Role)} {
		if hasAction(byRole[role], "ses:SendEmail") {
			t.Errorf("%s may send email; only notify should", role)
		}
	}

	notify := byRole[logicalID(t, stack, f.svc.Notify.Role)]
	var ses []map[string]interface{}
	for _, s := range notify {
		if slices.Contains(list(s["Action"]), interface{}("ses:SendEmail")) {
			ses = append(ses, s)
		}
	}
	if len(ses) != 1 {
		t.Fatalf("notify: want one ses:SendEmail statement, got %s", js(ses))
	}
	want := map[string]interface{}{"StringEquals": map[string]interface{}{"ses:FromAddress": testSenderEmail}}
	if !reflect.DeepEqual(ses[0]["Condition"], want) {
		t.Errorf("ses:SendEmail condition = %s, want %s", js(ses[0]["Condition"]), js(want))
	}
	if r := js(ses[0]["Resource"]); !strings.Contains(r, `":ses:"`) || !strings.Contains(r, `{"Ref":"AWS::AccountId"}`) || !strings.Contains(r, `":identity/*"`) {
		t.Errorf("ses:SendEmail resource %s, want identities of this account and region", r)
	}
	if got := list(ses[0]["Action"]); len(got) != 1 {
		t.Errorf("SES actions %v, want only ses:SendEmail", got)
	}
}

func TestNoSenderNoEmailPermission(t *testing.T) {
	_, svc, _ := newTestApp(t, nil)
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	for _, s := range statements(tpl) {
		for _, a := range list(s.statement["Action"]) {
			if strings.HasPrefix(a.(string), "ses:") {
				t.Errorf("%s grants %s although no senderEmail is configured", s.where, a)
			}
		}
	}
	p := props(tpl.resource(t, logicalID(t, svc.Stack, svc.Notify.Function)))
	if v := obj(obj(p["Environment"])["Variables"])["SENDER_EMAIL"]; v != "" {
		t.Errorf("SENDER_EMAIL = %v, want empty", v)
	}
}

func TestTable(t *testing.T) {
	f := getFixture(t)
	tables := f.svcJSON.resources("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("want one table, got %d", len(tables))
	}
	mustNotPanic(t, "table properties", func() {
		f.svcTpl.HasResource(jsii.String("AWS::DynamoDB::Table"), &map[string]interface{}{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]interface{}{
				"BillingMode": "PAY_PER_REQUEST",
				"KeySchema": []interface{}{
					map[string]interface{}{"AttributeName": "pk", "KeyType": "HASH"},
					map[string]interface{}{"AttributeName": "sk", "KeyType": "RANGE"},
				},
				"AttributeDefinitions": []interface{}{
					map[string]interface{}{"AttributeName": "pk", "AttributeType": "S"},
					map[string]interface{}{"AttributeName": "sk", "AttributeType": "S"},
				},
				"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]interface{}{"SSEEnabled": true},
				"TimeToLiveSpecification":          map[string]interface{}{"AttributeName": "expiresAt", "Enabled": true},
				"DeletionProtectionEnabled":        true,
			},
		})
	})
}

func TestStateMachine(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	sms := f.svcJSON.resources("AWS::StepFunctions::StateMachine")
	if len(sms) != 1 {
		t.Fatalf("want one state machine, got %d", len(sms))
	}
	smID := logicalID(t, stack, f.svc.Workflow.StateMachine)
	p := props(f.svcJSON.resource(t, smID))
	if p["StateMachineType"] != "STANDARD" {
		t.Errorf("StateMachineType = %v", p["StateMachineType"])
	}
	lc := obj(p["LoggingConfiguration"])
	if lc["Level"] != "ALL" || lc["IncludeExecutionData"] != true || len(list(lc["Destinations"])) != 1 {
		t.Errorf("LoggingConfiguration = %s, want level ALL with execution data to one log group", js(lc))
	}
	if obj(p["TracingConfiguration"])["Enabled"] != true {
		t.Errorf("TracingConfiguration = %s", js(p["TracingConfiguration"]))
	}

	// CloudFormation substitutes ${Name} from DefinitionSubstitutions at
	// deploy time: the definition is pkg/workflow's, rendered with the
	// configured timings, and every placeholder maps to its function's ARN.
	def, ok := p["DefinitionString"].(string)
	if !ok {
		t.Fatalf("DefinitionString is %s, want the definition as a string", js(p["DefinitionString"]))
	}
	rendered, err := RenderDefinition(workflow.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	if def != rendered {
		t.Errorf("DefinitionString differs from workflow.Definition with the default settings")
	}
	verifyArn := getAttArn(logicalID(t, stack, f.svc.Verify.Function))
	notifyArn := getAttArn(logicalID(t, stack, f.svc.Notify.Function))
	healthArn := getAttArn(logicalID(t, stack, f.svc.Health.Function))
	wantSubs := map[string]interface{}{
		PlaceholderVerify: verifyArn,
		PlaceholderNotify: notifyArn,
		PlaceholderHealth: healthArn,
	}
	subs := obj(p["DefinitionSubstitutions"])
	if !reflect.DeepEqual(subs, wantSubs) {
		t.Errorf("DefinitionSubstitutions:\n got  %s\n want %s", js(subs), js(wantSubs))
	}
	for _, m := range regexp.MustCompile(`\$\{([^}]*)\}`).FindAllStringSubmatch(def, -1) {
		if _, ok := subs[m[1]]; !ok {
			t.Errorf("definition placeholder %s has no substitution", m[0])
		}
	}

	// The state machine may invoke exactly the substituted functions.
	byRole := policyStatementsByRole(f.svcJSON)
	smRole := logicalID(t, stack, f.svc.Workflow.StateMachine.Role())
	var invoked []string
	for _, s := range byRole[smRole] {
		for _, a := range list(s["Action"]) {
			if strings.HasPrefix(a.(string), "lambda:") {
				if a != "lambda:InvokeFunction" {
					t.Errorf("state machine role has %s", a)
				}
				for _, r := range list(s["Resource"]) {
					invoked = append(invoked, js(r))
				}
			}
		}
	}
	sort.Strings(invoked)
	want := []string{js(verifyArn), js(notifyArn), js(healthArn)}
	sort.Strings(want)
	if !reflect.DeepEqual(invoked, want) {
		t.Errorf("state machine may invoke %v, want exactly %v", invoked, want)
	}
}

func TestAPI(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	routes := f.svcJSON.resources("AWS::ApiGatewayV2::Route")
	var got []string
	for _, r := range routes {
		got = append(got, props(r)["RouteKey"].(string))
	}
	var want []string
	for _, r := range APIRoutes {
		want = append(want, r.Key())
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes %v, want %v", got, want)
	}
	for _, r := range []string{"POST /api/submissions", "GET /api/submissions/{id}", "GET /api/schema",
		"GET /approvals/{id}", "POST /approvals/{id}", "GET /", "GET /{proxy+}"} {
		if !slices.Contains(got, r) {
			t.Errorf("missing route %s", r)
		}
	}
	intakeArn := getAttArn(logicalID(t, stack, f.svc.Intake.Function))
	for id, in := range f.svcJSON.resources("AWS::ApiGatewayV2::Integration") {
		p := props(in)
		if !reflect.DeepEqual(p["IntegrationUri"], intakeArn) || p["IntegrationType"] != "AWS_PROXY" || p["PayloadFormatVersion"] != "2.0" {
			t.Errorf("integration %s = %s, want the intake function (AWS_PROXY, payload 2.0)", id, js(p))
		}
	}
	mustNotPanic(t, "default stage", func() {
		f.svcTpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), &map[string]interface{}{
			"StageName":  "$default",
			"AutoDeploy": true,
			"DefaultRouteSettings": map[string]interface{}{
				"ThrottlingBurstLimit": APIThrottleBurst,
				"ThrottlingRateLimit":  APIThrottleRate,
			},
			"AccessLogSettings": map[string]interface{}{
				"DestinationArn": getAttArn(logicalID(t, stack, f.svc.API.AccessLog)),
				"Format":         assertions.Match_StringLikeRegexp(jsii.String(`\$context\.requestId`)),
			},
		})
	})
	// Every stage is throttled, and no route lifts the limit.
	stages := f.svcJSON.resources("AWS::ApiGatewayV2::Stage")
	if len(stages) == 0 {
		t.Errorf("no API stage")
	}
	for id, st := range stages {
		p := props(st)
		rs := obj(p["DefaultRouteSettings"])
		burst, _ := rs["ThrottlingBurstLimit"].(float64)
		rate, _ := rs["ThrottlingRateLimit"].(float64)
		if burst <= 0 || rate <= 0 || burst > APIThrottleBurst || rate > APIThrottleRate {
			t.Errorf("stage %s throttling burst %v rate %v, want 0 < burst <= %d and 0 < rate <= %d", id, rs["ThrottlingBurstLimit"],
				rs["ThrottlingRateLimit"], APIThrottleBurst, APIThrottleRate)
		}
		if p["RouteSettings"] != nil {
			t.Errorf("stage %s has per-route settings %s that may lift the throttling", id, js(p["RouteSettings"]))
		}
	}
	mustNotPanic(t, "ApiUrl output", func() {
		f.svcTpl.HasOutput(jsii.String("ApiUrl"), &map[string]interface{}{"Value": assertions.Match_AnyValue()})
	})
	// No CORS unless a corsOrigin is configured.
	for id, a := range f.svcJSON.resources("AWS::ApiGatewayV2::Api") {
		if c := props(a)["CorsConfiguration"]; c != nil {
			t.Errorf("%s has CORS %s without corsOrigin", id, js(c))
		}
	}
}

// TestCorsOrigin: with corsOrigin the API answers preflights for exactly
// that origin (normalized as a browser sends it), with the methods and
// headers the form uses and no credentials.
func TestCorsOrigin(t *testing.T) {
	_, svc, _ := newTestApp(t, map[string]interface{}{CtxCorsOrigin: "https://Portal.Example.com/"})
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	apis := tpl.resources("AWS::ApiGatewayV2::Api")
	if len(apis) != 1 {
		t.Fatalf("want one HTTP API, got %d", len(apis))
	}
	want := map[string]interface{}{
		"AllowOrigins":  []interface{}{"https://portal.example.com"},
		"AllowMethods":  []interface{}{"GET", "POST", "OPTIONS"},
		"AllowHeaders":  []interface{}{"content-type", "idempotency-key"},
		"ExposeHeaders": []interface{}{"location", "retry-after", "idempotent-replayed"},
		"MaxAge":        3600.0,
	}
	for id, a := range apis {
		if got := props(a)["CorsConfiguration"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s CorsConfiguration:\n got  %s\n want %s", id, js(got), js(want))
		}
	}
}

// TestSigningKey: one generated, retained secret that only intake and
// notify may read, without rotation (suppressed with a reason).
func TestSigningKey(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	secrets := f.svcJSON.resources("AWS::SecretsManager::Secret")
	if len(secrets) != 1 {
		t.Fatalf("want one secret, got %v", keys(toAny(secrets)))
	}
	id := logicalID(t, stack, f.svc.SigningKey)
	r := f.svcJSON.resource(t, id)
	if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("secret policies %v/%v, want Retain (outstanding links must stay verifiable)", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	want := map[string]interface{}{"PasswordLength": 64.0, "ExcludePunctuation": true}
	if got := props(r)["GenerateSecretString"]; !reflect.DeepEqual(got, want) {
		t.Errorf("GenerateSecretString = %s, want %s", js(got), js(want))
	}
	if props(r)["SecretString"] != nil {
		t.Errorf("the key's value is in the template")
	}
	if n := len(f.svcJSON.resources("AWS::SecretsManager::RotationSchedule")); n != 0 {
		t.Errorf("%d rotation schedules; rotating would invalidate every outstanding approval link", n)
	}
	var reason string
	for _, s := range list(obj(obj(r["Metadata"])["cdk_nag"])["rules_to_suppress"]) {
		if obj(s)["id"] == "AwsSolutions-SMG4" {
			reason, _ = obj(s)["reason"].(string)
		}
	}
	if !strings.Contains(reason, "approval link") {
		t.Errorf("AwsSolutions-SMG4 suppression reason %q does not explain the missing rotation", reason)
	}

	// Readers: every statement that names the secret or a Secrets Manager
	// action, anywhere in the template.
	secretRef := js(ref(id))
	readers := map[string][]string{}
	for _, s := range statements(f.svcJSON) {
		names := strings.Contains(js(s.statement["Resource"]), secretRef)
		for _, a := range list(s.statement["Action"]) {
			if names || strings.HasPrefix(a.(string), "secretsmanager:") {
				if !reflect.DeepEqual(s.statement["Resource"], ref(id)) {
					t.Errorf("%s: %s on %s, want only the signing key", s.where, a, js(s.statement["Resource"]))
				}
				readers[s.where] = append(readers[s.where], a.(string))
			}
		}
	}
	policyOf := func(fn *GoFunction) string {
		return logicalID(t, stack, fn.Role.Node().FindChild(jsii.String("DefaultPolicy")))
	}
	wantReaders := map[string][]string{}
	for _, fn := range []*GoFunction{f.svc.Intake, f.svc.Notify} {
		wantReaders[policyOf(fn)] = []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
	}
	if !reflect.DeepEqual(readers, wantReaders) {
		t.Errorf("signing key access:\n got  %v\n want %v (intake and notify only, read only)", readers, wantReaders)
	}
}

// TestSlackWebhookSecret: with slackWebhookSecretArn, notify learns the
// secret's ARN (never the URL) and may read exactly that secret; nothing
// else may, and the stack creates no secret for it.
func TestSlackWebhookSecret(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:appliance-intake/slack-AbC123"
	_, svc, _ := newTestApp(t, map[string]interface{}{CtxSlackWebhookSecretArn: arn, CtxCustomerEmails: false,
		CtxPMEmail: testPMEmail, CtxSenderEmail: testSenderEmail})
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	env := obj(obj(props(tpl.resource(t, logicalID(t, svc.Stack, svc.Notify.Function)))["Environment"])["Variables"])
	if env["SLACK_WEBHOOK_SECRET_ARN"] != arn || env["CUSTOMER_EMAILS"] != "off" {
		t.Errorf("notify environment %s", js(env))
	}
	for _, fn := range []*GoFunction{svc.Intake, svc.Verify, svc.Health} {
		if v, ok := obj(obj(props(tpl.resource(t, logicalID(t, svc.Stack, fn.Function)))["Environment"])["Variables"])["SLACK_WEBHOOK_SECRET_ARN"]; ok {
			t.Errorf("%s knows the Slack secret: %v", *fn.Function.Node().Path(), v)
		}
	}
	if n := len(tpl.resources("AWS::SecretsManager::Secret")); n != 1 {
		t.Errorf("%d secrets; the Slack secret is made outside the stack, only the signing key inside", n)
	}
	notifyPolicy := logicalID(t, svc.Stack, svc.Notify.Role.Node().FindChild(jsii.String("DefaultPolicy")))
	readers := map[string][]string{}
	for _, st := range statements(tpl) {
		if js(st.statement["Resource"]) != js(arn) {
			continue
		}
		for _, a := range list(st.statement["Action"]) {
			readers[st.where] = append(readers[st.where], a.(string))
		}
	}
	want := map[string][]string{notifyPolicy: {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}}
	if !reflect.DeepEqual(readers, want) {
		t.Errorf("Slack secret access:\n got  %v\n want %v (notify only, read only, that ARN only)", readers, want)
	}
	for _, st := range statements(tpl) {
		for _, a := range list(st.statement["Action"]) {
			if strings.HasPrefix(a.(string), "secretsmanager:") && strings.Contains(js(st.statement["Resource"]), "*") {
				t.Errorf("%s: %s on %s", st.where, a, js(st.statement["Resource"]))
			}
		}
	}
	if strings.Contains(js(tpl), "hooks.slack.com") {
		t.Errorf("a webhook URL is in the template")
	}
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	ann := assertions.Annotations_FromStack(svc.Stack)
	for _, m := range append(*ann.FindError(jsii.String("*"), nag), *ann.FindWarning(jsii.String("*"), nag)...) {
		t.Errorf("cdk-nag: %s %v", *m.Id, m.Entry.Data)
	}
}

// TestGateAnswers: only intake answers task tokens, only with success, only
// for this state machine.
func TestGateAnswers(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	intakeRole := logicalID(t, stack, f.svc.Intake.Role)
	smRef := ref(logicalID(t, stack, f.svc.Workflow.StateMachine))
	found := false
	for role, stmts := range policyStatementsByRole(f.svcJSON) {
		for _, s := range stmts {
			for _, a := range list(s["Action"]) {
				if !strings.HasPrefix(a.(string), "states:SendTask") {
					continue
				}
				if role != intakeRole || a != "states:SendTaskSuccess" || !reflect.DeepEqual(s["Resource"], smRef) {
					t.Errorf("%s: %s on %s; want only intake: states:SendTaskSuccess on the state machine", role, a, js(s["Resource"]))
					continue
				}
				found = true
			}
		}
	}
	if !found {
		t.Errorf("intake cannot send task success to the state machine: %s", js(policyStatementsByRole(f.svcJSON)[intakeRole]))
	}
}

// wildcardAction matches "*" and "service:*"-style actions.
var wildcardAction = regexp.MustCompile(`\*`)

func TestNoWildcardActions(t *testing.T) {
	f := getFixture(t)
	for name, tpl := range map[string]template{"service": f.svcJSON, "verifier role": f.roleJS} {
		all := statements(tpl)
		if len(all) == 0 {
			t.Fatalf("%s: found no policy statements", name)
		}
		for _, s := range all {
			for _, a := range list(s.statement["Action"]) {
				if wildcardAction.MatchString(a.(string)) {
					t.Errorf("%s %s: wildcard action %q", name, s.where, a)
				}
			}
			if s.statement["NotAction"] != nil || s.statement["NotResource"] != nil {
				t.Errorf("%s %s: NotAction/NotResource %s", name, s.where, js(s.statement))
			}
		}
	}
}

// TestResourceStarOnlyWhereRequired lists every Resource "*" grant: only
// actions without resource-level permissions may have one.
func TestResourceStarOnlyWhereRequired(t *testing.T) {
	f := getFixture(t)
	allowed := map[string]bool{
		"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true,
		"xray:GetSamplingRules": true, "xray:GetSamplingTargets": true,
		"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true,
		"logs:DeleteLogDelivery": true, "logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true,
		"logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
	}
	for _, a := range VerifierReadOnlyActions {
		allowed[a] = true
	}
	for name, tpl := range map[string]template{"service": f.svcJSON, "verifier role": f.roleJS} {
		for _, s := range statements(tpl) {
			if !slices.Contains(list(s.statement["Resource"]), interface{}("*")) {
				continue
			}
			for _, a := range list(s.statement["Action"]) {
				if !allowed[a.(string)] {
					t.Errorf("%s %s: %s on Resource \"*\"", name, s.where, a)
				}
			}
		}
	}
}

func TestNagClean(t *testing.T) {
	f := getFixture(t)
	for _, stack := range []*struct {
		name string
		tpl  func() assertions.Annotations
	}{
		{ServiceStackName, func() assertions.Annotations { return assertions.Annotations_FromStack(f.svc.Stack) }},
		{VerifierRoleStackName, func() assertions.Annotations { return assertions.Annotations_FromStack(f.role.Stack) }},
	} {
		ann := stack.tpl()
		nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		for _, m := range *ann.FindError(jsii.String("*"), nag) {
			t.Errorf("%s: cdk-nag error at %s: %v", stack.name, *m.Id, m.Entry.Data)
		}
		for _, m := range *ann.FindWarning(jsii.String("*"), nag) {
			t.Errorf("%s: cdk-nag warning at %s: %v", stack.name, *m.Id, m.Entry.Data)
		}
	}
}

// TestNagSeesViolations proves the nag check runs in tests: an unsuppressed
// violation added to the app must be reported.
func TestNagSeesViolations(t *testing.T) {
	_, svc, _ := newTestApp(t, nil)
	// (Resource "*" itself is suppressed on function roles for X-Ray; that
	// gap is closed by TestResourceStarOnlyWhereRequired.)
	svc.Intake.Role.AddToPrincipalPolicy(iamStatement("s3:GetObject", "arn:aws:s3:::some-bucket/*"))
	ann := assertions.Annotations_FromStack(svc.Stack)
	found := ann.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-IAM5.*")))
	if len(*found) == 0 {
		t.Fatal("an unsuppressed wildcard resource was not reported: is the cdk-nag aspect applied?")
	}
}

func TestOutputs(t *testing.T) {
	f := getFixture(t)
	outs := obj(f.svcJSON["Outputs"])
	for _, k := range []string{"ApiUrl", "StateMachineArn", "TableName", "AlarmTopicArn", "DashboardName"} {
		if outs[k] == nil {
			t.Errorf("service stack has no %s output (has %v)", k, keys(outs))
		}
	}
}

// policyStatementsByRole maps a role's logical id to the statements of the
// AWS::IAM::Policy resources attached to it.
func policyStatementsByRole(t template) map[string][]map[string]interface{} {
	out := map[string][]map[string]interface{}{}
	for _, pol := range t.resources("AWS::IAM::Policy") {
		p := props(pol)
		for _, r := range list(p["Roles"]) {
			role, _ := obj(r)["Ref"].(string)
			for _, s := range list(obj(p["PolicyDocument"])["Statement"]) {
				out[role] = append(out[role], obj(s))
			}
		}
	}
	return out
}

func hasAction(stmts []map[string]interface{}, action string) bool {
	for _, s := range stmts {
		if slices.Contains(list(s["Action"]), interface{}(action)) {
			return true
		}
	}
	return false
}

func hasStatement(stmts []map[string]interface{}, action string, resource interface{}) bool {
	for _, s := range stmts {
		if !slices.Contains(list(s["Action"]), interface{}(action)) {
			continue
		}
		for _, r := range list(s["Resource"]) {
			if reflect.DeepEqual(r, resource) {
				return true
			}
		}
	}
	return false
}

func toAny(m map[string]map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestVerifyAssumesOnlyTheVerifierRole: the service's one cross-account
// grant is sts:AssumeRole, alone, on the role name the verifier template
// creates in any account; no other statement anywhere grants an STS action.
func TestVerifyAssumesOnlyTheVerifierRole(t *testing.T) {
	f := getFixture(t)
	role := logicalID(t, f.svc.Stack, f.svc.Verify.Role)
	// The name the customer-side template gives the role.
	roleName := props(f.roleJS.resource(t, logicalID(t, f.role.Stack, f.role.Role)))["RoleName"]
	if roleName != VerifierRoleName {
		t.Fatalf("verifier template's RoleName %v, want %s", roleName, VerifierRoleName)
	}
	wantResource := map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
		"arn:", ref("AWS::Partition"), ":iam::*:role/" + VerifierRoleName}}}
	found := 0
	for r, stmts := range policyStatementsByRole(f.svcJSON) {
		for _, stmt := range stmts {
			var sts []interface{}
			for _, a := range list(stmt["Action"]) {
				if strings.HasPrefix(strings.ToLower(a.(string)), "sts:") {
					sts = append(sts, a)
				}
			}
			if len(sts) == 0 {
				continue
			}
			found++
			if r != role {
				t.Errorf("role %s may call %v", r, sts)
			}
			if stmt["Effect"] != "Allow" || stmt["Action"] != "sts:AssumeRole" || stmt["NotResource"] != nil {
				t.Errorf("cross-account statement %s, want Allow of sts:AssumeRole alone", js(stmt))
			}
			if !reflect.DeepEqual(stmt["Resource"], wantResource) {
				t.Errorf("sts:AssumeRole on %s, want only %s", js(stmt["Resource"]), js(wantResource))
			}
		}
	}
	if found != 1 {
		t.Errorf("%d statements grant STS actions, want exactly the verify function's one", found)
	}
	// Nowhere else either: inline role policies, managed policies, resource
	// policies (trust policies name sts:AssumeRole for their service).
	for _, s := range append(statements(f.svcJSON), resourcePolicyStatements(f.svcJSON)...) {
		if strings.HasSuffix(s.where, "(trust)") || f.svcJSON.resource(t, strings.Fields(s.where)[0])["Type"] == "AWS::IAM::Policy" {
			continue // trust policies; role policies are checked above
		}
		for _, a := range list(s.statement["Action"]) {
			if strings.HasPrefix(strings.ToLower(a.(string)), "sts:") {
				t.Errorf("%s grants %s", s.where, a)
			}
		}
	}
}

// TestBaseURLDefaultsToTheAPI: without publicBaseUrl, links point at the
// API's own endpoint rather than being relative (a link in an email must be
// absolute), and synthesis finds no dependency cycle.
func TestBaseURLDefaultsToTheAPI(t *testing.T) {
	dir := t.TempDir()
	for _, fn := range FunctionNames {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, svc, _, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: map[string]interface{}{CtxLambdaAssetDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	apiID := logicalID(t, svc.Stack, svc.API.HTTPAPI)
	for _, fn := range []*GoFunction{svc.Intake, svc.Notify} {
		env := obj(obj(props(tpl.resource(t, logicalID(t, svc.Stack, fn.Function)))["Environment"])["Variables"])
		got, _ := json.Marshal(env["PUBLIC_BASE_URL"])
		if !strings.Contains(string(got), apiID) || !strings.Contains(string(got), "ApiEndpoint") {
			t.Errorf("%s PUBLIC_BASE_URL = %s, want the API endpoint", logicalID(t, svc.Stack, fn.Function), got)
		}
	}
}

// The resumer runs on a schedule, may start executions of this state
// machine only, and touches only the submission and pending-marker
// partitions of the table.
func TestResumer(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	fnID := logicalID(t, stack, f.svc.Resumer.Function.Function)
	rules := f.svcJSON.resources("AWS::Events::Rule")
	found := false
	for _, r := range rules {
		p := props(r)
		for _, target := range list(p["Targets"]) {
			if reflect.DeepEqual(obj(target)["Arn"], getAttArn(fnID)) {
				found = true
				if p["ScheduleExpression"] != "rate(5 minutes)" {
					t.Errorf("resumer schedule = %v, want rate(5 minutes)", p["ScheduleExpression"])
				}
			}
		}
	}
	if !found {
		t.Fatalf("no EventBridge rule targets the resumer")
	}
	smRef := ref(logicalID(t, stack, f.svc.Workflow.StateMachine))
	role := logicalID(t, stack, f.svc.Resumer.Function.Role)
	var actions []string
	for _, pol := range f.svcJSON.resources("AWS::IAM::Policy") {
		p := props(pol)
		attached := false
		for _, r := range list(p["Roles"]) {
			attached = attached || reflect.DeepEqual(r, ref(role))
		}
		if !attached {
			continue
		}
		for _, st := range list(obj(p["PolicyDocument"])["Statement"]) {
			s := obj(st)
			for _, a := range stringsOf(s["Action"]) {
				actions = append(actions, a)
				switch {
				case strings.HasPrefix(a, "states:"):
					if a != "states:StartExecution" || !reflect.DeepEqual(s["Resource"], smRef) {
						t.Errorf("resumer may %s on %s; want only states:StartExecution on the state machine", a, js(s["Resource"]))
					}
				case a == "dynamodb:Scan" || strings.HasPrefix(a, "dynamodb:Batch"):
					t.Errorf("resumer may %s", a)
				}
			}
		}
	}
	if !slices.Contains(actions, "states:StartExecution") || !slices.Contains(actions, "dynamodb:Query") {
		t.Errorf("resumer actions %v lack StartExecution or Query", actions)
	}
}

// stringsOf reads an IAM field that is a string or a list of strings.
func stringsOf(v interface{}) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range list(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
