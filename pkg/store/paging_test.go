package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/psaas/appliance-intake/pkg/store"
)

// pagingDB answers every Query from items, pageSize at a time, the way
// DynamoDB cuts a large result (kumo's pages are 1 MB, so tests on it
// never see a second page). Other operations are not used here.
type pagingDB struct {
	store.DB
	items    []map[string]types.AttributeValue
	pageSize int
	queries  int
}

func (p *pagingDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	p.queries++
	from := 0
	if in.ExclusiveStartKey != nil {
		fmt.Sscan(in.ExclusiveStartKey["sk"].(*types.AttributeValueMemberS).Value, &from)
	}
	to := min(from+p.pageSize, len(p.items))
	out := &dynamodb.QueryOutput{Items: p.items[from:to]}
	if to < len(p.items) {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"sk": &types.AttributeValueMemberS{Value: fmt.Sprint(to)}}
	}
	return out, nil
}

func pendingMarkers(n int) []map[string]types.AttributeValue {
	var items []map[string]types.AttributeValue
	for i := range n {
		items = append(items, map[string]types.AttributeValue{
			"pk":           &types.AttributeValueMemberS{Value: store.PendingPartition},
			"sk":           &types.AttributeValueMemberS{Value: fmt.Sprintf("sub-%016d#00001", i)},
			"submissionId": &types.AttributeValueMemberS{Value: fmt.Sprintf("sub-%016d", i)},
			"version":      &types.AttributeValueMemberN{Value: "1"},
			"storedAt":     &types.AttributeValueMemberS{Value: "2026-11-29T10:00:00.000000000Z"},
		})
	}
	return items
}

func TestPendingReadsEveryPageAndStopsAtTheLimit(t *testing.T) {
	for _, c := range []struct {
		items, pageSize, limit int
		want, queries          int
	}{
		{items: 7, pageSize: 3, limit: 0, want: 7, queries: 3},
		{items: 6, pageSize: 3, limit: 0, want: 6, queries: 2},
		{items: 7, pageSize: 3, limit: 4, want: 4, queries: 2},
		{items: 7, pageSize: 3, limit: 3, want: 3, queries: 1},
		{items: 0, pageSize: 3, limit: 0, want: 0, queries: 1},
	} {
		db := &pagingDB{items: pendingMarkers(c.items), pageSize: c.pageSize}
		got, err := store.New(db, "table").Pending(context.Background(), c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want || db.queries != c.queries {
			t.Errorf("%d items in pages of %d, limit %d: got %d markers in %d queries, want %d in %d",
				c.items, c.pageSize, c.limit, len(got), db.queries, c.want, c.queries)
		}
		for i, p := range got {
			if want := fmt.Sprintf("sub-%016d", i); p.SubmissionID != want || p.Version != 1 || p.StoredAt.IsZero() {
				t.Errorf("marker %d = %+v, want %s v1 with its time", i, p, want)
			}
		}
	}
}
