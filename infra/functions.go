package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Function folder names: functions/<name>/main.go is built by the Makefile
// into <lambdaAssetDir>/<name>/bootstrap.
const (
	FunctionIntake = "intake"
	FunctionVerify = "verify"
	FunctionNotify = "notify"
	FunctionHealth = "health"
)

// FunctionNames lists every Lambda function of the service.
var FunctionNames = []string{FunctionIntake, FunctionVerify, FunctionNotify, FunctionHealth, FunctionResume}

// LogRetention is how long every log group of the service keeps its events.
const LogRetention = awslogs.RetentionDays_THREE_MONTHS

// GoFunctionProps configures one Go Lambda function.
type GoFunctionProps struct {
	// Name is the folder under functions/ and under AssetDir.
	Name string
	// AssetDir holds <Name>/bootstrap (linux/arm64, built by make build-lambda).
	AssetDir    string
	Description string
	MemorySize  float64
	Timeout     awscdk.Duration
	Environment map[string]string
}

// GoFunction is a Go Lambda on provided.al2023/arm64 with its own role and
// log group: the role may write to that log group only (no AWS managed
// policy), plus what grants add later.
type GoFunction struct {
	// Name is the function's folder name (FunctionIntake, ...).
	Name     string
	Scope    constructs.Construct
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// NewGoFunction creates the function, or fails when its bootstrap binary is
// missing (a function without it deploys but cannot start).
func NewGoFunction(scope constructs.Construct, id string, props *GoFunctionProps) (*GoFunction, error) {
	if props == nil || props.Name == "" {
		return nil, fmt.Errorf("function %s: a Name is required", id)
	}
	codeDir := filepath.Join(props.AssetDir, props.Name)
	if st, err := os.Stat(filepath.Join(codeDir, "bootstrap")); err != nil || st.IsDir() {
		return nil, fmt.Errorf("function %s: no bootstrap binary at %s (run `make build-lambda`, or set the %s context key): %v",
			props.Name, filepath.Join(codeDir, "bootstrap"), CtxLambdaAssetDir, err)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention: LogRetention,
	})
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("Appliance Intake %s function", props.Name)),
	})
	// Instead of AWSLambdaBasicExecutionRole (logs:* on every log group):
	// create streams and put events in this function's log group only.
	logGroup.GrantWrite(role)

	env := map[string]*string{}
	for k, v := range props.Environment {
		env[k] = jsii.String(v)
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String(props.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(codeDir), nil),
		MemorySize:   jsii.Number(props.MemorySize),
		Timeout:      props.Timeout,
		Tracing:      awslambda.Tracing_ACTIVE,
		LogGroup:     logGroup,
		Role:         role,
		Environment:  &env,
	})
	suppress(role, "AwsSolutions-IAM5",
		"X-Ray tracing (Tracing ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support only Resource \"*\" (no resource-level permissions).",
		"Resource::*")
	return &GoFunction{Name: props.Name, Scope: c, Function: fn, Role: role, LogGroup: logGroup}, nil
}
