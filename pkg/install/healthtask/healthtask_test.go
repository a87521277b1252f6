package healthtask_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/health"
	"github.com/psaas/appliance-intake/pkg/install/healthtask"
	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
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
	doc, err := os.ReadFile("../../../events/checklist.json")
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

func TestHealthCountsAttemptsAndGivesUp(t *testing.T) {
	st, id := submission(t)
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	tasks := healthtask.New(st, health.New(health.NewClient(time.Second), srv.URL+"/{host}/testall"))
	ctx := context.Background()
	in := workflow.HealthInput{SubmissionID: id, Version: 1, Environment: "dev", MaxAttempts: 2}
	out, err := tasks.Health(ctx, in)
	if err != nil || out.Healthy || out.GiveUp || out.Attempt != 1 {
		t.Fatalf("first attempt %+v %v", out, err)
	}
	in.Attempt = out.Attempt
	out, _ = tasks.Health(ctx, in)
	if out.Healthy || !out.GiveUp || out.Attempt != 2 || !strings.Contains(out.Detail, "503") {
		t.Fatalf("last attempt %+v", out)
	}
	status = http.StatusOK
	in.Attempt = 0
	if out, _ = tasks.Health(ctx, in); !out.Healthy || out.GiveUp {
		t.Fatalf("healthy %+v", out)
	}
	rec, _ := st.Get(ctx, id)
	if rec.Stage != "healthcheck-dev" {
		t.Errorf("stage %s", rec.Stage)
	}
}
