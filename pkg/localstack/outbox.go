package localstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// OutboxEmail is an email kumo's SES accepted (the fields the outbox shows).
type OutboxEmail struct {
	MessageID        string `json:"MessageId"`
	FromEmailAddress string
	Destination      struct {
		ToAddresses, CcAddresses, BccAddresses []string
	}
	Subject  string
	Body     string
	HTMLBody string
	SentAt   time.Time
}

// readEmails fetches kumo's SES store: each email as kumo keeps it.
func (g *Gateway) readEmails(r *http.Request) ([]json.RawMessage, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, g.Outbox, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read kumo's SES store: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read kumo's SES store: HTTP %d", resp.StatusCode)
	}
	var box struct {
		SentEmails []json.RawMessage `json:"SentEmails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		return nil, fmt.Errorf("decode kumo's SES store: %w", err)
	}
	return box.SentEmails, nil
}

// outboxJSON serves every email (as kumo keeps them) and every Slack
// request (with the answer given), oldest first.
func (g *Gateway) outboxJSON(w http.ResponseWriter, r *http.Request) {
	emails, err := g.readEmails(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out := struct {
		Emails []json.RawMessage `json:"emails"`
		Slack  []SlackPost       `json:"slack"`
	}{Emails: emails, Slack: []SlackPost{}}
	if out.Emails == nil {
		out.Emails = []json.RawMessage{}
	}
	if g.Slack != nil {
		out.Slack = g.Slack.Posts()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// outboxItem is one email or Slack message on the outbox page.
type outboxItem struct {
	At   time.Time
	Kind string // "email" | "slack"
	// Email
	From, To, Subject, Body string
	// Slack
	Status             int
	Answer             string
	Fault              bool
	Header, Fallback   string
	Fields, Sections   []string
	Context            []string
	Buttons            []outboxButton
	Payload            string // indented JSON
	Undecodable, Empty bool
}

type outboxButton struct{ Label, URL string }

// outboxPage shows every email and Slack message the stack sent, newest
// first, with their links clickable.
func (g *Gateway) outboxPage(w http.ResponseWriter, r *http.Request) {
	raw, err := g.readEmails(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	var items []outboxItem
	for _, m := range raw {
		var e OutboxEmail
		if json.Unmarshal(m, &e) != nil {
			continue
		}
		to := append(append(e.Destination.ToAddresses, e.Destination.CcAddresses...), e.Destination.BccAddresses...)
		items = append(items, outboxItem{At: e.SentAt, Kind: "email", From: e.FromEmailAddress, To: strings.Join(to, ", "),
			Subject: e.Subject, Body: e.Body})
	}
	var faults []SlackFault
	if g.Slack != nil {
		for _, p := range g.Slack.Posts() {
			items = append(items, slackItem(p))
		}
		faults = g.Slack.activeFaults()
	}
	// Newest first; a stable sort keeps the order of equal times.
	slices.Reverse(items)
	slices.SortStableFunc(items, func(a, b outboxItem) int { return b.At.Compare(a.At) })

	var buf bytes.Buffer
	if err := outboxTmpl.Execute(&buf, struct {
		Items  []outboxItem
		Faults []SlackFault
		Slack  bool
	}{items, faults, g.Slack != nil}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// The page shows what customers typed: no script runs on it at all.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	_, _ = w.Write(buf.Bytes())
}

// slackItem renders a Block Kit payload readably: header, fields,
// sections, context, and buttons as links. Text is shown as Slack would
// show it (its &amp; &lt; &gt; entities decoded); the page escapes it.
func slackItem(p SlackPost) outboxItem {
	it := outboxItem{At: p.At, Kind: "slack", Status: p.Status, Answer: p.Answer, Fault: p.Fault}
	var pretty bytes.Buffer
	if json.Indent(&pretty, p.Payload, "", "  ") == nil {
		it.Payload = pretty.String()
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type     string         `json:"type"`
			Text     *slackText     `json:"text"`
			Fields   []slackText    `json:"fields"`
			Elements []slackElement `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(p.Payload, &msg); err != nil {
		it.Undecodable = true
		return it
	}
	it.Fallback = slackDisplay(msg.Text)
	for _, b := range msg.Blocks {
		switch b.Type {
		case "header":
			if b.Text != nil {
				it.Header = slackDisplay(b.Text.Text)
			}
		case "section":
			if b.Text != nil {
				it.Sections = append(it.Sections, slackDisplay(b.Text.Text))
			}
			for _, f := range b.Fields {
				it.Fields = append(it.Fields, slackDisplay(f.Text))
			}
		case "context":
			for _, e := range b.Elements {
				var s string
				if json.Unmarshal(e.Text, &s) == nil {
					it.Context = append(it.Context, slackDisplay(s))
				}
			}
		case "actions":
			for _, e := range b.Elements {
				var t slackText
				_ = json.Unmarshal(e.Text, &t)
				if e.Type == "button" {
					it.Buttons = append(it.Buttons, outboxButton{Label: slackDisplay(t.Text), URL: e.URL})
				}
			}
		}
	}
	it.Empty = it.Header == "" && len(it.Sections) == 0 && len(it.Fields) == 0 && it.Fallback == ""
	return it
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackElement struct {
	Type string `json:"type"`
	// Text is a string (context mrkdwn) or a text object (button).
	Text json.RawMessage `json:"text"`
	URL  string          `json:"url"`
}

var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func slackDisplay(s string) string { return slackUnescaper.Replace(s) }

var linkPattern = regexp.MustCompile(`https?://[^\s<>"'()]+`)

// linkify escapes text for HTML and makes its http(s) links clickable.
func linkify(text string) template.HTML { return withLinks(text, template.HTMLEscapeString) }

// mrkdwn is linkify for Slack text: also *bold*, _italic_ and `code`.
func mrkdwn(text string) template.HTML {
	return withLinks(text, func(s string) string {
		s = template.HTMLEscapeString(s)
		s = codeSpan.ReplaceAllString(s, "<code>$1</code>")
		s = boldSpan.ReplaceAllString(s, "$1<strong>$2</strong>")
		return italicSpan.ReplaceAllString(s, "$1<em>$2</em>")
	})
}

var (
	codeSpan   = regexp.MustCompile("`([^`\n]+)`")
	boldSpan   = regexp.MustCompile(`(^|[\s(])\*([^*\n]+)\*`)
	italicSpan = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
)

// withLinks writes text with its links as anchors and every other part
// through escape, which must escape HTML.
func withLinks(text string, escape func(string) string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		b.WriteString(escape(text[last:m[0]]))
		u := strings.TrimRight(text[m[0]:m[1]], ".,;:!?")
		esc := template.HTMLEscapeString(u)
		b.WriteString(`<a href="` + esc + `">` + esc + `</a>`)
		last = m[0] + len(u)
	}
	b.WriteString(escape(text[last:]))
	return template.HTML(b.String()) //nolint:gosec // every piece above is escaped
}

