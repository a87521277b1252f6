package approval

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/psaas/appliance-intake/pkg/store"
)

// PageKind says which approval page to show.
type PageKind string

// The approval pages, with the HTTP status each is served with by default.
const (
	PageConfirm        PageKind = "confirm"         // 200: the form (GET of a pending approval)
	PageDone           PageKind = "done"            // 200: the decision was accepted
	PageBadSignature   PageKind = "bad-signature"   // 403
	PageNotFound       PageKind = "not-found"       // 404
	PageAlreadyDecided PageKind = "already-decided" // 409 (200 on GET): by whom and when
	PageExpired        PageKind = "expired"         // 410
	PageBadInput       PageKind = "bad-input"       // 400: the form again, errors at the fields
	PageNotDelivered   PageKind = "not-delivered"   // 503: recorded, submit again to retry
	PageError          PageKind = "error"           // 500
)

var kindStatus = map[PageKind]int{
	PageConfirm: http.StatusOK, PageDone: http.StatusOK, PageBadSignature: http.StatusForbidden,
	PageNotFound: http.StatusNotFound, PageAlreadyDecided: http.StatusConflict, PageExpired: http.StatusGone,
	PageBadInput: http.StatusBadRequest, PageNotDelivered: http.StatusServiceUnavailable,
	PageError: http.StatusInternalServerError,
}

// Issue is one verification check that did not pass.
type Issue struct {
	ID      string
	Status  string // fail, warn, error, skip
	Message string
}

// ReportSummary is the part of the verification report the confirmation
// page shows: counts by status and the checks that did not pass.
type ReportSummary struct {
	Pass, Fail, Warn, Skip, Error int
	Issues                        []Issue
}

// Form is what the PM typed, shown again with errors next to the fields.
type Form struct {
	Outcome string
	Actor   string
	Comment string
	// Errors maps a field (outcome, actor, comment) to its message.
	Errors map[string]string
}

// Page is one approval page.
type Page struct {
	Kind PageKind
	// Status overrides the kind's HTTP status when not zero.
	Status int
	View   View
	// Summary is the gate's verification report, if any (confirm pages).
	Summary *ReportSummary
	Form    Form
	// BasePath prefixes the form's action (/approvals/<id>) when the
	// service is mounted below the origin's root, e.g. "/prod".
	BasePath string
}

// HTTPStatus is the status code to serve the page with.
func (p Page) HTTPStatus() int {
	if p.Status != 0 {
		return p.Status
	}
	if s, ok := kindStatus[p.Kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// StatusFor maps an error of Load or Decide to its HTTP status code:
// nil 200, ErrBadSignature 403, ErrNotFound 404, ErrAlreadyDecided 409,
// ErrLinkExpired 410, ErrBadRequest 400, ErrNotDelivered 503, others 500.
func StatusFor(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrNotDelivered):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrBadSignature):
		return http.StatusForbidden
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrAlreadyDecided):
		return http.StatusConflict
	case errors.Is(err, ErrLinkExpired):
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

func kindFor(err error) PageKind {
	switch StatusFor(err) {
	case http.StatusOK:
		return PageDone
	case http.StatusServiceUnavailable:
		return PageNotDelivered
	case http.StatusForbidden:
		return PageBadSignature
	case http.StatusBadRequest:
		return PageBadInput
	case http.StatusNotFound:
		return PageNotFound
	case http.StatusConflict:
		return PageAlreadyDecided
	case http.StatusGone:
		return PageExpired
	}
	return PageError
}

// LoadPage is the page for a GET: the form for a pending (or undelivered)
// approval, otherwise what happened to it.
func LoadPage(v View, err error, summary *ReportSummary) Page {
	p := Page{View: v, Summary: summary}
	switch {
	case err != nil:
		p.Kind = kindFor(err)
		if p.Kind == PageDone || p.Kind == PageBadInput || p.Kind == PageNotDelivered {
			p.Kind = PageError
		}
	case v.State == StatePending, v.State == StateUndelivered:
		p.Kind = PageConfirm
		if v.State == StateUndelivered {
			p.Form = Form{Outcome: v.Outcome, Actor: v.Actor, Comment: v.Comment}
		}
	case v.State == StateDecided:
		p.Kind, p.Status = PageAlreadyDecided, http.StatusOK
	default:
		p.Kind = PageExpired
	}
	return p
}

