package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// TestAlarmTopic: one topic, encrypted with a rotated customer managed key
// CloudWatch may use, SSL enforced, publishable only by this stack's
// alarms, with the configured email subscribed.
func TestAlarmTopic(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	topics := f.svcJSON.resources("AWS::SNS::Topic")
	if len(topics) != 1 {
		t.Fatalf("want one SNS topic, got %v", keys(toAny(topics)))
	}
	topicID := logicalID(t, stack, f.svc.Monitoring.Topic)
	keyID := logicalID(t, stack, f.svc.Monitoring.Key)
	if got := props(f.svcJSON.resource(t, topicID))["KmsMasterKeyId"]; !reflect.DeepEqual(got, getAttArn(keyID)) {
		t.Errorf("topic KmsMasterKeyId = %s, want the stack's own key %s (CloudWatch cannot publish to a topic under aws/sns)", js(got), keyID)
	}
	key := props(f.svcJSON.resource(t, keyID))
	if key["EnableKeyRotation"] != true {
		t.Errorf("key rotation %v, want enabled", key["EnableKeyRotation"])
	}
	var cwKey []interface{}
	for _, s := range list(obj(key["KeyPolicy"])["Statement"]) {
		s := obj(s)
		if js(obj(s["Principal"])["Service"]) == `"cloudwatch.amazonaws.com"` {
			cwKey = append(cwKey, s["Action"])
		}
	}
	if want := []interface{}{[]interface{}{"kms:Decrypt", "kms:GenerateDataKey"}}; !reflect.DeepEqual(cwKey, want) {
		t.Errorf("CloudWatch's key permissions %s, want %s", js(cwKey), js(want))
	}

	pols := f.svcJSON.resources("AWS::SNS::TopicPolicy")
	if len(pols) != 1 {
		t.Fatalf("want one topic policy, got %d", len(pols))
	}
	var sslDeny, cwAllow bool
	for _, p := range pols {
		if !reflect.DeepEqual(props(p)["Topics"], []interface{}{ref(topicID)}) {
			t.Errorf("topic policy applies to %s", js(props(p)["Topics"]))
		}
		for _, s := range list(obj(props(p)["PolicyDocument"])["Statement"]) {
			s := obj(s)
			switch {
			case s["Effect"] == "Deny" && s["Action"] == "sns:Publish" && s["Principal"] == "*" &&
				js(s["Condition"]) == `{"Bool":{"aws:SecureTransport":"false"}}`:
				sslDeny = true
			case s["Effect"] == "Allow" && s["Action"] == "sns:Publish" &&
				js(s["Principal"]) == `{"Service":"cloudwatch.amazonaws.com"}`:
				cond := js(s["Condition"])
				if !strings.Contains(cond, `"aws:SourceAccount":{"Ref":"AWS::AccountId"}`) ||
					!strings.Contains(cond, `":alarm:`+ServiceStackName+`-*"`) {
					t.Errorf("CloudWatch may publish under %s, want this account's alarms named %s-*", cond, ServiceStackName)
				}
				cwAllow = true
			default:
				t.Errorf("unexpected topic policy statement %s", js(s))
			}
		}
	}
	if !sslDeny || !cwAllow {
		t.Errorf("topic policy: SSL enforced %v, CloudWatch alarms may publish %v; want both", sslDeny, cwAllow)
	}

	subs := f.svcJSON.resources("AWS::SNS::Subscription")
	want := map[string]interface{}{"Protocol": "email", "Endpoint": testAlarmEmail, "TopicArn": ref(topicID)}
	if len(subs) != 1 {
		t.Fatalf("want one subscription (alarmEmail), got %d", len(subs))
	}
	for _, s := range subs {
		if got := props(s); !reflect.DeepEqual(got, want) {
			t.Errorf("subscription %s, want %s", js(got), js(want))
		}
	}
	if out := obj(obj(f.svcJSON["Outputs"])["AlarmTopicArn"]); !reflect.DeepEqual(out["Value"], ref(topicID)) {
		t.Errorf("AlarmTopicArn output %s", js(out))
	}
}

// TestAlarmTopicWithoutEmail: without alarmEmail the topic exists (alarms
// still notify it) and has no subscription.
func TestAlarmTopicWithoutEmail(t *testing.T) {
	_, svc, _ := newTestApp(t, nil)
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	if n := len(tpl.resources("AWS::SNS::Topic")); n != 1 {
		t.Errorf("%d topics, want 1", n)
	}
	if subs := tpl.resources("AWS::SNS::Subscription"); len(subs) != 0 {
		t.Errorf("subscriptions without alarmEmail: %s", js(subs))
	}
}

