package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/store"
)

func pendingOf(t *testing.T, st *store.Store) map[string]store.PendingVersion {
	t.Helper()
	list, err := st.Pending(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.PendingVersion{}
	for _, p := range list {
		out[p.SubmissionID+"/"+string(rune('0'+p.Version))] = p
	}
	return out
}

// TestPendingMarkerLifecycle: a stored version has a marker from the same
// transaction; MarkStarted stamps it; ClearPending removes it; a refused
// duplicate writes none.
func TestPendingMarkerLifecycle(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if _, err := st.Create(ctx, newSub("sub-p1", "k1", "h1", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, newSub("sub-p2", "k2", "h2", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	// A duplicate is refused as a whole: no marker for it.
	var dup *store.DuplicateError
	if _, err := st.Create(ctx, newSub("sub-p3", "k1", "h1", t0)); !errors.As(err, &dup) {
		t.Fatalf("duplicate: %v", err)
	}
	got := pendingOf(t, st)
	if len(got) != 2 {
		t.Fatalf("pending %v, want sub-p1 and sub-p2", got)
	}
	p1 := got["sub-p1/1"]
	if p1.Version != 1 || !p1.StoredAt.Equal(t0) || p1.Started() {
		t.Errorf("marker %+v", p1)
	}

	if err := st.MarkStarted(ctx, "sub-p1", 1, "arn:exec:sub-p1-v1"); err != nil {
		t.Fatal(err)
	}
	got = pendingOf(t, st)
	if !got["sub-p1/1"].Started() || got["sub-p2/1"].Started() {
		t.Fatalf("after MarkStarted: %+v", got)
	}
	// Idempotent, and a stamp never creates a marker.
	if err := st.MarkStarted(ctx, "sub-p1", 1, "arn:exec:sub-p1-v1"); err != nil {
		t.Fatal(err)
	}
	if err := st.ClearPending(ctx, "sub-p1", 1); err != nil {
		t.Fatal(err)
	}
	if err := st.ClearPending(ctx, "sub-p1", 1); err != nil {
		t.Fatalf("clearing twice: %v", err)
	}
	if err := st.MarkStarted(ctx, "sub-p1", 1, "arn:exec:sub-p1-v1"); err != nil {
		t.Fatal(err)
	}
	got = pendingOf(t, st)
	if _, ok := got["sub-p1/1"]; ok || len(got) != 1 {
		t.Fatalf("after clearing: %+v", got)
	}

	// A resubmission's version has its own marker.
	if _, err := st.AddVersion(ctx, store.NewVersion{SubmissionID: "sub-p1", Previous: 1, CustomerName: "Example Corp",
		Document: []byte(`{"a":2}`), BodyHash: "h1b", Now: t0.Add(time.Hour), Status: "received", Stage: "intake", Actor: "customer"}); err != nil {
		t.Fatal(err)
	}
	got = pendingOf(t, st)
	if p := got["sub-p1/2"]; p.Version != 2 || p.Started() || !p.StoredAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("version 2 marker: %+v", got)
	}

	// A limit bounds one read.
	if list, err := st.Pending(ctx, 1); err != nil || len(list) != 1 {
		t.Fatalf("limit 1: %v %v", list, err)
	}
}
