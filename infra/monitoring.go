package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// MetricNamespace holds the service's own metrics, counted from the notify
// function's JSON log lines by metric filters.
const MetricNamespace = "ApplianceIntake"

// Metrics counted from log lines.
const (
	MetricNotificationFailures = "NotificationFailures"
	MetricApprovalReminders    = "ApprovalReminders"
	MetricGatesExpired         = "GatesExpired"
)

// LogField is one top-level field of a JSON log line and the string value
// a metric filter requires of it.
type LogField struct{ Field, Value string }

// LogMetric is a metric filter on the notify function's log group: every
// log line whose fields all have the given values counts 1.
type LogMetric struct {
	Name  string
	Match []LogField
}

// LogMetrics are the log-based metrics. The lines come from slog's JSON
// handler (pkg/awsx/boot.Logger): pkg/notify's Notifier.Announce logs
// "notification" with the outcome of every delivery, and pkg/install's
// Tasks.Notify logs "workflow event" with the event of every stage change.
var LogMetrics = []LogMetric{
	{MetricNotificationFailures, []LogField{{"msg", "notification"}, {"outcome", "failed"}}},
	{MetricApprovalReminders, []LogField{{"msg", "workflow event"}, {"event", workflow.EventApprovalReminder}}},
	{MetricGatesExpired, []LogField{{"msg", "workflow event"}, {"event", workflow.EventExpired}}},
}

// FilterPattern is the CloudWatch Logs JSON filter pattern of m.
func (m LogMetric) FilterPattern() awslogs.IFilterPattern {
	var parts []awslogs.JsonPattern
	for _, f := range m.Match {
		parts = append(parts, awslogs.FilterPattern_StringValue(jsii.String("$."+f.Field), jsii.String("="), jsii.String(f.Value)))
	}
	return awslogs.FilterPattern_All(parts...)
}

// Alarm thresholds: every alarm compares the Sum over AlarmPeriod with
// GreaterThanOrEqualToThreshold on one datapoint, and treats missing data
// (no executions, no traffic) as not breaching.
const (
	AlarmPeriodMinutes = 5
	// API5xxThreshold: 5xx answers in one period. Lower volume errors of
	// the intake function are caught by its own Errors alarm.
	API5xxThreshold = 3
)

// keyAdministration and keyUse are what the account's IAM policies may
// grant on the alarm topic key: the default key policy's role ("the
// account decides"), spelled out instead of kms:* so that no statement in
// the templates has a wildcard action.
var (
	keyAdministration = []string{
		"kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListKeyPolicies", "kms:PutKeyPolicy",
		"kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ListKeyRotations", "kms:RotateKeyOnDemand",
		"kms:EnableKey", "kms:DisableKey", "kms:UpdateKeyDescription",
		"kms:TagResource", "kms:UntagResource", "kms:ListResourceTags",
		"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
		"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:RetireGrant",
		"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
	}
	// keyUse lets principals of the account publish to (and read) the
	// encrypted topic, e.g. an operator sending a test message.
	keyUse = []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"}
	// alarmKeyUse is what CloudWatch needs to publish an alarm to a topic
	// encrypted with a customer managed key. (It cannot use the AWS managed
	// aws/sns key, whose policy does not allow it and cannot be changed.)
	alarmKeyUse = []string{"kms:Decrypt", "kms:GenerateDataKey"}
)

// MonitoringProps configures the alarms and the dashboard.
type MonitoringProps struct {
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail   string
	StateMachine sfn.StateMachine
	// WorkflowLog is the state machine's execution log group.
	WorkflowLog awslogs.ILogGroup
	Functions   []*GoFunction
	// Notify writes the log lines of LogMetrics.
	Notify *GoFunction
	API    *API
	Table  awsdynamodb.ITable
	// ApprovalReminderDays: how long before expiry the reminder goes out.
	ApprovalReminderDays int
}

