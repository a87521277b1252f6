package checklist_test

import (
	"fmt"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

func ExampleParse() {
	_, errs := checklist.Parse([]byte(`{
  "customer": {"name": "Example Corp", "contacts": []},
  "environments": {"dev": {"accountId": 111111111111}}
}`))
	for _, e := range errs {
		fmt.Printf("%s: %s\n", e.Field, e.Message)
	}
	// Output:
	// customer.contacts: is required: at least one contact for each team (infrastructure, security, networking, operations)
	// environments.dev.accountId: must be a string, not a number: put the value in quotes, e.g. "111111111111"
	// environments.dev.amiId: is required: the id of the appliance AMI Auth0 shared with this account
	// environments.dev.certificate: is required: give the public certificate chain (pem) or the ARN of the certificate in ACM (acmArn)
	// environments.dev.hostnames: is required: the manage, rta, webtask and App tenant (apps) DNS names
	// environments.dev.instanceIds: is required: exactly 1 instance id, e.g. i-0123456789abcdef0 (DEV is a single node)
	// environments.dev.jumpHostCidr: is required: the jump host's address as a CIDR, e.g. 203.0.113.10/32
	// environments.dev.region: is required: the AWS region code, e.g. us-east-1
	// environments.dev.roleArn: is required: the ARN of the read-only role this service assumes in the account
	// environments.dev.vpcId: is required: the VPC the instances run in
	// environments.prod: is required: the three-node production cluster
}