// wantAlarm is one expected alarm, found by its name (after the stack
// prefix).
type wantAlarm struct {
	namespace, metric string
	dimensions        map[string]interface{}
	threshold         float64
}

func TestAlarms(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	sm := ref(logicalID(t, stack, f.svc.Workflow.StateMachine))
	api := ref(logicalID(t, stack, f.svc.API.HTTPAPI))
	want := map[string]wantAlarm{
		"workflow-executions-failed":    {"AWS/States", "ExecutionsFailed", map[string]interface{}{"StateMachineArn": sm}, 1},
		"workflow-executions-timed-out": {"AWS/States", "ExecutionsTimedOut", map[string]interface{}{"StateMachineArn": sm}, 1},
		"workflow-executions-aborted":   {"AWS/States", "ExecutionsAborted", map[string]interface{}{"StateMachineArn": sm}, 1},
		"api-5xx":                       {"AWS/ApiGateway", "5xx", map[string]interface{}{"ApiId": api, "Stage": "$default"}, API5xxThreshold},
		"notification-failures":         {MetricNamespace, MetricNotificationFailures, nil, 1},
		"approval-reminders":            {MetricNamespace, MetricApprovalReminders, nil, 1},
		"gates-expired":                 {MetricNamespace, MetricGatesExpired, nil, 1},
	}
	for _, fn := range []*GoFunction{f.svc.Intake, f.svc.Verify, f.svc.Notify, f.svc.Health, f.svc.Resumer.Function} {
		dims := map[string]interface{}{"FunctionName": ref(logicalID(t, stack, fn.Function))}
		want[fn.Name+"-errors"] = wantAlarm{"AWS/Lambda", "Errors", dims, 1}
		want[fn.Name+"-throttles"] = wantAlarm{"AWS/Lambda", "Throttles", dims, 1}
	}

	topic := []interface{}{ref(logicalID(t, stack, f.svc.Monitoring.Topic))}
	seen := map[string]bool{}
	for id, a := range f.svcJSON.resources("AWS::CloudWatch::Alarm") {
		p := props(a)
		fullName, _ := p["AlarmName"].(string)
		name, ok := strings.CutPrefix(fullName, ServiceStackName+"-")
		if !ok {
			t.Errorf("%s: alarm name %q does not start with %s- (the topic accepts only those)", id, fullName, ServiceStackName)
			continue
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: unexpected alarm %q", id, fullName)
			continue
		}
		seen[name] = true
		var dims map[string]interface{}
		for _, d := range list(p["Dimensions"]) {
			if dims == nil {
				dims = map[string]interface{}{}
			}
			dims[fmt.Sprint(obj(d)["Name"])] = obj(d)["Value"]
		}
		if p["Namespace"] != w.namespace || p["MetricName"] != w.metric || !reflect.DeepEqual(dims, w.dimensions) {
			t.Errorf("%s watches %v/%v %s, want %s/%s %s", name, p["Namespace"], p["MetricName"], js(dims), w.namespace, w.metric, js(w.dimensions))
		}
		if p["Statistic"] != "Sum" || p["Period"] != 300.0 || p["Threshold"] != w.threshold ||
			p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["EvaluationPeriods"] != 1.0 {
			t.Errorf("%s: %v of %v s %v %v over %v periods, want Sum of 300 s >= %v over 1", name, p["Statistic"], p["Period"],
				p["ComparisonOperator"], p["Threshold"], p["EvaluationPeriods"], w.threshold)
		}
		if p["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: TreatMissingData %v, want notBreaching", name, p["TreatMissingData"])
		}
		if !reflect.DeepEqual(p["AlarmActions"], topic) || !reflect.DeepEqual(p["OKActions"], topic) {
			t.Errorf("%s: actions %s, OK actions %s, want both the alarm topic", name, js(p["AlarmActions"]), js(p["OKActions"]))
		}
		checkDescription(t, name, p["AlarmDescription"])
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no alarm %s-%s", ServiceStackName, name)
		}
	}
	// Every function of the stack, including any added later, is watched.
	for id := range f.svcJSON.resources("AWS::Lambda::Function") {
		for _, metric := range []string{"Errors", "Throttles"} {
			found := false
			for _, a := range f.svcJSON.resources("AWS::CloudWatch::Alarm") {
				p := props(a)
				found = found || (p["Namespace"] == "AWS/Lambda" && p["MetricName"] == metric &&
					js(p["Dimensions"]) == js([]interface{}{map[string]interface{}{"Name": "FunctionName", "Value": ref(id)}}))
			}
			if !found {
				t.Errorf("function %s has no %s alarm (add it to MonitoringProps.Functions)", id, metric)
			}
		}
	}
	if len(f.svc.Monitoring.Alarms) != len(want) {
		t.Errorf("Monitoring.Alarms has %d alarms, want %d", len(f.svc.Monitoring.Alarms), len(want))
	}
}

