package approval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

var (
	kumoOnce sync.Once
	kumoSrv  *kumo.Server
	seq      atomic.Int64
)

// emulator returns this process's kumo. Its Step Functions engine calls
// SQS (and Lambda) at the hard-coded http://localhost:4566 through
// http.DefaultTransport, so dials of that address are routed to it.
func emulator() *kumo.Server {
	kumoOnce.Do(func() {
		kumoSrv = kumo.NewServer()
		u, _ := url.Parse(kumoSrv.URL)
		tr := http.DefaultTransport.(*http.Transport)
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == "localhost:4566" || addr == "127.0.0.1:4566" {
				addr = u.Host
			}
			return dialer.DialContext(ctx, network, addr)
		}
	})
	return kumoSrv
}

func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// responder passes SendTaskSuccess to Step Functions, failing the next
// `fail` calls first, and counts the calls that reached it.
type responder struct {
	real  *sfn.Client
	mu    sync.Mutex
	fail  int
	calls int
}

func (r *responder) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	r.mu.Lock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		r.mu.Unlock()
		return nil, errors.New("ThrottlingException: rate exceeded")
	}
	r.mu.Unlock()
	return r.real.SendTaskSuccess(ctx, in, opts...)
}

func (r *responder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return r.calls }

type fixture struct {
	st    *store.Store
	sfn   *sfn.Client
	tasks *responder
	svc   *approval.Service
	sub   string
	now   func() time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	k := emulator()
	cfg := localstack.AWSConfig(k.URL)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := unique("approval-test")
	if err := localstack.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: store.New(db, table), sfn: sfn.NewFromConfig(cfg), sub: unique("sub")}
	f.tasks = &responder{real: f.sfn}
	f.now = time.Now
	signer, err := approval.NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = approval.New(f.st, f.tasks, f.st, signer, approval.Config{BaseURL: "https://intake.example.com/",
		Now: func() time.Time { return f.now() }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Create(context.Background(), store.NewSubmission{ID: f.sub, CustomerName: "Example Corp",
		Document: []byte(`{}`), Dedup: store.Dedup{Kind: "key", Value: f.sub, BodyHash: "h", TTL: time.Hour},
		Now: time.Now(), Status: workflow.StatusAwaitingApproval, Stage: "approve-dev", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// sqs calls kumo's SQS JSON API directly (the repository has no SQS client).
func sqs(t *testing.T, action string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, emulator().URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+action)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sqs %s: %d %s", action, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("sqs %s: %v: %s", action, err, raw)
		}
	}
}

// gate starts a real execution of a one-gate state machine whose task
// sends its token to an SQS queue, and returns the execution and token.
func (f *fixture) gate(t *testing.T, timeoutSeconds int) (execArn, token string) {
	t.Helper()
	ctx := context.Background()
	var q struct{ QueueUrl string }
	sqs(t, "CreateQueue", map[string]any{"QueueName": unique("gate")}, &q)
	def := fmt.Sprintf(`{"StartAt":"Gate","States":{"Gate":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",`+
		`"Parameters":{"QueueUrl":%q,"MessageBody":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":%d,"Next":"Done"},"Done":{"Type":"Succeed"}}}`,
		q.QueueUrl, timeoutSeconds)
	sm, err := f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(unique("gate")),
		Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/test"),
		Type: sfntypes.StateMachineTypeStandard})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn,
		Name: aws.String(unique("exec")), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var msgs struct{ Messages []struct{ Body string } }
		sqs(t, "ReceiveMessage", map[string]any{"QueueUrl": q.QueueUrl, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 1}, &msgs)
		if len(msgs.Messages) > 0 {
			var body struct{ Token string }
			if err := json.Unmarshal([]byte(msgs.Messages[0].Body), &body); err != nil || body.Token == "" {
				t.Fatalf("message %q: %v", msgs.Messages[0].Body, err)
			}
			return aws.ToString(ex.ExecutionArn), body.Token
		}
	}
	t.Fatal("the gate's task token never reached the queue")
	return "", ""
}

func (f *fixture) status(t *testing.T, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	out, err := f.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) waitDone(t *testing.T, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out := f.status(t, execArn); out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("execution %s still running", execArn)
	return nil
}

