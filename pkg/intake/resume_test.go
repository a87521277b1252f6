package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
)

var (
	srv     *kumo.Server
	srvOnce sync.Once
	quiet   = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// starter passes StartExecution through to kumo. fail makes it fail
// before the call (the service was unreachable); crashAfter makes it call
// kumo and then fail (the process died after starting the execution,
// before recording it).
type starter struct {
	next       *sfn.Client
	fail       atomic.Bool
	crashAfter atomic.Bool
	calls      atomic.Int64
}

func (s *starter) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return nil, errors.New("connection reset by peer")
	}
	out, err := s.next.StartExecution(ctx, in, opts...)
	if err == nil && s.crashAfter.Load() {
		return nil, errors.New("process killed")
	}
	return out, err
}

type fixture struct {
	st      *store.Store
	sfn     *sfn.Client
	starter *starter
	svc     *intake.Service
	smArn   string
	now     time.Time
	mu      sync.Mutex
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srvOnce.Do(func() { srv = kumo.NewServer() })
	cfg := localstack.AWSConfig(srv.URL)
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("intake-test-%d", time.Now().UnixNano())
	ctx := context.Background()
	if err := localstack.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	sc := sfn.NewFromConfig(cfg)
	sm, err := sc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(table),
		Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/test"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: store.New(db, table), sfn: sc, starter: &starter{next: sc}, smArn: aws.ToString(sm.StateMachineArn),
		now: time.Now().UTC()}
	f.svc = intake.New(f.st, f.starter, intake.Config{StateMachineArn: f.smArn, Logger: quiet})
	f.svc.Now = f.clock
	return f
}

func (f *fixture) resumer(grace time.Duration) *intake.Resumer {
	r := intake.NewResumer(f.st, f.starter, intake.ResumerConfig{StateMachineArn: f.smArn, Grace: grace, Logger: quiet})
	r.SetClock(f.clock)
	return r
}

// executions counts the executions of the state machine per name.
func (f *fixture) executions(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	p := sfn.NewListExecutionsPaginator(f.sfn, &sfn.ListExecutionsInput{StateMachineArn: aws.String(f.smArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Executions {
			out[aws.ToString(e.Name)]++
		}
	}
	return out
}

func checklist(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "checklist.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["customer"].(map[string]any)["name"] = name
	b, _ := json.Marshal(doc)
	return b
}

func actors(rec *store.Record) map[string]int {
	out := map[string]int{}
	for _, e := range rec.History {
		out[e.Actor]++
	}
	return out
}

// TestSweepStartsAStoredButUnstartedSubmission: the request stored the
// submission but could not start its workflow, and the client never
// retried. The sweep leaves it alone within the grace period, then starts
// it once; a later retry of the request finds it running.
func TestSweepStartsAStoredButUnstartedSubmission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	body := checklist(t, "Resume Corp "+t.Name())
	f.starter.fail.Store(true)
	_, err := f.svc.Submit(ctx, body, "key-"+t.Name())
	id := notStarted(t, err).ID
	f.starter.fail.Store(false)

	r := f.resumer(time.Minute)
	res, err := r.Sweep(ctx)
	if err != nil || res.InFlight != 1 || len(res.Started) != 0 || res.Pending != 1 {
		t.Fatalf("within the grace period: %+v %v", res, err)
	}
	if n := len(f.executions(t)); n != 0 {
		t.Fatalf("%d executions started within the grace period", n)
	}

	f.advance(2 * time.Minute)
	res, err = r.Sweep(ctx)
	if err != nil || len(res.Started) != 1 || res.Started[0] != id+"-v1" {
		t.Fatalf("after the grace period: %+v %v", res, err)
	}
	if got := f.executions(t); got[id+"-v1"] != 1 || len(got) != 1 {
		t.Fatalf("executions %v", got)
	}
	rec, err := f.st.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Versions[0].Started() || actors(rec)["resumer"] != 1 {
		t.Fatalf("record %+v", rec)
	}
	if !strings.Contains(rec.History[len(rec.History)-1].Detail, "started by the resumer") {
		t.Errorf("trail %+v", rec.History)
	}
	if left, _ := f.st.Pending(ctx, 0); len(left) != 0 {
		t.Errorf("markers left: %+v", left)
	}

	// Nothing left to do; the client's late retry finds it running.
	res, err = r.Sweep(ctx)
	if err != nil || res.Pending != 0 || len(res.Started)+len(res.AlreadyStarted) != 0 {
		t.Fatalf("second sweep: %+v %v", res, err)
	}
	calls := f.starter.calls.Load()
	rc, err := f.svc.Submit(ctx, body, "key-"+t.Name())
	if err != nil || rc.ID != id || !rc.Duplicate {
		t.Fatalf("retry: %+v %v", rc, err)
	}
	if f.starter.calls.Load() != calls {
		t.Error("the retry tried to start a recorded workflow again")
	}
	if got := f.executions(t); got[id+"-v1"] != 1 || len(got) != 1 {
		t.Fatalf("executions after the retry %v", got)
	}
}

// TestSweepRecordsAnExecutionStartedButNotRecorded: the process died after
// StartExecution, before recording it. The sweep's start finds the
// execution there (ExecutionAlreadyExists), records it, starts nothing new.
func TestSweepRecordsAnExecutionStartedButNotRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.starter.crashAfter.Store(true)
	_, err := f.svc.Submit(ctx, checklist(t, "Crash Corp "+t.Name()), "")
	f.starter.crashAfter.Store(false)
	id := notStarted(t, err).ID
	if got := f.executions(t); got[id+"-v1"] != 1 {
		t.Fatalf("executions %v", got)
	}

	f.advance(time.Hour)
	res, err := f.resumer(0).Sweep(ctx)
	if err != nil || len(res.AlreadyStarted) != 1 || len(res.Started) != 0 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if got := f.executions(t); got[id+"-v1"] != 1 || len(got) != 1 {
		t.Fatalf("executions %v", got)
	}
	rec, _ := f.st.Get(ctx, id)
	if !rec.Versions[0].Started() || !strings.Contains(rec.History[len(rec.History)-1].Detail, "found running but not recorded") {
		t.Fatalf("record %+v", rec)
	}
}

