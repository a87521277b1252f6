package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

// scheduledEvent is what EventBridge sends a scheduled target; the
// resumer ignores it.
var scheduledEvent = []byte(`{"version":"0","detail-type":"Scheduled Event","source":"aws.events","region":"us-east-1","resources":[],"detail":{}}`)

func graceSeconds(d time.Duration) int {
	if d <= 0 {
		d = DevResumeGrace
	}
	return max(1, int(math.Ceil(d.Seconds())))
}

// sweepLog keeps what the local resumer did.
type sweepLog struct {
	mu      sync.Mutex
	runs    int
	failed  int
	resumed []string
	lastErr string
}

func (l *sweepLog) record(res intake.SweepResult, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs++
	l.resumed = append(append(l.resumed, res.Started...), res.AlreadyStarted...)
	if err != nil {
		l.failed++
		l.lastErr = err.Error()
	}
}

// ResumerStats says what the stack's resumer has done so far.
type ResumerStats struct {
	// Runs is how many sweeps ran; Failed how many of them reported an
	// error (LastError is the latest).
	Runs, Failed int
	LastError    string
	// Resumed are the executions the resumer started or found running
	// unrecorded, in order: a name twice would be a double start.
	Resumed []string
}

// Resumer returns what the stack's resumer has done so far.
func (s *Stack) Resumer() ResumerStats {
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	return ResumerStats{Runs: s.sweeps.runs, Failed: s.sweeps.failed, LastError: s.sweeps.lastErr,
		Resumed: append([]string(nil), s.sweeps.resumed...)}
}

// startResumer runs the resumer every interval, as the cloud's EventBridge
// schedule does: the resume function's binary through kumo's Lambda API
// when BinDir has it, otherwise the same sweep in-process.
func (s *Stack) startResumer(ctx, runCtx context.Context, cfg Config, lc *lambda.Client, kumoHost string, env map[string]string, timeout int32) error {
	interval := cfg.ResumeInterval
	if interval == 0 {
		interval = DevResumeInterval
	}
	var sweep func(context.Context) (intake.SweepResult, error)
	bin := filepath.Join(cfg.BinDir, ResumeFunction, "bootstrap")
	if _, err := os.Stat(bin); err == nil {
		name := cfg.Name + "-" + ResumeFunction
		if _, err := createFunction(ctx, lc, name, ResumeFunction, timeout); err != nil {
			return err
		}
		s.supervise(runCtx, ResumeFunction, name, bin, kumoHost, env, cfg.FunctionOutput)
		if err := waitForHandler(ctx, lc, name); err != nil {
			return err
		}
		sweep = func(ctx context.Context) (intake.SweepResult, error) {
			var res intake.SweepResult
			out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: scheduledEvent})
			if err != nil {
				return res, fmt.Errorf("invoke %s: %w", name, err)
			}
			if out.FunctionError != nil {
				var fe struct {
					ErrorMessage string `json:"errorMessage"`
				}
				_ = json.Unmarshal(out.Payload, &fe)
				return res, errors.New(fe.ErrorMessage)
			}
			if err := json.Unmarshal(out.Payload, &res); err != nil {
				return res, fmt.Errorf("decode the sweep's result: %w", err)
			}
			return res, nil
		}
	} else {
		s.log.Warn("no resume function binary (make build-host builds it); the resumer sweeps in-process", "expected", bin)
		db := dynamodb.NewFromConfig(s.AWS, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
		sfnCfg := s.AWS.Copy()
		sfnCfg.BaseEndpoint, sfnCfg.AppID = aws.String(s.Faults.URL), ResumeFunction
		r := intake.NewResumer(store.New(db, s.Table), sfn.NewFromConfig(sfnCfg), intake.ResumerConfig{
			StateMachineArn: s.StateMachineArn, Grace: time.Duration(graceSeconds(cfg.ResumeGrace)) * time.Second, Logger: s.log})
		sweep = r.Sweep
	}
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			sctx, cancel := context.WithTimeout(runCtx, time.Duration(timeout)*time.Second+5*time.Second)
			res, err := sweep(sctx)
			cancel()
			if runCtx.Err() != nil {
				return
			}
			s.sweeps.record(res, err)
			switch {
			case err != nil:
				s.log.Warn("resumer sweep failed; the next one retries", "error", err)
			case len(res.Started)+len(res.AlreadyStarted) > 0:
				s.log.Info("resumer started submissions stored without a workflow", "started", res.Started, "alreadyRunning", res.AlreadyStarted)
			}
		}
	}()
	return nil
}
