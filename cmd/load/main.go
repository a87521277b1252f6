// Command load sends N distinct, valid checklists through the HTTP API, C
// at a time, then checks the books: every accepted submission is stored
// exactly once and has exactly one workflow execution. It prints
// throughput, latency percentiles and answers by status, and exits 1 when
// anything was lost, duplicated or refused (2 for bad usage or a stack
// that would not start).
//
//	make load                                   # its own local stack, in-process
//	make load LOAD_FLAGS="-n 500 -c 50"
//	make load LOAD_FLAGS="-url http://127.0.0.1:8080"   # a running `make dev`
//
// Against -url it reads the stack's kumo endpoint, table and state machine
// from GET /dev/stack.json; only loopback addresses are accepted, so it
// can never load anything but a local stack.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/psaas/appliance-intake/pkg/localstack"
)

func main() {
	n := flag.Int("n", 200, "submissions to send")
	c := flag.Int("c", 20, "submissions in flight at once")
	target := flag.String("url", "", "base URL of a running local stack (`make dev`); empty starts one in-process")
	bin := flag.String("bin", ".build/host", "function binaries for the in-process stack")
	workers := flag.Int("workers", 4, "handler processes per function of the in-process stack")
	checklistPath := flag.String("checklist", "events/checklist.json", "the checklist each submission is made from")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound on sending the submissions; the checks afterwards take at most "+checkBudget.String())
	verbose := flag.Bool("v", false, "log the stack's own output")
	flag.Parse()
	if *n < 1 || *c < 1 || *timeout <= 0 {
		fmt.Fprintln(os.Stderr, "load: -n, -c and -timeout must be positive")
		os.Exit(2)
	}
	template, err := os.ReadFile(*checklistPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(2)
	}

	ctx := context.Background()
	var info localstack.StackInfo
	origin := ""
	if *target == "" {
		logOut := io.Discard
		if *verbose {
			logOut = os.Stderr
		}
		fmt.Fprintf(os.Stderr, "starting a local stack in-process (%d processes per function)…\n", *workers)
		s, err := StartStack(ctx, *bin, *workers, logOut)
		if err != nil {
			fmt.Fprintf(os.Stderr, "load: %v\n", err)
			os.Exit(2)
		}
		defer s.Close()
		info = localstack.StackInfo{URL: s.URL, Endpoint: s.Endpoint, Table: s.Table, StateMachineArn: s.StateMachineArn}
		origin = fmt.Sprintf("in-process local stack, %d processes per function", *workers)
	} else {
		if info, err = Discover(ctx, *target); err != nil {
			fmt.Fprintf(os.Stderr, "load: %v\n", err)
			os.Exit(2)
		}
		origin = "running local stack"
	}

	rep, err := Run(ctx, Config{Stack: info, N: *n, Concurrency: *c, Timeout: *timeout, Template: template})
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("make load: %d submissions, %d at a time, against %s (%s)\n", *n, *c, info.URL, origin)
	rep.Print(os.Stdout)
	if !rep.OK() {
		os.Exit(1)
	}
}

// StartStack starts the local stack in-process for a load run: its own
// resource names, the dev timings, quiet logs.
func StartStack(ctx context.Context, bin string, workers int, logOut io.Writer) (*localstack.Stack, error) {
	return localstack.Start(ctx, localstack.Config{
		BinDir: bin, Addr: "127.0.0.1:0", Name: fmt.Sprintf("load-%d", time.Now().UnixNano()),
		PMEmail: "pm@example.com", SenderEmail: "intake@example.com",
		Workers: workers, Logger: slog.New(slog.NewTextHandler(logOut, nil)), FunctionOutput: nilIfDiscard(logOut),
	})
}

func nilIfDiscard(w io.Writer) io.Writer {
	if w == io.Discard {
		return nil
	}
	return w
}
