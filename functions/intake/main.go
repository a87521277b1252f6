// Command intake is the HTTP API's Lambda function: it accepts checklist
// submissions and serves their status.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/api"
	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log := awsx.Logger()
	env := awsx.MustEnv(log, "TABLE_NAME", "STATE_MACHINE_ARN")
	cfg, err := awsx.Config(context.Background())
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
	svc := intake.New(store.New(awsx.DynamoDB(cfg), env["TABLE_NAME"]), sfn.NewFromConfig(cfg),
		intake.Config{StateMachineArn: env["STATE_MACHINE_ARN"], BaseURL: os.Getenv("PUBLIC_BASE_URL"), Logger: log})
	lambda.Start(api.New(svc, log).Handle)
}
