// Command verify is the workflow's verification task: it verifies one
// environment of a submission version and returns the verdict.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
)

func main() {
	log := awsx.Logger()
	env := awsx.MustEnv(log, "TABLE_NAME")
	cfg, err := awsx.Config(context.Background())
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
	tasks := install.New(store.New(awsx.DynamoDB(cfg), env["TABLE_NAME"]), nil,
		install.Config{Verify: verify.DefaultConfig(), Logger: log})
	lambda.Start(tasks.Verify)
}
