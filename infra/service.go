package main

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServiceStackProps configures the service stack.
type ServiceStackProps struct {
	awscdk.StackProps
	Config Config
}

// ServiceStack is the Appliance Intake service: table, functions, install
// workflow, approval link signing key and public HTTP API.
type ServiceStack struct {
	Stack    awscdk.Stack
	Data     *Data
	Intake   *GoFunction
	Verify   *GoFunction
	Notify   *GoFunction
	Health   *GoFunction
	Workflow *Workflow
	API      *API
	// SigningKey signs approval links (notify) and checks them (intake).
	SigningKey awssecretsmanager.Secret
	// SlackWebhook is the imported secret holding the Slack webhook URL
	// (nil without the slackWebhookSecretArn context key); only notify
	// reads it.
	SlackWebhook awssecretsmanager.ISecret
	// Resumer starts, on a schedule, every stored version whose workflow
	// never started (intake died between the two).
	Resumer *Resumer
	// Monitoring is the alarm topic, the alarms and the dashboard.
	Monitoring *Monitoring
}

// NewServiceStack wires the service. It fails (rather than synthesizing a
// broken stack) when a function binary is missing or the state machine
// definition names a function that does not exist.
func NewServiceStack(scope constructs.Construct, id string, props *ServiceStackProps) (*ServiceStack, error) {
	if props == nil {
		props = &ServiceStackProps{}
	}
	cfg := props.Config
	if cfg.LambdaAssetDir == "" {
		cfg.LambdaAssetDir = DefaultLambdaAssetDir
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Appliance Intake service: checklist intake API, verification and install workflow")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	s := &ServiceStack{Stack: stack}

	s.Data = NewData(stack, "Data", nil)
	table := s.Data.Table
	s.SigningKey = NewSigningKey(stack, "ApprovalSigningKey")
	// Approval links: signed with the key, valid for the whole gate.
	approvalEnv := map[string]string{
		"SIGNING_KEY_SECRET_ARN":  *s.SigningKey.SecretArn(),
		"APPROVAL_LINK_TTL_HOURS": strconv.Itoa(cfg.ApprovalLinkTTLHours()),
	}

	common := func(extra map[string]string) map[string]string {
		env := map[string]string{"TABLE_NAME": *table.TableName(), "LOG_LEVEL": "info"}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	var err error
	if s.Verify, err = NewGoFunction(stack, "Verify", &GoFunctionProps{
		Name: FunctionVerify, AssetDir: cfg.LambdaAssetDir,
		Description: "Appliance Intake: verifies one environment of a submission version",
		MemorySize:  512, Timeout: awscdk.Duration_Seconds(jsii.Number(120)),
		Environment: common(map[string]string{"VERIFY_MODE": "aws"}),
	}); err != nil {
		return nil, err
	}
	// Verification reads customer accounts only through the role they
	// deploy from our template: AssumeRole on that role name, any account.
	s.Verify.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AssumeCustomerVerifierRole"),
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":iam::*:role/" + VerifierRoleName),
	}))
	suppress(s.Verify.Role, "AwsSolutions-IAM5",
		"Customers' account ids are only known at run time (from each checklist); the grant is limited to sts:AssumeRole on the one role name "+
			"our template creates, whose trust policy in turn requires our account and the customer's ExternalId.",
		"Resource::arn:<AWS::Partition>:iam::*:role/"+VerifierRoleName)
	if s.Notify, err = NewGoFunction(stack, "Notify", &GoFunctionProps{
		Name: FunctionNotify, AssetDir: cfg.LambdaAssetDir,
		Description: "Appliance Intake: records a stage change and tells the project manager",
		MemorySize:  256, Timeout: awscdk.Duration_Seconds(jsii.Number(30)),
		Environment: common(merge(approvalEnv, notifyEnv(cfg))),
	}); err != nil {
		return nil, err
	}
	if s.Health, err = NewGoFunction(stack, "Health", &GoFunctionProps{
		Name: FunctionHealth, AssetDir: cfg.LambdaAssetDir,
		Description: "Appliance Intake: checks a deployed environment's health URL once",
		MemorySize:  256, Timeout: awscdk.Duration_Seconds(jsii.Number(30)),
		Environment: common(map[string]string{
			"HEALTHCHECK_URL_TEMPLATE": cfg.HealthCheckURLTemplate,
		}),
	}); err != nil {
		return nil, err
	}

	if s.Workflow, err = NewWorkflow(stack, "Workflow", &WorkflowProps{
		Settings: cfg.WorkflowSettings(),
		Functions: map[string]awslambda.IFunction{
			PlaceholderVerify: s.Verify.Function,
			PlaceholderNotify: s.Notify.Function,
			PlaceholderHealth: s.Health.Function,
		},
	}); err != nil {
		return nil, err
	}
	sm := s.Workflow.StateMachine

	if s.Intake, err = NewGoFunction(stack, "Intake", &GoFunctionProps{
		Name: FunctionIntake, AssetDir: cfg.LambdaAssetDir,
		Description: "Appliance Intake: HTTP API (form, submissions, status, approvals)",
		MemorySize:  256, Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
		Environment: common(merge(approvalEnv, map[string]string{
			"STATE_MACHINE_ARN": *sm.StateMachineArn(),
		})),
	}); err != nil {
		return nil, err
	}

	for _, fn := range []*GoFunction{s.Intake, s.Verify, s.Notify, s.Health} {
		table.GrantReadWriteData(fn.Role)
	}
	// Notify signs approval links, intake checks them: nobody else reads
	// the key.
	for _, fn := range []*GoFunction{s.Intake, s.Notify} {
		s.SigningKey.GrantRead(fn.Role, nil)
	}

	// Intake starts one execution per submission version and reads its
	// status; executions are named at run time (submission id + version).
	sm.GrantStartExecution(s.Intake.Role)
	s.Intake.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ReadExecutionStatus"),
		Actions: jsii.Strings("states:DescribeExecution"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("states"),
			Resource:     jsii.String("execution"),
			ResourceName: jsii.String(*sm.StateMachineName() + ":*"),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})),
	}))
	smID := *stack.GetLogicalId(sm.Node().DefaultChild().(awscdk.CfnElement))
	suppress(s.Intake.Role, "AwsSolutions-IAM5",
		"states:DescribeExecution acts on execution ARNs, which are named at run time after the submission id and version; "+
			"the wildcard covers only the executions of this one state machine.",
		"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<"+smID+".Name>:*")

	// Intake answers the approval and deployment gates with the PM's
	// decision. Step Functions authorizes SendTaskSuccess against the state
	// machine the token belongs to; failure and heartbeat are never sent.
	s.Intake.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AnswerWorkflowGates"),
		Actions:   jsii.Strings("states:SendTaskSuccess"),
		Resources: jsii.Strings(*sm.StateMachineArn()),
	}))

	grantSendEmail(s.Notify, cfg.SenderEmail)
	// Slack (optional): notify reads the webhook URL from an existing
	// secret, made outside the stack so the URL never enters a template.
	if cfg.SlackWebhookSecretArn != "" {
		s.SlackWebhook = awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("SlackWebhook"), jsii.String(cfg.SlackWebhookSecretArn))
		s.SlackWebhook.GrantRead(s.Notify.Role, nil)
	}

	s.API = NewAPI(stack, "Api", &APIProps{Handler: s.Intake.Function, CorsOrigin: cfg.CorsOrigin})
	// Links in responses and messages need the public origin. Without a
	// configured one, use the API's own endpoint: the Api resource depends
	// on no function (only its routes do), so this makes no cycle.
	base := jsii.String(cfg.PublicBaseURL)
	if cfg.PublicBaseURL == "" {
		base = s.API.HTTPAPI.ApiEndpoint()
	}
	for _, fn := range []*GoFunction{s.Intake, s.Notify} {
		fn.Function.AddEnvironment(jsii.String("PUBLIC_BASE_URL"), base, nil)
	}

	// The resumer has its own narrow grants (its partitions of the table,
	// StartExecution on this state machine), not the functions' shared ones.
	if s.Resumer, err = NewResumer(stack, "Resumer", &ResumerProps{
		AssetDir: cfg.LambdaAssetDir, Table: table, StateMachine: sm,
	}); err != nil {
		return nil, err
	}

	s.Monitoring = NewMonitoring(stack, "Monitoring", &MonitoringProps{
		AlarmEmail:           cfg.AlarmEmail,
		StateMachine:         sm,
		WorkflowLog:          s.Workflow.LogGroup,
		Functions:            []*GoFunction{s.Intake, s.Verify, s.Notify, s.Health, s.Resumer.Function},
		Notify:               s.Notify,
		API:                  s.API,
		Table:                table,
		ApprovalReminderDays: cfg.ApprovalReminderDays,
	})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Invoke URL of the intake HTTP API (the form is served at its root)"),
		Value:       s.API.URL,
	})
	awscdk.NewCfnOutput(stack, jsii.String("StateMachineArn"), &awscdk.CfnOutputProps{Value: sm.StateMachineArn()})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: table.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic every alarm notifies (ALARM and OK); subscribe operators to it"),
		Value:       s.Monitoring.Topic.TopicArn(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{
		Description: jsii.String("CloudWatch dashboard of the service"),
		Value:       s.Monitoring.Dashboard.DashboardName(),
	})
	return s, nil
}

