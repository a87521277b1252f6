package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/psaas/appliance-intake/pkg/verify"
)

// Stage is what a message announces.
type Stage struct {
	Customer     string
	SubmissionID string
	Version      int
	Environment  string
	Headline     string // e.g. "DEV passed verification"
	Action       string // what the reader should do next
	StatusURL    string
	// ActionURL is the signed approval or confirmation link, if any;
	// ActionLabel names it on a button (default "Review and decide").
	ActionURL   string
	ActionLabel string
	Report      *verify.Report
	Problem     string // an unexpected failure's cause
	// Step and Status are the workflow stage and the submission status
	// the change led to, e.g. "approve-dev" and "awaiting-approval".
	Step, Status string
}

// ForCustomer is the stage as the customer's teams see it: no approval or
// confirmation link (those are the project manager's), and what they
// should do instead.
func (s Stage) ForCustomer(teams []string) Stage {
	c := s
	c.ActionURL, c.ActionLabel = "", ""
	who := "your teams"
	if len(teams) > 0 {
		who = "your " + strings.Join(teams, ", ") + " " + plural(len(teams), "team", "teams")
	}
	c.Action = "You receive this as a contact of " + who + ". Please fix the checks below, then resubmit the checklist from the form; " +
		"a resubmission is verified again as a new version. The status page shows where the install stands."
	return c
}

// Problems are the checks worth a reader's attention, failures first.
func (s Stage) Problems() []verify.Check {
	if s.Report == nil {
		return nil
	}
	var fails, warns []verify.Check
	for _, c := range s.Report.Checks {
		switch c.Status {
		case verify.StatusFail, verify.StatusError:
			fails = append(fails, c)
		case verify.StatusWarn:
			warns = append(warns, c)
		}
	}
	return append(fails, warns...)
}

// Summary is a one-line count of the report's checks.
func (s Stage) Summary() string {
	if s.Report == nil {
		return ""
	}
	n := s.Report.Summarize()
	return fmt.Sprintf("%d passed, %d failed, %d warnings, %d errors, %d skipped", n.Pass, n.Fail, n.Warn, n.Error, n.Skip)
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{.Headline}}

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

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
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

// RenderEmail renders a stage change as an email: text/template for the
// plain part, html/template (which escapes every customer-typed value) for
// the HTML part.
func RenderEmail(s Stage, to []string) (Email, error) {
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, s); err != nil {
		return Email{}, fmt.Errorf("render email text: %w", err)
	}
	if err := htmlTmpl.Execute(&html, s); err != nil {
		return Email{}, fmt.Errorf("render email html: %w", err)
	}
	subject := fmt.Sprintf("[Appliance Intake] %s — %s", s.Customer, s.Headline)
	return Email{To: to, Subject: strings.TrimSpace(subject), Text: text.String(), HTML: html.String()}, nil
}
