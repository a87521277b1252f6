// Package localstack runs the whole service on one machine: kumo as the AWS
// endpoint, the real function binaries polling kumo's Lambda Runtime API,
// the same state machine definition the cloud runs, and an HTTP gateway that
// turns browser and curl requests into API Gateway v2 events for the intake
// function, as API Gateway does in the cloud.
package localstack

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Functions are the Lambda functions the stack needs, by folder name.
var Functions = []string{"intake", "verify", "notify", "health"}

// ResumeFunction is the resumer's folder. The stack runs its binary when
// BinDir has one (and invokes it every ResumeInterval, as EventBridge does
// in the cloud); without it the stack runs the same sweep in-process.
const ResumeFunction = "resume"

// Local resumer timings: a stuck submission starts within about 15 s
// locally (2 to 7 minutes in the cloud).
const (
	DevResumeInterval = 5 * time.Second
	DevResumeGrace    = 10 * time.Second
)

// defaultTimeouts are the functions' Timeout in seconds, as in the cloud.
var defaultTimeouts = map[string]int32{"intake": 10, "verify": 120, "notify": 30, "health": 30, ResumeFunction: 60}

// Region is the region every local client uses.
const Region = "us-east-1"

// Config says how to run the stack.
type Config struct {
	// BinDir holds <function>/bootstrap binaries built for this host.
	BinDir string
	// Addr is where the HTTP gateway listens, e.g. "127.0.0.1:8080";
	// ":0"-style addresses pick a free port.
	Addr string
	// Name prefixes every resource so that several stacks can share one
	// kumo process (kumo keeps one store per process).
	Name string
	// PMEmail and SenderEmail configure the notify function.
	PMEmail, SenderEmail string
	// NoSlack runs without a Slack channel; by default notify posts to the
	// stack's own Slack webhook (its URL in a Secrets Manager secret, as
	// in the cloud), shown with the emails at /dev/outbox.
	NoSlack bool
	// Workers is how many handler processes serve each function.
	Workers int
	// Logger receives the stack's own log and the functions' output.
	Logger *slog.Logger
	// FunctionOutput receives the function processes' stderr/stdout;
	// nil discards it.
	FunctionOutput io.Writer
	// Workflow carries the gate and health-check timings; zero means
	// DevSettings. ARNs are filled in by Start.
	Workflow workflow.Settings
	// HealthURLTemplate is where health checks go ({host} = manage
	// hostname); empty means the stack's own simulated appliances at
	// <URL>/dev/appliance/{host}/testall.
	HealthURLTemplate string
	// FunctionTimeouts overrides functions' Timeout (seconds) by folder
	// name, e.g. to make one time out in a test.
	FunctionTimeouts map[string]int32
	// ResumeInterval is how often the resumer sweeps: 0 means
	// DevResumeInterval, a negative value turns it off.
	ResumeInterval time.Duration
	// ResumeGrace is how old an unstarted version must be before the
	// resumer starts it (whole seconds, at least 1): 0 means DevResumeGrace.
	ResumeGrace time.Duration
}

// DevSettings are timings that fit kumo's five-minute cap on an execution:
// a whole DEV→PROD run must finish within it locally.
func DevSettings() workflow.Settings {
	return workflow.Settings{
		ApprovalTimeout:  4 * time.Minute,
		ApprovalReminder: 2 * time.Minute,
		DeployTimeout:    4 * time.Minute,
		HealthInterval:   2 * time.Second,
		HealthWindow:     20 * time.Second,
	}
}

// Stack is a running local stack.
type Stack struct {
	// URL is the HTTP gateway's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Endpoint is kumo's URL (what AWS_ENDPOINT_URL points at).
	Endpoint string
	// StateMachineArn is the install workflow.
	StateMachineArn string
	// Table is the DynamoDB table name.
	Table string
	// AWS is the configuration every local client uses.
	AWS aws.Config
	// Appliances simulates the deployed appliances' /testall endpoints.
	Appliances *Appliances
	// Slack is the local Slack incoming webhook (nil with Config.NoSlack).
	Slack *SlackWebhook
	// Faults fails or delays the functions' Step Functions and SES
	// requests on demand (see AWSFaults).
	Faults *AWSFaults

	server  *http.Server
	cancel  context.CancelFunc
	workers sync.WaitGroup
	log     *slog.Logger

	procMu sync.Mutex
	procs  map[string]map[*exec.Cmd]bool // folder → running processes
	sweeps sweepLog
}