func (f *fixture) open(t *testing.T, gate, kind, token string) (approval.Link, string, string) {
	t.Helper()
	l, err := f.svc.Open(context.Background(), approval.OpenRequest{SubmissionID: f.sub, Version: 1, Gate: gate,
		Environment: gate[strings.LastIndex(gate, "-")+1:], Kind: kind, TaskToken: token, ReportKey: "REPORT#00001#dev", CustomerName: "Example Corp"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/approvals/"+l.ID || u.Host != "intake.example.com" {
		t.Fatalf("link %s", l.URL)
	}
	return l, u.Query().Get("exp"), u.Query().Get("sig")
}

func TestApproveDeliversToWorkflowOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	execArn, token := f.gate(t, 120)
	link, exp, sig := f.open(t, "approve-dev", approval.KindApprove, token)
	if !strings.HasPrefix(link.ID, "apv-") || len(link.ID) != 4+26 || strings.ToLower(link.ID) != link.ID {
		t.Fatalf("id %q", link.ID)
	}
	if strings.Contains(link.URL, token) || !strings.Contains(link.URL, "?exp=") {
		t.Fatalf("link %s", link.URL)
	}
	if d := time.Until(link.ExpiresAt); d < approval.DefaultLinkTTL-time.Minute || d > approval.DefaultLinkTTL {
		t.Fatalf("link expires in %s", d)
	}

	// GET: the page data, no action.
	v, err := f.svc.Load(ctx, link.ID, exp, sig)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != approval.StatePending || v.CustomerName != "Example Corp" || v.Title() != "Approve the DEV deployment" ||
		v.ReportKey != "REPORT#00001#dev" || v.SubmissionID != f.sub || v.Exp != exp || v.Sig != sig {
		t.Fatalf("view %+v", v)
	}
	if f.status(t, execArn).Status != sfntypes.ExecutionStatusRunning || f.tasks.count() != 0 {
		t.Fatal("Load acted")
	}

	// POST: decided once, delivered, recorded.
	v, err = f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: " approved ", Actor: "  Jane Doe ",
		Comment: "Looks good.\r\nGo ahead.", Source: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if v.State != approval.StateDecided || v.Outcome != "approved" || v.Actor != "Jane Doe" || v.Comment != "Looks good.\nGo ahead." {
		t.Fatalf("view after decide %+v", v)
	}
	out := f.waitDone(t, execArn)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s", out.Status, aws.ToString(out.Cause))
	}
	var got workflow.Decision
	if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &got); err != nil {
		t.Fatal(err)
	}
	if got != (workflow.Decision{Decision: "approved", Actor: "Jane Doe", Comment: "Looks good.\nGo ahead.", ApprovalID: link.ID}) {
		t.Fatalf("workflow got %+v (%s)", got, aws.ToString(out.Output))
	}
	rec, err := f.st.Get(ctx, f.sub)
	if err != nil {
		t.Fatal(err)
	}
	last := rec.History[len(rec.History)-1]
	if rec.Status != workflow.StatusInProgress || rec.Stage != "deploy-dev" || last.Actor != "pm:Jane Doe" ||
		!strings.Contains(last.Detail, "Go ahead.") || !strings.Contains(last.Detail, "approved the DEV deployment") {
		t.Fatalf("submission %s/%s, last event %+v", rec.Status, rec.Stage, last)
	}
	a, _ := f.st.GetApproval(ctx, link.ID)
	if !a.Delivered || a.Status != "approved" || a.Source != "web" {
		t.Fatalf("approval %+v", a)
	}

	// Replays and second thoughts change nothing.
	for _, outcome := range []string{"approved", "rejected"} {
		v, err = f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: outcome, Actor: "Someone Else"})
		if !errors.Is(err, approval.ErrAlreadyDecided) || approval.StatusFor(err) != http.StatusConflict {
			t.Fatalf("replay %s: %v", outcome, err)
		}
		if v.Actor != "Jane Doe" || v.Outcome != "approved" || v.DecidedAt.IsZero() {
			t.Fatalf("replay view %+v", v)
		}
	}
	if f.tasks.count() != 1 {
		t.Fatalf("SendTaskSuccess called %d times", f.tasks.count())
	}
	v, err = f.svc.Load(ctx, link.ID, exp, sig)
	if err != nil || v.State != approval.StateDecided || v.Actor != "Jane Doe" {
		t.Fatalf("load after decision: %+v %v", v, err)
	}
}

func TestForgedAndExpiredLinksChangeNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	execArn, token := f.gate(t, 120)
	link, exp, sig := f.open(t, "approve-dev", approval.KindApprove, token)
	d := approval.Decision{Outcome: "approved", Actor: "Mallory"}

	forged := []struct{ id, exp, sig string }{
		{link.ID, exp, strings.ToUpper(sig[:1]) + sig[1:] + "x"},
		{link.ID, fmt.Sprint(link.ExpiresAt.Unix() + 3600), sig},
		{"apv-" + strings.Repeat("a", 26), exp, sig},
		{link.ID, exp, ""},
	}
	for i, c := range forged {
		if _, err := f.svc.Decide(ctx, c.id, c.exp, c.sig, d); !errors.Is(err, approval.ErrBadSignature) || approval.StatusFor(err) != 403 {
			t.Fatalf("forged %d: %v", i, err)
		}
		if _, err := f.svc.Load(ctx, c.id, c.exp, c.sig); !errors.Is(err, approval.ErrBadSignature) {
			t.Fatalf("forged %d load: %v", i, err)
		}
	}

	// An authentic link past its expiry: the page still shows the
	// approval; the decision is refused.
	f.now = func() time.Time { return link.ExpiresAt.Add(time.Second) }
	v, err := f.svc.Load(ctx, link.ID, exp, sig)
	if err != nil || v.State != approval.StateExpired {
		t.Fatalf("expired load: %+v %v", v, err)
	}
	if _, err := f.svc.Decide(ctx, link.ID, exp, sig, d); !errors.Is(err, approval.ErrLinkExpired) || approval.StatusFor(err) != 410 {
		t.Fatalf("expired decide: %v", err)
	}
	f.now = time.Now

	// An authentic link to an approval that does not exist.
	s2, _ := approval.NewSigner(bytes.Repeat([]byte("k"), 32))
	ghostExp := time.Now().Add(time.Hour)
	ghostSig := s2.Sign("apv-ghost", ghostExp)
	if _, err := f.svc.Load(ctx, "apv-ghost", fmt.Sprint(ghostExp.Unix()), ghostSig); !errors.Is(err, approval.ErrNotFound) || approval.StatusFor(err) != 404 {
		t.Fatalf("ghost: %v", err)
	}

	a, _ := f.st.GetApproval(ctx, link.ID)
	if a.Status != store.ApprovalPending || a.Actor != "" || f.tasks.count() != 0 ||
		f.status(t, execArn).Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("something changed: %+v", a)
	}
	// The genuine link still works afterwards.
	if _, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "rejected", Actor: "Jane"}); err != nil {
		t.Fatal(err)
	}
	if out := f.waitDone(t, execArn); !strings.Contains(aws.ToString(out.Output), `"decision":"rejected"`) {
		t.Fatalf("output %s", aws.ToString(out.Output))
	}
	rec, _ := f.st.Get(ctx, f.sub)
	if rec.Status != workflow.StatusRejected || rec.Stage != "approve-dev" {
		t.Fatalf("submission %s/%s", rec.Status, rec.Stage)
	}
}

func TestDeadTokenExpiresApprovalAndReissueRevivesIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	execArn, token := f.gate(t, 1)
	if out := f.waitDone(t, execArn); out.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("want the gate to time out, got %s", out.Status)
	}
	link, exp, sig := f.open(t, "approve-prod", approval.KindApprove, token)
	v, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "approved", Actor: "Jane", Comment: "late"})
	if !errors.Is(err, approval.ErrLinkExpired) || approval.StatusFor(err) != http.StatusGone {
		t.Fatalf("dead token: %v", err)
	}
	if v.State != approval.StateExpired || v.Outcome != "approved" {
		t.Fatalf("view %+v", v)
	}
	a, _ := f.st.GetApproval(ctx, link.ID)
	if a.Status != store.ApprovalExpired || a.Delivered || a.Outcome != "approved" || a.Actor != "Jane" {
		t.Fatalf("approval after dead token %+v", a)
	}
	rec, _ := f.st.Get(ctx, f.sub)
	if len(rec.History) != 1 {
		t.Fatalf("an undelivered decision was recorded on the submission: %+v", rec.History)
	}
	if _, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "approved", Actor: "Jane"}); !errors.Is(err, approval.ErrLinkExpired) {
		t.Fatalf("second try on an expired approval: %v", err)
	}

	// The workflow re-issues the gate (a reminder): same approval, same
	// id, pending again, delivered to the new token.
	execArn2, token2 := f.gate(t, 120)
	link2, exp2, sig2 := f.open(t, "approve-prod", approval.KindApprove, token2)
	if link2.ID != link.ID {
		t.Fatalf("re-issue made a new approval %s (was %s)", link2.ID, link.ID)
	}
	if v, err := f.svc.Load(ctx, link.ID, exp, sig); err != nil || v.State != approval.StatePending {
		t.Fatalf("old link after re-issue: %+v %v", v, err)
	}
	if _, err := f.svc.Decide(ctx, link2.ID, exp2, sig2, approval.Decision{Outcome: "approved", Actor: "Jane"}); err != nil {
		t.Fatal(err)
	}
	if out := f.waitDone(t, execArn2); out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("re-issued gate: %s", out.Status)
	}
	rec, _ = f.st.Get(ctx, f.sub)
	if rec.Stage != "deploy-prod" || rec.Status != workflow.StatusInProgress {
		t.Fatalf("submission %s/%s", rec.Status, rec.Stage)
	}
}

func TestOpenTwiceRearmsWithNewToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exec1, token1 := f.gate(t, 120)
	exec2, token2 := f.gate(t, 120)
	l1, exp1, sig1 := f.open(t, "deploy-dev", approval.KindDeploy, token1)
	l2, _, _ := f.open(t, "deploy-dev", approval.KindDeploy, token2)
	if l1.ID != l2.ID {
		t.Fatalf("two approvals for one gate: %s %s", l1.ID, l2.ID)
	}
	a, _ := f.st.GetApproval(ctx, l1.ID)
	if a.TaskToken != token2 || a.Reissued != 1 {
		t.Fatalf("approval %+v", a)
	}
	// Another gate of the same submission gets its own approval.
	_, token3 := f.gate(t, 120)
	if l3, _, _ := f.open(t, "approve-prod", approval.KindApprove, token3); l3.ID == l1.ID {
		t.Fatal("another gate reused the approval")
	}

	// The first link still works, and the decision goes to the new token.
	if _, err := f.svc.Decide(ctx, l1.ID, exp1, sig1, approval.Decision{Outcome: "approved", Actor: "Jane"}); !errors.Is(err, approval.ErrBadRequest) {
		t.Fatalf("approved on a deploy gate: %v", err)
	}
	v, err := f.svc.Decide(ctx, l1.ID, exp1, sig1, approval.Decision{Outcome: "deployed", Actor: "Jane"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Title() != "Confirm the DEV appliance is deployed" {
		t.Fatalf("title %q", v.Title())
	}
	if out := f.waitDone(t, exec2); out.Status != sfntypes.ExecutionStatusSucceeded || !strings.Contains(aws.ToString(out.Output), `"deployed"`) {
		t.Fatalf("new token's execution: %s %s", out.Status, aws.ToString(out.Output))
	}
	if f.status(t, exec1).Status != sfntypes.ExecutionStatusRunning {
		t.Fatal("the old token's execution was touched")
	}
	rec, _ := f.st.Get(ctx, f.sub)
	if rec.Stage != "healthcheck-dev" || rec.Status != workflow.StatusInProgress {
		t.Fatalf("submission %s/%s", rec.Status, rec.Stage)
	}
	// A gate already decided and delivered is not re-opened.
	_, token4 := f.gate(t, 120)
	_, err = f.svc.Open(ctx, approval.OpenRequest{SubmissionID: f.sub, Version: 1, Gate: "deploy-dev", Environment: "dev",
		Kind: approval.KindDeploy, TaskToken: token4})
	if !errors.Is(err, approval.ErrAlreadyDecided) {
		t.Fatalf("re-open of a decided gate: %v", err)
	}
}

func TestInputIsValidatedBeforeAnythingIsRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, token := f.gate(t, 120)
	link, exp, sig := f.open(t, "approve-dev", approval.KindApprove, token)
	cases := map[string]struct {
		d     approval.Decision
		field string
	}{
		"no outcome":       {approval.Decision{Actor: "Jane"}, "outcome"},
		"deploy outcome":   {approval.Decision{Outcome: "deployed", Actor: "Jane"}, "outcome"},
		"unknown outcome":  {approval.Decision{Outcome: "maybe", Actor: "Jane"}, "outcome"},
		"no name":          {approval.Decision{Outcome: "approved", Actor: "   "}, "actor"},
		"long name":        {approval.Decision{Outcome: "approved", Actor: strings.Repeat("é", 201)}, "actor"},
		"two-line name":    {approval.Decision{Outcome: "approved", Actor: "Jane\nDoe"}, "actor"},
		"long comment":     {approval.Decision{Outcome: "approved", Actor: "Jane", Comment: strings.Repeat("x", 2001)}, "comment"},
		"control comment":  {approval.Decision{Outcome: "approved", Actor: "Jane", Comment: "a\x00b"}, "comment"},
		"invalid utf8":     {approval.Decision{Outcome: "approved", Actor: "Jane\xff"}, "actor"},
		"bad source":       {approval.Decision{Outcome: "approved", Actor: "Jane", Source: "<web>"}, "source"},
		"name and outcome": {approval.Decision{Outcome: "nope"}, "actor"},
	}
	for name, c := range cases {
		v, err := f.svc.Decide(ctx, link.ID, exp, sig, c.d)
		var ie *approval.InputError
		if !errors.As(err, &ie) || !errors.Is(err, approval.ErrBadRequest) || approval.StatusFor(err) != 400 {
			t.Fatalf("%s: %v", name, err)
		}
		if ie.Message(c.field) == "" {
			t.Fatalf("%s: no message for %s in %v", name, c.field, ie)
		}
		if v.ID != link.ID || v.State != approval.StatePending {
			t.Fatalf("%s: view %+v", name, v)
		}
	}
	// The limits are inclusive, in characters.
	if _, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "approved",
		Actor: strings.Repeat("é", 200), Comment: strings.Repeat("ü", 2000)}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if f.tasks.count() != 1 {
		t.Fatalf("%d deliveries", f.tasks.count())
	}
}

