package notify_test

import (
	"bytes"
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"
	texttemplate "text/template"

	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/verify"
)

// The templates RenderEmail was written with, kept here as the reference
// its Go rendering must match output for output (text/template and
// html/template are kept out of the notify binary: see RenderEmail).
var refText = texttemplate.Must(texttemplate.New("text").Parse(`{{.Headline}}

Customer:    {{.Customer}}
Submission:  {{.SubmissionID}} (version {{.Version}})
Environment: {{.Environment}}
{{with .Summary}}Checks:      {{.}}
{{end}}{{with .Problem}}
What went wrong: {{.}}
{{end}}{{with .Problems}}
Checks that need attention:
{{range .}}- [{{.Status}}] {{.ID}}: {{.Message}}{{with .Remediation}}
    Fix: {{.}}{{end}}
{{end}}{{end}}
{{.Action}}
{{with .ActionURL}}
Approve, reject or confirm here: {{.}}
(the link opens a page that asks you to confirm; it does nothing by itself)
{{end}}
Status page: {{.StatusURL}}
`))

var refHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#1a1a1a;max-width:640px">
<h2 style="margin-bottom:4px">{{.Headline}}</h2>
<table style="border-collapse:collapse">
<tr><td style="padding:2px 12px 2px 0;color:#555">Customer</td><td>{{.Customer}}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#555">Submission</td><td>{{.SubmissionID}} (version {{.Version}})</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#555">Environment</td><td>{{.Environment}}</td></tr>
{{with .Summary}}<tr><td style="padding:2px 12px 2px 0;color:#555">Checks</td><td>{{.}}</td></tr>{{end}}
</table>
{{with .Problem}}<p><strong>What went wrong:</strong> {{.}}</p>{{end}}
{{with .Problems}}<h3>Checks that need attention</h3>
<table style="border-collapse:collapse;width:100%">
<tr><th align="left">Status</th><th align="left">Check</th><th align="left">Finding and fix</th></tr>
{{range .}}<tr style="border-top:1px solid #ddd"><td style="padding:4px 8px 4px 0">{{.Status}}</td><td style="padding:4px 8px 4px 0">{{.ID}}</td><td style="padding:4px 0">{{.Message}}{{with .Remediation}}<br><em>Fix:</em> {{.}}{{end}}</td></tr>
{{end}}</table>{{end}}
<p>{{.Action}}</p>
{{with .ActionURL}}<p><a href="{{.}}" style="display:inline-block;padding:10px 18px;background:#0b57d0;color:#fff;text-decoration:none;border-radius:6px;font-weight:600">Review and decide</a></p>{{end}}
<p><a href="{{.StatusURL}}">Open the status page</a></p>
</body></html>
`))

func refRender(t *testing.T, s notify.Stage) (text, html string) {
	t.Helper()
	var tb, hb bytes.Buffer
	if err := refText.Execute(&tb, s); err != nil {
		t.Fatal(err)
	}
	if err := refHTML.Execute(&hb, s); err != nil {
		t.Fatal(err)
	}
	return tb.String(), hb.String()
}

func assertSameAsTemplates(t *testing.T, s notify.Stage) {
	t.Helper()
	e, err := notify.RenderEmail(s, []string{"pm@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	text, html := refRender(t, s)
	if e.Text != text {
		t.Errorf("text part differs from the template's for %+v\n got: %q\nwant: %q", s, e.Text, text)
	}
	if e.HTML != html {
		t.Errorf("HTML part differs from the template's for %+v\n got: %q\nwant: %q", s, e.HTML, html)
	}
}

// Pieces of hostile and odd values: markup, quotes, entities, URL
// schemes html/template refuses, percent escapes valid and not, NUL,
// invalid UTF-8, non-ASCII.
var oddPieces = []string{
	"", "plain", "<script>alert(1)</script>", `"quoted" & 'single'`, "a+b=c", "<!channel>", "&amp;",
	"javascript:alert(1)", "JavaScript:x", "data:text/html,hi", "mailto:pm@example.com", "HTTPS://X.example/a b",
	"https://intake.example.com/approvals/apv-1?exp=1&sig=ab_c-d", "/relative/path?q=1#frag", "%41%zz%4", "100%",
	"\x00nul", "\xff\xfe invalid", "naïve — ünïcode ✓", "tab\tnew\nline", "(parens) [brackets] {braces} |pipe| `tick` \\back",
	"ftp:/a", "a/b:c", "  spaced  ",
}

func TestRenderEmailMatchesTheTemplates(t *testing.T) {
	base := hostileStage()
	cases := []notify.Stage{
		base,
		base.ForCustomer([]string{"networking", "security"}),
		{}, // everything empty
		{Customer: "Acme", Headline: "DEV passed verification", Version: 1, StatusURL: "https://x.example/s"}, // no report
		{Customer: "Acme", Report: &verify.Report{}, ActionURL: "javascript:alert(1)", StatusURL: "data:x"},
	}
	for _, s := range cases {
		assertSameAsTemplates(t, s)
	}

	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		n := rnd.IntN(3)
		var parts []string
		for range n + 1 {
			parts = append(parts, oddPieces[rnd.IntN(len(oddPieces))])
		}
		return strings.Join(parts, "")
	}
	statuses := []verify.Status{verify.StatusPass, verify.StatusFail, verify.StatusWarn, verify.StatusError, verify.StatusSkip}
	for range 500 {
		s := notify.Stage{Customer: pick(), SubmissionID: pick(), Version: rnd.IntN(20) - 2, Environment: pick(),
			Headline: pick(), Action: pick(), StatusURL: pick(), ActionURL: pick(), ActionLabel: pick(), Problem: pick()}
		if rnd.IntN(4) > 0 {
			s.Report = &verify.Report{}
			for range rnd.IntN(6) {
				s.Report.Checks = append(s.Report.Checks, verify.Check{ID: pick(), Status: statuses[rnd.IntN(len(statuses))],
					Message: pick(), Remediation: pick()})
			}
		}
		assertSameAsTemplates(t, s)
	}
}

func FuzzRenderEmailMatchesTheTemplates(f *testing.F) {
	for _, p := range oddPieces {
		f.Add(p, p)
	}
	f.Fuzz(func(t *testing.T, value, url string) {
		s := hostileStage()
		s.Customer, s.Problem, s.ActionURL, s.StatusURL = value, value, url, url
		s.Report.Checks[0].Message = value
		assertSameAsTemplates(t, s)
	})
}
