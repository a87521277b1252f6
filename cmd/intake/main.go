// Command intake is the customer's preflight tool: it runs the same checks
// the service runs, against the customer's own AWS account, before they
// submit their checklist.
//
//	intake validate --checklist FILE
//	intake verify   --checklist FILE --env dev|prod [--format text|json] [--assume-role --external-id ID]
//
// Exit status: 0 when every required check passes, 1 when one fails or
// errors, 2 for a bad checklist or bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
	"github.com/psaas/appliance-intake/pkg/verify"
)

const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	usageHeader = `intake — check a PSaaS Appliance install checklist before submitting it.

Usage:
  intake validate --checklist FILE
  intake verify   --checklist FILE --env dev|prod [--format text|json] [--assume-role --external-id ID]

verify reads your account with the standard AWS credential chain
(AWS_PROFILE, AWS_ACCESS_KEY_ID…, SSO), in AWS_REGION or else the
environment's declared region; AWS_ENDPOINT_URL points it at an emulator.
With --assume-role it first assumes the environment's roleArn (the
ApplianceIntakeVerifier role) with --external-id, as the service does.

Exit status: 0 every required check passes, 1 a required check failed or
errored, 2 bad checklist or usage.
`
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usageHeader)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "verify":
		return verifyCmd(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "intake: unknown command %q\n\n%s", args[0], usageHeader)
	return exitUsage
}

// load reads and validates a checklist, printing every problem.
func load(path string, stderr io.Writer) (*checklist.Document, bool) {
	if path == "" {
		fmt.Fprintln(stderr, "intake: --checklist FILE is required")
		return nil, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "intake: %v\n", err)
		return nil, false
	}
	doc, problems := checklist.Parse(data)
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%s: %d problem(s):\n", path, len(problems))
		for _, p := range problems {
			field := p.Field
			if field == "" {
				field = "(document)"
			}
			fmt.Fprintf(stderr, "  %s: %s\n", field, p.Message)
		}
		return nil, false
	}
	return doc, true
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("checklist", "", "checklist JSON file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if _, ok := load(*path, stderr); !ok {
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: valid\n", *path)
	return exitOK
}

func verifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("checklist", "", "checklist JSON file")
	env := fs.String("env", "", "environment to verify: dev or prod")
	format := fs.String("format", "text", "output format: text or json")
	assume := fs.Bool("assume-role", false, "assume the environment's roleArn before reading")
	externalID := fs.String("external-id", os.Getenv("INTAKE_EXTERNAL_ID"), "ExternalId for --assume-role (or INTAKE_EXTERNAL_ID)")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline for reading the account")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *env != checklist.EnvDev && *env != checklist.EnvProd {
		fmt.Fprintf(stderr, "intake: --env must be dev or prod (got %q)\n", *env)
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "intake: --format must be text or json (got %q)\n", *format)
		return exitUsage
	}
	if *assume && *externalID == "" {
		fmt.Fprintln(stderr, "intake: --assume-role needs --external-id (the ExternalId your PM gave you)")
		return exitUsage
	}
	doc, ok := load(*path, stderr)
	if !ok {
		return exitUsage
	}
	e := doc.Env(*env)
	if e == nil {
		fmt.Fprintf(stderr, "intake: the checklist declares no %s environment\n", *env)
		return exitUsage
	}

	var opts []func(*config.LoadOptions) error
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion(e.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "intake: load AWS configuration: %v\n", err)
		return exitUsage
	}
	if *assume {
		cfg = inventory.AssumeRoleConfig(ctx, cfg, e.RoleArn, *externalID, "intake-preflight")
	}

	scope := inventory.Scope{
		Environment: *env, AccountID: e.AccountID, Region: cfg.Region, VpcID: e.VpcID, AmiID: e.AmiID,
		InstanceIDs: e.InstanceIDs, LoadBalancerArn: e.LoadBalancerArn, AcmArn: e.Certificate.AcmArn,
	}
	if other := doc.Env(otherEnv(*env)); other != nil {
		scope.OtherVpcID = other.VpcID
	}
	stopProgress := progress(stderr, "reading "+*env+" in account "+e.AccountID+" ("+cfg.Region+")")
	inv := inventory.Collect(ctx, inventory.NewClients(cfg), scope, inventory.Options{Timeout: *timeout})
	stopProgress()
	if errors.Is(ctx.Err(), context.Canceled) {
		fmt.Fprintln(stderr, "intake: interrupted")
		return exitFailed
	}

	report := verify.Verify(doc, *env, inv, time.Now(), verify.DefaultConfig())
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			fmt.Fprintf(stderr, "intake: %v\n", err)
			return exitFailed
		}
	} else if err := verify.Text(stdout, report); err != nil {
		fmt.Fprintf(stderr, "intake: %v\n", err)
		return exitFailed
	}
	if !report.Passed {
		return exitFailed
	}
	return exitOK
}

func otherEnv(env string) string {
	if env == checklist.EnvDev {
		return checklist.EnvProd
	}
	return checklist.EnvDev
}

// progress shows a spinner on a terminal while the account is read; it
// prints nothing when stderr is a file or pipe, so logs stay clean.
func progress(w io.Writer, what string) func() {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		frames := `|/-\`
		start := time.Now()
		for i := 0; ; i++ {
			select {
			case <-done:
				fmt.Fprintf(f, "\r\033[K")
				return
			case <-time.After(120 * time.Millisecond):
				fmt.Fprintf(f, "\r%c %s… %.0fs", frames[i%len(frames)], what, time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done); <-finished }
}
