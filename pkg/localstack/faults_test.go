package localstack_test

// Fault tests: the real function binaries on kumo, with AWS, Slack, a
// Lambda or a whole process failing at the worst moment. Nothing may be
// lost, nothing may happen twice, and every failure must end in a
// recorded outcome.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

var (
	faulty     *localstack.Stack
	faultyErr  error
	faultyOnce sync.Once
)

// faultHealthTimeout is the health function's Timeout on the fault stack
// (seconds): short, so a hanging appliance makes the Lambda time out.
const faultHealthTimeout = 3

// faultStack is a second stack for the fault tests: its own table, state
// machine and processes (three of each function, for real concurrency),
// gates long enough never to expire during a test, a health function that
// times out after 3 s, and a resumer sweeping every second for versions
// older than 2 s.
func faultStack(t *testing.T) *localstack.Stack {
	t.Helper()
	faultyOnce.Do(func() {
		faulty, faultyErr = localstack.Start(context.Background(), localstack.Config{
			BinDir: binDir, Addr: "127.0.0.1:0", Name: "faults",
			PMEmail: "pm@example.com", SenderEmail: "intake@example.com",
			Workers:        3,
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			FunctionOutput: fnOutput,
			Workflow: workflow.Settings{
				ApprovalTimeout: 2 * time.Minute, ApprovalReminder: time.Minute, DeployTimeout: 2 * time.Minute,
				HealthInterval: time.Second, HealthWindow: 2 * time.Second,
			},
			FunctionTimeouts: map[string]int32{"health": faultHealthTimeout},
			ResumeInterval:   time.Second,
			ResumeGrace:      2 * time.Second,
		})
	})
	if faultyErr != nil {
		t.Fatalf("start the fault stack: %v", faultyErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("function output:\n%s", fnOutput.String())
		}
	})
	return faulty
}

