package main

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

// FunctionResume is the resumer's folder: functions/resume, built into
// <lambdaAssetDir>/resume/bootstrap.
const FunctionResume = "resume"

// Resumer defaults: a sweep every five minutes starts what was stored at
// least two minutes (intake.DefaultResumeGrace) earlier and never started,
// so a stuck submission starts 2 to 7 minutes after it was stored.
const (
	DefaultResumeScheduleMinutes = 5
	ResumeTimeoutSeconds         = 60
)

// ResumerProps configures the resumer.
type ResumerProps struct {
	// AssetDir holds resume/bootstrap (Config.LambdaAssetDir).
	AssetDir string
	// Table is the submissions table (Data.Table).
	Table awsdynamodb.ITable
	// StateMachine is the install workflow the resumer starts.
	StateMachine sfn.IStateMachine
	// Schedule is how often the sweep runs; nil means every
	// DefaultResumeScheduleMinutes minutes.
	Schedule awscdk.Duration
	// GraceSeconds is how old an unstarted version must be before the
	// sweep starts it; 0 means intake.DefaultResumeGrace.
	GraceSeconds int
}

// Resumer is the scheduled function that starts the workflow of every
// submission version stored without one (the intake process died between
// the two and the client never retried; see pkg/intake.Resumer).
type Resumer struct {
	Scope    constructs.Construct
	Function *GoFunction
	Rule     awsevents.Rule
}

// NewResumer creates the resume function and its EventBridge schedule.
// Its role may, besides its own log group: query and write the
// submissions' and pending markers' items of the table (no Scan, no batch
// operations, no other partition), and start executions of the install
// state machine.
func NewResumer(scope constructs.Construct, id string, props *ResumerProps) (*Resumer, error) {
	if props == nil || props.Table == nil || props.StateMachine == nil {
		return nil, fmt.Errorf("resumer %s: Table and StateMachine are required", id)
	}
	grace := props.GraceSeconds
	if grace <= 0 {
		grace = int(intake.DefaultResumeGrace.Seconds())
	}
	schedule := props.Schedule
	if schedule == nil {
		schedule = awscdk.Duration_Minutes(jsii.Number(DefaultResumeScheduleMinutes))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	fn, err := NewGoFunction(c, "Function", &GoFunctionProps{
		Name: FunctionResume, AssetDir: props.AssetDir,
		Description: "Appliance Intake: starts the workflow of submissions stored without one (scheduled sweep)",
		MemorySize:  256, Timeout: awscdk.Duration_Seconds(jsii.Number(ResumeTimeoutSeconds)),
		Environment: map[string]string{
			"TABLE_NAME":           *props.Table.TableName(),
			"STATE_MACHINE_ARN":    *props.StateMachine.StateMachineArn(),
			"RESUME_GRACE_SECONDS": strconv.Itoa(grace),
			"LOG_LEVEL":            "info",
		},
	})
	if err != nil {
		return nil, err
	}

	// What store.Pending, Get, MarkStarted, Append and ClearPending call:
	// Query; UpdateItem; DeleteItem; and TransactWriteItems of a Put with a
	// ConditionCheck (authorized as PutItem and ConditionCheckItem). Only
	// on the SUB#<id> and PENDING partitions.
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ResumeStoredSubmissions"),
		Actions: jsii.Strings("dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
			"dynamodb:PutItem", "dynamodb:ConditionCheckItem"),
		Resources: jsii.Strings(*props.Table.TableArn()),
		Conditions: &map[string]interface{}{
			"ForAllValues:StringLike": map[string]interface{}{
				"dynamodb:LeadingKeys": []interface{}{store.SubmissionPartitionPrefix + "*", store.PendingPartition},
			},
		},
	}))
	// Executions are named after the submission version: a repeated start
	// is refused with ExecutionAlreadyExists, never run twice.
	props.StateMachine.GrantStartExecution(fn.Role)

	rule := awsevents.NewRule(c, jsii.String("Schedule"), &awsevents.RuleProps{
		Description: jsii.String("Appliance Intake: resumer sweep"),
		Schedule:    awsevents.Schedule_Rate(schedule),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn.Function, &awseventstargets.LambdaFunctionProps{
			// A late or lost sweep is replaced by the next one.
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   schedule,
		})},
	})
	return &Resumer{Scope: c, Function: fn, Rule: rule}, nil
}
