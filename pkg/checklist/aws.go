package checklist

import (
	"regexp"
	"strings"
)

// Identifier shapes. The same patterns appear in schema.json; the tests
// check that both agree on the sample documents.
var (
	accountIDRe  = regexp.MustCompile(`^\d{12}$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
	amiIDRe      = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	vpcIDRe      = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	instanceIDRe = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
	// IAM role names allow [\w+=,.@-]{1,64} after an optional path.
	roleResourceRe = regexp.MustCompile(`^role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// loadbalancer/net/<name>/<id>: names are 1-32 letters, digits, hyphens.
	nlbResourceRe = regexp.MustCompile(`^loadbalancer/net/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	acmResourceRe = regexp.MustCompile(`^certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// arn is the parsed form of arn:partition:service:region:account:resource.
type arn struct {
	Partition, Service, Region, Account, Resource string
}

// parseARN splits an ARN into its six parts; it checks only the frame.
func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn{}, false
	}
	switch parts[1] {
	case "aws", "aws-cn", "aws-us-gov":
	default:
		return arn{}, false
	}
	return arn{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, true
}

// partitionFor returns the ARN partition of an AWS region code.
func partitionFor(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