// Monitoring is the alarm topic, the alarms and the operations dashboard.
type Monitoring struct {
	Scope constructs.Construct
	// Topic receives every alarm's ALARM and OK notifications.
	Topic awssns.Topic
	Key   awskms.Key
	// Alarms, in the order they were created.
	Alarms []awscloudwatch.Alarm
	// LogMetrics maps a LogMetrics name to its metric (Sum over the alarm
	// period).
	LogMetrics map[string]awscloudwatch.Metric
	Dashboard  awscloudwatch.Dashboard
	// AlarmNamePrefix starts every alarm's name ("<stack name>-"); the
	// topic accepts alarms of this account whose name starts with it.
	AlarmNamePrefix string
}

// NewMonitoring creates the encrypted alarm topic (with the optional email
// subscription), the alarms and the dashboard.
func NewMonitoring(scope constructs.Construct, id string, props *MonitoringProps) *Monitoring {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	m := &Monitoring{Scope: c, LogMetrics: map[string]awscloudwatch.Metric{}, AlarmNamePrefix: *stack.StackName() + "-"}
	period := awscdk.Duration_Minutes(jsii.Number(AlarmPeriodMinutes))

	m.Key = awskms.NewKey(c, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Appliance Intake: encrypts the alarm topic; CloudWatch alarms may use it to publish"),
		EnableKeyRotation: jsii.Bool(true),
		// It protects alarm messages in transit only; nothing encrypted
		// with it outlives the topic.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		Policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("AccountAdministersAndUsesKey"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
				Actions:    jsii.Strings(append(append([]string{}, keyAdministration...), keyUse...)...),
				Resources:  jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("CloudWatchAlarmsPublish"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
				Actions:    jsii.Strings(alarmKeyUse...),
				Resources:  jsii.Strings("*"),
			}),
		}}),
	})
	m.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("Appliance Intake alarms"),
		MasterKey:   m.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy replaces SNS's default one. Of the AWS services,
	// only CloudWatch may publish, and only for this stack's alarms in this
	// account; the account's own principals still need IAM permissions.
	m.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*m.Topic.TopicArn()),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": *awscdk.Aws_ACCOUNT_ID()},
			"ArnLike": map[string]interface{}{"aws:SourceArn": *stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"),
				ResourceName: jsii.String(m.AlarmNamePrefix + "*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}))
	if props.AlarmEmail != "" {
		m.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(m.Topic)
	alarm := func(id, name string, metric awscloudwatch.IMetric, threshold float64, description string) awscloudwatch.Alarm {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(m.AlarmNamePrefix + name),
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			DatapointsToAlarm:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		m.Alarms = append(m.Alarms, a)
		return a
	}
	// Alarm metrics have no label: CloudFormation then gets the plain
	// MetricName/Namespace/Dimensions form the console shows best.
	total := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period}
	sum := func(label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: period, Label: jsii.String(label)}
	}
	p99 := func(label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: period, Label: jsii.String(label)}
	}

	// The install workflow.
	sm := props.StateMachine
	smName := *sm.StateMachineName()
	wfLog := *props.WorkflowLog.LogGroupName()
	alarm("WorkflowFailed", "workflow-executions-failed", sm.MetricFailed(total), 1,
		"An install workflow execution failed: a step failed unexpectedly (the Catch ran NotifyFailed, which told the PM), "+
			"or the install ended as failed (deployment reported failed, appliance unhealthy). The submission's status page/audit trail "+
			"says which step and why. Look at Step Functions > state machine "+smName+" > executions with status Failed "+
			"(the failed state's error and cause) and the execution log group "+wfLog+". The customer resubmits to start a new version.")
	alarm("WorkflowTimedOut", "workflow-executions-timed-out", sm.MetricTimedOut(total), 1,
		"An install workflow execution timed out (the state machine's one-year limit): it stopped without a final notification, "+
			"and the submission stays in its last status. Look at the execution's history in Step Functions > state machine "+smName+
			" and the log group "+wfLog+"; tell the PM, and have the customer resubmit if the install should go on.")
	alarm("WorkflowAborted", "workflow-executions-aborted", sm.MetricAborted(total), 1,
		"An install workflow execution was stopped (StopExecution from the console, CLI or API): nobody was told and the "+
			"submission stays in its last status. Look in CloudTrail for StopExecution on "+smName+" (who stopped it) and at the "+
			"execution's history; tell the PM, and have the customer resubmit if the install should go on.")

	// The functions.
	consequence := map[string]string{
		FunctionIntake: "customers and the PM get 5xx answers from the API (form, submissions, status pages, approval links)",
		FunctionVerify: "a verification did not finish; the workflow retries Lambda service errors only, so the execution went to NotifyFailed and failed",
		FunctionNotify: "a stage change may not be recorded or announced and the execution went to NotifyFailed (or failed outright)",
		FunctionHealth: "a health check did not finish and the execution went to NotifyFailed and failed",
	}
	for _, fn := range props.Functions {
		title := strings.ToUpper(fn.Name[:1]) + fn.Name[1:]
		logGroup := *fn.LogGroup.LogGroupName()
		alarm(title+"Errors", fn.Name+"-errors", fn.Function.MetricErrors(total), 1,
			fmt.Sprintf("The %s function failed invocations (error returned, panic, timeout or out of memory): %s. "+
				"Look at its log group %s (level ERROR lines; REPORT lines show timeouts and memory) and its X-Ray traces.",
				fn.Name, consequence[fn.Name], logGroup))
		alarm(title+"Throttles", fn.Name+"-throttles", fn.Function.MetricThrottles(total), 1,
			fmt.Sprintf("Lambda throttled the %s function: the account's concurrent executions in this region are used up "+
				"(possibly by other functions of the account). Step Functions retries throttled tasks; API callers get errors. "+
				"Look at the account's Lambda ConcurrentExecutions metric and the Service Quotas limit for concurrent executions.", fn.Name))
	}

	// The HTTP API ($default stage: ApiId and Stage dimensions).
	stage := props.API.Stage
	alarm("Api5xx", "api-5xx", stage.MetricServerError(total), API5xxThreshold,
		fmt.Sprintf("The intake HTTP API answered %d or more 5xx responses within %d minutes: customers or the PM could not submit, "+
			"see a status page or decide an approval. Look at the access log group %s (status, integrationError), the intake "+
			"function's log group and its Errors/Throttles alarms.", API5xxThreshold, AlarmPeriodMinutes, *props.API.AccessLog.LogGroupName()))

	// Counted from the notify function's log lines (its own log group).
	notifyLog := *props.Notify.LogGroup.LogGroupName()
	for _, lm := range LogMetrics {
		mf := awslogs.NewMetricFilter(c, jsii.String(lm.Name+"Filter"), &awslogs.MetricFilterProps{
			LogGroup:        props.Notify.LogGroup,
			FilterPattern:   lm.FilterPattern(),
			MetricNamespace: jsii.String(MetricNamespace),
			MetricName:      jsii.String(lm.Name),
			MetricValue:     jsii.String("1"),
		})
		m.LogMetrics[lm.Name] = mf.Metric(total)
	}
	alarm("NotificationFailures", "notification-failures", m.LogMetrics[MetricNotificationFailures], 1,
		"A notification (email through SES or the Slack webhook) failed after its retries: the stage change is recorded, but its "+
			"recipient, usually the PM, was not told. Look in the notify log group "+notifyLog+` for msg "notification" with outcome `+
			`"failed": its detail says why (SES identity or sandbox, Slack webhook secret or URL) and submissionId which install. `+
			"Fix the channel, and tell the PM by hand if a gate is waiting.")
	alarm("ApprovalReminders", "approval-reminders", m.LogMetrics[MetricApprovalReminders], 1,
		fmt.Sprintf("An approval gate is close to expiring: the PM has not approved or rejected it, the reminder (same link) went out, "+
			"and the gate expires in %d day(s), which stops the install. Look in the notify log group %s for msg \"workflow event\" "+
			"with event %q for the submissionId and gate, and chase the PM.", props.ApprovalReminderDays, notifyLog, workflow.EventApprovalReminder))
	alarm("GatesExpired", "gates-expired", m.LogMetrics[MetricGatesExpired], 1,
		"An approval or deployment confirmation gate expired without an answer: that install stopped with status Expired and "+
			"the PM was told. Look in the notify log group "+notifyLog+` for msg "workflow event" with event "`+workflow.EventExpired+
			`" for the submissionId and gate. The customer resubmits to start a new version.`)

	m.Dashboard = m.dashboard(props, sum, p99)
	return m
}

