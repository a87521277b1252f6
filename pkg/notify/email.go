// Package notify tells people about stage changes: it renders messages for
// each channel (escaping everything a customer typed) and delivers them.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// ErrNotConfigured means a channel has no sender or recipient configured.
var ErrNotConfigured = errors.New("channel not configured")

// Email is one message in a plain-text and an HTML part.
type Email struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

type emailSender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Mailer sends email through Amazon SES v2.
type Mailer struct {
	ses  emailSender
	from string
}

// NewMailer returns a Mailer sending from the given verified identity.
func NewMailer(ses emailSender, from string) *Mailer { return &Mailer{ses: ses, from: from} }

// Send delivers one email and returns the SES message id. A rejected
// sender or recipient (SES sandbox) is reported as a configuration problem.
func (m *Mailer) Send(ctx context.Context, e Email) (string, error) {
	if m.from == "" || len(e.To) == 0 {
		return "", fmt.Errorf("email: %w (sender %q, %d recipients)", ErrNotConfigured, m.from, len(e.To))
	}
	out, err := m.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &sestypes.Destination{ToAddresses: e.To},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			// Header injection: a subject never carries a line break.
			Subject: &sestypes.Content{Data: aws.String(oneLine(e.Subject)), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String(e.HTML), Charset: aws.String("UTF-8")},
			},
		}},
	})
	if err != nil {
		var rejected *sestypes.MessageRejected
		if errors.As(err, &rejected) {
			return "", fmt.Errorf("email rejected by SES (in the SES sandbox both %s and the recipients must be verified identities): %w", m.from, err)
		}
		return "", fmt.Errorf("send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// RenderEmail renders a stage change as an email: a plain-text part and an
// HTML part in which every value is escaped (a customer's name, a check's
// finding, a link).
//
// It is written out in Go rather than with text/template and html/template
// (which it replaced, output for output: the tests compare the two): a
// template's execution calls methods by name through reflection, and a
// binary that can do that keeps every exported method of every type it
// puts in an interface — the notify function's bootstrap went from 18 MB
// to 11 MB without them.
func RenderEmail(s Stage, to []string) (Email, error) {
	subject := fmt.Sprintf("[Appliance Intake] %s — %s", s.Customer, s.Headline)
	return Email{To: to, Subject: strings.TrimSpace(subject), Text: emailText(s), HTML: emailHTML(s)}, nil
}

func emailText(s Stage) string {
	var b strings.Builder
	w := b.WriteString
	w(s.Headline)
	w("\n\nCustomer:    " + s.Customer)
	w("\nSubmission:  " + s.SubmissionID + " (version " + strconv.Itoa(s.Version) + ")")
	w("\nEnvironment: " + s.Environment + "\n")
	if sum := s.Summary(); sum != "" {
		w("Checks:      " + sum + "\n")
	}
	if s.Problem != "" {
		w("\nWhat went wrong: " + s.Problem + "\n")
	}
	if problems := s.Problems(); len(problems) > 0 {
		w("\nChecks that need attention:\n")
		for _, c := range problems {
			w("- [" + string(c.Status) + "] " + c.ID + ": " + c.Message)
			if c.Remediation != "" {
				w("\n    Fix: " + c.Remediation)
			}
			w("\n")
		}
	}
	w("\n" + s.Action + "\n")
	if s.ActionURL != "" {
		w("\nApprove, reject or confirm here: " + s.ActionURL +
			"\n(the link opens a page that asks you to confirm; it does nothing by itself)\n")
	}
	w("\nStatus page: " + s.StatusURL + "\n")
	return b.String()
}

const labelCell = `<tr><td style="padding:2px 12px 2px 0;color:#555">`

func emailHTML(s Stage) string {
	var b strings.Builder
	w := b.WriteString
	h := htmlText
	w("<!doctype html>\n<html><body style=\"font-family:system-ui,sans-serif;color:#1a1a1a;max-width:640px\">\n")
	w(`<h2 style="margin-bottom:4px">` + h(s.Headline) + "</h2>\n")
	w(`<table style="border-collapse:collapse">` + "\n")
	w(labelCell + "Customer</td><td>" + h(s.Customer) + "</td></tr>\n")
	w(labelCell + "Submission</td><td>" + h(s.SubmissionID) + " (version " + strconv.Itoa(s.Version) + ")</td></tr>\n")
	w(labelCell + "Environment</td><td>" + h(s.Environment) + "</td></tr>\n")
	if sum := s.Summary(); sum != "" {
		w(labelCell + "Checks</td><td>" + h(sum) + "</td></tr>")
	}
	w("\n</table>\n")
	if s.Problem != "" {
		w("<p><strong>What went wrong:</strong> " + h(s.Problem) + "</p>")
	}
	w("\n")
	if problems := s.Problems(); len(problems) > 0 {
		w("<h3>Checks that need attention</h3>\n" + `<table style="border-collapse:collapse;width:100%">` + "\n" +
			`<tr><th align="left">Status</th><th align="left">Check</th><th align="left">Finding and fix</th></tr>` + "\n")
		for _, c := range problems {
			w(`<tr style="border-top:1px solid #ddd"><td style="padding:4px 8px 4px 0">` + h(string(c.Status)) +
				`</td><td style="padding:4px 8px 4px 0">` + h(c.ID) + `</td><td style="padding:4px 0">` + h(c.Message))
			if c.Remediation != "" {
				w("<br><em>Fix:</em> " + h(c.Remediation))
			}
			w("</td></tr>\n")
		}
		w("</table>")
	}
	w("\n<p>" + h(s.Action) + "</p>\n")
	if s.ActionURL != "" {
		w(`<p><a href="` + htmlURLAttr(s.ActionURL) + `" style="display:inline-block;padding:10px 18px;background:#0b57d0;color:#fff;text-decoration:none;border-radius:6px;font-weight:600">Review and decide</a></p>`)
	}
	w("\n" + `<p><a href="` + htmlURLAttr(s.StatusURL) + `">Open the status page</a></p>` + "\n</body></html>\n")
	return b.String()
}

// htmlEscapes are the characters html/template escapes in text and in
// quoted attributes (NUL becomes U+FFFD).
var htmlEscapes = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// htmlText escapes a value for HTML text, as html/template does.
func htmlText(s string) string { return htmlEscapes.Replace(s) }

// htmlURLAttr is a URL in a quoted href, as html/template writes one: a
// scheme other than http, https or mailto is replaced by "#ZgotmplZ" (no
// javascript: link), bytes outside a URL's character set are
// percent-encoded (valid escapes are kept), and the result is escaped for
// the attribute.
func htmlURLAttr(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		s = "#ZgotmplZ"
	}
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte("0123456789abcdef"[c>>4])
		b.WriteByte("0123456789abcdef"[c&15])
		written = i + 1
	}
	if written == 0 {
		return htmlText(s)
	}
	b.WriteString(s[written:])
	return htmlText(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
