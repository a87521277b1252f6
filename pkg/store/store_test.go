package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
)

var (
	srv     *kumo.Server
	srvOnce sync.Once
)

// newStore returns a store over a fresh table in this process's kumo.
func newStore(t *testing.T) (*store.Store, *dynamodb.Client) {
	t.Helper()
	srvOnce.Do(func() { srv = kumo.NewServer() })
	db := dynamodb.NewFromConfig(localstack.AWSConfig(srv.URL), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("store-test-%d", time.Now().UnixNano())
	if err := localstack.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	return store.New(db, table), db
}

func count(t *testing.T, db *dynamodb.Client, table string) int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT"})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func newSub(id, dedupValue, hash string, now time.Time) store.NewSubmission {
	return store.NewSubmission{ID: id, CustomerName: "Example Corp", Document: []byte(`{"a":1}`),
		Dedup: store.Dedup{Kind: "key", Value: dedupValue, BodyHash: hash, TTL: time.Hour},
		Now:   now, Status: "received", Stage: "intake", Actor: "customer"}
}

func TestCreateGetAndDuplicate(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

	sub, err := st.Create(ctx, newSub("sub-one", "key-1", "h1", now))
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID != "sub-one" || sub.LatestVersion != 1 || sub.Status != "received" {
		t.Fatalf("created %+v", sub)
	}

	// Same key, another id: nothing written, the original named.
	_, err = st.Create(ctx, newSub("sub-two", "key-1", "h1", now.Add(time.Minute)))
	var dup *store.DuplicateError
	if !errors.As(err, &dup) || dup.SubmissionID != "sub-one" || dup.BodyHash != "h1" {
		t.Fatalf("want duplicate of sub-one, got %v", err)
	}
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatal("DuplicateError must unwrap to ErrDuplicate")
	}
	if _, err := st.Get(ctx, "sub-two"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("sub-two must not exist, got %v", err)
	}

	// After the window the key may be used again.
	if _, err := st.Create(ctx, newSub("sub-three", "key-1", "h1", now.Add(2*time.Hour))); err != nil {
		t.Fatalf("expired key must be reusable: %v", err)
	}

	rec, err := st.Get(ctx, "sub-one")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Versions) != 1 || rec.Versions[0].ExecutionName != "sub-one-v1" || rec.Versions[0].Started() {
		t.Fatalf("versions %+v", rec.Versions)
	}
	if len(rec.History) != 1 || rec.History[0].Status != "received" {
		t.Fatalf("history %+v", rec.History)
	}
	v, err := st.GetVersion(ctx, "sub-one", 1)
	if err != nil || v.Document != `{"a":1}` {
		t.Fatalf("version doc %q %v", v.Document, err)
	}
	if _, err := st.GetVersion(ctx, "sub-one", 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing version: %v", err)
	}
}

