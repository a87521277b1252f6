package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/store"
)

func newApproval(id, sub, gate string, now time.Time) store.ApprovalRecord {
	return store.ApprovalRecord{ID: id, SubmissionID: sub, Version: 1, Gate: gate, Environment: "dev",
		Kind: "approve", TaskToken: "token-1+/=", ReportKey: "REPORT#00001#dev", CustomerName: "Example Corp",
		Status: store.ApprovalPending, CreatedAt: now, LinkExpiresAt: now.Add(8 * 24 * time.Hour)}
}

func TestPutGetApprovalAndGatePointer(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	if _, err := st.Create(ctx, newSub("sub-apv", "k-apv", "h", now)); err != nil {
		t.Fatal(err)
	}
	if err := st.PutApproval(ctx, newApproval("apv-one", "sub-apv", "approve-dev", now)); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetApproval(ctx, "apv-one")
	if err != nil {
		t.Fatal(err)
	}
	if got.SubmissionID != "sub-apv" || got.Gate != "approve-dev" || got.TaskToken != "token-1+/=" ||
		got.Status != store.ApprovalPending || !got.LinkExpiresAt.Equal(now.Add(8*24*time.Hour)) ||
		!got.CreatedAt.Equal(now) || got.Delivered || got.Decided() {
		t.Fatalf("got %+v", got)
	}
	byGate, err := st.ApprovalForGate(ctx, "sub-apv", 1, "approve-dev")
	if err != nil || byGate.ID != "apv-one" {
		t.Fatalf("by gate: %+v %v", byGate, err)
	}
	if _, err := st.ApprovalForGate(ctx, "sub-apv", 1, "deploy-dev"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other gate: %v", err)
	}
	if _, err := st.ApprovalForGate(ctx, "sub-apv", 2, "approve-dev"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other version: %v", err)
	}
	if _, err := st.GetApproval(ctx, "apv-missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}

	// A second approval for the same gate is refused and names the first.
	err = st.PutApproval(ctx, newApproval("apv-two", "sub-apv", "approve-dev", now))
	var exists *store.ApprovalExistsError
	if !errors.As(err, &exists) || exists.ApprovalID != "apv-one" || !errors.Is(err, store.ErrApprovalExists) {
		t.Fatalf("want exists(apv-one), got %v", err)
	}
	if _, err := st.GetApproval(ctx, "apv-two"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("apv-two must not be stored: %v", err)
	}
	// The same id for another gate is refused too.
	if err := st.PutApproval(ctx, newApproval("apv-one", "sub-apv", "deploy-dev", now)); !errors.Is(err, store.ErrApprovalExists) {
		t.Fatalf("reused id: %v", err)
	}
	if _, err := st.ApprovalForGate(ctx, "sub-apv", 1, "deploy-dev"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pointer written by a cancelled transaction: %v", err)
	}

	// The gate pointer lives under the submission but is not part of it.
	rec, err := st.Get(ctx, "sub-apv")
	if err != nil || len(rec.History) != 1 || len(rec.Versions) != 1 || len(rec.Reports) != 0 {
		t.Fatalf("submission record disturbed: %+v %v", rec, err)
	}
}

func TestConcurrentDecideApprovalOneWins(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	if err := st.PutApproval(ctx, newApproval("apv-race", "sub-race", "approve-dev", now)); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			status := store.ApprovalApproved
			if i%2 == 1 {
				status = store.ApprovalRejected
			}
			errs[i] = st.DecideApproval(ctx, "apv-race", store.ApprovalDecision{Status: status,
				Actor: fmt.Sprintf("pm-%d", i), Comment: "c", Source: "web"}, now)
		}(i)
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		var decided *store.ApprovalDecidedError
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("both %d and %d won", winner, i)
			}
			winner = i
		case errors.As(err, &decided):
			if !errors.Is(err, store.ErrApprovalDecided) {
				t.Fatal("ApprovalDecidedError must unwrap to ErrApprovalDecided")
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if winner < 0 {
		t.Fatal("nobody won")
	}
	got, err := st.GetApproval(ctx, "apv-race")
	if err != nil {
		t.Fatal(err)
	}
	if got.Actor != fmt.Sprintf("pm-%d", winner) || got.Outcome != got.Status || !got.DecidedAt.Equal(now) ||
		got.Comment != "c" || got.Source != "web" || got.Delivered || got.DeliveryAttemptAt.IsZero() {
		t.Fatalf("record %+v (winner %d)", got, winner)
	}
	for i, err := range errs {
		var decided *store.ApprovalDecidedError
		if i != winner && (!errors.As(err, &decided) || decided.Actor != got.Actor || decided.Status != got.Status) {
			t.Fatalf("loser %d told %v, want decided by %s", i, err, got.Actor)
		}
	}
}

