package localstack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
)

func submit(t *testing.T, s *localstack.Stack, body []byte) string {
	t.Helper()
	r := post(t, s, body, "application/json", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.rawBody)
	}
	return r.body["id"].(string)
}

func executionStatus(t *testing.T, s *localstack.Stack, rec store.Record) string {
	t.Helper()
	v := rec.Versions[len(rec.Versions)-1]
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := sfn.NewFromConfig(s.AWS).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(v.ExecutionArn)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != "RUNNING" || time.Now().After(deadline) {
			return string(out.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestInstallRunsToCompletion drives the whole workflow as a PM would:
// approve DEV from the emailed link, confirm DEV is deployed, let the
// health check pass, the same for PROD, until the install is complete.
func TestInstallRunsToCompletion(t *testing.T) {
	s := stack(t)
	id := submit(t, s, checklistFor(t, nil))

	waitForStatus(t, s, id, "awaiting-approval")
	approveDev := link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0])
	if r := decide(t, s, approveDev, "approved"); r.status != http.StatusOK {
		t.Fatalf("approve DEV: %d %s", r.status, r.rawBody)
	}

	waitForStatus(t, s, id, "awaiting-deployment")
	if r := decide(t, s, link(t, waitForEmails(t, s, id, "DEV approved", 1)[0]), "deployed"); r.status != http.StatusOK {
		t.Fatalf("confirm DEV: %d %s", r.status, r.rawBody)
	}

	rec := waitForStatus(t, s, id, "awaiting-approval")
	for rec.Stage != "approve-prod" {
		time.Sleep(100 * time.Millisecond)
		rec = waitForStatus(t, s, id, "awaiting-approval")
	}
	if r := decide(t, s, link(t, waitForEmails(t, s, id, "PROD passed verification", 1)[0]), "approved"); r.status != http.StatusOK {
		t.Fatalf("approve PROD: %d %s", r.status, r.rawBody)
	}
	waitForStatus(t, s, id, "awaiting-deployment")
	for rec = waitForStatus(t, s, id, "awaiting-deployment"); rec.Stage != "deploy-prod"; rec = waitForStatus(t, s, id, "awaiting-deployment") {
		time.Sleep(100 * time.Millisecond)
	}
	if r := decide(t, s, link(t, waitForEmails(t, s, id, "PROD approved", 1)[0]), "deployed"); r.status != http.StatusOK {
		t.Fatalf("confirm PROD: %d %s", r.status, r.rawBody)
	}

	rec = waitForStatus(t, s, id, "completed")
	want := []string{"intake", "verify-dev", "approve-dev", "deploy-dev", "healthcheck-dev", "verify-prod",
		"approve-prod", "deploy-prod", "healthcheck-prod", "completed"}
	if got := stagesOf(rec); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stages\n got %v\nwant %v", got, want)
	}
	actors := map[string]bool{}
	for _, e := range rec.History {
		actors[e.Actor] = true
		if e.Actor == "pm:Pat PM" && !strings.Contains(e.Detail, "looks good") {
			t.Errorf("decision without the PM's comment: %+v", e)
		}
	}
	if !actors["pm:Pat PM"] || !actors["health-check"] {
		t.Errorf("trail lacks the PM's decisions or the health checks: %v", actors)
	}
	if len(rec.Reports) != 2 {
		t.Errorf("reports %v, want DEV and PROD", rec.Reports)
	}
	if st := executionStatus(t, s, rec); st != "SUCCEEDED" {
		t.Errorf("execution %s", st)
	}
	waitForEmails(t, s, id, "install is complete", 1)

	// The first link was used once; a replay is refused and changes nothing.
	if r := postDecision(t, s, approveDev, "approved"); r.status != http.StatusConflict || !strings.Contains(r.rawBody, "Pat PM") {
		t.Errorf("replayed approval: %d", r.status)
	}
}

func TestApprovalLinksRefuseForgeryAndNeverActOnGet(t *testing.T) {
	s := stack(t)
	id := submit(t, s, checklistFor(t, nil))
	l := link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0])

	// Mail scanners GET links: any number of GETs leave the gate open.
	for i := 0; i < 3; i++ {
		if r := get(t, s, strings.TrimPrefix(l, s.URL)); r.status != http.StatusOK || r.header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %d: %d", i, r.status)
		}
	}
	u, _ := url.Parse(l)
	q := u.Query()
	forged := s.URL + u.Path + "?exp=" + q.Get("exp") + "&sig=" + strings.Repeat("A", len(q.Get("sig")))
	if r := get(t, s, strings.TrimPrefix(forged, s.URL)); r.status != http.StatusForbidden {
		t.Errorf("forged signature: %d", r.status)
	}
	if r := postDecision(t, s, strings.Replace(l, "exp=", "exp=9", 1), "approved"); r.status != http.StatusForbidden {
		t.Errorf("tampered expiry: %d", r.status)
	}
	if r := get(t, s, "/approvals/apv-doesnotexist?exp=1&sig=x"); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("unknown approval: %d", r.status)
	}
	if rec := waitForStatus(t, s, id, "awaiting-approval"); rec.Stage != "approve-dev" {
		t.Errorf("stage moved to %s without a decision", rec.Stage)
	}
}