// executionsOf counts the executions of the stack's state machine whose
// name starts with the submission id, by name.
func executionsOf(t *testing.T, s *localstack.Stack, id string) map[string]int {
	t.Helper()
	out := map[string]int{}
	// kumo returns at most MaxResults (default 100), without a NextToken.
	p := sfn.NewListExecutionsPaginator(sfn.NewFromConfig(s.AWS), &sfn.ListExecutionsInput{StateMachineArn: aws.String(s.StateMachineArn), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Executions {
			if strings.HasPrefix(aws.ToString(e.Name), id+"-") {
				out[aws.ToString(e.Name)]++
			}
		}
	}
	return out
}

// metasNamed returns the ids of the stored submissions whose customer name
// is name (a scan: what is in the table, whatever the API answered).
func metasNamed(t *testing.T, s *localstack.Stack, name string) []string {
	t.Helper()
	db := dynamodb.NewFromConfig(s.AWS, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	var ids []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(s.Table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			var m struct {
				PK, SK, ID, CustomerName string
			}
			_ = attributevalue.UnmarshalMap(item, &m)
			if strings.HasPrefix(m.PK, "SUB#") && m.SK == "META" && m.CustomerName == name {
				ids = append(ids, m.ID)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

func storeOf(s *localstack.Stack) *store.Store {
	return store.New(dynamodb.NewFromConfig(s.AWS, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }), s.Table)
}

func record(t *testing.T, s *localstack.Stack, id string) store.Record {
	t.Helper()
	r := get(t, s, "/api/submissions/"+id)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", id, r.status, r.rawBody)
	}
	var rec store.Record
	if err := json.Unmarshal([]byte(r.rawBody), &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// waitForStart waits until the submission's first version records its
// execution.
func waitForStart(t *testing.T, s *localstack.Stack, id string) store.Record {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec := record(t, s, id)
		if len(rec.Versions) > 0 && rec.Versions[0].Started() {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never started: resumer %+v, trail %+v", id, s.Resumer(), rec.History)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func customerName(doc []byte) string {
	var d struct {
		Customer struct{ Name string }
	}
	_ = json.Unmarshal(doc, &d)
	return d.Customer.Name
}

var idInText = regexp.MustCompile(`sub-[a-z2-7]{16}`)

// TestConcurrentDecisionsActOnce: four people (or one double-clicking
// browser) post the same approval at the same moment, two approving and
// two rejecting. Exactly one decision is recorded and delivered; the
// others get 409 naming who decided; the workflow follows the winner.
func TestConcurrentDecisionsActOnce(t *testing.T) {
	s := faultStack(t)
	id := submit(t, s, checklistFor(t, nil))
	l := link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0])
	u, _ := url.Parse(l)

	type answer struct {
		actor, outcome string
		status         int
		body           string
	}
	answers := make([]answer, 4)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range answers {
		answers[i].actor = []string{"Pat PM", "Quinn PM", "Rex PM", "Sue PM"}[i]
		answers[i].outcome = []string{"approved", "rejected"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"exp": {u.Query().Get("exp")}, "sig": {u.Query().Get("sig")}, "actor": {answers[i].actor},
				"comment": {"concurrent"}, "outcome": {answers[i].outcome}}
			req, _ := http.NewRequest(http.MethodPost, s.URL+u.Path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			answers[i].status, answers[i].body = resp.StatusCode, string(b)
		}()
	}
	close(start)
	wg.Wait()

	var winner answer
	var statuses []int
	for _, a := range answers {
		statuses = append(statuses, a.status)
		if a.status == http.StatusOK {
			winner = a
		}
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{200, 409, 409, 409}) {
		t.Fatalf("statuses %v, want one 200 and three 409: %+v", statuses, answers)
	}
	for _, a := range answers {
		if a.status == http.StatusConflict && !strings.Contains(a.body, winner.actor) {
			t.Errorf("the 409 to %s does not name who decided (%s)", a.actor, winner.actor)
		}
	}

	want := map[string]string{"approved": "awaiting-deployment", "rejected": "rejected"}[winner.outcome]
	rec := waitForStatus(t, s, id, want)
	decisions := 0
	for _, e := range rec.History {
		if strings.HasPrefix(e.Actor, "pm:") {
			decisions++
			if e.Actor != "pm:"+winner.actor {
				t.Errorf("a losing decision reached the trail: %+v", e)
			}
		}
	}
	if decisions != 1 {
		t.Errorf("%d decisions on the trail, want 1: %+v", decisions, rec.History)
	}
	if winner.outcome == "rejected" {
		if st := executionStatus(t, s, rec); st != "SUCCEEDED" {
			t.Errorf("execution %s", st)
		}
	}
}

// TestConcurrentIdenticalSubmissionsStoreOnce: a client (or a proxy)
// sends the same submission eight times at once, without a key and then
// with one. Each burst is stored once, every answer names the same
// submission, and it has exactly one execution.
func TestConcurrentIdenticalSubmissionsStoreOnce(t *testing.T) {
	s := faultStack(t)
	for _, key := range []string{"", "key-" + t.Name()} {
		body := checklistFor(t, func(doc map[string]any) {
			doc["customer"].(map[string]any)["name"] = "Burst Corp " + t.Name() + " " + key
		})
		replies := make([]reply, 8)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range replies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/submissions", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if key != "" {
					req.Header.Set("Idempotency-Key", key)
				}
				<-start
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				replies[i] = reply{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
				_ = json.Unmarshal(raw, &replies[i].body)
			}()
		}
		close(start)
		wg.Wait()

		accepted, replayed := 0, 0
		ids := map[any]bool{}
		for _, r := range replies {
			switch {
			case r.status == http.StatusAccepted:
				accepted++
			case r.status == http.StatusOK && r.header.Get("Idempotent-Replayed") == "true":
				replayed++
			default:
				t.Errorf("key %q: answer %d %s", key, r.status, r.rawBody)
			}
			ids[r.body["id"]] = true
		}
		if accepted != 1 || replayed != 7 || len(ids) != 1 {
			t.Fatalf("key %q: %d accepted, %d replayed, ids %v", key, accepted, replayed, ids)
		}
		id := replies[0].body["id"].(string)
		if stored := metasNamed(t, s, customerName(body)); !slices.Equal(stored, []string{id}) {
			t.Errorf("key %q: stored %v, want only %s", key, stored, id)
		}
		waitForStatus(t, s, id, "awaiting-approval")
		if got := executionsOf(t, s, id); len(got) != 1 || got[id+"-v1"] != 1 {
			t.Errorf("key %q: executions %v, want one %s-v1", key, got, id)
		}
	}
}

// TestEmailFailureStillSendsSlack: SES refuses the PM's email (an
// unverified sender, as in the SES sandbox). The workflow still reaches
// its gate, the Slack message goes, and the email failure is on the
// submission's trail.
func TestEmailFailureStillSendsSlack(t *testing.T) {
	s := faultStack(t)
	fault := s.Faults.Set(localstack.AWSFault{Operation: "SendEmail", Match: t.Name(), Status: http.StatusBadRequest,
		Code: "MessageRejected", Message: "Email address is not verified. The following identities failed the check in region US-EAST-1: intake@example.com"})
	defer fault.Clear()
	id := submit(t, s, checklistFor(t, nil))

	waitForStatus(t, s, id, "awaiting-approval")
	msgs := waitForSlack(t, s, 1, t.Name(), "DEV passed verification")
	if msgs[0].Status != http.StatusOK {
		t.Errorf("Slack message not delivered: %+v", msgs[0])
	}
	rec := waitForTrail(t, s, id, "email to pm@example.com: failed")
	waitForTrail(t, s, id, "slack: sent")
	for _, e := range rec.History {
		if strings.HasPrefix(e.Detail, "email to pm@example.com: failed") && !strings.Contains(e.Detail, "rejected by SES") {
			t.Errorf("the failure does not say why: %s", e.Detail)
		}
	}
	if fault.Hits() < 1 {
		t.Errorf("SES was never asked")
	}
	if got := outbox(t, s, id, ""); len(got) != 0 {
		t.Errorf("%d emails about %s reached SES", len(got), id)
	}
	// The gate is open: the PM can still decide from Slack's button.
	if b := msgs[0].buttons()["Review and decide"]; b == "" {
		t.Errorf("Slack message without the approval button")
	} else if r := decide(t, s, b, "approved"); r.status != http.StatusOK {
		t.Errorf("approve from Slack: %d", r.status)
	}
	waitForStatus(t, s, id, "awaiting-deployment")
}

// TestSlackHangingCostsOnlySlack: Slack accepts the connection and never
// answers. Each attempt times out, the delivery gives up within its
// budget, and the email, the gate and the trail are unaffected.
// (TestSlackOutageDoesNotStopTheWorkflow covers Slack answering 500.)
func TestSlackHangingCostsOnlySlack(t *testing.T) {
	s := faultStack(t)
	clear := s.Slack.SetFault(localstack.SlackFault{Delay: time.Minute, Match: t.Name()})
	defer clear()
	id := submit(t, s, checklistFor(t, nil))

	waitForStatus(t, s, id, "awaiting-approval")
	waitForEmails(t, s, id, "DEV passed verification", 1)
	deadline := time.Now().Add(60 * time.Second)
	var failure string
	for failure == "" {
		for _, e := range record(t, s, id).History {
			if strings.HasPrefix(e.Detail, "slack: failed") {
				failure = e.Detail
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Slack failure on the trail of %s", id)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(failure, "no answer") {
		t.Errorf("the failure does not say Slack never answered: %s", failure)
	}
	attempts := slackOutbox(t, s, t.Name(), "DEV passed verification")
	if len(attempts) < 2 {
		t.Errorf("%d Slack attempts, want retries", len(attempts))
	}
	for _, a := range attempts {
		if a.Status != 0 || !a.Fault {
			t.Errorf("attempt %+v, want one the client gave up on", a)
		}
	}
	rec := waitForTrail(t, s, id, "email to pm@example.com: sent")
	if rec.Status != "awaiting-approval" {
		t.Errorf("status %s", rec.Status)
	}
}

// TestLambdaTimeoutEndsTheExecution: the health function hangs on an
// appliance that never answers and runs into its Timeout (3 s here). kumo
// ends the invocation with a function error (Sandbox.Timedout), and its
// Step Functions engine ignores function errors (kumo.md hazard 2): the
// task "succeeds" with the error payload, which has no "healthy" field. The
// verdict Choice checks IsPresent before comparing (a rule on a missing
// path is a States.Runtime error in AWS as in kumo, and a Choice has no
// Catch), so the payload falls through to DevHealthInvalid → NotifyFailed:
// "failed" on the trail, the PM emailed, the execution FAILED.
// (In AWS the timeout is a States.TaskFailed caught by the task's
// States.ALL Catch, which leads to NotifyFailed; that configuration is
// asserted on the synthesized template.)
func TestLambdaTimeoutEndsTheExecution(t *testing.T) {
	s := faultStack(t)
	body := checklistFor(t, nil)
	host := devManageHost(t, body)
	s.Appliances.SetDelay(host, time.Minute)
	t.Cleanup(func() { s.Appliances.SetDelay(host, 0) })
	id := submit(t, s, body)
	decide(t, s, link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0]), "approved")
	decide(t, s, link(t, waitForEmails(t, s, id, "DEV approved", 1)[0]), "deployed")

	arn := strings.Replace(s.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + id + "-v1"
	var exec *sfn.DescribeExecutionOutput
	deadline := time.Now().Add(90 * time.Second)
	for exec == nil || exec.Status == "RUNNING" {
		if time.Now().After(deadline) {
			t.Fatalf("the execution never ended after the health function timed out: %+v", record(t, s, id).History)
		}
		time.Sleep(250 * time.Millisecond)
		out, err := sfn.NewFromConfig(s.AWS).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		exec = out
	}
	if exec.Status != "FAILED" {
		t.Fatalf("execution %s (%s: %s), want FAILED", exec.Status, aws.ToString(exec.Error), aws.ToString(exec.Cause))
	}
	if n := s.Appliances.Hits(host); n < 1 {
		t.Errorf("the appliance was never asked")
	}
	rec := record(t, s, id)
	if rec.Stage != "healthcheck-dev" {
		t.Errorf("stage %s, want healthcheck-dev", rec.Stage)
	}
	// The health task answered (kumo passes the function error on as its
	// output) without a verdict: the guarded Choice falls through to its
	// Default, NotifyFailed records why and tells the PM.
	if aws.ToString(exec.Error) != "InstallWorkflowFailed" {
		t.Fatalf("execution failed with %s: %s, want InstallWorkflowFailed through NotifyFailed", aws.ToString(exec.Error), aws.ToString(exec.Cause))
	}
	rec = waitForStatus(t, s, id, "failed")
	found := false
	for _, e := range rec.History {
		found = found || (e.Status == "failed" && strings.Contains(e.Detail, "health check returned no verdict"))
	}
	if !found {
		t.Errorf("the trail does not say why it failed: %+v", rec.History)
	}
	waitForEmails(t, s, id, "failed", 1)

	// It was the function's Timeout: invoked directly (for another
	// submission, so this one's record stays as it ended), kumo answers
	// with a function error once the Timeout has passed.
	probe := submit(t, s, checklistFor(t, func(doc map[string]any) {
		doc["customer"].(map[string]any)["name"] = "Timeout Probe " + t.Name()
	}))
	payload, _ := json.Marshal(workflow.HealthInput{SubmissionID: probe, Version: 1, Environment: "dev", MaxAttempts: 1})
	out, err := lambda.NewFromConfig(s.AWS).Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String("faults-health"), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError == nil {
		t.Fatalf("a hanging health check answered without a function error: %s", out.Payload)
	}
	// kumo's timer and the handler's own deadline (the same Timeout)
	// expire together: either error may be the one returned.
	if p := string(out.Payload); !strings.Contains(p, "Task timed out after 3.00 seconds") && !strings.Contains(p, "deadline exceeded") {
		t.Errorf("function error %s", p)
	} else {
		t.Logf("direct invoke: %s %s", aws.ToString(out.FunctionError), p)
	}
}

// TestStuckSubmissionIsResumed: Step Functions refuses intake's
// StartExecution (every SDK attempt), so the POST answers 503 after
// storing the submission, and the client never retries. The resumer
// starts it (intake's StartExecution stays broken throughout, so it is
// the resumer that did); a late retry finds it running. One execution.
func TestStuckSubmissionIsResumed(t *testing.T) {
	s := faultStack(t)
	// Through the dev route, as `make dev` users would.
	form := url.Values{"operation": {"StartExecution"}, "caller": {"intake"}, "status": {"500"}, "code": {"ServiceUnavailable"}}
	if r := do(t, mustRequest(t, http.MethodPost, s.URL+"/dev/aws/fault?"+form.Encode(), nil)); r.status != http.StatusOK {
		t.Fatalf("set fault: %d %s", r.status, r.rawBody)
	}
	defer do(t, mustRequest(t, http.MethodPost, s.URL+"/dev/aws/fault?clear=1", nil))
	before := s.Faults.Calls("StartExecution", "intake")
	body := checklistFor(t, nil)

	r := post(t, s, body, "application/json", "")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("POST with Step Functions down: %d %s", r.status, r.rawBody)
	}
	id := idInText.FindString(r.rawBody)
	if id == "" {
		t.Fatalf("503 without the submission id: %s", r.rawBody)
	}
	if n := s.Faults.Calls("StartExecution", "intake") - before; n < 1 {
		t.Fatalf("intake never tried to start the workflow")
	}

	rec := waitForStart(t, s, id)
	if got := executionsOf(t, s, id); len(got) != 1 || got[id+"-v1"] != 1 {
		t.Fatalf("executions %v, want one %s-v1", got, id)
	}
	resumedBy := ""
	for _, e := range rec.History {
		if strings.Contains(e.Detail, "install workflow") && strings.Contains(e.Detail, id+"-v1") {
			resumedBy += e.Actor + " "
		}
	}
	if resumedBy != "resumer " {
		t.Errorf("workflow-started events by %q, want the resumer's only: %+v", resumedBy, rec.History)
	}
	if n := strings.Count(strings.Join(s.Resumer().Resumed, " ")+" ", id+"-v1 "); n != 1 {
		t.Errorf("the resumer started %s-v1 %d times", id, n)
	}
	waitForStatus(t, s, id, "awaiting-approval")

	// The client's late retry (Step Functions still down for intake):
	// the original, running; nothing started again.
	calls := s.Faults.Calls("StartExecution", "intake")
	again := post(t, s, body, "application/json", "")
	if again.status != http.StatusOK || again.body["id"] != id {
		t.Fatalf("late retry: %d %s", again.status, again.rawBody)
	}
	if s.Faults.Calls("StartExecution", "intake") != calls {
		t.Errorf("the retry tried to start a recorded workflow")
	}
	if got := executionsOf(t, s, id); len(got) != 1 {
		t.Errorf("executions after the retry %v", got)
	}
	if stored := metasNamed(t, s, customerName(body)); !slices.Equal(stored, []string{id}) {
		t.Errorf("stored %v, want only %s", stored, id)
	}
}

// TestKilledIntakeIsResumed: the intake process is killed after it stored
// the submission and while its StartExecution is in flight (held back by
// the fault injector, so it never reaches Step Functions). The client gets
// a 5xx and never retries. The resumer finds the version, starts it, and
// the install goes on; one execution.
func TestKilledIntakeIsResumed(t *testing.T) {
	s := faultStack(t)
	hold := s.Faults.Set(localstack.AWSFault{Operation: "StartExecution", Caller: "intake", Delay: 5 * time.Minute})
	defer hold.Clear()
	body := checklistFor(t, nil)
	replied := make(chan reply, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/submissions", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			replied <- reply{rawBody: err.Error()}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		replied <- reply{status: resp.StatusCode, rawBody: string(raw)}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for hold.Hits() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("intake never reached StartExecution")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Stored, not started: the version and its unstamped marker exist, no
	// execution does.
	ids := metasNamed(t, s, customerName(body))
	if len(ids) != 1 {
		t.Fatalf("stored %v, want one submission", ids)
	}
	id := ids[0]
	pending, err := storeOf(s).Pending(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, p := range pending {
		marked = marked || (p.SubmissionID == id && !p.Started())
	}
	if !marked {
		t.Fatalf("no pending marker for %s: %+v", id, pending)
	}
	if got := executionsOf(t, s, id); len(got) != 0 {
		t.Fatalf("executions before the crash: %v", got)
	}

	if n := s.Kill("intake"); n == 0 {
		t.Fatal("no intake process to kill")
	}
	hold.Clear()
	r := <-replied
	if r.status < 500 {
		t.Fatalf("the killed request answered %d %s", r.status, r.rawBody)
	}

	rec := waitForStart(t, s, id)
	if got := executionsOf(t, s, id); len(got) != 1 || got[id+"-v1"] != 1 {
		t.Fatalf("executions %v, want one %s-v1", got, id)
	}
	started := false
	for _, e := range rec.History {
		started = started || (e.Actor == "resumer" && strings.Contains(e.Detail, "started by the resumer"))
	}
	if !started {
		t.Errorf("the trail does not say the resumer started it: %+v", rec.History)
	}
	if n := strings.Count(strings.Join(s.Resumer().Resumed, " ")+" ", id+"-v1 "); n != 1 {
		t.Errorf("the resumer started %s-v1 %d times", id, n)
	}
	waitForStatus(t, s, id, "awaiting-approval")
	waitForEmails(t, s, id, "DEV passed verification", 1)
	// The stack replaced the killed processes: the API still serves.
	if got := submit(t, s, checklistFor(t, func(doc map[string]any) {
		doc["customer"].(map[string]any)["name"] = "After The Crash " + t.Name()
	})); got == "" {
		t.Error("no submission after the crash")
	}
}