func TestTransientDeliveryFailureKeepsTheDecision(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	execArn, token := f.gate(t, 120)
	link, exp, sig := f.open(t, "approve-dev", approval.KindApprove, token)
	f.tasks.fail = 1
	v, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "rejected", Actor: "Jane", Comment: "no"})
	var nd *approval.NotDeliveredError
	if !errors.As(err, &nd) || !errors.Is(err, approval.ErrNotDelivered) || approval.StatusFor(err) != http.StatusServiceUnavailable {
		t.Fatalf("want not delivered, got %v", err)
	}
	if v.State != approval.StateUndelivered || v.Outcome != "rejected" {
		t.Fatalf("view %+v", v)
	}
	a, _ := f.st.GetApproval(ctx, link.ID)
	if a.Status != "rejected" || a.Delivered || !strings.Contains(a.DeliveryError, "rate exceeded") {
		t.Fatalf("approval %+v", a)
	}
	if v, err := f.svc.Load(ctx, link.ID, exp, sig); err != nil || v.State != approval.StateUndelivered {
		t.Fatalf("load: %+v %v", v, err)
	}
	if rec, _ := f.st.Get(ctx, f.sub); rec.Status != workflow.StatusAwaitingApproval {
		t.Fatalf("submission moved before delivery: %s", rec.Status)
	}

	// Submitting again (even with another choice) delivers the recorded
	// decision; the different choice is told it was already decided.
	v, err = f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "approved", Actor: "Joe"})
	if !errors.Is(err, approval.ErrAlreadyDecided) || v.State != approval.StateDecided || v.Actor != "Jane" {
		t.Fatalf("retry with another outcome: %+v %v", v, err)
	}
	out := f.waitDone(t, execArn)
	if !strings.Contains(aws.ToString(out.Output), `"decision":"rejected"`) || !strings.Contains(aws.ToString(out.Output), `"actor":"Jane"`) {
		t.Fatalf("output %s", aws.ToString(out.Output))
	}
	rec, _ := f.st.Get(ctx, f.sub)
	if rec.Status != workflow.StatusRejected || rec.History[len(rec.History)-1].Actor != "pm:Jane" {
		t.Fatalf("submission %s %+v", rec.Status, rec.History)
	}
	if _, err := f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: "rejected", Actor: "Jane"}); !errors.Is(err, approval.ErrAlreadyDecided) {
		t.Fatalf("after delivery: %v", err)
	}
	if f.tasks.count() != 2 {
		t.Fatalf("%d SendTaskSuccess calls, want 2", f.tasks.count())
	}
}

func TestConcurrentDecisionsDeliverOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	execArn, token := f.gate(t, 120)
	link, exp, sig := f.open(t, "approve-dev", approval.KindApprove, token)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outcome := []string{"approved", "rejected"}[i%2]
			_, errs[i] = f.svc.Decide(ctx, link.ID, exp, sig, approval.Decision{Outcome: outcome, Actor: fmt.Sprintf("pm %d", i)})
		}(i)
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, approval.ErrAlreadyDecided):
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if won != 1 || f.tasks.count() != 1 {
		t.Fatalf("%d winners, %d deliveries", won, f.tasks.count())
	}
	if out := f.waitDone(t, execArn); out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s", out.Status)
	}
}

