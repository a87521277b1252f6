package localstack_test

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
)

// slackMessage is one request the stack's Slack webhook received.
type slackMessage struct {
	At      time.Time
	Status  int
	Fault   bool
	Payload struct {
		Text   string
		Blocks []struct {
			Type     string
			Text     any
			Fields   []struct{ Text string }
			Elements []struct {
				Type string
				Text any
				URL  string
			}
		}
	}
}

// buttons maps a message's button labels to their URLs.
func (m slackMessage) buttons() map[string]string {
	out := map[string]string{}
	for _, b := range m.Payload.Blocks {
		for _, e := range b.Elements {
			if t, ok := e.Text.(map[string]any); ok && e.Type == "button" {
				out[t["text"].(string)] = e.URL
			}
		}
	}
	return out
}

// slackOutbox returns the Slack requests whose fallback text contains
// every one of match.
func slackOutbox(t *testing.T, s *localstack.Stack, match ...string) []slackMessage {
	t.Helper()
	r := get(t, s, "/dev/outbox.json")
	var box struct{ Slack []slackMessage }
	if err := json.Unmarshal([]byte(r.rawBody), &box); err != nil {
		t.Fatalf("outbox: %v %s", err, r.rawBody)
	}
	var out []slackMessage
next:
	for _, m := range box.Slack {
		for _, w := range match {
			if !strings.Contains(m.Payload.Text, w) {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

func waitForSlack(t *testing.T, s *localstack.Stack, n int, match ...string) []slackMessage {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := slackOutbox(t, s, match...)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Slack request(s) matching %q, want %d", len(got), match, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForTrail waits for a trail entry of the submission containing want.
func waitForTrail(t *testing.T, s *localstack.Stack, id, want string) store.Record {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rec store.Record
		r := get(t, s, "/api/submissions/"+id)
		if err := json.Unmarshal([]byte(r.rawBody), &rec); err != nil {
			t.Fatal(err)
		}
		for _, e := range rec.History {
			if strings.Contains(e.Detail, want) {
				return rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("trail of %s never showed %q: %+v", id, want, rec.History)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSlackAnnouncesTheDevApproval: the PM hears of the DEV gate on Slack
// too, with a button to the same approval page as the email's link.
func TestSlackAnnouncesTheDevApproval(t *testing.T) {
	s := stack(t)
	id := submit(t, s, checklistFor(t, nil))
	approvalLink := link(t, waitForEmails(t, s, id, "DEV passed verification", 1)[0])

	msgs := waitForSlack(t, s, 1, t.Name(), id, "DEV passed verification")
	m := msgs[0]
	if m.Status != http.StatusOK || len(msgs) != 1 {
		t.Fatalf("slack requests %+v", msgs)
	}
	b := m.buttons()
	if b["Review and decide"] != approvalLink || b["Status page"] != s.URL+"/submissions/"+id {
		t.Errorf("buttons %v, want the approval page %s", b, approvalLink)
	}
	if r := get(t, s, strings.TrimPrefix(b["Review and decide"], s.URL)); r.status != http.StatusOK {
		t.Errorf("the button's page: %d", r.status)
	}
	waitForTrail(t, s, id, "slack: sent")
	waitForTrail(t, s, id, "email to pm@example.com: sent")

	// The outbox page shows it, its buttons as links, beside the email.
	page := get(t, s, "/dev/outbox")
	if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("outbox page: %d %s", page.status, page.header.Get("Content-Type"))
	}
	escaped := html.EscapeString(approvalLink)
	if !strings.Contains(page.rawBody, `href="`+escaped+`">Review and decide</a>`) {
		t.Errorf("outbox page lacks the Slack button to %s", approvalLink)
	}
	if !strings.Contains(page.rawBody, `<a href="`+escaped+`">`) {
		t.Errorf("outbox page lacks the email's clickable link to %s", approvalLink)
	}
	if !strings.Contains(page.rawBody, `http-equiv="refresh"`) {
		t.Errorf("outbox page does not refresh itself")
	}

	// The webhook URL is a credential: no function logs it.
	if strings.Contains(fnOutput.String(), s.Slack.URL()) {
		t.Errorf("a function logged the Slack webhook URL")
	}
}

// TestSlackOutageDoesNotStopTheWorkflow: Slack answering 500 costs the
// Slack message only: the workflow reaches its gate, the PM gets the
// email, and the failure is on the submission's trail.
func TestSlackOutageDoesNotStopTheWorkflow(t *testing.T) {
	s := stack(t)
	clear := s.Slack.SetFault(localstack.SlackFault{Status: http.StatusInternalServerError, Match: t.Name()})
	defer clear()
	id := submit(t, s, checklistFor(t, nil))

	waitForStatus(t, s, id, "awaiting-approval")
	waitForEmails(t, s, id, "DEV passed verification", 1)
	rec := waitForTrail(t, s, id, "slack: failed after 4 attempts: HTTP 500")
	sent := false
	for _, e := range rec.History {
		sent = sent || (e.Actor == "notify" && strings.HasPrefix(e.Detail, "email to pm@example.com: sent"))
		if strings.Contains(e.Detail, s.Slack.URL()) {
			t.Errorf("trail shows the webhook URL: %s", e.Detail)
		}
	}
	if !sent {
		t.Errorf("the email's delivery is not on the trail: %+v", rec.History)
	}
	attempts := slackOutbox(t, s, t.Name(), "DEV passed verification")
	if len(attempts) != 4 {
		t.Errorf("%d Slack attempts, want 4", len(attempts))
	}
	for _, a := range attempts {
		if a.Status != http.StatusInternalServerError || !a.Fault {
			t.Errorf("attempt %+v", a)
		}
	}
	if page := get(t, s, "/dev/outbox"); !strings.Contains(page.rawBody, "answered HTTP 500") {
		t.Errorf("outbox page does not show the failed Slack attempts")
	}
}

// TestHostileCustomerNameIsInert: a customer name written to ping a Slack
// channel or run a script does neither, in Slack, email or the outbox.
func TestHostileCustomerNameIsInert(t *testing.T) {
	s := stack(t)
	body := checklistFor(t, func(doc map[string]any) {
		doc["customer"].(map[string]any)["name"] = "<!channel> <script>alert(1)</script> & co " + t.Name()
	})
	id := submit(t, s, body)
	mails := waitForEmails(t, s, id, "DEV passed verification", 1)
	if strings.Contains(mails[0].HTMLBody, "<script>") || !strings.Contains(mails[0].HTMLBody, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co") {
		t.Errorf("email HTML does not escape the name:\n%s", mails[0].HTMLBody)
	}
	msgs := waitForSlack(t, s, 1, t.Name(), "DEV passed verification")
	raw, _ := json.Marshal(msgs[0].Payload)
	var decoded any
	_ = json.Unmarshal(raw, &decoded)
	for _, text := range stringsIn(decoded) {
		if strings.Contains(text, "<!channel>") || strings.Contains(text, "<script") {
			t.Errorf("Slack text %q is not escaped", text)
		}
	}
	if !strings.Contains(msgs[0].Payload.Text, "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co") {
		t.Errorf("Slack fallback text %q", msgs[0].Payload.Text)
	}
	page := get(t, s, "/dev/outbox")
	if strings.Contains(page.rawBody, "<script>alert(1)") || !strings.Contains(page.rawBody, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("outbox page does not escape the name")
	}
	if !strings.Contains(page.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("outbox page CSP %q", page.header.Get("Content-Security-Policy"))
	}
}

func stringsIn(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, stringsIn(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range t {
			out = append(out, stringsIn(e)...)
		}
		return out
	}
	return nil
}

// TestSlackReceiverAnswersAsSlackDoes: the local webhook refuses what
// Slack refuses, so a payload that would fail in the cloud fails here.
func TestSlackReceiverAnswersAsSlackDoes(t *testing.T) {
	s := stack(t)
	post := func(path, body string) int {
		resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	hook := strings.TrimPrefix(s.Slack.URL(), s.URL)
	for _, c := range []struct {
		path, body string
		want       int
	}{
		{hook, `{"text":"hello"}`, http.StatusOK},
		{hook, `{"text":"hello","channel":"#general"}`, http.StatusNotFound},
		{hook, `{"blocks":"x"`, http.StatusBadRequest},
		{hook, `{}`, http.StatusBadRequest},
		{localstack.SlackPath + "T0/B0/wrong", `{"text":"hello"}`, http.StatusNotFound},
	} {
		if got := post(c.path, c.body); got != c.want {
			t.Errorf("POST %s %s: %d, want %d", c.path, c.body, got, c.want)
		}
	}
	if r := get(t, s, hook); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET webhook: %d", r.status)
	}
}