func TestDecideApprovalExpiryAndMissing(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	a := newApproval("apv-exp", "sub-exp", "approve-dev", now)
	a.LinkExpiresAt = now.Add(time.Hour)
	if err := st.PutApproval(ctx, a); err != nil {
		t.Fatal(err)
	}
	d := store.ApprovalDecision{Status: store.ApprovalApproved, Actor: "pm"}
	if err := st.DecideApproval(ctx, "apv-exp", d, now.Add(time.Hour)); !errors.Is(err, store.ErrApprovalExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if err := st.DecideApproval(ctx, "apv-missing", d, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if err := st.DecideApproval(ctx, "apv-exp", store.ApprovalDecision{Status: "pending", Actor: "pm"}, now); err == nil {
		t.Fatal("pending is not a decision")
	}
	if err := st.ExpireApproval(ctx, "apv-exp", now); err != nil {
		t.Fatal(err)
	}
	if err := st.ExpireApproval(ctx, "apv-exp", now.Add(time.Minute)); err != nil {
		t.Fatalf("expire must be idempotent: %v", err)
	}
	if err := st.DecideApproval(ctx, "apv-exp", d, now); !errors.Is(err, store.ErrApprovalExpired) {
		t.Fatalf("after ExpireApproval: %v", err)
	}
	got, _ := st.GetApproval(ctx, "apv-exp")
	if got.Status != store.ApprovalExpired || !got.ExpiredAt.Equal(now) || got.Actor != "" {
		t.Fatalf("expired record %+v", got)
	}
}

func TestDeliveryClaimMarkAndRelease(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	if err := st.PutApproval(ctx, newApproval("apv-del", "sub-del", "deploy-dev", now)); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimApprovalDelivery(ctx, "apv-del", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim without a decision: %v", err)
	}
	if err := st.DecideApproval(ctx, "apv-del", store.ApprovalDecision{Status: store.ApprovalDeployed, Actor: "pm"}, now); err != nil {
		t.Fatal(err)
	}
	// The decider holds the claim.
	if err := st.ClaimApprovalDelivery(ctx, "apv-del", now.Add(time.Second)); !errors.Is(err, store.ErrApprovalBusy) {
		t.Fatalf("claim while held: %v", err)
	}
	if err := st.RearmApproval(ctx, "apv-del", "token-2", now.Add(time.Hour)); !errors.Is(err, store.ErrApprovalBusy) {
		t.Fatalf("rearm while a delivery is in flight: %v", err)
	}
	// A stale claim is taken over.
	if err := st.ClaimApprovalDelivery(ctx, "apv-del", now.Add(store.DeliveryLease+time.Second)); err != nil {
		t.Fatalf("stale claim: %v", err)
	}
	if err := st.ReleaseApprovalDelivery(ctx, "apv-del", "throttled", now); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetApproval(ctx, "apv-del")
	if got.DeliveryError != "throttled" || !got.DeliveryAttemptAt.IsZero() || got.Status != store.ApprovalDeployed {
		t.Fatalf("released %+v", got)
	}
	// Released: a re-issued gate keeps the decision and takes the token.
	if err := st.RearmApproval(ctx, "apv-del", "token-2", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetApproval(ctx, "apv-del")
	if got.TaskToken != "token-2" || got.Status != store.ApprovalDeployed || got.Actor != "pm" || got.Reissued != 1 {
		t.Fatalf("rearmed undelivered %+v", got)
	}
	if err := st.ClaimApprovalDelivery(ctx, "apv-del", now); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	if err := st.MarkApprovalDelivered(ctx, "apv-del", now); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetApproval(ctx, "apv-del")
	if !got.Delivered || !got.DeliveredAt.Equal(now) || got.DeliveryError != "" || got.Status != store.ApprovalDeployed {
		t.Fatalf("delivered %+v", got)
	}
	var decided *store.ApprovalDecidedError
	if err := st.ClaimApprovalDelivery(ctx, "apv-del", now.Add(time.Hour)); !errors.As(err, &decided) || !decided.Delivered {
		t.Fatalf("claim after delivery: %v", err)
	}
	if err := st.ExpireApproval(ctx, "apv-del", now); !errors.As(err, &decided) {
		t.Fatalf("a delivered decision must not expire: %v", err)
	}
	if err := st.RearmApproval(ctx, "apv-del", "token-3", now.Add(time.Hour)); !errors.Is(err, store.ErrApprovalDecided) {
		t.Fatalf("rearm after delivery: %v", err)
	}
}

func TestRearmApproval(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	if err := st.PutApproval(ctx, newApproval("apv-re", "sub-re", "approve-prod", now)); err != nil {
		t.Fatal(err)
	}
	later := now.Add(9 * 24 * time.Hour)
	if err := st.RearmApproval(ctx, "apv-re", "token-2", later); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetApproval(ctx, "apv-re")
	if got.TaskToken != "token-2" || !got.LinkExpiresAt.Equal(later) || got.Status != store.ApprovalPending || got.Reissued != 1 {
		t.Fatalf("rearmed %+v", got)
	}
	// A decision the workflow no longer accepted: expired, decision kept.
	if err := st.DecideApproval(ctx, "apv-re", store.ApprovalDecision{Status: store.ApprovalApproved, Actor: "pm", Comment: "ok", Source: "web"}, now); err != nil {
		t.Fatal(err)
	}
	if err := st.ExpireApproval(ctx, "apv-re", now); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetApproval(ctx, "apv-re")
	if got.Status != store.ApprovalExpired || got.Outcome != store.ApprovalApproved || got.Actor != "pm" || got.Decided() {
		t.Fatalf("expired after decision %+v", got)
	}
	// The workflow re-issues the gate: the same approval is pending again.
	if err := st.RearmApproval(ctx, "apv-re", "token-3", later); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetApproval(ctx, "apv-re")
	if got.Status != store.ApprovalPending || got.TaskToken != "token-3" || got.Outcome != "" || got.Actor != "" ||
		got.Comment != "" || got.Source != "" || !got.DecidedAt.IsZero() || !got.ExpiredAt.IsZero() || got.Reissued != 2 {
		t.Fatalf("revived %+v", got)
	}
	if err := st.RearmApproval(ctx, "apv-missing", "t", later); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if err := st.RearmApproval(ctx, "apv-re", "", later); err == nil {
		t.Fatal("empty token accepted")
	}
}

// A delivery that succeeded wins over an expiry recorded meanwhile: the
// workflow has the decision.
func TestMarkDeliveredRestoresTheOutcome(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	if err := st.PutApproval(ctx, newApproval("apv-mark", "sub-mark", "approve-dev", now)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkApprovalDelivered(ctx, "apv-mark", now); err == nil {
		t.Fatal("a pending approval was marked delivered")
	}
	if err := st.DecideApproval(ctx, "apv-mark", store.ApprovalDecision{Status: store.ApprovalRejected, Actor: "pm"}, now); err != nil {
		t.Fatal(err)
	}
	if err := st.ExpireApproval(ctx, "apv-mark", now); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkApprovalDelivered(ctx, "apv-mark", now); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetApproval(ctx, "apv-mark")
	if got.Status != store.ApprovalRejected || !got.Delivered || !got.ExpiredAt.IsZero() || !got.Decided() {
		t.Fatalf("record %+v", got)
	}
	if err := st.MarkApprovalDelivered(ctx, "apv-missing", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}
