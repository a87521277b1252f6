// Command verify is the workflow's verification task: it verifies one
// environment of a submission version and returns the verdict.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/install/verifytask"
	"github.com/psaas/appliance-intake/pkg/inventory"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
)

func main() {
	log, env, cfg := boot.Boot("TABLE_NAME")
	boot.TuneGC(log, verify.FunctionGCPercent, os.Getenv)
	st := store.New(boot.NewDynamoDBOps(cfg), env["TABLE_NAME"])
	tc := verifytask.Config{Verify: verify.DefaultConfig(), Logger: log}
	// VERIFY_MODE=static runs the document checks alone: the local stack
	// has no customer accounts to read. Anything else reads the account.
	if os.Getenv("VERIFY_MODE") != "static" {
		tc.Inventory = &verifytask.AWSReader{Base: inventory.RetryingConfig(cfg), ExternalIDs: st}
	}
	lambda.Start(verifytask.New(st, tc).Verify)
}
