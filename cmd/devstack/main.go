// Command devstack runs the whole Appliance Intake stack on this machine
// (see pkg/localstack) until interrupted. `make dev` builds the function
// binaries and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/psaas/appliance-intake/pkg/localstack"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	bin := flag.String("bin", ".build/host", "folder holding <function>/bootstrap binaries built for this machine")
	addr := flag.String("addr", "127.0.0.1:"+port, "address the HTTP API listens on (PORT sets the port)")
	pm := flag.String("pm-email", envOr("PM_EMAIL", "pm@example.com"), "project manager address notifications go to")
	sender := flag.String("sender-email", envOr("SENDER_EMAIL", "intake@example.com"), "SES sender identity")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stack, err := localstack.Start(ctx, localstack.Config{
		BinDir: *bin, Addr: *addr, PMEmail: *pm, SenderEmail: *sender,
		Logger: log, FunctionOutput: os.Stderr,
	})
	if err != nil {
		log.Error("local stack did not start", "error", err)
		os.Exit(1)
	}
	fmt.Printf(`
Appliance Intake is running locally.

  API            %[1]s/api/submissions   (POST a checklist, GET /api/submissions/{id})
  JSON Schema    %[1]s/api/schema
  Outbox         %[1]s/dev/outbox        every email and Slack message sent; approval links are in them
                 (JSON at /dev/outbox.json; the page's buttons make the local Slack webhook fail)
  Appliances     %[1]s/dev/appliance/    simulated /testall endpoints (POST /dev/appliance/{host}/down to fail one)
  AWS faults     %[1]s/dev/aws/fault     POST operation=StartExecution&caller=intake&status=500 (or operation=SendEmail,
                 status=400, code=MessageRejected; delay=10s; times=N; clear=1) to make Step Functions or SES fail
  Resumer        every %[5]s: starts submissions stored more than %[6]s ago whose workflow never started
  AWS endpoint   %[2]s   (kumo; AWS_ENDPOINT_URL=%[2]s for the AWS CLI)
  State machine  %[3]s

Try:
  curl -s -X POST -H 'Content-Type: application/json' -d @events/checklist.json %[1]s/api/submissions
  curl -s %[1]s/api/submissions/<id>
  then open the approval link from %[1]s/dev/outbox in a browser, approve, confirm the
  deployment, and watch the status move through DEV and PROD to "completed".

The emulator ends an execution after 5 minutes of wall time, so locally a whole run
(four clicks) must finish within 5 minutes of submitting; gates time out after %[4]s.

Press Ctrl-C to stop.
`, stack.URL, stack.Endpoint, stack.StateMachineArn, localstack.DevSettings().ApprovalTimeout,
		localstack.DevResumeInterval, localstack.DevResumeGrace)
	<-ctx.Done()
	fmt.Println("\nstopping…")
	stack.Close()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
