// Package storetest gives tests of the workflow steps a real store: a
// table of its own on one in-process kumo shared by the test binary.
package storetest

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
	once sync.Once
	srv  *kumo.Server
)

// Kumo is the test binary's one emulator (kumo shares its store between
// servers of a process anyway; one server keeps the port count down).
func Kumo() *kumo.Server {
	once.Do(func() { srv = kumo.NewServer() })
	return srv
}

// Submission stores the checklist at path as version 1 of a new submission
// in a fresh table, and returns the store and the submission id.
func Submission(t testing.TB, path string) (*store.Store, string) {
	t.Helper()
	db := dynamodb.NewFromConfig(localstack.AWSConfig(Kumo().URL), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("install-test-%d", time.Now().UnixNano())
	if err := localstack.CreateTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(path)
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