// DecidePage is the page for the result of a POST: done, the form again
// with the errors (bad input) or with a retry (not delivered), or what
// stopped it.
func DecidePage(v View, err error, d Decision, summary *ReportSummary) Page {
	p := Page{Kind: kindFor(err), View: v, Summary: summary}
	switch p.Kind {
	case PageBadInput:
		p.Form = Form{Outcome: d.Outcome, Actor: d.Actor, Comment: d.Comment, Errors: map[string]string{}}
		var ie *InputError
		if errors.As(err, &ie) {
			for _, f := range ie.Fields {
				field := f.Field
				if field != "actor" && field != "comment" {
					field = "outcome"
				}
				if _, seen := p.Form.Errors[field]; !seen {
					p.Form.Errors[field] = f.Message
				}
			}
		}
		if v.ID == "" {
			p.Kind = PageError
		}
	case PageNotDelivered:
		p.Form = Form{Outcome: v.Outcome, Actor: v.Actor, Comment: v.Comment}
	}
	return p
}

//go:embed page.css
var pageCSS string

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// ContentSecurityPolicy allows the page's own embedded style and nothing
// else: no scripts, no external resources, forms post to the same origin.
var ContentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}()

// SetHeaders sets the headers an approval page is served with: HTML, the
// content security policy, no caching (the URL carries a signature), no
// referrer, no framing, no indexing.
func SetHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Robots-Tag", "noindex, nofollow")
}

type detail struct{ Term, Value string }

type button struct{ Value, Label, Class string }

type fieldError struct{ ID, Message string }

type pageData struct {
	Status      int
	Title       string
	Lead        string
	Notice      string
	NoticeKind  string // info | error
	Details     []detail
	Quote       string
	Summary     *ReportSummary
	ShowForm    bool
	Action      string
	Exp, Sig    string
	Actor       string
	FormComment string
	Errors      map[string]string
	ErrorList   []fieldError
	Buttons     []button
	Next        string
	CSS         template.CSS
}

func when(t time.Time) string {
	if t.IsZero() {
		return "an unknown time"
	}
	return t.UTC().Format("Mon 2 Jan 2006 at 15:04 UTC")
}

// decidedWords says what a recorded outcome did, e.g. "approved".
func decidedWords(outcome string) string {
	switch outcome {
	case OutcomeDeployed:
		return "confirmed as deployed"
	case OutcomeFailed:
		return "reported as failed"
	case "":
		return "decided"
	}
	return outcome
}

func doneWords(v View) (string, string) {
	switch v.Outcome {
	case OutcomeApproved:
		return "You approved the " + v.Env() + " deployment", "The install continues: the " + v.Env() + " appliance can now be deployed."
	case OutcomeRejected:
		return "You rejected the " + v.Env() + " deployment", "The install has stopped. The customer can resubmit the checklist with changes."
	case OutcomeDeployed:
		return "You confirmed the " + v.Env() + " appliance is deployed", "Health checks of the " + v.Env() + " appliance start now."
	case OutcomeFailed:
		return "You reported the " + v.Env() + " deployment as failed", "The install has stopped and the failure is recorded."
	}
	return "Your decision was recorded", ""
}

func buttonsFor(kind string) []button {
	if kind == KindDeploy {
		return []button{{OutcomeDeployed, "It is deployed", "primary"}, {OutcomeFailed, "The deployment failed", "danger"}}
	}
	return []button{{OutcomeApproved, "Approve", "primary"}, {OutcomeRejected, "Reject", "danger"}}
}