// checkDescription: an operator can act on it (it says where to look), and
// it fits CloudWatch's 1024 characters once names are filled in.
func checkDescription(t *testing.T, name string, d interface{}) {
	t.Helper()
	text, tokens := "", 0
	if s, ok := d.(string); ok {
		text = s
	} else {
		for _, part := range list(list(obj(d)["Fn::Join"])[1]) {
			if s, ok := part.(string); ok {
				text += s
			} else {
				tokens++
			}
		}
	}
	if !strings.Contains(text, "Look") || len(text) < 150 {
		t.Errorf("%s: description %q does not say what happened and where to look", name, text)
	}
	if n := len(text) + 128*tokens; n > 1024 {
		t.Errorf("%s: description may reach %d characters, CloudWatch allows 1024", name, n)
	}
}

// TestLogMetricFilters: the log-based metrics count the notify function's
// lines in the log group the stack owns (and the function writes to).
func TestLogMetricFilters(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	notifyLog := logicalID(t, stack, f.svc.Notify.LogGroup)
	if typ := f.svcJSON.resource(t, notifyLog)["Type"]; typ != "AWS::Logs::LogGroup" {
		t.Fatalf("notify log group %s is a %v, not a log group of the stack", notifyLog, typ)
	}
	fn := props(f.svcJSON.resource(t, logicalID(t, stack, f.svc.Notify.Function)))
	if got := obj(fn["LoggingConfig"])["LogGroup"]; !reflect.DeepEqual(got, ref(notifyLog)) {
		t.Fatalf("notify logs to %s, not to %s", js(got), notifyLog)
	}
	want := map[string]string{
		MetricNotificationFailures: `{ ($.msg = "notification") && ($.outcome = "failed") }`,
		MetricApprovalReminders:    `{ ($.msg = "workflow event") && ($.event = "approval-reminder") }`,
		MetricGatesExpired:         `{ ($.msg = "workflow event") && ($.event = "expired") }`,
	}
	got := map[string]string{}
	for id, r := range f.svcJSON.resources("AWS::Logs::MetricFilter") {
		p := props(r)
		if !reflect.DeepEqual(p["LogGroupName"], ref(notifyLog)) {
			t.Errorf("%s filters %s, want the notify log group", id, js(p["LogGroupName"]))
		}
		for _, tr := range list(p["MetricTransformations"]) {
			tr := obj(tr)
			if tr["MetricNamespace"] != MetricNamespace || tr["MetricValue"] != "1" {
				t.Errorf("%s: %s", id, js(tr))
			}
			got[fmt.Sprint(tr["MetricName"])] = fmt.Sprint(p["FilterPattern"])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metric filters:\n got  %v\n want %v", got, want)
	}
}

// Fakes for running pkg/install's notify step in-process.
type memStore struct{}

func (memStore) Get(_ context.Context, id string) (*store.Record, error) {
	return &store.Record{Submission: store.Submission{ID: id, CustomerName: "Acme", Status: workflow.StatusAwaitingApproval, Stage: "approve-dev"}}, nil
}
func (memStore) GetVersion(context.Context, string, int) (*store.Version, error) {
	return nil, errors.New("no versions in this fake")
}
func (memStore) Record(context.Context, string, store.Event) error { return nil }
func (memStore) Append(context.Context, string, store.Event) error { return nil }
func (memStore) PutReport(context.Context, string, int, string, []byte, time.Time) (string, error) {
	return "", errors.New("no reports in this fake")
}
func (memStore) GetReport(context.Context, string, string) ([]byte, error) {
	return nil, errors.New("no reports in this fake")
}

type gates struct{}

func (gates) Open(_ context.Context, r approval.OpenRequest) (approval.Link, error) {
	return approval.Link{ID: "a1", URL: testBaseURL + "/approvals/a1", ExpiresAt: time.Now().Add(time.Hour)}, nil
}

type mailer struct{ err error }

func (m mailer) Send(context.Context, notify.Email) (string, error) {
	if m.err != nil {
		return "", m.err
	}
	return "message-id", nil
}

// TestLogMetricsMatchTheLogLines runs the real notify step (pkg/install,
// pkg/notify) with the functions' JSON logging (pkg/awsx/boot.Logger is slog's
// JSON handler) and counts its lines the way the metric filters do: a
// renamed message or field makes the alarms blind, and this fails.
func TestLogMetricsMatchTheLogLines(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	run := func(mail error, in workflow.NotifyInput) {
		t.Helper()
		tasks := install.New(memStore{}, mailer{mail}, install.Config{PMEmail: testPMEmail, BaseURL: testBaseURL, Logger: logger, Gates: gates{}})
		if _, err := tasks.Notify(context.Background(), in); err != nil {
			t.Fatalf("notify %s: %v", in.Event, err)
		}
	}
	base := workflow.NotifyInput{SubmissionID: "sub-1", Version: 1, Environment: "dev"}
	gate := func(event, token string) workflow.NotifyInput {
		in := base
		in.Event, in.Gate, in.Kind, in.TaskToken = event, "approve-dev", "approve", token
		return in
	}
	// Delivered fine: counts nothing.
	run(nil, gate(workflow.EventApprovalRequested, "token-1"))
	// The reminder, delivery failing: one reminder, one failure.
	run(errors.New("MessageRejected: Email address is not verified"), gate(workflow.EventApprovalReminder, "token-2"))
	// The gate expires, delivered fine: one expiry.
	expired := base
	expired.Event, expired.Gate = workflow.EventExpired, "approve-dev"
	run(nil, expired)

	var lines []map[string]interface{}
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]interface{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON (a JSON metric filter cannot match it): %s", l)
		}
		lines = append(lines, m)
	}
	count := map[string]int{}
	for _, lm := range LogMetrics {
		for _, l := range lines {
			if matchesAll(l, lm.Match) {
				count[lm.Name]++
			}
		}
	}
	want := map[string]int{MetricNotificationFailures: 1, MetricApprovalReminders: 1, MetricGatesExpired: 1}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("log lines counted %v, want %v; lines:\n%s", count, want, buf.String())
	}
}

