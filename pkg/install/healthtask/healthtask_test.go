package healthtask_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/health"
	"github.com/psaas/appliance-intake/pkg/install/healthtask"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/store/storetest"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// submission stores events/checklist.json as version 1 of a new submission.
func submission(t *testing.T) (*store.Store, string) {
	return storetest.Submission(t, "../../../events/checklist.json")
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