// AWSConfig returns a configuration for clients of the given endpoint with
// static dummy credentials, as kumo checks none.
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
		// kumo does not accept gzipped CloudWatch payloads; keep them plain.
		RequestMinCompressSizeBytes: 10240,
	}
}

var (
	emulatorOnce sync.Once
	emulatorSrv  *kumo.Server
)

// emulator returns this process's kumo server, started once. kumo keeps one
// store per process whatever the number of servers, and its Step Functions
// engine calls Lambda at the hard-coded "localhost:4566" through
// http.DefaultTransport; routing those dials to the one shared server keeps
// several stacks in one process (tests) working and takes no fixed port.
func emulator() *kumo.Server {
	emulatorOnce.Do(func() {
		emulatorSrv = kumo.NewServer()
		u, _ := url.Parse(emulatorSrv.URL)
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if addr == "localhost:4566" || addr == "127.0.0.1:4566" {
					addr = u.Host
				}
				return dialer.DialContext(ctx, network, addr)
			}
		}
	})
	return emulatorSrv
}

// Start brings the stack up and returns once the gateway serves requests.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.Name == "" {
		cfg.Name = "appliance-intake"
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	for _, fn := range Functions {
		if _, err := os.Stat(filepath.Join(cfg.BinDir, fn, "bootstrap")); err != nil {
			return nil, fmt.Errorf("function binary for %s: %w (build them with `make build-host`)", fn, err)
		}
	}
	// Listen first so the functions learn the public URL they link to.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set PORT to use another port)", cfg.Addr, err)
	}

	k := emulator()
	ku, _ := url.Parse(k.URL)

	s := &Stack{
		URL:      "http://" + ln.Addr().String(),
		Endpoint: k.URL,
		Table:    cfg.Name + "-submissions",
		AWS:      AWSConfig(k.URL),
		log:      cfg.Logger,
		procs:    map[string]map[*exec.Cmd]bool{},
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	fail := func(err error) (*Stack, error) {
		_ = ln.Close()
		s.Close()
		return nil, err
	}
	if s.Faults, err = newAWSFaults(k.URL); err != nil {
		return fail(fmt.Errorf("start the AWS fault injector: %w", err))
	}

	if err := CreateTable(ctx, dynamodb.NewFromConfig(s.AWS), s.Table); err != nil {
		return fail(err)
	}
	if cfg.SenderEmail != "" {
		if _, err := sesv2.NewFromConfig(s.AWS).CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{
			EmailIdentity: aws.String(cfg.SenderEmail)}); err != nil {
			var exists *sestypes.AlreadyExistsException
			if !errors.As(err, &exists) {
				return fail(fmt.Errorf("create SES identity: %w", err))
			}
		}
	}
	lc := lambda.NewFromConfig(s.AWS)
	arns := map[string]string{}
	timeouts := map[string]int32{}
	for fn, t := range defaultTimeouts {
		timeouts[fn] = t
	}
	for fn, t := range cfg.FunctionTimeouts {
		timeouts[fn] = t
	}
	for _, fn := range Functions {
		arn, err := createFunction(ctx, lc, cfg.Name+"-"+fn, fn, timeouts[fn])
		if err != nil {
			return fail(err)
		}
		arns[fn] = arn
	}
	settings := cfg.Workflow
	if settings.ApprovalTimeout == 0 {
		settings = DevSettings()
	}
	settings.VerifyFunctionArn, settings.NotifyFunctionArn, settings.HealthFunctionArn = arns["verify"], arns["notify"], arns["health"]
	def, err := workflow.Definition(settings)
	if err != nil {
		return fail(err)
	}
	key := make([]byte, 48)
	_, _ = rand.Read(key)
	secret, err := secretsmanager.NewFromConfig(s.AWS).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(cfg.Name + "-approval-signing-key"),
		SecretString: aws.String(base64.RawURLEncoding.EncodeToString(key)),
	})
	if err != nil {
		return fail(fmt.Errorf("create signing key secret: %w", err))
	}
	slackSecretArn := ""
	if !cfg.NoSlack {
		s.Slack = NewSlackWebhook(s.URL)
		out, err := secretsmanager.NewFromConfig(s.AWS).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name:         aws.String(cfg.Name + "-slack-webhook"),
			SecretString: aws.String(s.Slack.URL()),
		})
		if err != nil {
			return fail(fmt.Errorf("create Slack webhook secret: %w", err))
		}
		slackSecretArn = aws.ToString(out.ARN)
	}
	healthURL := cfg.HealthURLTemplate
	if healthURL == "" {
		healthURL = s.URL + "/dev/appliance/{host}/testall"
	}
	sm, err := sfn.NewFromConfig(s.AWS).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(cfg.Name + "-install"),
		Definition: aws.String(def),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/" + cfg.Name + "-install"),
		Type:       sfntypes.StateMachineTypeStandard,
	})
	if err != nil {
		return fail(fmt.Errorf("create state machine: %w", err))
	}
	s.StateMachineArn = aws.ToString(sm.StateMachineArn)

	env := map[string]string{
		"AWS_ENDPOINT_URL":         k.URL,
		"AWS_REGION":               Region,
		"AWS_ACCESS_KEY_ID":        "local",
		"AWS_SECRET_ACCESS_KEY":    "local",
		"TABLE_NAME":               s.Table,
		"STATE_MACHINE_ARN":        s.StateMachineArn,
		"PUBLIC_BASE_URL":          s.URL,
		"PM_EMAIL":                 cfg.PMEmail,
		"SENDER_EMAIL":             cfg.SenderEmail,
		"LOG_LEVEL":                "info",
		"VERIFY_MODE":              "static",
		"SIGNING_KEY_SECRET_ARN":   aws.ToString(secret.ARN),
		"SLACK_WEBHOOK_SECRET_ARN": slackSecretArn,
		"HEALTHCHECK_URL_TEMPLATE": healthURL,
		// As in the cloud: a link outlives its gate by a day, so a late
		// click says "expired" (410) rather than "bad link" (403).
		"APPROVAL_LINK_TTL_HOURS": strconv.Itoa(int(math.Ceil((settings.ApprovalTimeout + 24*time.Hour).Hours()))),
		"RESUME_GRACE_SECONDS":    strconv.Itoa(graceSeconds(cfg.ResumeGrace)),
	}
	// Step Functions and SES go through the fault injector.
	for _, svc := range FaultServices {
		env["AWS_ENDPOINT_URL_"+svc] = s.Faults.URL
	}
	for _, fn := range Functions {
		for i := 0; i < cfg.Workers; i++ {
			s.supervise(runCtx, fn, cfg.Name+"-"+fn, filepath.Join(cfg.BinDir, fn, "bootstrap"), ku.Host, env, cfg.FunctionOutput)
		}
	}
	for _, fn := range Functions {
		if err := waitForHandler(ctx, lc, cfg.Name+"-"+fn); err != nil {
			return fail(err)
		}
	}
	if cfg.ResumeInterval >= 0 {
		if err := s.startResumer(ctx, runCtx, cfg, lc, ku.Host, env, timeouts[ResumeFunction]); err != nil {
			return fail(err)
		}
	}

	s.Appliances = NewAppliances()
	gw := &Gateway{Lambda: lc, Function: cfg.Name + "-intake", Outbox: k.URL + "/kumo/ses/v2/sent-emails",
		Slack: s.Slack, Appliances: s.Appliances, Faults: s.Faults, Log: cfg.Logger,
		Info: StackInfo{URL: s.URL, Endpoint: s.Endpoint, Table: s.Table, StateMachineArn: s.StateMachineArn}}
	s.server = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("gateway stopped", "error", err)
		}
	}()
	return s, nil
}

