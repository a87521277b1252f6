// Command verify is the workflow's verification task: it verifies one
// environment of a submission version and returns the verdict.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/inventory"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
)

func main() {
	log, env, cfg := awsx.Boot("TABLE_NAME")
	st := store.New(awsx.NewDynamoDBOps(cfg), env["TABLE_NAME"])
	tc := install.Config{Verify: verify.DefaultConfig(), Logger: log}
	// VERIFY_MODE=static runs the document checks alone: the local stack
	// has no customer accounts to read. Anything else reads the account.
	if os.Getenv("VERIFY_MODE") != "static" {
		tc.Inventory = &install.AWSReader{Base: inventory.RetryingConfig(cfg), ExternalIDs: st}
	}
	tasks := install.New(st, nil, tc)
	lambda.Start(tasks.Verify)
}
