package install_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/install"
	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/store/storetest"
	"github.com/psaas/appliance-intake/pkg/verify"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

type fixedGate struct{ url string }

func (g fixedGate) Open(_ context.Context, r approval.OpenRequest) (approval.Link, error) {
	return approval.Link{ID: "apv-test", URL: g.url, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// slackHook is a Slack incoming webhook stand-in answering code.
type slackHook struct {
	*httptest.Server
	mu     sync.Mutex
	code   int
	bodies []string
}

func newSlackHook(t *testing.T, code int) *slackHook {
	h := &slackHook{code: code}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		code := h.code
		h.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *slackHook) posts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

type sesEmail struct {
	FromEmailAddress string
	Destination      struct{ ToAddresses []string }
	Subject          string
	Body, HTMLBody   string
}

// emailsFrom returns what kumo's SES accepted from sender.
func emailsFrom(t *testing.T, sender string) []sesEmail {
	t.Helper()
	resp, err := http.Get(storetest.Kumo().URL + "/kumo/ses/v2/sent-emails")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var box struct{ SentEmails []sesEmail }
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		t.Fatal(err)
	}
	var out []sesEmail
	for _, e := range box.SentEmails {
		if e.FromEmailAddress == sender {
			out = append(out, e)
		}
	}
	return out
}

func notifyTasks(t *testing.T, st *store.Store, hook *slackHook, cfg install.Config) (*install.Tasks, string) {
	t.Helper()
	sender := fmt.Sprintf("intake-%d@example.com", time.Now().UnixNano())
	cfg.PMEmail, cfg.BaseURL = "pm@example.com", "https://intake.example.com"
	if hook != nil {
		cfg.Slack = notify.NewSlack(hook.URL+"/services/T1/B1/secret", notify.SlackOptions{Timeout: time.Second, BaseDelay: 10 * time.Millisecond})
	}
	mailer := notify.NewMailer(sesv2.NewFromConfig(localstack.AWSConfig(storetest.Kumo().URL)), sender)
	return install.New(st, mailer, cfg), sender
}

func notifyTrail(t *testing.T, st *store.Store, id string) []string {
	t.Helper()
	rec, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range rec.History {
		if e.Actor == "notify" {
			out = append(out, e.Detail)
		}
	}
	return out
}

func TestNotifyWithSlackDownStillEmailsThePM(t *testing.T) {
	st, id := submission(t)
	hook := newSlackHook(t, http.StatusInternalServerError)
	const link = "https://intake.example.com/approvals/apv-test?exp=1&sig=abc"
	tasks, sender := notifyTasks(t, st, hook, install.Config{Gates: fixedGate{link}})

	out, err := tasks.Notify(context.Background(), workflow.NotifyInput{SubmissionID: id, Version: 1,
		Event: workflow.EventApprovalRequested, Environment: "dev", Gate: "approve-dev", Kind: "approve", TaskToken: "token"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != workflow.StatusAwaitingApproval || len(out.Deliveries) != 2 {
		t.Fatalf("output %+v", out)
	}
	trail := notifyTrail(t, st, id)
	if len(trail) != 2 || !strings.HasPrefix(trail[0], "email to pm@example.com: sent (") ||
		trail[1] != "slack: failed after 4 attempts: HTTP 500" {
		t.Fatalf("trail %q", trail)
	}
	if strings.Contains(strings.Join(trail, " "), hook.URL) {
		t.Errorf("trail shows the webhook URL: %q", trail)
	}
	mails := emailsFrom(t, sender)
	if len(mails) != 1 || mails[0].Destination.ToAddresses[0] != "pm@example.com" || !strings.Contains(mails[0].Body, link) {
		t.Fatalf("emails %+v", mails)
	}
	if !strings.Contains(mails[0].Body, "https://intake.example.com/submissions/"+id) {
		t.Errorf("email does not link the status page:\n%s", mails[0].Body)
	}
	posts := hook.posts()
	if len(posts) != 4 {
		t.Fatalf("slack got %d posts, want 4 attempts", len(posts))
	}
	var msg struct {
		Blocks []struct {
			Elements []struct{ URL string }
		}
	}
	_ = json.Unmarshal([]byte(posts[0]), &msg)
	var urls []string
	for _, b := range msg.Blocks {
		for _, e := range b.Elements {
			if e.URL != "" {
				urls = append(urls, e.URL)
			}
		}
	}
	if strings.Join(urls, " ") != link+" https://intake.example.com/submissions/"+id {
		t.Errorf("slack buttons link %v", urls)
	}
	if rec, _ := st.Get(context.Background(), id); rec.Status != workflow.StatusAwaitingApproval {
		t.Errorf("status %s", rec.Status)
	}
}

func storeReport(t *testing.T, st *store.Store, id string, checks ...verify.Check) string {
	t.Helper()
	body, _ := json.Marshal(verify.Report{Environment: "dev", GeneratedAt: time.Now(), Checks: checks})
	key, err := st.PutReport(context.Background(), id, 1, "dev", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestChangesRequestedEmailsTheAffectedTeams(t *testing.T) {
	st, id := submission(t)
	hook := newSlackHook(t, http.StatusOK)
	tasks, sender := notifyTasks(t, st, hook, install.Config{})
	key := storeReport(t, st, id,
		verify.Check{ID: "TLS-NAMES", Status: verify.StatusFail, Message: "the certificate does not cover manage.example.com", Remediation: "Reissue it"},
		verify.Check{ID: "NET-EGRESS", Status: verify.StatusWarn, Message: "egress is closed", Remediation: "Open 443"},
		verify.Check{ID: "VM-SIZE", Status: verify.StatusPass, Message: "fine"})

	out, err := tasks.Notify(context.Background(), workflow.NotifyInput{SubmissionID: id, Version: 1,
		Event: workflow.EventChangesRequested, Environment: "dev", ReportKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != workflow.StatusChangesRequested {
		t.Fatalf("output %+v", out)
	}
	trail := strings.Join(notifyTrail(t, st, id), "\n")
	for _, want := range []string{"email to pm@example.com: sent (", "email to customer (networking, security) sam@example.com, ned@example.com: sent (", "slack: sent"} {
		if !strings.Contains(trail, want) {
			t.Errorf("trail lacks %q:\n%s", want, trail)
		}
	}
	mails := emailsFrom(t, sender)
	if len(mails) != 2 {
		t.Fatalf("%d emails", len(mails))
	}
	for _, m := range mails {
		to := strings.Join(m.Destination.ToAddresses, ",")
		if to != "pm@example.com" && to != "sam@example.com,ned@example.com" {
			t.Errorf("email to %s", to)
		}
		if strings.Contains(m.Body, "/approvals/") || !strings.Contains(m.Body, "TLS-NAMES") || !strings.Contains(m.Body, "Reissue it") {
			t.Errorf("email to %s:\n%s", to, m.Body)
		}
	}
	if len(hook.posts()) != 1 {
		t.Errorf("slack posts %d", len(hook.posts()))
	}

	// Customer emails off: only the project manager hears of it.
	st2, id2 := submission(t)
	key2 := storeReport(t, st2, id2, verify.Check{ID: "TLS-NAMES", Status: verify.StatusFail, Message: "x"})
	tasks2, sender2 := notifyTasks(t, st2, nil, install.Config{NoCustomerEmails: true})
	if _, err := tasks2.Notify(context.Background(), workflow.NotifyInput{SubmissionID: id2, Version: 1,
		Event: workflow.EventChangesRequested, Environment: "dev", ReportKey: key2}); err != nil {
		t.Fatal(err)
	}
	if mails := emailsFrom(t, sender2); len(mails) != 1 || mails[0].Destination.ToAddresses[0] != "pm@example.com" {
		t.Errorf("with customer emails off: %+v", mails)
	}
	if trail := notifyTrail(t, st2, id2); len(trail) != 1 {
		t.Errorf("trail %q", trail)
	}
}

// Only changes-requested reaches the customer: approvals are the PM's.
func TestApprovalsAreNotSentToTheCustomer(t *testing.T) {
	st, id := submission(t)
	key := storeReport(t, st, id, verify.Check{ID: "NET-SSH", Status: verify.StatusWarn, Message: "port 22 open"})
	tasks, sender := notifyTasks(t, st, nil, install.Config{Gates: fixedGate{"https://intake.example.com/approvals/apv-test?exp=1&sig=x"}})
	if _, err := tasks.Notify(context.Background(), workflow.NotifyInput{SubmissionID: id, Version: 1, ReportKey: key,
		Event: workflow.EventApprovalRequested, Environment: "dev", Gate: "approve-dev", Kind: "approve", TaskToken: "t"}); err != nil {
		t.Fatal(err)
	}
	mails := emailsFrom(t, sender)
	if len(mails) != 1 || mails[0].Destination.ToAddresses[0] != "pm@example.com" {
		t.Errorf("emails %+v", mails)
	}
}