// TestSweepRemovesMarkersOfStartedVersions: a normal submission's marker
// is stamped at start and removed by the next sweep without any start.
func TestSweepRemovesMarkersOfStartedVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := f.svc.Submit(ctx, checklist(t, fmt.Sprintf("Normal Corp %s %d", t.Name(), i)), ""); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.starter.calls.Load()
	res, err := f.resumer(time.Minute).Sweep(ctx)
	if err != nil || res.Pending != 3 || res.Cleared != 3 || res.InFlight != 0 || len(res.Started) != 0 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if f.starter.calls.Load() != calls {
		t.Error("the sweep called StartExecution for started versions")
	}
	if left, _ := f.st.Pending(ctx, 0); len(left) != 0 {
		t.Errorf("markers left: %+v", left)
	}
}

// TestSweepRetriesWhatItCannotStart: while Step Functions refuses, the
// sweep reports the version failed and keeps its marker; the next sweep
// starts it.
func TestSweepRetriesWhatItCannotStart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.starter.fail.Store(true)
	_, err := f.svc.Submit(ctx, checklist(t, "Outage Corp "+t.Name()), "")
	id := notStarted(t, err).ID
	f.advance(time.Hour)
	r := f.resumer(time.Minute)
	res, err := r.Sweep(ctx)
	if err == nil || len(res.Failed) != 1 || res.Failed[0] != id+"-v1" {
		t.Fatalf("sweep during the outage: %+v %v", res, err)
	}
	if left, _ := f.st.Pending(ctx, 0); len(left) != 1 {
		t.Fatalf("marker lost during the outage: %+v", left)
	}
	f.starter.fail.Store(false)
	res, err = r.Sweep(ctx)
	if err != nil || len(res.Started) != 1 {
		t.Fatalf("sweep after the outage: %+v %v", res, err)
	}
	if got := f.executions(t); got[id+"-v1"] != 1 || len(got) != 1 {
		t.Fatalf("executions %v", got)
	}
}

// TestConcurrentSweepsStartOnce: two sweeps (say an overlapping scheduled
// run) over the same stuck versions start each exactly once.
func TestConcurrentSweepsStartOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.starter.fail.Store(true)
	var ids []string
	for i := 0; i < 4; i++ {
		_, err := f.svc.Submit(ctx, checklist(t, fmt.Sprintf("Stuck Corp %s %d", t.Name(), i)), "")
		ids = append(ids, notStarted(t, err).ID)
	}
	f.starter.fail.Store(false)
	f.advance(time.Hour)

	results := make([]intake.SweepResult, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.resumer(time.Minute).Sweep(ctx)
		}()
	}
	wg.Wait()
	started := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Errorf("sweep %d: %v", i, errs[i])
		}
		started += len(r.Started)
	}
	if started != len(ids) {
		t.Errorf("sweeps report %d started, want %d: %+v", started, len(ids), results)
	}
	got := f.executions(t)
	for _, id := range ids {
		if got[id+"-v1"] != 1 {
			t.Errorf("%s: %d executions", id, got[id+"-v1"])
		}
		rec, _ := f.st.Get(ctx, id)
		if !rec.Versions[0].Started() {
			t.Errorf("%s not recorded as started", id)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("executions %v", got)
	}
}

// TestResubmissionIsResumedToo: a new version that could not start is
// found and started by the sweep like a first version.
func TestResubmissionIsResumedToo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rc, err := f.svc.Submit(ctx, checklist(t, "Again Corp "+t.Name()), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Record(ctx, rc.ID, store.Event{At: f.clock(), Version: 1, Status: "changes-requested", Stage: "verify-dev", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	f.starter.fail.Store(true)
	_, err = f.svc.Resubmit(ctx, rc.ID, checklist(t, "Again Corp v2 "+t.Name()))
	if rc := notStarted(t, err); rc.Version != 2 {
		t.Fatalf("want NotStartedError for v2, got one for v%d", rc.Version)
	}
	f.starter.fail.Store(false)
	f.advance(time.Hour)
	res, err := f.resumer(time.Minute).Sweep(ctx)
	if err != nil || len(res.Started) != 1 || res.Started[0] != rc.ID+"-v2" {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if got := f.executions(t); got[rc.ID+"-v1"] != 1 || got[rc.ID+"-v2"] != 1 || len(got) != 2 {
		t.Fatalf("executions %v", got)
	}
}

// notStarted returns the receipt of a submission stored but not started,
// failing the test unless err says so.
func notStarted(t *testing.T, err error) intake.Receipt {
	t.Helper()
	var ns *intake.NotStartedError
	if !errors.As(err, &ns) {
		t.Fatalf("want NotStartedError, got %v", err)
	}
	return ns.Receipt
}