func TestOpenValidatesAndConfigIsChecked(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := approval.OpenRequest{SubmissionID: f.sub, Version: 1, Gate: "approve-dev", Environment: "dev", Kind: "approve", TaskToken: "t"}
	bad := []func(*approval.OpenRequest){
		func(r *approval.OpenRequest) { r.SubmissionID = "" },
		func(r *approval.OpenRequest) { r.SubmissionID = "a#b" },
		func(r *approval.OpenRequest) { r.Version = 0 },
		func(r *approval.OpenRequest) { r.Gate = "Approve Dev" },
		func(r *approval.OpenRequest) { r.Gate = "approve-dev#x" },
		func(r *approval.OpenRequest) { r.Kind = "confirm" },
		func(r *approval.OpenRequest) { r.Environment = "" },
		func(r *approval.OpenRequest) { r.TaskToken = "" },
	}
	for i, mutate := range bad {
		r := good
		mutate(&r)
		if _, err := f.svc.Open(ctx, r); !errors.Is(err, approval.ErrBadRequest) {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	signer, _ := approval.NewSigner(bytes.Repeat([]byte("k"), 32))
	for _, base := range []string{"", "intake.example.com", "ftp://x", "https://x/?a=b"} {
		if _, err := approval.New(f.st, f.tasks, f.st, signer, approval.Config{BaseURL: base}); err == nil {
			t.Fatalf("base URL %q accepted", base)
		}
	}
	if _, err := approval.New(f.st, f.tasks, f.st, nil, approval.Config{BaseURL: "https://x"}); err == nil {
		t.Fatal("nil signer accepted")
	}
	// A path prefix in the base URL is kept.
	svc, err := approval.New(f.st, f.tasks, f.st, signer, approval.Config{BaseURL: "https://x.example/prod/", LinkTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l, err := svc.Open(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.URL, "https://x.example/prod/approvals/"+l.ID+"?exp=") || time.Until(l.ExpiresAt) > time.Hour {
		t.Fatalf("link %s expires %s", l.URL, l.ExpiresAt)
	}
}

// gatedResponder holds SendTaskSuccess until the test releases it with an
// error (nil: success).
type gatedResponder struct {
	entered chan struct{}
	release chan error
}

func (g *gatedResponder) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	g.entered <- struct{}{}
	if err := <-g.release; err != nil {
		return nil, err
	}
	return &sfn.SendTaskSuccessOutput{}, nil
}

// The reminder race: the gate's first token times out while the PM's
// decision is being sent to it, and the workflow re-issues the gate. The
// re-issue waits for the delivery's outcome, then re-arms the same
// approval with the new token.
func TestReissueDuringDeliveryWaitsForItsOutcome(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := &gatedResponder{entered: make(chan struct{}), release: make(chan error)}
	signer, _ := approval.NewSigner(bytes.Repeat([]byte("k"), 32))
	svc, err := approval.New(f.st, g, f.st, signer, approval.Config{BaseURL: "https://intake.example.com",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	req := approval.OpenRequest{SubmissionID: f.sub, Version: 1, Gate: "approve-dev", Environment: "dev",
		Kind: approval.KindApprove, TaskToken: "token-1"}
	link, err := svc.Open(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link.URL)
	decided := make(chan error, 1)
	go func() {
		_, err := svc.Decide(ctx, link.ID, u.Query().Get("exp"), u.Query().Get("sig"), approval.Decision{Outcome: "approved", Actor: "Jane"})
		decided <- err
	}()
	<-g.entered

	req.TaskToken = "token-2"
	reopened := make(chan approval.Link, 1)
	go func() {
		l, err := svc.Open(ctx, req)
		if err != nil {
			t.Error(err)
		}
		reopened <- l
	}()
	select {
	case <-reopened:
		t.Fatal("re-issue did not wait for the delivery in flight")
	case <-time.After(400 * time.Millisecond):
	}
	g.release <- &sfntypes.TaskTimedOut{Message: aws.String("Task Timed Out")}
	if err := <-decided; !errors.Is(err, approval.ErrLinkExpired) {
		t.Fatalf("decide: %v", err)
	}
	l2 := <-reopened
	if l2.ID != link.ID {
		t.Fatalf("re-issue made %s, want %s", l2.ID, link.ID)
	}
	a, _ := f.st.GetApproval(ctx, link.ID)
	if a.Status != store.ApprovalPending || a.TaskToken != "token-2" || a.Outcome != "" {
		t.Fatalf("approval %+v", a)
	}
}