var outboxTmpl = template.Must(template.New("outbox").Funcs(template.FuncMap{
	"linkify": linkify,
	"mrkdwn":  mrkdwn,
	"when":    func(t time.Time) string { return t.Local().Format("15:04:05 Jan 2") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>Outbox — Appliance Intake (local)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:1rem auto;padding:0 1rem;color:#1a1a1a}
h1{margin-bottom:.2rem} .muted{color:#666} .item{border:1px solid #ddd;border-radius:8px;padding:.6rem .9rem;margin:.8rem 0}
.email{border-left:6px solid #0b57d0} .slack{border-left:6px solid #4a154b} .failed{border-left-color:#c5221f;background:#fff5f5}
.meta{font-size:.85rem;color:#555} pre{white-space:pre-wrap;word-break:break-word;font:inherit;margin:.4rem 0}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:.3rem 1rem;margin:.4rem 0} .fields pre{margin:0}
.btn{display:inline-block;padding:.35rem .8rem;margin:.2rem .4rem .2rem 0;border:1px solid #4a154b;border-radius:6px;text-decoration:none;color:#4a154b}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff} .tag{font-size:.75rem;padding:.05rem .4rem;border-radius:4px;background:#eee}
form{display:inline} details{margin-top:.3rem}
</style></head><body>
<h1>Outbox</h1>
<p class="muted">Every email (kumo's SES store) and Slack message (the local incoming webhook) the stack sent, newest first.
Refreshes every 5 seconds. Approval links open the confirmation page; nothing acts on a click alone.
JSON: <a href="/dev/outbox.json">/dev/outbox.json</a>.</p>
{{if .Slack}}<p class="meta">Simulate Slack trouble:
<form method="post" action="/dev/slack/fault"><input type="hidden" name="status" value="500"><button>answer 500</button></form>
<form method="post" action="/dev/slack/fault"><input type="hidden" name="status" value="429"><input type="hidden" name="retryAfter" value="1"><button>answer 429 (Retry-After 1)</button></form>
<form method="post" action="/dev/slack/fault"><input type="hidden" name="delay" value="10s"><button>hang 10 s</button></form>
<form method="post" action="/dev/slack/fault"><input type="hidden" name="status" value="0"><button>back to normal</button></form>
{{with .Faults}}<br><strong>Active:</strong>{{range .}} [{{if .Status}}HTTP {{.Status}}{{end}}{{if .RetryAfter}}, Retry-After {{.RetryAfter}}{{end}}{{if .Delay}} after {{.Delay}}{{end}}{{with .Match}} for “{{.}}”{{end}}{{if .Times}}, {{.Times}} more{{end}}]{{end}}{{end}}</p>{{end}}
{{range .Items}}
{{if eq .Kind "email"}}
<div class="item email">
<div class="meta"><span class="tag">email</span> {{when .At}} · from {{.From}} · to <strong>{{.To}}</strong></div>
<h3 style="margin:.3rem 0">{{.Subject}}</h3>
<pre>{{linkify .Body}}</pre>
</div>
{{else}}
<div class="item slack{{if ne .Status 200}} failed{{end}}">
<div class="meta"><span class="tag">slack</span> {{when .At}} · {{if eq .Status 200}}delivered{{else if eq .Status 0}}no answer: {{.Answer}}{{else}}answered HTTP {{.Status}} {{.Answer}}{{end}}</div>
{{with .Header}}<h3 style="margin:.3rem 0">{{.}}</h3>{{end}}
{{if eq .Status 200}}
{{if .Fields}}<div class="fields">{{range .Fields}}<pre>{{mrkdwn .}}</pre>{{end}}</div>{{end}}
{{range .Sections}}<pre>{{mrkdwn .}}</pre>{{end}}
{{range .Buttons}}<a class="btn{{if eq .Label "Review and decide" "Confirm the deployment"}} primary{{end}}" href="{{.URL}}">{{.Label}}</a>{{end}}
{{range .Context}}<div class="meta">{{mrkdwn .}}</div>{{end}}
{{if or .Empty .Undecodable}}<p class="meta">Notification text: {{.Fallback}}</p>{{end}}
{{else}}<p class="meta">Not delivered: the notify function retries, then records the failure on the submission's trail.</p>{{end}}
<details><summary class="meta">payload</summary><pre>{{.Payload}}</pre></details>
</div>
{{end}}
{{else}}
<p>Nothing sent yet. Submit a checklist and watch the notifications arrive here.</p>
{{end}}
</body></html>
`))
