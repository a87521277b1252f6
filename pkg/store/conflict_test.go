package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/psaas/appliance-intake/pkg/store"
)

// conflictingDB cancels the first `conflicts` transactions the way
// DynamoDB cancels one of two concurrent transactions on the same item
// (kumo serializes them and never does), then lets them through.
type conflictingDB struct {
	*dynamodb.Client
	conflicts int64
	calls     atomic.Int64
}

func (d *conflictingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if d.calls.Add(1) <= d.conflicts {
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[0].Code = aws.String("TransactionConflict")
		return nil, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
	}
	return d.Client.TransactWriteItems(ctx, in, opts...)
}

// TestCreateRetriesTransactionConflicts: a submission whose transaction
// lost a conflict to a concurrent one is stored on a retry (or named a
// duplicate by it), never refused with a 500.
func TestCreateRetriesTransactionConflicts(t *testing.T) {
	base, client := newStore(t)
	table := base.Table()
	ctx := context.Background()
	now := time.Now()

	db := &conflictingDB{Client: client, conflicts: 2}
	st := store.New(db, table)
	if _, err := st.Create(ctx, newSub("sub-conflict", "ck", "h", now)); err != nil {
		t.Fatalf("after two conflicts: %v", err)
	}
	if db.calls.Load() != 3 {
		t.Errorf("%d attempts, want 3", db.calls.Load())
	}
	if _, err := st.Get(ctx, "sub-conflict"); err != nil {
		t.Fatal(err)
	}

	// The retry of the loser meets the winner's idempotency record.
	db = &conflictingDB{Client: client, conflicts: 1}
	_, err := store.New(db, table).Create(ctx, newSub("sub-loser", "ck", "h", now))
	var dup *store.DuplicateError
	if !errors.As(err, &dup) || dup.SubmissionID != "sub-conflict" {
		t.Fatalf("loser: %v", err)
	}

	// Conflicts that do not end are reported, after a bounded number of tries.
	db = &conflictingDB{Client: client, conflicts: 100}
	_, err = store.New(db, table).Create(ctx, newSub("sub-never", "other", "h2", now))
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) || db.calls.Load() != 4 {
		t.Fatalf("endless conflicts: %v after %d attempts", err, db.calls.Load())
	}
}
