package approval

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/store"
)

// memApprovals is an in-memory approval store.
type memApprovals struct {
	mu   sync.Mutex
	recs map[string]store.ApprovalRecord
}

func (m *memApprovals) PutApproval(_ context.Context, a store.ApprovalRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs == nil {
		m.recs = map[string]store.ApprovalRecord{}
	}
	m.recs[a.ID] = a
	return nil
}

func (m *memApprovals) GetApproval(_ context.Context, id string) (*store.ApprovalRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.recs[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &a, nil
}

func (m *memApprovals) ApprovalForGate(_ context.Context, sub string, v int, gate string) (*store.ApprovalRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.recs {
		if a.SubmissionID == sub && a.Version == v && a.Gate == gate {
			return &a, nil
		}
	}
	return nil, store.ErrNotFound
}

func (m *memApprovals) update(id string, f func(*store.ApprovalRecord)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.recs[id]
	if !ok {
		return store.ErrNotFound
	}
	f(&a)
	m.recs[id] = a
	return nil
}

func (m *memApprovals) RearmApproval(_ context.Context, id, token string, exp time.Time) error {
	return m.update(id, func(a *store.ApprovalRecord) { a.TaskToken, a.LinkExpiresAt = token, exp })
}

func (m *memApprovals) DecideApproval(_ context.Context, id string, d store.ApprovalDecision, now time.Time) error {
	return m.update(id, func(a *store.ApprovalRecord) {
		a.Status, a.Outcome, a.Actor, a.Comment, a.Source, a.DecidedAt = d.Status, d.Status, d.Actor, d.Comment, d.Source, now
	})
}

func (m *memApprovals) ClaimApprovalDelivery(context.Context, string, time.Time) error { return nil }

func (m *memApprovals) MarkApprovalDelivered(_ context.Context, id string, now time.Time) error {
	return m.update(id, func(a *store.ApprovalRecord) { a.Delivered, a.DeliveredAt = true, now })
}

func (m *memApprovals) ReleaseApprovalDelivery(context.Context, string, string, time.Time) error {
	return nil
}

func (m *memApprovals) ExpireApproval(_ context.Context, id string, _ time.Time) error {
	return m.update(id, func(a *store.ApprovalRecord) { a.Status = "expired" })
}

// failingRecorder fails to record decisions on the submission, which the
// service can only log.
type failingRecorder struct{}

func (failingRecorder) Record(context.Context, string, store.Event) error {
	return errors.New("ProvisionedThroughputExceededException")
}

type flakyTasks struct{ calls int }

func (f *flakyTasks) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	f.calls++
	if f.calls == 1 {
		return nil, errors.New("ThrottlingException: rate exceeded")
	}
	return &sfn.SendTaskSuccessOutput{}, nil
}

// TestSigningKeyNeverReachesLogsOrErrors drives the approval service
// through everything that logs or returns an error — an unreadable key, a
// key too short, links forged, tampered and replayed, a decision whose
// delivery fails then succeeds and whose audit record fails — capturing
// the slog output (the service's logger and the default one) and every
// error, and asserts the signing key appears in none of them, raw or
// encoded. (The Slack webhook's side is in pkg/notify.)
func TestSigningKeyNeverReachesLogsOrErrors(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(log)
	var seen []string
	note := func(err error) {
		if err != nil {
			seen = append(seen, err.Error())
		}
	}
	ctx := context.Background()
	cfg := Config{BaseURL: "https://intake.example.com", Logger: log}

	// The key cannot be read, then is too short: both fail without it.
	for _, sm := range []*countingSecrets{{value: testKey, fail: 1}, {value: "tooShort-" + testKey[:8]}} {
		l, err := newLazyService(sm, "arn:aws:secretsmanager:eu-west-1:1:secret:signing", &flakyTasks{}, &memApprovals{}, failingRecorder{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Open(ctx, OpenRequest{})
		note(err)
		if err == nil {
			t.Fatal("Open succeeded without a usable key")
		}
	}

	// A working key: open, load, tamper, decide (delivery fails once, the
	// audit record always), replay.
	sm := &countingSecrets{value: testKey}
	l, err := newLazyService(sm, "arn:aws:secretsmanager:eu-west-1:1:secret:signing", &flakyTasks{}, &memApprovals{}, failingRecorder{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	link, err := l.Open(ctx, OpenRequest{SubmissionID: "sub-1", Version: 1, Gate: "approve-dev", Environment: "dev", Kind: "approve",
		TaskToken: "task-token", ReportKey: "REPORT#00001#dev", CustomerName: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	id := u.Path[strings.LastIndex(u.Path, "/")+1:]
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	_, err = l.Load(ctx, id, exp, sig)
	note(err)
	for _, bad := range [][2]string{{exp, sig + "x"}, {exp + "0", sig}, {"", ""}, {exp, strings.ToUpper(sig)}} {
		_, err := l.Load(ctx, id, bad[0], bad[1])
		note(err)
		_, err = l.Decide(ctx, id, bad[0], bad[1], Decision{Outcome: "approved", Actor: "Pat"})
		note(err)
	}
	for range 3 {
		_, err := l.Decide(ctx, id, exp, sig, Decision{Outcome: "approved", Actor: "Pat", Comment: "fine"})
		note(err)
	}
	_, err = l.Load(ctx, "apv-unknown", exp, sig)
	note(err)

	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test no longer exercises the service's logging")
	}
	out := logs.String() + "\n" + strings.Join(seen, "\n") + "\n" + link.URL
	for _, form := range []string{testKey, testKey[:16], hex.EncodeToString([]byte(testKey)), base64.StdEncoding.EncodeToString([]byte(testKey)),
		base64.RawURLEncoding.EncodeToString([]byte(testKey)), "tooShort-"} {
		if strings.Contains(out, form) {
			t.Errorf("the signing key (as %q) appears in the logs or errors:\n%s", form, out)
		}
	}
}
