// Command notify is the workflow's notification task: it records a stage
// change on the submission, opens the approval for a gate, and tells the
// project manager by email and Slack (and, when changes are requested, the
// customer's contacts for the affected teams by email).
//
// Environment: PM_EMAIL and SENDER_EMAIL (either empty: email skipped and
// recorded), SLACK_WEBHOOK_SECRET_ARN (empty: no Slack; the webhook URL is
// read from the secret on the first delivery, kept for the cold start and
// never logged), CUSTOMER_EMAILS ("off" keeps customer contacts out of
// changes-requested). Init reads configuration and builds clients only:
// the signing key and the webhook URL are read on first use.
package main

import (
	"context"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log, env, cfg := boot.Boot("TABLE_NAME", "SIGNING_KEY_SECRET_ARN", "PUBLIC_BASE_URL")
	ctx := context.Background()
	st := store.New(boot.NewDynamoDBOps(cfg), env["TABLE_NAME"])
	approvals, err := approval.FromEnv(ctx, cfg, st, log)
	boot.Must(log, err)
	// Slack is optional. A webhook secret that cannot be read does not stop
	// the function: email still goes, and the Slack delivery is recorded
	// as failed with the reason (and the next one reads the secret again).
	var slackChannel notify.WebhookPoster
	if arn := os.Getenv("SLACK_WEBHOOK_SECRET_ARN"); arn != "" {
		slackChannel = notify.NewLazySlack(awsx.NewSecretsOps(cfg), arn, notify.SlackOptions{})
	}
	tasks := install.New(st, notify.NewMailer(sesv2.NewFromConfig(cfg), os.Getenv("SENDER_EMAIL")),
		install.Config{PMEmail: os.Getenv("PM_EMAIL"), BaseURL: env["PUBLIC_BASE_URL"], Gates: approvals, Logger: log,
			Slack: slackChannel, NoCustomerEmails: strings.EqualFold(strings.TrimSpace(os.Getenv("CUSTOMER_EMAILS")), "off")})
	lambda.Start(tasks.Notify)
}
