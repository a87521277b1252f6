// Command health is the workflow's health-check task: one GET of the
// appliance's /testall per invocation; the state machine waits and repeats.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/health"
	"github.com/psaas/appliance-intake/pkg/install/healthtask"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	_, env, cfg := boot.Boot("TABLE_NAME")
	checker := health.New(health.NewClient(15*time.Second), os.Getenv("HEALTHCHECK_URL_TEMPLATE"))
	lambda.Start(healthtask.New(store.New(boot.NewDynamoDBOps(cfg), env["TABLE_NAME"]), checker).Health)
}