// dashboard lays out the operations dashboard.
func (m *Monitoring) dashboard(props *MonitoringProps, sum, p99 func(string) *awscloudwatch.MetricOptions) awscloudwatch.Dashboard {
	stack := awscdk.Stack_Of(m.Scope)
	graph := func(title string, width float64, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &metrics,
		})
	}
	per := func(f func(fn *GoFunction) awscloudwatch.IMetric) []awscloudwatch.IMetric {
		var out []awscloudwatch.IMetric
		for _, fn := range props.Functions {
			out = append(out, f(fn))
		}
		return out
	}
	alarms := make([]interfacesawscloudwatch.IAlarmRef, 0, len(m.Alarms))
	for _, a := range m.Alarms {
		alarms = append(alarms, a)
	}
	sm, stage, table := props.StateMachine, props.API.Stage, props.Table

	d := awscloudwatch.NewDashboard(m.Scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(*stack.StackName() + "-operations"),
		DefaultInterval: awscdk.Duration_Days(jsii.Number(7)),
	})
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms (descriptions say what each means and where to look)"), Width: jsii.Number(24),
		Height: jsii.Number(4), Alarms: &alarms,
	}))
	d.AddWidgets(
		graph("Install workflow executions", 12,
			sm.MetricStarted(sum("started")), sm.MetricSucceeded(sum("succeeded")), sm.MetricFailed(sum("failed")),
			sm.MetricTimedOut(sum("timed out")), sm.MetricAborted(sum("aborted"))),
		graph("Notification failures, approval reminders, expired gates", 12,
			m.LogMetrics[MetricNotificationFailures].With(sum("notification failures")),
			m.LogMetrics[MetricApprovalReminders].With(sum("approval reminders")),
			m.LogMetrics[MetricGatesExpired].With(sum("expired gates"))),
	)
	d.AddWidgets(
		graph("Lambda invocations", 6, per(func(fn *GoFunction) awscloudwatch.IMetric { return fn.Function.MetricInvocations(sum(fn.Name)) })...),
		graph("Lambda errors", 6, per(func(fn *GoFunction) awscloudwatch.IMetric { return fn.Function.MetricErrors(sum(fn.Name)) })...),
		graph("Lambda throttles", 6, per(func(fn *GoFunction) awscloudwatch.IMetric { return fn.Function.MetricThrottles(sum(fn.Name)) })...),
		graph("Lambda duration p99 (ms)", 6, per(func(fn *GoFunction) awscloudwatch.IMetric { return fn.Function.MetricDuration(p99(fn.Name)) })...),
	)
	d.AddWidgets(
		graph("API requests, 4xx, 5xx", 8, stage.MetricCount(sum("requests")), stage.MetricClientError(sum("4xx")), stage.MetricServerError(sum("5xx"))),
		graph("API latency p99 (ms)", 8, stage.MetricLatency(p99("latency")), stage.MetricIntegrationLatency(p99("integration latency"))),
		graph("DynamoDB throttled events", 8,
			table.Metric(jsii.String("ReadThrottleEvents"), sum("read throttles")),
			table.Metric(jsii.String("WriteThrottleEvents"), sum("write throttles"))),
	)
	return d
}
