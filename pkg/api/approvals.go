package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/verify"
)

type approvalService interface {
	Load(ctx context.Context, id, exp, sig string) (approval.View, error)
	Decide(ctx context.Context, id, exp, sig string, d approval.Decision) (approval.View, error)
}

type reportReader interface {
	GetReport(ctx context.Context, id, reportKey string) ([]byte, error)
}

// ApprovalPages serves GET (confirm, never act) and POST (act once) of
// /approvals/{id} as HTML pages.
type ApprovalPages struct {
	svc     approvalService
	reports reportReader
}

// NewApprovalPages returns the approval pages over the approval service.
func NewApprovalPages(svc approvalService, reports reportReader) *ApprovalPages {
	return &ApprovalPages{svc: svc, reports: reports}
}

// Page is the GET: what is being decided, and the form.
func (a *ApprovalPages) Page(ctx context.Context, id string, query map[string]string) response {
	v, err := a.svc.Load(ctx, id, query["exp"], query["sig"])
	return render(approval.LoadPage(v, err, a.summary(ctx, v)))
}

// Submit is the POST of the form: the decision, acted on exactly once.
func (a *ApprovalPages) Submit(ctx context.Context, id, form, source string) response {
	values, err := url.ParseQuery(form)
	if err != nil {
		values = url.Values{}
	}
	d := approval.Decision{Outcome: values.Get("outcome"), Actor: values.Get("actor"),
		Comment: values.Get("comment"), Source: "web"}
	slog.InfoContext(ctx, "approval decision submitted", "approvalId", id, "outcome", d.Outcome, "client", source)
	v, err := a.svc.Decide(ctx, id, values.Get("exp"), values.Get("sig"), d)
	return render(approval.DecidePage(v, err, d, a.summary(ctx, v)))
}

// summary is the gate's verification report in brief, if it has one.
func (a *ApprovalPages) summary(ctx context.Context, v approval.View) *approval.ReportSummary {
	if v.ReportKey == "" || v.SubmissionID == "" {
		return nil
	}
	body, err := a.reports.GetReport(ctx, v.SubmissionID, v.ReportKey)
	if err != nil {
		return nil
	}
	var r verify.Report
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	n := r.Summarize()
	s := &approval.ReportSummary{Pass: n.Pass, Fail: n.Fail, Warn: n.Warn, Skip: n.Skip, Error: n.Error}
	for _, c := range r.Failed() {
		s.Issues = append(s.Issues, approval.Issue{ID: c.ID, Status: string(c.Status), Message: c.Message})
	}
	return s
}

func render(p approval.Page) response {
	var buf bytes.Buffer
	h := http.Header{}
	approval.SetHeaders(h)
	status := p.HTTPStatus()
	if err := approval.RenderPage(&buf, p); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("The page could not be shown. Please try again.")
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	headers := map[string]string{}
	for k := range h {
		headers[k] = h.Get(k)
	}
	headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
	return response{StatusCode: status, Headers: headers, Body: buf.String()}
}
