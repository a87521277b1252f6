package notify_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/verify"
)

const hostile = "<!channel> <script>alert(1)</script> & co <@U123|boss> <https://evil.example|click>"

func hostileStage() notify.Stage {
	return notify.Stage{
		Customer: hostile, SubmissionID: "sub-0123456789abcdef", Version: 2, Environment: "DEV",
		Headline: "DEV did not pass verification — changes requested", Action: "Fix it, " + hostile,
		StatusURL: "https://intake.example.com/submissions/sub-0123456789abcdef",
		ActionURL: "https://intake.example.com/approvals/apv-1?exp=1&sig=abc",
		Problem:   "Pat <!here> wrote: " + hostile,
		Step:      "verify-dev", Status: "changes-requested",
		Report: &verify.Report{Checks: []verify.Check{
			{ID: "TLS-NAMES", Status: verify.StatusFail, Message: "the certificate does not cover " + hostile, Remediation: "Reissue for <!everyone>"},
			{ID: "NET-SSH", Status: verify.StatusWarn, Message: "port 22 open to 0.0.0.0/0", Remediation: "Restrict to the jump host"},
			{ID: "VM-SIZE", Status: verify.StatusPass, Message: "fine"},
		}},
	}
}

// strings walks a decoded JSON value and returns every string in it.
func allStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, allStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range t {
			out = append(out, allStrings(e)...)
		}
		return out
	}
	return nil
}

func decodeSlack(t *testing.T, s notify.Stage) (map[string]any, []byte) {
	t.Helper()
	raw, err := notify.MarshalWebhook(notify.RenderSlack(s))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, raw
}

func TestSlackMessageEscapesCustomerText(t *testing.T) {
	doc, raw := decodeSlack(t, hostileStage())
	texts := allStrings(doc)
	joined := strings.Join(texts, "\n")
	// Slack reads <…> as a mention, a special command or a link; escaped
	// as &lt;…&gt; it is shown as typed and does nothing.
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<script", "<@U123", "<https://evil"} {
		if strings.Contains(joined, bad) {
			t.Errorf("%q survives in the Slack message:\n%s", bad, joined)
		}
	}
	if !strings.Contains(joined, "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co") {
		t.Errorf("the customer's name is not shown escaped:\n%s", joined)
	}
	// The fallback text is what a phone notification shows.
	if text, _ := doc["text"].(string); !strings.Contains(text, "changes requested") || strings.Contains(text, "<") {
		t.Errorf("fallback text %q", text)
	}
	if strings.Contains(string(raw), `"channel"`) {
		t.Errorf("payload names a channel: %s", raw)
	}
}

