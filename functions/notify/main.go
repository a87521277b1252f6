// Command notify is the workflow's notification task: it records a stage
// change on the submission and tells the project manager.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log := awsx.Logger()
	env := awsx.MustEnv(log, "TABLE_NAME")
	cfg, err := awsx.Config(context.Background())
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
	tasks := install.New(store.New(awsx.DynamoDB(cfg), env["TABLE_NAME"]),
		notify.NewMailer(sesv2.NewFromConfig(cfg), os.Getenv("SENDER_EMAIL")),
		install.Config{PMEmail: os.Getenv("PM_EMAIL"), BaseURL: os.Getenv("PUBLIC_BASE_URL"), Logger: log})
	lambda.Start(tasks.Notify)
}
