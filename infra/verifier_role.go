package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// VerifierRoleName is the role a customer deploys in their account and the
// service assumes (with the customer's ExternalId) to verify it.
const VerifierRoleName = "ApplianceIntakeVerifier"

// VerifierReadOnlyActions is everything the verifier role allows: read-only
// calls, each listed (no wildcards). The collector in pkg/verify must use no
// API outside this list; a test compares the two.
var VerifierReadOnlyActions = []string{
	"ec2:DescribeInstances",
	"ec2:DescribeVolumes",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets",
	"ec2:DescribeRouteTables",
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeImages",
	"ec2:DescribeInstanceTypes",
	"ec2:DescribeVpcPeeringConnections",
	"ec2:DescribeVpcs",
	"elasticloadbalancing:DescribeLoadBalancers",
	"elasticloadbalancing:DescribeListeners",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetHealth",
	"acm:DescribeCertificate",
	"acm:GetCertificate",
	"backup:ListBackupPlans",
	"backup:ListBackupSelections",
	"backup:GetBackupSelection",
	"backup:ListProtectedResources",
	"dlm:GetLifecyclePolicies",
	"dlm:GetLifecyclePolicy",
	"cloudwatch:DescribeAlarms",
}

// Parameters of the verifier role template.
const (
	ParamServiceAccountID = "ServiceAccountId"
	ParamExternalID       = "ExternalId"
)

// VerifierRoleStackProps configures the customer-side role template.
type VerifierRoleStackProps struct {
	awscdk.StackProps
	// ServiceAccountID, when set, is the default of the ServiceAccountId
	// parameter (our service account), so customers only enter ExternalId.
	ServiceAccountID string
}

// VerifierRoleStack is the template a customer deploys in THEIR account:
// one read-only role the service may assume with the agreed ExternalId.
type VerifierRoleStack struct {
	Stack            awscdk.Stack
	Role             awsiam.Role
	ServiceAccountID awscdk.CfnParameter
	ExternalID       awscdk.CfnParameter
}

// NewVerifierRoleStack creates the template. It needs no CDK bootstrap in
// the customer's account (no assets, no bootstrap version rule), so it can
// be deployed from the CloudFormation console with parameters.
func NewVerifierRoleStack(scope constructs.Construct, id string, props *VerifierRoleStackProps) *VerifierRoleStack {
	if props == nil {
		props = &VerifierRoleStackProps{}
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("Appliance Intake: read-only role the Appliance Intake service assumes (with your ExternalId) to verify the infrastructure of an appliance install.")
	}
	if sp.Synthesizer == nil {
		sp.Synthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{
			GenerateBootstrapVersionRule: jsii.Bool(false),
		})
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)

	accountProps := &awscdk.CfnParameterProps{
		Type:                  jsii.String("String"),
		Description:           jsii.String("AWS account id of the Appliance Intake service (given by your project manager)."),
		AllowedPattern:        jsii.String(`^\d{12}$`),
		ConstraintDescription: jsii.String("a 12-digit AWS account id"),
	}
	if props.ServiceAccountID != "" {
		accountProps.Default = jsii.String(props.ServiceAccountID)
	}
	account := awscdk.NewCfnParameter(stack, jsii.String(ParamServiceAccountID), accountProps)
	externalID := awscdk.NewCfnParameter(stack, jsii.String(ParamExternalID), &awscdk.CfnParameterProps{
		Type: jsii.String("String"),
		Description: jsii.String("ExternalId agreed for this customer (given by your project manager). " +
			"It is not a secret: it stops the service from being used to reach your account on someone else's behalf."),
		MinLength:             jsii.Number(2),
		MaxLength:             jsii.Number(1224),
		AllowedPattern:        jsii.String(`^[\w+=,.@:/-]+$`),
		ConstraintDescription: jsii.String("2 to 1224 characters: letters, digits and +=,.@:/-_"),
		NoEcho:                jsii.Bool(false),
	})

	role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:           jsii.String(VerifierRoleName),
		Description:        jsii.String("Read-only access for Appliance Intake verification"),
		AssumedBy:          awsiam.NewAccountPrincipal(account.ValueAsString()),
		ExternalIds:        jsii.Strings(*externalID.ValueAsString()),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ReadOnlyVerification": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Sid:       jsii.String("ReadOnlyVerification"),
						Actions:   jsii.Strings(VerifierReadOnlyActions...),
						Resources: jsii.Strings("*"),
					}),
				},
			}),
		},
	})
	suppress(role, "AwsSolutions-IAM5",
		"Resource \"*\" is required: the ec2:Describe*, elasticloadbalancing:Describe*, backup:List*, dlm:GetLifecyclePolicies and similar "+
			"read-only actions support no resource-level permissions, and the few that do (certificates, backup plans, lifecycle policies, alarms) "+
			"are verified by ids only known at run time. Every action is named explicitly and read-only (no action wildcards), an identity policy "+
			"reaches only this account's resources, and assuming the role requires the ExternalId.",
		"Resource::*")

	awscdk.NewCfnOutput(stack, jsii.String("RoleArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Give this ARN to your project manager"),
		Value:       role.RoleArn(),
	})
	return &VerifierRoleStack{Stack: stack, Role: role, ServiceAccountID: account, ExternalID: externalID}
}
