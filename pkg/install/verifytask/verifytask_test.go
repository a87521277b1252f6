package verifytask_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/install/verifytask"
	"github.com/psaas/appliance-intake/pkg/inventory"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/store/storetest"
	"github.com/psaas/appliance-intake/pkg/verify"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// submission stores events/checklist.json as version 1 of a new submission.
func submission(t *testing.T) (*store.Store, string) {
	return storetest.Submission(t, "../../../events/checklist.json")
}

type deniedReader struct{}

func (deniedReader) Read(_ context.Context, doc *checklist.Document, env string) (*inventory.Inventory, verifytask.Access) {
	return nil, verifytask.Access{RoleArn: doc.Env(env).RoleArn, ExternalID: "intake-0123",
		Err: errors.New("AccessDenied: not authorized to perform sts:AssumeRole")}
}

type emptyAccount struct{}

func (emptyAccount) Read(_ context.Context, doc *checklist.Document, env string) (*inventory.Inventory, verifytask.Access) {
	return &inventory.Inventory{Environment: env, APICalls: 23}, verifytask.Access{RoleArn: doc.Env(env).RoleArn}
}

func TestVerifyReportsAnUnassumableRoleOnce(t *testing.T) {
	st, id := submission(t)
	tasks := verifytask.New(st, verifytask.Config{Verify: verify.DefaultConfig(), Inventory: deniedReader{}})
	out, err := tasks.Verify(context.Background(), workflow.VerifyInput{SubmissionID: id, Version: 1, Environment: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || out.Summary.Error != 1 {
		t.Fatalf("verdict %+v", out)
	}
	body, err := st.GetReport(context.Background(), id, out.ReportKey)
	if err != nil {
		t.Fatal(err)
	}
	var r verify.Report
	_ = json.Unmarshal(body, &r)
	if r.Checks[0].ID != "ACCESS-ROLE" || !strings.Contains(r.Checks[0].Remediation, "intake-0123") {
		t.Fatalf("first check %+v", r.Checks[0])
	}
}

func TestVerifyWithAnInventoryRunsTheAWSRules(t *testing.T) {
	st, id := submission(t)
	tasks := verifytask.New(st, verifytask.Config{Verify: verify.DefaultConfig(), Inventory: emptyAccount{}})
	out, err := tasks.Verify(context.Background(), workflow.VerifyInput{SubmissionID: id, Version: 1, Environment: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := st.GetReport(context.Background(), id, out.ReportKey)
	var r verify.Report
	_ = json.Unmarshal(body, &r)
	failedExists := false
	for _, c := range r.Checks {
		if c.ID == "VM-EXISTS" && c.Status == verify.StatusFail {
			failedExists = true
		}
	}
	if out.Passed || !failedExists || r.APICalls != 23 {
		t.Fatalf("an empty account must fail VM-EXISTS: passed=%v apiCalls=%d", out.Passed, r.APICalls)
	}
	if _, err := tasks.Verify(context.Background(), workflow.VerifyInput{SubmissionID: id, Version: 1, Environment: "staging"}); err == nil {
		t.Fatal("an unknown environment must be an error")
	}
}