// grantSendEmail lets notify send email From the configured sender only.
// Nothing is granted without a sender (the email channel is then off).
func grantSendEmail(fn *GoFunction, sender string) {
	if sender == "" {
		return
	}
	stack := awscdk.Stack_Of(fn.Role)
	// SES authorizes SendEmail against the sender's identity (the address or
	// its verified domain) and, while the account is in the SES sandbox,
	// against every recipient's identity too. So the resource is any identity
	// of this account and region, and the condition pins the From address.
	identities := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("ses"),
		Resource:     jsii.String("identity"),
		ResourceName: jsii.String("*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("SendAsConfiguredSender"),
		Actions:    jsii.Strings("ses:SendEmail"),
		Resources:  jsii.Strings(*identities),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"ses:FromAddress": sender}},
	}))
	suppress(fn.Role, "AwsSolutions-IAM5",
		"ses:SendEmail is authorized against the sender identity (address or domain) and, in the SES sandbox, against each recipient's "+
			"identity, so it is granted on identities of this account and region only, with the condition ses:FromAddress = the configured sender.",
		"Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*")
}

// notifyEnv is the notify function's channel configuration.
func notifyEnv(cfg Config) map[string]string {
	env := map[string]string{
		"PM_EMAIL":        cfg.PMEmail,
		"SENDER_EMAIL":    cfg.SenderEmail,
		"CUSTOMER_EMAILS": "on",
	}
	if !cfg.CustomerEmails {
		env["CUSTOMER_EMAILS"] = "off"
	}
	if cfg.SlackWebhookSecretArn != "" {
		env["SLACK_WEBHOOK_SECRET_ARN"] = cfg.SlackWebhookSecretArn
	}
	return env
}

// merge returns a new map with the entries of all maps, later ones winning.
func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
