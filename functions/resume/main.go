// Command resume is the resumer: run on a schedule (EventBridge in the
// cloud, a ticker in the local stack), it starts the workflow of every
// submission version that was stored but never started — the intake
// process died between the two and the client never retried — and tidies
// the pending markers of started versions. Starting is idempotent by
// execution name, so an overlapping or repeated run starts nothing twice.
//
// Environment: TABLE_NAME, STATE_MACHINE_ARN; RESUME_GRACE_SECONDS (how old
// an unstarted version must be, default 120).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/psaas/appliance-intake/pkg/awsx"
	"github.com/psaas/appliance-intake/pkg/awsx/boot"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

func main() {
	log, env, cfg := boot.Boot("TABLE_NAME", "STATE_MACHINE_ARN")
	grace, err := graceFromEnv(os.Getenv("RESUME_GRACE_SECONDS"))
	boot.Must(log, err)
	r := intake.NewResumer(store.New(boot.NewDynamoDBOps(cfg), env["TABLE_NAME"]), awsx.NewSFNOps(cfg),
		intake.ResumerConfig{StateMachineArn: env["STATE_MACHINE_ARN"], Grace: grace, Logger: log})
	// The event (a scheduled event) carries nothing the sweep needs.
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (intake.SweepResult, error) {
		return r.Sweep(ctx)
	})
}

func graceFromEnv(v string) (time.Duration, error) {
	if v == "" {
		return intake.DefaultResumeGrace, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("RESUME_GRACE_SECONDS %q: want a whole number of seconds, at least 1", v)
	}
	return time.Duration(n) * time.Second, nil
}