func TestRecordAppendAndReports(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if _, err := st.Create(ctx, newSub("sub-rec", "k", "h", t0)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkStarted(ctx, "sub-rec", 1, "arn:exec"); err != nil {
		t.Fatal(err)
	}
	if err := st.Record(ctx, "sub-rec", store.Event{At: t0.Add(2 * time.Second), Version: 1, Status: "in-progress", Stage: "verify-dev", Actor: "verifier"}); err != nil {
		t.Fatal(err)
	}
	// An appended fact that lands later in wall time but earlier in event
	// time must not move the status back.
	if err := st.Append(ctx, "sub-rec", store.Event{At: t0.Add(time.Second), Version: 1, Status: "received", Stage: "intake", Actor: "intake", Detail: "workflow started"}); err != nil {
		t.Fatal(err)
	}
	key, err := st.PutReport(ctx, "sub-rec", 1, "dev", []byte(`{"passed":true}`), t0)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Get(ctx, "sub-rec")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "in-progress" || rec.Stage != "verify-dev" {
		t.Fatalf("status %s/%s", rec.Status, rec.Stage)
	}
	var stages []string
	for _, e := range rec.History {
		stages = append(stages, e.Stage)
	}
	if fmt.Sprint(stages) != "[intake intake verify-dev]" {
		t.Fatalf("history out of order: %v", stages)
	}
	if !rec.Versions[0].Started() || len(rec.Reports) != 1 || rec.Reports[0] != key {
		t.Fatalf("record %+v", rec)
	}
	body, err := st.GetReport(ctx, "sub-rec", key)
	if err != nil || string(body) != `{"passed":true}` {
		t.Fatalf("report %s %v", body, err)
	}
	if _, err := st.GetReport(ctx, "sub-rec", "META"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a non-report key must not be readable as a report: %v", err)
	}
}

func TestEventsOnUnknownSubmissionAreRefused(t *testing.T) {
	st, db := newStore(t)
	ctx := context.Background()
	table := tableOf(t, st)
	before := count(t, db, table)
	if err := st.Record(ctx, "sub-missing", store.Event{Status: "failed", Stage: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Record: %v", err)
	}
	if err := st.Append(ctx, "sub-missing", store.Event{Status: "failed", Stage: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Append: %v", err)
	}
	if err := st.MarkStarted(ctx, "sub-missing", 1, "arn"); err == nil {
		t.Fatal("MarkStarted on a missing version must fail")
	}
	if after := count(t, db, table); after != before {
		t.Fatalf("items written for a missing submission: %d -> %d", before, after)
	}
}

func TestConcurrentDuplicatesStoreOnce(t *testing.T) {
	st, db := newStore(t)
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = st.Create(ctx, newSub(fmt.Sprintf("sub-c%d", i), "same-key", "h", now))
		}(i)
	}
	wg.Wait()
	created := 0
	for _, err := range results {
		var dup *store.DuplicateError
		switch {
		case err == nil:
			created++
		case errors.As(err, &dup):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d submissions created for one key", created)
	}
	// dedup + meta + version + event + pending marker
	if n := count(t, db, tableOf(t, st)); n != 5 {
		t.Fatalf("%d items stored, want 5", n)
	}
}

func tableOf(t *testing.T, st *store.Store) string { t.Helper(); return st.Table() }

// TestStaleStageChangeDoesNotMoveStatusBack: a decision recorded after the
// next task already moved the submission on joins the trail only.
func TestStaleStageChangeDoesNotMoveStatusBack(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if _, err := st.Create(ctx, newSub("sub-race", "race", "h", t0)); err != nil {
		t.Fatal(err)
	}
	later := store.Event{At: t0.Add(2 * time.Second), Version: 1, Status: "awaiting-deployment", Stage: "deploy-dev", Actor: "workflow"}
	earlier := store.Event{At: t0.Add(1500 * time.Millisecond), Version: 1, Status: "in-progress", Stage: "deploy-dev", Actor: "pm:Pat"}
	if err := st.Record(ctx, "sub-race", later); err != nil {
		t.Fatal(err)
	}
	if err := st.Record(ctx, "sub-race", earlier); err != nil {
		t.Fatalf("a stale event must still be kept: %v", err)
	}
	rec, err := st.Get(ctx, "sub-race")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "awaiting-deployment" {
		t.Errorf("status moved back to %s", rec.Status)
	}
	if len(rec.History) != 3 || rec.History[1].Actor != "pm:Pat" {
		t.Errorf("trail %+v", rec.History)
	}
	// Sub-second stamps must order correctly as strings too.
	if err := st.Record(ctx, "sub-race", store.Event{At: t0.Add(2*time.Second + 10*time.Millisecond), Version: 1, Status: "in-progress", Stage: "healthcheck-dev", Actor: "pm:Pat"}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := st.Get(ctx, "sub-race"); rec.Status != "in-progress" || rec.Stage != "healthcheck-dev" {
		t.Errorf("a later event must move the status: %s/%s", rec.Status, rec.Stage)
	}
}