func TestSlackMessageLayout(t *testing.T) {
	doc, _ := decodeSlack(t, hostileStage())
	blocks := doc["blocks"].([]any)
	first := blocks[0].(map[string]any)
	if first["type"] != "header" {
		t.Fatalf("first block %v", first)
	}
	var fields, sections []string
	var buttons []map[string]any
	for _, b := range blocks {
		b := b.(map[string]any)
		for _, f := range asList(b["fields"]) {
			fields = append(fields, f.(map[string]any)["text"].(string))
		}
		if txt, ok := b["text"].(map[string]any); ok && b["type"] == "section" {
			sections = append(sections, txt["text"].(string))
		}
		for _, e := range asList(b["elements"]) {
			if e := e.(map[string]any); e["type"] == "button" {
				buttons = append(buttons, e)
			}
		}
	}
	wantFields := []string{"*Customer*", "*Environment*\nDEV", "*Stage*\nverify-dev (changes-requested)", "*Submission*\nsub-0123456789abcdef (version 2)", "*Checks*"}
	for i, w := range wantFields {
		if i >= len(fields) || !strings.HasPrefix(fields[i], w) {
			t.Errorf("field %d = %q, want %q…", i, at(fields, i), w)
		}
	}
	all := strings.Join(sections, "\n")
	for _, w := range []string{"`TLS-NAMES` *fail*", "_Fix:_ Reissue for &lt;!everyone&gt;", "`NET-SSH` *warn*", "Restrict to the jump host"} {
		if !strings.Contains(all, w) {
			t.Errorf("sections lack %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, "VM-SIZE") {
		t.Errorf("a passing check is listed:\n%s", all)
	}
	if strings.Index(all, "TLS-NAMES") > strings.Index(all, "NET-SSH") {
		t.Errorf("failures should come before warnings:\n%s", all)
	}
	if len(buttons) != 2 {
		t.Fatalf("buttons %v", buttons)
	}
	for i, want := range []struct{ label, url string }{
		{"Review and decide", "https://intake.example.com/approvals/apv-1?exp=1&sig=abc"},
		{"Status page", "https://intake.example.com/submissions/sub-0123456789abcdef"},
	} {
		b := buttons[i]
		if b["text"].(map[string]any)["text"] != want.label || b["url"] != want.url {
			t.Errorf("button %d = %v, want %s → %s", i, b, want.label, want.url)
		}
		// Link buttons only: a value would carry data (tokens do not fit
		// the 2,000 characters, and have no place in a chat message).
		if _, ok := b["value"]; ok {
			t.Errorf("button %d has a value: %v", i, b)
		}
	}
}

func TestSlackMessageStaysWithinBlockKitLimits(t *testing.T) {
	s := hostileStage()
	s.Customer = strings.Repeat("<&>", 400)
	s.Problem = strings.Repeat("& ", 3000)
	s.Report = &verify.Report{}
	for i := 0; i < 25; i++ {
		s.Report.Checks = append(s.Report.Checks, verify.Check{ID: fmt.Sprintf("NET-%02d", i), Status: verify.StatusFail,
			Message: strings.Repeat("<", 2000), Remediation: strings.Repeat("&", 2000)})
	}
	doc, _ := decodeSlack(t, s)
	blocks := doc["blocks"].([]any)
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack takes 50", len(blocks))
	}
	more := false
	listed := 0
	for _, b := range blocks {
		b := b.(map[string]any)
		limit := 3000
		if b["type"] == "header" {
			limit = 150
		}
		if txt, ok := b["text"].(map[string]any); ok {
			if n := utf8.RuneCountInString(txt["text"].(string)); n > limit {
				t.Errorf("%s block text of %d characters, limit %d", b["type"], n, limit)
			}
			if strings.Contains(txt["text"].(string), "`NET-") {
				listed++
			}
		}
		for _, f := range asList(b["fields"]) {
			if n := utf8.RuneCountInString(f.(map[string]any)["text"].(string)); n > 2000 {
				t.Errorf("field of %d characters", n)
			}
		}
		for _, e := range asList(b["elements"]) {
			if txt, ok := e.(map[string]any)["text"].(string); ok && strings.Contains(txt, "and 15 more") {
				more = true
			}
		}
	}
	if listed != 10 || !more {
		t.Errorf("listed %d checks (want 10) and 'and 15 more' %v", listed, more)
	}
	// Cutting never leaves half an entity such as "&am".
	for _, txt := range allStrings(doc) {
		if strings.HasPrefix(txt, "https://") {
			continue // a button's URL, not text
		}
		for i := strings.Index(txt, "&"); i >= 0; i = strings.Index(txt, "&") {
			rest := txt[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("broken entity in %q", truncateForLog(txt[i:]))
			}
			txt = rest[1:]
		}
	}
}

func TestSlackMessageWithoutApprovalHasOnlyTheStatusButton(t *testing.T) {
	s := hostileStage()
	s.ActionURL = ""
	_, raw := decodeSlack(t, s)
	if strings.Contains(string(raw), "Review and decide") || !strings.Contains(string(raw), "Status page") {
		t.Errorf("buttons: %s", raw)
	}
}

func TestEmailEscapesCustomerText(t *testing.T) {
	s := hostileStage()
	s.Customer += "\r\nBcc: victim@example.com"
	e, err := notify.RenderEmail(s, []string{"pm@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<!channel>", "<@U123", "<https://evil"} {
		if strings.Contains(e.HTML, bad) {
			t.Errorf("HTML part contains %q", bad)
		}
	}
	if !strings.Contains(e.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co") {
		t.Errorf("HTML part does not show the name escaped:\n%s", e.HTML)
	}
	// The plain part is shown as text by every client: the name as typed.
	if !strings.Contains(e.Text, "<script>alert(1)</script> & co") {
		t.Errorf("text part altered the name:\n%s", e.Text)
	}
	if !strings.Contains(e.HTML, `href="https://intake.example.com/approvals/apv-1?exp=1&amp;sig=abc"`) {
		t.Errorf("HTML part lacks the approval link:\n%s", e.HTML)
	}
}

func TestCustomerEmailHasNoApprovalLink(t *testing.T) {
	s := hostileStage().ForCustomer([]string{"networking", "security"})
	e, err := notify.RenderEmail(s, []string{"ned@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{e.Text, e.HTML} {
		if strings.Contains(part, "/approvals/") || strings.Contains(part, "Review and decide") {
			t.Errorf("customer email carries the PM's approval link:\n%s", part)
		}
		if !strings.Contains(part, "/submissions/sub-0123456789abcdef") || !strings.Contains(part, "networking, security teams") {
			t.Errorf("customer email lacks the status page or its teams:\n%s", part)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func at(l []string, i int) string {
	if i < len(l) {
		return l[i]
	}
	return ""
}

func truncateForLog(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}
