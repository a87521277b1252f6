package api_test

// In-memory fakes of everything the Handler reaches, for the fuzzer, the
// hostile-input table and the security-header table: the real intake and
// approval services run over them, so validation, deduplication and the
// approval pages are the production code; only DynamoDB and Step
// Functions are replaced. Every fake succeeds, so any 5xx is the
// Handler's own fault.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/api"
	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/verify"
	"github.com/psaas/appliance-intake/pkg/web"
)

// memLog discards what the services log.
var memLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// memClock is the fixed time of every in-memory fixture, so approval
// links (and their signatures) are the same in every run.
var memClock = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// Approvals the fixture holds, one per state a page can show.
const (
	apvPending = "apv-pendingaaaaaaaaaaaaaaaaaaa"
	apvDecided = "apv-decidedaaaaaaaaaaaaaaaaaaa"
	apvExpired = "apv-expiredaaaaaaaaaaaaaaaaaaa"
	apvMissing = "apv-missingaaaaaaaaaaaaaaaaaaa" // signed, but not stored
	memSubID   = "sub-aaaaaaaaaaaaaaaa"           // a stored submission, open to a new version
	memNoSub   = "sub-zzzzzzzzzzzzzzzz"           // a well-formed id of no submission
)

// memStore is intake's store in memory. writes counts every change.
type memStore struct {
	mu      sync.Mutex
	records map[string]*store.Record
	docs    map[string]map[int]string
	dedup   map[string][2]string // kind#value -> {id, body hash}
	writes  int
}

func newMemStore() *memStore {
	return &memStore{records: map[string]*store.Record{}, docs: map[string]map[int]string{}, dedup: map[string][2]string{}}
}

func (m *memStore) Create(_ context.Context, n store.NewSubmission) (store.Submission, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := n.Dedup.Kind + "#" + n.Dedup.Value
	if d, ok := m.dedup[k]; ok {
		return store.Submission{}, &store.DuplicateError{SubmissionID: d[0], BodyHash: d[1]}
	}
	m.writes++
	m.dedup[k] = [2]string{n.ID, n.Dedup.BodyHash}
	sub := store.Submission{ID: n.ID, CustomerName: n.CustomerName, Status: n.Status, Stage: n.Stage,
		LatestVersion: 1, CreatedAt: n.Now, UpdatedAt: n.Now}
	m.records[n.ID] = &store.Record{Submission: sub,
		Versions: []store.Version{{Number: 1, CreatedAt: n.Now, BodyHash: n.Dedup.BodyHash}},
		History:  []store.Event{{At: n.Now, Version: 1, Status: n.Status, Stage: n.Stage, Actor: n.Actor}}, Reports: []string{}}
	m.docs[n.ID] = map[int]string{1: string(n.Document)}
	return sub, nil
}

func (m *memStore) Get(_ context.Context, id string) (*store.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[id]
	if !ok {
		return nil, fmt.Errorf("submission %s: %w", id, store.ErrNotFound)
	}
	c := *r
	c.Versions = append([]store.Version(nil), r.Versions...)
	c.History = append([]store.Event(nil), r.History...)
	return &c, nil
}

func (m *memStore) MarkStarted(_ context.Context, id string, version int, arn string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	for i := range m.records[id].Versions {
		if m.records[id].Versions[i].Number == version {
			m.records[id].Versions[i].ExecutionArn = arn
		}
	}
	return nil
}

func (m *memStore) Append(_ context.Context, id string, e store.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	m.records[id].History = append(m.records[id].History, e)
	return nil
}

func (m *memStore) AddVersion(_ context.Context, n store.NewVersion) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	r := m.records[n.SubmissionID]
	next := n.Previous + 1
	r.LatestVersion, r.Status, r.Stage, r.CustomerName = next, n.Status, n.Stage, n.CustomerName
	r.Versions = append(r.Versions, store.Version{Number: next, CreatedAt: n.Now, BodyHash: n.BodyHash})
	m.docs[n.SubmissionID][next] = string(n.Document)
	return next, nil
}

func (m *memStore) GetVersion(_ context.Context, id string, version int) (*store.Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	doc, ok := m.docs[id][version]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &store.Version{Number: version, Document: doc}, nil
}