func (p Page) data() pageData {
	v := p.View
	d := pageData{CSS: template.CSS(pageCSS), Errors: p.Form.Errors}
	if v.ID != "" {
		d.Details = []detail{{"Customer", v.CustomerName}, {"Environment", v.Env()}, {"Submission", fmt.Sprintf("%s, version %d", v.SubmissionID, v.Version)}}
	}
	form := func() {
		d.ShowForm = v.ID != "" && v.Exp != "" && v.Sig != ""
		d.Action = strings.TrimRight(p.BasePath, "/") + "/approvals/" + v.ID
		d.Exp, d.Sig = v.Exp, v.Sig
		d.Actor, d.FormComment = p.Form.Actor, p.Form.Comment
		d.Buttons = buttonsFor(v.Kind)
		d.Summary = p.Summary
		if !v.ExpiresAt.IsZero() {
			d.Details = append(d.Details, detail{"Link expires", when(v.ExpiresAt)})
		}
	}
	switch p.Kind {
	case PageConfirm, PageBadInput, PageNotDelivered:
		d.Title = v.Title()
		if v.Kind == KindDeploy {
			d.Lead = "Confirm that the " + v.Env() + " appliance for " + v.CustomerName + " is deployed, or report that the deployment failed. Your answer is sent to the install workflow at once and cannot be undone."
		} else {
			d.Lead = "The " + v.Env() + " environment of " + v.CustomerName + " passed verification. Approve the " + v.Env() + " deployment, or reject it. Your answer is sent to the install workflow at once and cannot be undone."
		}
		form()
		switch {
		case p.Kind == PageNotDelivered:
			d.NoticeKind = "error"
			d.Notice = "Your decision (" + decidedWords(v.Outcome) + " by " + v.Actor + ") was recorded, but the install workflow did not accept it yet. Submit again to retry; the recorded decision stands."
		case v.State == StateUndelivered:
			d.NoticeKind = "info"
			d.Notice = "A decision (" + decidedWords(v.Outcome) + " by " + v.Actor + " on " + when(v.DecidedAt) + ") was recorded but has not reached the install workflow yet. Submit again to retry it; the recorded decision stands."
		}
		if p.Kind == PageBadInput {
			for _, f := range []string{"actor", "comment", "outcome"} { // page order
				if msg := p.Form.Errors[f]; msg != "" {
					d.ErrorList = append(d.ErrorList, fieldError{f, msg})
				}
			}
		}
	case PageDone:
		d.Title, d.Next = doneWords(v)
		d.Lead = "Recorded for " + v.CustomerName + " by " + v.Actor + " on " + when(v.DecidedAt) + ". You can close this page."
		d.Quote = v.Comment
	case PageAlreadyDecided:
		d.Title = "Already decided"
		what := "The " + v.Env() + " deployment"
		if v.Kind == KindDeploy {
			what = "The " + v.Env() + " appliance deployment"
		}
		d.Lead = what + " for " + v.CustomerName + " was already " + decidedWords(v.Outcome) + " by " + v.Actor + " on " + when(v.DecidedAt) + ". Nothing was changed."
		if v.State == StateUndelivered {
			d.Next = "That decision is being sent to the install workflow. Reload this page in a minute to see whether it was accepted."
		}
		d.Quote = v.Comment
	case PageExpired:
		d.Title = "This link has expired"
		d.Lead = "The link expired, or the install workflow is no longer waiting for this decision. Nothing was changed."
		if v.Outcome != "" && v.State == StateExpired {
			d.Lead = "The decision (" + decidedWords(v.Outcome) + " by " + v.Actor + ") arrived after the install workflow had stopped waiting for it, so it was not applied."
		}
		d.Next = "If you receive a reminder, use the link in it. Otherwise ask the install team for a new link."
	case PageBadSignature:
		d.Title = "This link is not valid"
		d.Lead = "The link is incomplete or has been changed. Nothing was changed."
		d.Next = "Open the link from the email again (some mail programs break long links), or ask the install team for a new one."
		d.Details = nil
	case PageNotFound:
		d.Title = "Approval not found"
		d.Lead = "No approval matches this link. Nothing was changed."
		d.Next = "Ask the install team for a new link."
		d.Details = nil
	default:
		d.Title = "Something went wrong"
		d.Lead = "The request could not be completed. If you submitted a decision, it was not lost: open the link again to see where it stands."
		d.Next = "Try again in a few minutes."
		d.Details = nil
	}
	return d
}

// RenderPage writes an approval page: a complete HTML document with its
// style embedded, no scripts, working without JavaScript. Serve it with
// SetHeaders and p.HTTPStatus(). Every value is escaped.
func RenderPage(w io.Writer, p Page) error {
	return pageTemplate.Execute(w, p.data())
}