// matchesAll is a JSON filter pattern of string equalities joined by &&.
func matchesAll(line map[string]interface{}, fields []LogField) bool {
	for _, f := range fields {
		if v, ok := line[f.Field].(string); !ok || v != f.Value {
			return false
		}
	}
	return true
}

// dashboardBody returns the dashboard's JSON with every CloudFormation
// reference written as ${Ref:Id} or ${GetAtt:Id.Attr}.
func dashboardBody(t *testing.T, tpl template) map[string]interface{} {
	t.Helper()
	dashboards := tpl.resources("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("want one dashboard, got %d", len(dashboards))
	}
	var body string
	for _, d := range dashboards {
		b := props(d)["DashboardBody"]
		if s, ok := b.(string); ok {
			body = s
			break
		}
		for _, part := range list(list(obj(b)["Fn::Join"])[1]) {
			switch p := part.(type) {
			case string:
				body += p
			default:
				if r, ok := obj(p)["Ref"]; ok {
					body += fmt.Sprintf("${Ref:%v}", r)
				} else if ga := list(obj(p)["Fn::GetAtt"]); len(ga) == 2 {
					body += fmt.Sprintf("${GetAtt:%v.%v}", ga[0], ga[1])
				} else {
					body += "${" + strings.ReplaceAll(js(p), `"`, "'") + "}"
				}
			}
		}
	}
	var out map[string]interface{}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("dashboard body: %v\n%s", err, body)
	}
	return out
}