func (m *memStore) Reports(context.Context, string) ([]store.StoredReport, error) { return nil, nil }

func (m *memStore) ExternalID(_ context.Context, account string) (string, error) {
	return "ext-" + account, nil
}

func (m *memStore) changes() int { m.mu.Lock(); defer m.mu.Unlock(); return m.writes }

// memStarter is Step Functions' StartExecution; calls counts them.
type memStarter struct {
	mu    sync.Mutex
	calls int
}

func (s *memStarter) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	arn := strings.Replace(aws.ToString(in.StateMachineArn), ":stateMachine:", ":execution:", 1) + ":" + aws.ToString(in.Name)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn)}, nil
}

func (s *memStarter) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// memApprovals is the approval store in memory, with the conditional
// semantics of store.Store that the approval service relies on.
type memApprovals struct {
	mu        sync.Mutex
	items     map[string]*store.ApprovalRecord
	decisions int
}

func (m *memApprovals) PutApproval(_ context.Context, a store.ApprovalRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[a.ID] = &a
	return nil
}

func (m *memApprovals) GetApproval(_ context.Context, id string) (*store.ApprovalRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.items[id]
	if !ok {
		return nil, fmt.Errorf("approval %s: %w", id, store.ErrNotFound)
	}
	c := *a
	return &c, nil
}

func (m *memApprovals) ApprovalForGate(context.Context, string, int, string) (*store.ApprovalRecord, error) {
	return nil, store.ErrNotFound
}

func (m *memApprovals) RearmApproval(context.Context, string, string, time.Time) error {
	return fmt.Errorf("rearm: not in these tests")
}

func (m *memApprovals) DecideApproval(_ context.Context, id string, d store.ApprovalDecision, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.items[id]
	switch {
	case !ok:
		return store.ErrNotFound
	case a.Decided():
		return &store.ApprovalDecidedError{ID: id, Status: a.Status, Actor: a.Actor, DecidedAt: a.DecidedAt, Delivered: a.Delivered}
	case a.Status != store.ApprovalPending || !a.LinkExpiresAt.After(now):
		return store.ErrApprovalExpired
	}
	m.decisions++
	a.Status, a.Outcome, a.Actor, a.Comment, a.Source, a.DecidedAt, a.DeliveryAttemptAt = d.Status, d.Status, d.Actor, d.Comment, d.Source, now, now
	return nil
}

func (m *memApprovals) ClaimApprovalDelivery(context.Context, string, time.Time) error {
	return store.ErrApprovalBusy
}

func (m *memApprovals) MarkApprovalDelivered(_ context.Context, id string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[id].Delivered, m.items[id].DeliveredAt, m.items[id].DeliveryAttemptAt = true, now, time.Time{}
	return nil
}

func (m *memApprovals) ReleaseApprovalDelivery(context.Context, string, string, time.Time) error {
	return nil
}

func (m *memApprovals) ExpireApproval(_ context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[id].Status = store.ApprovalExpired
	return nil
}

func (m *memApprovals) decided() int { m.mu.Lock(); defer m.mu.Unlock(); return m.decisions }

type okTasks struct{}

func (okTasks) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return &sfn.SendTaskSuccessOutput{}, nil
}

type okRecorder struct{}

func (okRecorder) Record(context.Context, string, store.Event) error { return nil }

// memReports serves one verification report for every report key.
type memReports struct{}

func (memReports) GetReport(context.Context, string, string) ([]byte, error) {
	return json.Marshal(verify.Report{Environment: "dev", Passed: false, GeneratedAt: memClock, Checks: []verify.Check{
		{ID: "TLS-NAMES", Status: verify.StatusFail, Message: `The certificate does not cover <b>app1</b>.`},
		{ID: "NET-SG", Status: verify.StatusPass, Message: "ok"},
	}})
}

// memAPI is a Handler over the fakes.
type memAPI struct {
	h         *api.Handler
	store     *memStore
	sfn       *memStarter
	approvals *memApprovals
	signer    *approval.Signer
}

