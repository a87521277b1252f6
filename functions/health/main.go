// Command health is the workflow's health-check task: one GET of the
// appliance's /testall per invocation; the state machine waits and repeats.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/health"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log, env, cfg := awsx.Boot("TABLE_NAME")
	checker := health.New(health.NewClient(15*time.Second), os.Getenv("HEALTHCHECK_URL_TEMPLATE"))
	tasks := install.New(store.New(awsx.NewDynamoDBOps(cfg), env["TABLE_NAME"]), nil,
		install.Config{Health: checker, Logger: log})
	lambda.Start(tasks.Health)
}