func TestDashboard(t *testing.T) {
	f := getFixture(t)
	stack := f.svc.Stack
	body := dashboardBody(t, f.svcJSON)
	if name := props(f.svcJSON.resource(t, logicalID(t, stack, f.svc.Monitoring.Dashboard)))["DashboardName"]; name != ServiceStackName+"-operations" {
		t.Errorf("DashboardName = %v", name)
	}

	// Every metric of every graph, as "namespace name dim=value... stat".
	metrics := map[string]bool{}
	var alarmWidget []string
	for _, w := range list(body["widgets"]) {
		p := obj(obj(w)["properties"])
		for _, a := range list(p["alarms"]) {
			alarmWidget = append(alarmWidget, fmt.Sprint(a))
		}
		for _, m := range list(p["metrics"]) {
			parts := list(m)
			var words []string
			stat := ""
			for i := 0; i < len(parts); i++ {
				if o, ok := parts[i].(map[string]interface{}); ok {
					stat = fmt.Sprint(o["stat"])
					continue
				}
				if i >= 2 && i+1 < len(parts) {
					if _, isOpts := parts[i+1].(map[string]interface{}); !isOpts {
						words = append(words, fmt.Sprintf("%v=%v", parts[i], parts[i+1]))
						i++
						continue
					}
				}
				words = append(words, fmt.Sprint(parts[i]))
			}
			metrics[strings.Join(append(words, stat), " ")] = true
		}
	}
	sm := "StateMachineArn=${Ref:" + logicalID(t, stack, f.svc.Workflow.StateMachine) + "}"
	api := "ApiId=${Ref:" + logicalID(t, stack, f.svc.API.HTTPAPI) + "} Stage=$default"
	table := "TableName=${Ref:" + logicalID(t, stack, f.svc.Data.Table) + "}"
	want := []string{
		"AWS/States ExecutionsStarted " + sm + " Sum", "AWS/States ExecutionsSucceeded " + sm + " Sum",
		"AWS/States ExecutionsFailed " + sm + " Sum", "AWS/States ExecutionsTimedOut " + sm + " Sum",
		"AWS/States ExecutionsAborted " + sm + " Sum",
		"AWS/ApiGateway Count " + api + " Sum", "AWS/ApiGateway 4xx " + api + " Sum", "AWS/ApiGateway 5xx " + api + " Sum",
		"AWS/ApiGateway Latency " + api + " p99",
		MetricNamespace + " " + MetricNotificationFailures + " Sum", MetricNamespace + " " + MetricApprovalReminders + " Sum",
		MetricNamespace + " " + MetricGatesExpired + " Sum",
		"AWS/DynamoDB ReadThrottleEvents " + table + " Sum", "AWS/DynamoDB WriteThrottleEvents " + table + " Sum",
	}
	for _, fn := range []*GoFunction{f.svc.Intake, f.svc.Verify, f.svc.Notify, f.svc.Health, f.svc.Resumer.Function} {
		dim := "FunctionName=${Ref:" + logicalID(t, stack, fn.Function) + "}"
		want = append(want, "AWS/Lambda Invocations "+dim+" Sum", "AWS/Lambda Errors "+dim+" Sum",
			"AWS/Lambda Throttles "+dim+" Sum", "AWS/Lambda Duration "+dim+" p99")
	}
	for _, w := range want {
		if !metrics[w] {
			t.Errorf("dashboard has no %s", w)
		}
	}
	if t.Failed() {
		var have []string
		for m := range metrics {
			have = append(have, m)
		}
		sort.Strings(have)
		t.Logf("dashboard metrics:\n  %s", strings.Join(have, "\n  "))
	}

	var wantAlarms []string
	for id := range f.svcJSON.resources("AWS::CloudWatch::Alarm") {
		wantAlarms = append(wantAlarms, "${GetAtt:"+id+".Arn}")
	}
	sort.Strings(wantAlarms)
	sort.Strings(alarmWidget)
	if !reflect.DeepEqual(alarmWidget, wantAlarms) {
		t.Errorf("alarm status widget shows %v, want every alarm %v", alarmWidget, wantAlarms)
	}
	if out := obj(obj(f.svcJSON["Outputs"])["DashboardName"]); out["Value"] == nil {
		t.Errorf("no DashboardName output")
	}
}

