// Command intake is the HTTP API's Lambda function: it accepts checklist
// submissions, serves their status and the approval pages.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/api"
	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/web"
)

func main() {
	log, env, cfg := boot.Boot("TABLE_NAME", "STATE_MACHINE_ARN", "SIGNING_KEY_SECRET_ARN", "PUBLIC_BASE_URL")
	ctx := context.Background()
	st := store.New(boot.NewDynamoDBOps(cfg), env["TABLE_NAME"])
	approvals, err := approval.FromEnv(ctx, cfg, st, log)
	boot.Must(log, err)
	svc := intake.New(st, awsx.NewSFNOps(cfg),
		intake.Config{StateMachineArn: env["STATE_MACHINE_ARN"], BaseURL: env["PUBLIC_BASE_URL"], Logger: log})
	h := api.New(svc, log).WithApprovals(api.NewApprovalPages(approvals, st)).WithPages(api.WebPages(web.Serve))
	lambda.Start(h.Handle)
}
