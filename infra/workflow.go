package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Placeholders of the rendered definition: CloudFormation replaces each
// ${Name} with the function ARN given in DefinitionSubstitutions, so the
// synthesized template keeps the definition readable.
const (
	PlaceholderVerify = "VerifyFunctionArn"
	PlaceholderNotify = "NotifyFunctionArn"
	PlaceholderHealth = "HealthFunctionArn"
)

// placeholderPattern finds every ${Name} in a rendered definition.
var placeholderPattern = regexp.MustCompile(`\$\{([^}]*)\}`)

// WorkflowProps configures the install workflow.
type WorkflowProps struct {
	// Settings are the timings of the workflow (Config.WorkflowSettings());
	// their function ARNs are ignored and set to the placeholders.
	Settings workflow.Settings
	// Functions maps every placeholder of the rendered definition (e.g.
	// PlaceholderVerify) to the function whose ARN replaces it.
	Functions map[string]awslambda.IFunction
}

// Workflow is the install state machine: the definition built by
// workflow.Definition, with function ARNs substituted by CloudFormation.
type Workflow struct {
	Scope        constructs.Construct
	StateMachine sfn.StateMachine
	LogGroup     awslogs.LogGroup
	// Definition is the rendered definition, with ${Name} placeholders.
	Definition string
}

// RenderDefinition builds the definition from the timings of s with the
// function ARNs as ${Placeholder}s.
func RenderDefinition(s workflow.Settings) (string, error) {
	s.VerifyFunctionArn = "${" + PlaceholderVerify + "}"
	s.NotifyFunctionArn = "${" + PlaceholderNotify + "}"
	s.HealthFunctionArn = "${" + PlaceholderHealth + "}"
	def, err := workflow.Definition(s)
	if err != nil {
		return "", fmt.Errorf("state machine definition: %w", err)
	}
	return def, nil
}

// DefinitionPlaceholders returns the distinct ${Name} names of def, sorted.
func DefinitionPlaceholders(def string) []string {
	var names []string
	for _, m := range placeholderPattern.FindAllStringSubmatch(def, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// NewWorkflow creates the STANDARD state machine with full execution logging
// and X-Ray tracing; its role may invoke exactly the substituted functions.
func NewWorkflow(scope constructs.Construct, id string, props *WorkflowProps) (*Workflow, error) {
	if props == nil {
		props = &WorkflowProps{}
	}
	def, err := RenderDefinition(props.Settings)
	if err != nil {
		return nil, err
	}
	var mapped []string
	for name, fn := range props.Functions {
		if fn != nil {
			mapped = append(mapped, name)
		}
	}
	names, err := checkPlaceholders(DefinitionPlaceholders(def), mapped)
	if err != nil {
		return nil, err
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	subs := map[string]*string{}
	var arns []*string
	for _, name := range names {
		arn := props.Functions[name].FunctionArn()
		subs[name] = arn
		arns = append(arns, arn)
	}

	// The /aws/vendedlogs/ prefix keeps the CloudWatch Logs resource policy
	// Step Functions maintains from growing with every log group.
	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("/aws/vendedlogs/states/" + *stack.StackName() + "-install"),
		Retention:    LogRetention,
	})
	sm := sfn.NewStateMachine(c, jsii.String("StateMachine"), &sfn.StateMachineProps{
		Comment:                 jsii.String("Appliance Intake install workflow (pkg/workflow.Definition)"),
		StateMachineType:        sfn.StateMachineType_STANDARD,
		DefinitionBody:          sfn.DefinitionBody_FromString(jsii.String(def)),
		DefinitionSubstitutions: &subs,
		Logs: &sfn.LogOptions{
			Destination:          logGroup,
			Level:                sfn.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
		TracingEnabled: jsii.Bool(true),
	})
	// lambda:InvokeFunction on the unqualified ARNs the definition names,
	// nothing else (fn.GrantInvoke would add "<arn>:*" for every version).
	sm.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &arns,
	}))
	suppress(sm.Role(), "AwsSolutions-IAM5",
		"Step Functions logging to CloudWatch Logs needs the log delivery actions (logs:CreateLogDelivery, logs:GetLogDelivery, logs:UpdateLogDelivery, "+
			"logs:DeleteLogDelivery, logs:ListLogDeliveries, logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray tracing "+
			"needs xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets; none of these supports resource-level "+
			"permissions, so AWS documents Resource \"*\" for them.",
		"Resource::*")
	return &Workflow{Scope: c, StateMachine: sm, LogGroup: logGroup, Definition: def}, nil
}

// checkPlaceholders checks that every placeholder of the definition has a
// function and every function a placeholder, and returns the names sorted.
// A half-wired state machine must fail synthesis, not the first execution.
func checkPlaceholders(placeholders, mapped []string) ([]string, error) {
	var missing, unused []string
	for _, p := range placeholders {
		if !slices.Contains(mapped, p) {
			missing = append(missing, p)
		}
	}
	for _, name := range mapped {
		if !slices.Contains(placeholders, name) {
			unused = append(unused, name)
		}
	}
	slices.Sort(missing)
	slices.Sort(unused)
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "no function for placeholder(s) "+strings.Join(missing, ", "))
	}
	if len(unused) > 0 {
		problems = append(problems, "function(s) mapped to placeholder(s) the definition does not use: "+strings.Join(unused, ", "))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("state machine definition (pkg/workflow.Definition): %s", strings.Join(problems, "; "))
	}
	names := slices.Clone(placeholders)
	slices.Sort(names)
	return names, nil
}