func newMemAPI(tb testing.TB) *memAPI {
	tb.Helper()
	m := &memAPI{store: newMemStore(), sfn: &memStarter{}}
	// One stored submission whose verification found problems, so a new
	// version of it is accepted; seeded directly, so writes stays 0.
	m.store.records[memSubID] = &store.Record{
		Submission: store.Submission{ID: memSubID, CustomerName: "Example Corp", Status: "changes-requested", Stage: "verify-dev",
			LatestVersion: 1, CreatedAt: memClock.Add(-24 * time.Hour), UpdatedAt: memClock.Add(-time.Hour)},
		Versions: []store.Version{{Number: 1, CreatedAt: memClock.Add(-24 * time.Hour), BodyHash: "h1", ExecutionArn: "arn:x"}},
		History:  []store.Event{}, Reports: []string{},
	}
	m.store.docs[memSubID] = map[int]string{1: `{"customer":{"name":"Example Corp"}}`}
	svc := intake.New(m.store, m.sfn, intake.Config{StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:install",
		BaseURL: "https://intake.example.com", Logger: memLog})
	n := 0
	svc.NewID = func() string { n++; return memID(n) }
	svc.Now = func() time.Time { return memClock }
	signer, err := approval.NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		tb.Fatal(err)
	}
	m.signer = signer
	exp := memClock.Add(approval.DefaultLinkTTL)
	rec := func(id, status string) *store.ApprovalRecord {
		return &store.ApprovalRecord{ID: id, SubmissionID: memSubID, Version: 1, Gate: "approve-dev", Environment: "dev",
			Kind: approval.KindApprove, TaskToken: "token", ReportKey: "REPORT#00001#dev", CustomerName: "Example <Corp>",
			Status: status, CreatedAt: memClock.Add(-time.Hour), LinkExpiresAt: exp}
	}
	decided := rec(apvDecided, store.ApprovalApproved)
	decided.Outcome, decided.Actor, decided.DecidedAt, decided.Delivered = store.ApprovalApproved, "Ida", memClock.Add(-time.Minute), true
	m.approvals = &memApprovals{items: map[string]*store.ApprovalRecord{
		apvPending: rec(apvPending, store.ApprovalPending),
		apvDecided: decided,
		apvExpired: rec(apvExpired, store.ApprovalExpired),
	}}
	asvc, err := approval.New(m.approvals, okTasks{}, okRecorder{}, signer, approval.Config{BaseURL: "https://intake.example.com",
		Now: func() time.Time { return memClock }, Logger: memLog})
	if err != nil {
		tb.Fatal(err)
	}
	m.h = api.New(svc, memLog).WithPages(api.WebPages(web.Serve)).WithApprovals(api.NewApprovalPages(asvc, memReports{}))
	return m
}

// linkQuery is the exp and sig of a genuine link to approval id.
func (m *memAPI) linkQuery(id string) url.Values {
	exp := memClock.Add(approval.DefaultLinkTTL)
	return url.Values{"exp": {strconv.FormatInt(exp.Unix(), 10)}, "sig": {m.signer.Sign(id, exp)}}
}

// request builds an API Gateway v2 event as API Gateway sends it: header
// names in lower case, repeated query parameters joined by commas.
func request(method, rawPath string, headers map[string]string, rawQuery, body string, b64 bool) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: rawPath, RawQueryString: rawQuery,
		Headers: map[string]string{}, Body: body, IsBase64Encoded: b64}
	for k, v := range headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	if q, _ := url.ParseQuery(rawQuery); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, v := range q {
			ev.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.HTTP.Path = rawPath
	ev.RequestContext.HTTP.SourceIP = "203.0.113.7"
	ev.RequestContext.HTTP.UserAgent = "fuzz"
	return ev
}

var jsonHeaders = map[string]string{"content-type": "application/json"}

// memID is the n-th submission id: sub- and 16 base32 characters.
func memID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := []byte("sub-aaaaaaaaaaaaaaaa")
	for i := len(b) - 1; n > 0; i, n = i-1, n/32 {
		b[i] = alphabet[n%32]
	}
	return string(b)
}

// readEvent reads a file under events/.
func readEvent(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checklistJSON is events/checklist.json, a valid checklist.
func checklistJSON(tb testing.TB) string {
	tb.Helper()
	return string(readEvent(tb, "checklist.json"))
}
