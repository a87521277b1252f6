// Command notify is the workflow's notification task: it records a stage
// change on the submission, opens the approval for a gate, and tells the
// project manager.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log := awsx.Logger()
	env := awsx.MustEnv(log, "TABLE_NAME", "SIGNING_KEY_SECRET_ARN", "PUBLIC_BASE_URL")
	ctx := context.Background()
	cfg, err := awsx.Config(ctx)
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
	st := store.New(awsx.DynamoDB(cfg), env["TABLE_NAME"])
	approvals, err := approval.FromEnv(ctx, cfg, st, log)
	if err != nil {
		log.Error("start", "error", err)
		os.Exit(1)
	}
	tasks := install.New(st, notify.NewMailer(sesv2.NewFromConfig(cfg), os.Getenv("SENDER_EMAIL")),
		install.Config{PMEmail: os.Getenv("PM_EMAIL"), BaseURL: env["PUBLIC_BASE_URL"], Gates: approvals, Logger: log})
	lambda.Start(tasks.Notify)
}