// CreateTable creates the submissions table as the CDK stack defines it.
// An existing table is fine: the stack may run on persisted kumo data.
func CreateTable(ctx context.Context, db *dynamodb.Client, table string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	return nil
}

// createFunction registers a function with kumo. The code zip is a
// placeholder: kumo runs nothing from it, the handler processes started by
// supervise poll the Runtime API instead.
func createFunction(ctx context.Context, lc *lambda.Client, name, folder string, timeout int32) (string, error) {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("bootstrap")
	_, _ = w.Write([]byte("#!/bin/sh\n# run by the local stack from .build/host/" + folder + "\n"))
	_ = zw.Close()
	out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Runtime:       lambdatypes.RuntimeProvidedal2023,
		Handler:       aws.String("bootstrap"),
		Role:          aws.String("arn:aws:iam::000000000000:role/" + name),
		Code:          &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
		Timeout:       aws.Int32(timeout),
		Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64},
	})
	if err != nil {
		var exists *lambdatypes.ResourceConflictException
		if errors.As(err, &exists) {
			// Persisted kumo data: keep the function, take this timeout.
			got, gerr := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
				FunctionName: aws.String(name), Timeout: aws.Int32(timeout)})
			if gerr != nil {
				return "", fmt.Errorf("update function %s: %w", name, gerr)
			}
			return aws.ToString(got.FunctionArn), nil
		}
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	return aws.ToString(out.FunctionArn), nil
}

