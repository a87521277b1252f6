package inventory

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

// EC2API is the part of the EC2 client the collector uses.
type EC2API interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeVolumes(context.Context, *ec2.DescribeVolumesInput, ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	DescribeInstanceTypes(context.Context, *ec2.DescribeInstanceTypesInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error)
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DescribeVpcPeeringConnections(context.Context, *ec2.DescribeVpcPeeringConnectionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcPeeringConnectionsOutput, error)
}

// ELBv2API is the part of the Elastic Load Balancing v2 client the
// collector uses.
type ELBv2API interface {
	DescribeLoadBalancers(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeListeners(context.Context, *elbv2.DescribeListenersInput, ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
}

// ACMAPI is the part of the ACM client the collector uses.
type ACMAPI interface {
	DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
	GetCertificate(context.Context, *acm.GetCertificateInput, ...func(*acm.Options)) (*acm.GetCertificateOutput, error)
}

// BackupAPI is the part of the AWS Backup client the collector uses
// (awsrest.Backup: the SDK's service/backup and service/dlm build their
// whole models at package init, ~0.9 MB of the verify function).
type BackupAPI interface {
	ListBackupPlans(context.Context, *awsrest.ListBackupPlansInput) (*awsrest.ListBackupPlansOutput, error)
	ListBackupSelections(context.Context, *awsrest.ListBackupSelectionsInput) (*awsrest.ListBackupSelectionsOutput, error)
	GetBackupSelection(context.Context, *awsrest.GetBackupSelectionInput) (*awsrest.GetBackupSelectionOutput, error)
}

// DLMAPI is the part of the Data Lifecycle Manager client the collector
// uses (awsrest.DLM, for the same reason).
type DLMAPI interface {
	GetLifecyclePolicies(context.Context, *awsrest.GetLifecyclePoliciesInput) (*awsrest.GetLifecyclePoliciesOutput, error)
	GetLifecyclePolicy(context.Context, *awsrest.GetLifecyclePolicyInput) (*awsrest.GetLifecyclePolicyOutput, error)
}

// CloudWatchAPI is the part of the CloudWatch client the collector uses.
type CloudWatchAPI interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// Clients are the AWS clients one collection reads through. A nil client
// makes its sources fail with code "NoClient" rather than panic.
type Clients struct {
	EC2        EC2API
	ELBv2      ELBv2API
	ACM        ACMAPI
	Backup     BackupAPI
	DLM        DLMAPI
	CloudWatch CloudWatchAPI
}

// Retry defaults of RetryingConfig: throttling (RequestLimitExceeded,
// ThrottlingException, ...) is absorbed by the SDK's standard retryer with
// exponential backoff and jitter, never by the collector itself.
const (
	RetryMaxAttempts = 8
	RetryMaxBackoff  = 20 * time.Second
)

// RetryingConfig returns a copy of cfg whose clients retry with
// retry.NewStandard: RetryMaxAttempts attempts, exponential jittered
// backoff capped at RetryMaxBackoff, and no client-side retry quota (the
// collector bounds its own concurrency, and a shared quota would turn a
// burst of throttling into hard failures). optFns adjust the standard
// options after those defaults (tests shorten the backoff with them).
//
// Every client the collector uses must be built from such a config:
// NewClients applies it when cfg has no Retryer of its own.
func RetryingConfig(cfg aws.Config, optFns ...func(*retry.StandardOptions)) aws.Config {
	cfg = cfg.Copy()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = RetryMaxAttempts
			o.MaxBackoff = RetryMaxBackoff
			o.RateLimiter = ratelimit.None
			for _, fn := range optFns {
				fn(o)
			}
		})
	}
	// A RetryMaxAttempts / RetryMode from the environment or shared config
	// would wrap or replace the retryer above; the retryer is the decision.
	cfg.RetryMaxAttempts = 0
	cfg.RetryMode = ""
	return cfg
}

// NewClients builds the real clients from cfg (typically the result of
// AssumeRoleConfig): SDK clients, and awsrest's for Backup and DLM, which
// take endpoints, credentials, HTTP client and retryer from cfg the way
// the SDK's do. When cfg carries no Retryer, RetryingConfig is applied
// first so that throttling is retried with backoff.
func NewClients(cfg aws.Config) Clients {
	if cfg.Retryer == nil {
		cfg = RetryingConfig(cfg)
	}
	return Clients{
		EC2:        ec2.NewFromConfig(cfg),
		ELBv2:      elbv2.NewFromConfig(cfg),
		ACM:        acm.NewFromConfig(cfg),
		Backup:     awsrest.NewBackup(cfg),
		DLM:        awsrest.NewDLM(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
	}
}

// AssumeRoleConfig returns a copy of base whose credentials come from
// sts:AssumeRole into roleArn with the customer's externalID, refreshed and
// cached by aws.NewCredentialsCache. base supplies the caller's own
// credentials (for the STS call) and the region: set base.Region to the
// target environment's region before calling. Nothing is called here: a
// refused AssumeRole surfaces as the error of every source read with it.
// ctx is accepted for symmetry with the other constructors and is unused.
func AssumeRoleConfig(ctx context.Context, base aws.Config, roleArn, externalID, sessionName string) aws.Config {
	_ = ctx
	if sessionName == "" {
		sessionName = "appliance-intake-verify"
	}
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), roleArn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = sessionName
		if externalID != "" {
			o.ExternalID = aws.String(externalID)
		}
	})
	cfg := base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(provider)
	return cfg
}