func TestRejectionStopsTheInstall(t *testing.T) {
	s := stack(t)
	id := submit(t, s, checklistFor(t, nil))
	if r := decide(t, s, link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0]), "rejected"); r.status != http.StatusOK {
		t.Fatalf("reject: %d %s", r.status, r.rawBody)
	}
	rec := waitForStatus(t, s, id, "rejected")
	if rec.Stage != "approve-dev" {
		t.Errorf("stage %s", rec.Stage)
	}
	waitForEmails(t, s, id, "rejected by Pat PM", 1)
	if st := executionStatus(t, s, rec); st != "SUCCEEDED" {
		t.Errorf("execution %s", st)
	}
}

// TestUnansweredApprovalRemindsThenExpires: the gate reminds the PM with
// the same link, then expires the install.
func TestUnansweredApprovalRemindsThenExpires(t *testing.T) {
	s := stack(t)
	id := submit(t, s, checklistFor(t, nil))
	first := link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0])
	reminder := link(t, waitForEmails(t, s, id, "Reminder", 1)[0])
	if strings.Split(first, "?")[0] != strings.Split(reminder, "?")[0] {
		t.Errorf("reminder links to another approval:\n%s\n%s", first, reminder)
	}
	rec := waitForStatus(t, s, id, "expired")
	if rec.Stage != "approve-dev" {
		t.Errorf("stage %s", rec.Stage)
	}
	waitForEmails(t, s, id, "expired without an answer", 1)
	if r := postDecision(t, s, first, "approved"); r.status != http.StatusGone {
		t.Errorf("late approval: %d", r.status)
	}
	if rec := waitForStatus(t, s, id, "expired"); rec.Status != "expired" {
		t.Errorf("a late click revived the install: %s", rec.Status)
	}
}

func TestFailingHealthCheckFailsTheInstall(t *testing.T) {
	s := stack(t)
	body := checklistFor(t, nil)
	id := submit(t, s, body)
	host := devManageHost(t, body)
	s.Appliances.SetDown(host, true)
	t.Cleanup(func() { s.Appliances.SetDown(host, false) })

	decide(t, s, link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0]), "approved")
	decide(t, s, link(t, waitForEmails(t, s, id, "DEV approved", 1)[0]), "deployed")
	rec := waitForStatus(t, s, id, "failed")
	if rec.Stage != "healthcheck-dev" {
		t.Errorf("stage %s", rec.Stage)
	}
	if n := s.Appliances.Hits(host); n < 3 {
		t.Errorf("health check tried %d times, want retries over the window", n)
	}
	mails := waitForEmails(t, s, id, "did not pass its health check", 1)
	if !strings.Contains(mails[0].Body, "503") {
		t.Errorf("email does not say what the check saw:\n%s", mails[0].Body)
	}
	if st := executionStatus(t, s, rec); st != "FAILED" {
		t.Errorf("execution %s", st)
	}
}

// TestProdDriftRequestsChangesForProdOnly: PROD fails its verification
// after DEV is deployed and healthy; the DEV trail and report are kept.
func TestProdDriftRequestsChangesForProdOnly(t *testing.T) {
	s := stack(t)
	body := checklistFor(t, func(doc map[string]any) {
		prod := doc["environments"].(map[string]any)["prod"].(map[string]any)
		h := prod["hostnames"].(map[string]any)
		prod["certificate"] = map[string]any{"pem": selfSigned(t, []string{h["manage"].(string)})}
	})
	id := submit(t, s, body)
	decide(t, s, link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0]), "approved")
	decide(t, s, link(t, waitForEmails(t, s, id, "DEV approved", 1)[0]), "deployed")
	rec := waitForStatus(t, s, id, "changes-requested")
	if rec.Stage != "verify-prod" || len(rec.Reports) != 2 {
		t.Fatalf("stage %s reports %v", rec.Stage, rec.Reports)
	}
	stages := strings.Join(stagesOf(rec), " ")
	if !strings.Contains(stages, "healthcheck-dev verify-prod") {
		t.Errorf("DEV stages lost: %s", stages)
	}
	mails := waitForEmails(t, s, id, "PROD did not pass verification", 1)
	if !strings.Contains(mails[0].Body, "TLS-") {
		t.Errorf("email lacks the failed checks:\n%s", mails[0].Body)
	}
}

func devManageHost(t *testing.T, body []byte) string {
	t.Helper()
	var doc struct {
		Environments map[string]struct {
			Hostnames struct {
				Manage string `json:"manage"`
			} `json:"hostnames"`
		} `json:"environments"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Environments["dev"].Hostnames.Manage
}