// supervise runs one handler process for a function and restarts it if it
// exits, as Lambda would start a fresh execution environment.
func (s *Stack) supervise(ctx context.Context, folder, name, bin, kumoHost string, env map[string]string, out io.Writer) {
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		for ctx.Err() == nil {
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+kumoHost+"/_runtime/"+name,
				"AWS_LAMBDA_FUNCTION_NAME="+name,
				// The SDK sends it in its User-Agent (app/<folder>): the
				// fault injector tells callers apart by it.
				"AWS_SDK_UA_APP_ID="+folder)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if out != nil {
				pw := &prefixWriter{prefix: "[" + folder + "] ", w: out}
				cmd.Stdout, cmd.Stderr = pw, pw
			}
			err := cmd.Start()
			if err == nil {
				s.track(folder, cmd, true)
				err = cmd.Wait()
				s.track(folder, cmd, false)
			}
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("function process exited; restarting", "function", folder, "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
}

func (s *Stack) track(folder string, cmd *exec.Cmd, running bool) {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	if s.procs[folder] == nil {
		s.procs[folder] = map[*exec.Cmd]bool{}
	}
	if running {
		s.procs[folder][cmd] = true
	} else {
		delete(s.procs[folder], cmd)
	}
}

// Kill ends every running process of a function at once (SIGKILL), as a
// crash or a Lambda execution environment torn down mid-request would:
// the work in flight is lost, and the stack starts fresh processes, as
// Lambda would. It returns how many processes it killed.
func (s *Stack) Kill(folder string) int {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	n := 0
	for cmd := range s.procs[folder] {
		if cmd.Process != nil && cmd.Process.Kill() == nil {
			n++
		}
	}
	return n
}

// waitForHandler invokes the function until a handler answers: kumo fails
// an invocation fast while no handler polls the Runtime API. The probe
// payload is one every handler rejects without side effects.
func waitForHandler(ctx context.Context, lc *lambda.Client, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"probe":true}`)})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("function %s did not start polling the Runtime API within 30s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close stops the gateway, the resumer and the function processes. kumo
// stays up for the life of the process (see emulator); its data is per
// stack name.
func (s *Stack) Close() {
	if s.server != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.server.Shutdown(shutdown)
		cancel()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.Faults.close()
	s.workers.Wait()
}

type prefixWriter struct {
	mu     sync.Mutex
	prefix string
	w      io.Writer
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(p.buf[:i]), "\r")
		p.buf = p.buf[i+1:]
		_, _ = io.WriteString(p.w, p.prefix+line+"\n")
	}
	return len(b), nil
}