// TestCorsOriginValidation: corsOrigin must be one bare https origin (http
// only for the local machine); anything else fails naming the key.
func TestCorsOriginValidation(t *testing.T) {
	for in, want := range map[string]string{
		"https://portal.example.com":       "https://portal.example.com",
		"https://portal.example.com/":      "https://portal.example.com",
		"https://Portal.Example.COM:8443":  "https://portal.example.com:8443",
		"http://localhost:5173":            "http://localhost:5173",
		"http://127.0.0.1:8080":            "http://127.0.0.1:8080",
		"http://[::1]:3000":                "http://[::1]:3000",
		"  https://portal.example.com  \n": "https://portal.example.com",
	} {
		cfg, err := configFrom(func(k string) interface{} {
			if k == CtxCorsOrigin {
				return in
			}
			return nil
		})
		if err != nil || cfg.CorsOrigin != want {
			t.Errorf("corsOrigin %q: got %q, %v; want %q", in, cfg.CorsOrigin, err, want)
		}
	}
	for _, in := range []string{
		"*", "https://*", "https://*.example.com", "null",
		"http://portal.example.com", "ftp://portal.example.com", "portal.example.com", "//portal.example.com",
		"https://portal.example.com/form", "https://portal.example.com?x=1", "https://portal.example.com#top",
		"https://user@portal.example.com", "https://portal.example.com:0", "https://portal.example.com:",
		"https://a.example.com,https://b.example.com", "https://a.example.com https://b.example.com",
		"http://localhost.example.com",
	} {
		_, err := configFrom(func(k string) interface{} {
			if k == CtxCorsOrigin {
				return in
			}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), CtxCorsOrigin+":") {
			t.Errorf("corsOrigin %q: want an error naming %s, got %v", in, CtxCorsOrigin, err)
		}
	}
}

// TestAlarmEmailValidation: alarmEmail is a bare address or absent.
func TestAlarmEmailValidation(t *testing.T) {
	get := func(v interface{}) func(string) interface{} {
		return func(k string) interface{} {
			if k == CtxAlarmEmail {
				return v
			}
			return nil
		}
	}
	if cfg, err := configFrom(get(" ops@example.com ")); err != nil || cfg.AlarmEmail != "ops@example.com" {
		t.Errorf("got %q, %v", cfg.AlarmEmail, err)
	}
	if cfg, err := configFrom(get(nil)); err != nil || cfg.AlarmEmail != "" {
		t.Errorf("unset: got %q, %v", cfg.AlarmEmail, err)
	}
	for _, bad := range []string{"ops", "Ops <ops@example.com>", "ops@example.com, dev@example.com", "@example.com"} {
		if _, err := configFrom(get(bad)); err == nil || !strings.Contains(err.Error(), CtxAlarmEmail+":") {
			t.Errorf("alarmEmail %q: want an error naming %s, got %v", bad, CtxAlarmEmail, err)
		}
	}
}

// TestNoWildcardResourcePolicyActions: the key and topic policies grant
// listed actions only (TestNoWildcardActions covers identity policies).
func TestNoWildcardResourcePolicyActions(t *testing.T) {
	f := getFixture(t)
	all := resourcePolicyStatements(f.svcJSON)
	where := map[string]bool{}
	for _, s := range all {
		where[strings.Fields(s.where)[0]] = true
		for _, a := range list(s.statement["Action"]) {
			if wildcardAction.MatchString(a.(string)) {
				t.Errorf("%s: wildcard action %q", s.where, a)
			}
		}
		if s.statement["NotAction"] != nil || s.statement["NotPrincipal"] != nil {
			t.Errorf("%s: NotAction/NotPrincipal %s", s.where, js(s.statement))
		}
		// Only the SSL-enforcing Deny may name every principal.
		if s.statement["Principal"] == "*" && s.statement["Effect"] != "Deny" {
			t.Errorf("%s allows everyone: %s", s.where, js(s.statement))
		}
	}
	for _, c := range []string{logicalID(t, f.svc.Stack, f.svc.Monitoring.Key), logicalID(t, f.svc.Stack, f.svc.Monitoring.Topic.Node().FindChild(jsii.String("Policy")))} {
		if !where[c] {
			t.Errorf("found no statements of %s; the check would see nothing", c)
		}
	}
	// The key's account statement is the default key policy's, without kms:*.
	var account []string
	for _, s := range all {
		if strings.Contains(js(obj(s.statement["Principal"])["AWS"]), `:root"`) {
			for _, a := range list(s.statement["Action"]) {
				account = append(account, a.(string))
			}
		}
	}
	wantAccount := append(slices.Clone(keyAdministration), keyUse...)
	sort.Strings(account)
	sort.Strings(wantAccount)
	if !reflect.DeepEqual(account, wantAccount) {
		t.Errorf("account principal's key actions %v, want %v", account, wantAccount)
	}
	for _, a := range wantAccount {
		if !regexp.MustCompile(`^kms:[A-Z][A-Za-z]+$`).MatchString(a) {
			t.Errorf("%q is not one KMS action", a)
		}
	}
}
