package install_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
)

var (
	kumoOnce sync.Once
	kumoSrv  *kumo.Server
)

// submission stores events/checklist.json as version 1 of a new submission.
func submission(t *testing.T) (*store.Store, string) {
	t.Helper()
	kumoOnce.Do(func() { kumoSrv = kumo.NewServer() })
	db := dynamodb.NewFromConfig(localstack.AWSConfig(kumoSrv.URL), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("install-test-%d", time.Now().UnixNano())
	if err := localstack.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../events/checklist.json")
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db, table)
	id := "sub-" + strings.Repeat("a", 16)
	if _, err := st.Create(context.Background(), store.NewSubmission{ID: id, CustomerName: "Example Corp", Document: doc,
		Dedup: store.Dedup{Kind: "key", Value: table, TTL: time.Hour}, Now: time.Now(), Status: "received", Stage: "intake", Actor: "customer"}); err != nil {
		t.Fatal(err)
	}
	return st, id
}
