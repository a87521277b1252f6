package approval_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/store"
)

const evil = `<script>alert(1)</script>`

// activeAttr finds a real tag (not escaped text) loading or running something.
var activeAttr = regexp.MustCompile(`<[a-z][^>]*\s(src|href|on[a-z]+)\s*=\s*"?(?:[a-z]+:|//)?[^"#]`)

func pendingView(kind string) approval.View {
	gate := "approve-dev"
	if kind == approval.KindDeploy {
		gate = "deploy-dev"
	}
	return approval.View{ID: "apv-abcdefghijklmnopqrstuvwxyz", SubmissionID: "sub-1", Version: 2, Gate: gate,
		Environment: "dev", Kind: kind, CustomerName: evil + " <!channel>", State: approval.StatePending,
		Status: "pending", ExpiresAt: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Exp: "1796637600", Sig: "c2lnbmF0dXJlLXZhbHVlLWhlcmUtMDEyMzQ1Njc4OWFi"}
}

func render(t *testing.T, p approval.Page) string {
	t.Helper()
	var b strings.Builder
	if err := approval.RenderPage(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustContain(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(html, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}

func mustNotContain(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(html, p) {
			t.Errorf("page contains %q", p)
		}
	}
}

// noActiveContent checks what every page must not have: scripts, external
// resources, forms that GET.
func noActiveContent(t *testing.T, html string) {
	t.Helper()
	low := strings.ToLower(html)
	mustNotContain(t, low, "<script", "javascript:", "<link", "<img", "<iframe", "http://", "https://", `method="get"`)
	if m := activeAttr.FindString(low); m != "" {
		t.Errorf("tag with an active attribute: %s", m)
	}
	mustContain(t, html, `<html lang="en">`, `<meta name="viewport"`, "<h1>", "<main>")
}

func TestConfirmPageEscapesAndPosts(t *testing.T) {
	v := pendingView(approval.KindApprove)
	sum := &approval.ReportSummary{Pass: 40, Fail: 1, Warn: 2, Issues: []approval.Issue{
		{ID: "NET-001", Status: "fail", Message: `port 443 closed on <img src=x onerror=alert(1)>`},
		{ID: "CERT-002", Status: "warn", Message: "expires in 20 days & counting"},
	}}
	p := approval.LoadPage(v, nil, sum)
	if p.Kind != approval.PageConfirm || p.HTTPStatus() != http.StatusOK {
		t.Fatalf("page %s %d", p.Kind, p.HTTPStatus())
	}
	html := render(t, p)
	noActiveContent(t, html)
	mustContain(t, html,
		"&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt;",
		"&lt;img src=x onerror=alert(1)&gt;", "expires in 20 days &amp; counting",
		"<h1>Approve the DEV deployment</h1>",
		`<form method="post" action="/approvals/apv-abcdefghijklmnopqrstuvwxyz">`,
		`<input type="hidden" name="exp" value="1796637600">`,
		`<input type="hidden" name="sig" value="c2lnbmF0dXJlLXZhbHVlLWhlcmUtMDEyMzQ1Njc4OWFi">`,
		`<label for="actor">Your name`, `id="actor" name="actor"`, "required", `maxlength="200"`,
		`<label for="comment">Comment`, `<textarea id="comment" name="comment"`, `maxlength="2000"`,
		`<button type="submit" name="outcome" value="approved"`, `<button type="submit" name="outcome" value="rejected"`,
		"40 passed", "1 failed", "NET-001", "Checks that did not pass", `<th scope="col">`, "sub-1, version 2",
		"Mon 7 Dec 2026 at 10:00 UTC", ":focus-visible",
	)
	mustNotContain(t, html, evil, "<!channel>", "<img src=x")
	if n := strings.Count(html, "<form"); n != 1 {
		t.Fatalf("%d forms", n)
	}
}

func TestDeployConfirmPageButtons(t *testing.T) {
	html := render(t, approval.LoadPage(pendingView(approval.KindDeploy), nil, nil))
	noActiveContent(t, html)
	mustContain(t, html, "<h1>Confirm the DEV appliance is deployed</h1>",
		`name="outcome" value="deployed"`, `name="outcome" value="failed"`)
	mustNotContain(t, html, `value="approved"`, "Verification report")
}

func TestBadInputPageReshowsFormWithErrors(t *testing.T) {
	v := pendingView(approval.KindApprove)
	d := approval.Decision{Outcome: "approved", Actor: "", Comment: `</textarea><script>alert(2)</script>`}
	err := fmt.Errorf("decide: %w", &approval.InputError{Fields: []approval.FieldError{{Field: "actor", Message: "Type your name."}}})
	p := approval.DecidePage(v, err, d, nil)
	if p.Kind != approval.PageBadInput || p.HTTPStatus() != http.StatusBadRequest {
		t.Fatalf("page %s %d", p.Kind, p.HTTPStatus())
	}
	html := render(t, p)
	noActiveContent(t, html)
	mustContain(t, html, "There is a problem", `<a href="#actor">Type your name.</a>`,
		`<p class="field-error" id="actor-error">`, `aria-invalid="true" aria-describedby="actor-error"`,
		"&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>", `<form method="post"`,
		"<title>Error: Approve the DEV deployment")
	// The error sits next to its field: between the label and the input.
	label, msg, input := strings.Index(html, `<label for="actor">`), strings.Index(html, `id="actor-error"`), strings.Index(html, `<input type="text" id="actor"`)
	if !(label < msg && msg < input) {
		t.Fatalf("error not next to the field: %d %d %d", label, msg, input)
	}
	if strings.Contains(html, `id="comment-error"`) {
		t.Fatal("comment marked invalid")
	}
}

func TestResultPages(t *testing.T) {
	decided := pendingView(approval.KindApprove)
	decided.State, decided.Status, decided.Outcome = approval.StateDecided, "approved", "approved"
	decided.Actor, decided.Comment = "Jane <b>Doe</b>", "ok & go"
	decided.DecidedAt = time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)

	expired := pendingView(approval.KindApprove)
	expired.State = approval.StateExpired

	cases := []struct {
		name   string
		page   approval.Page
		status int
		want   []string
		form   bool
	}{
		{"done", approval.DecidePage(decided, nil, approval.Decision{Outcome: "approved"}, nil), 200,
			[]string{"You approved the DEV deployment", "Jane &lt;b&gt;Doe&lt;/b&gt;", "ok &amp; go", "Mon 30 Nov 2026 at 09:05 UTC"}, false},
		{"already decided (POST)", approval.DecidePage(decided, fmt.Errorf("x: %w", approval.ErrAlreadyDecided), approval.Decision{}, nil), 409,
			[]string{"Already decided", "was already approved by Jane &lt;b&gt;Doe&lt;/b&gt; on Mon 30 Nov 2026 at 09:05 UTC", "Nothing was changed"}, false},
		{"already decided (GET)", approval.LoadPage(decided, nil, nil), 200, []string{"Already decided"}, false},
		{"expired (POST)", approval.DecidePage(expired, approval.ErrLinkExpired, approval.Decision{}, nil), 410, []string{"This link has expired"}, false},
		{"expired (GET)", approval.LoadPage(expired, nil, nil), 410, []string{"This link has expired"}, false},
		{"bad signature", approval.LoadPage(approval.View{}, approval.ErrBadSignature, nil), 403, []string{"This link is not valid"}, false},
		{"not found", approval.DecidePage(approval.View{}, fmt.Errorf("x: %w", approval.ErrNotFound), approval.Decision{}, nil), 404, []string{"Approval not found"}, false},
		{"not delivered", approval.DecidePage(func() approval.View {
			v := decided
			v.State = approval.StateUndelivered
			return v
		}(), &approval.NotDeliveredError{ApprovalID: "apv-x", Err: errors.New("throttled")}, approval.Decision{}, nil), 503,
			[]string{"did not accept it yet", "Submit again", `value="Jane &lt;b&gt;Doe&lt;/b&gt;"`}, true},
		{"internal error", approval.DecidePage(approval.View{}, errors.New("boom"), approval.Decision{}, nil), 500, []string{"Something went wrong"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.page.HTTPStatus(); got != c.status {
				t.Fatalf("status %d, want %d", got, c.status)
			}
			html := render(t, c.page)
			noActiveContent(t, html)
			mustContain(t, html, c.want...)
			mustNotContain(t, html, evil, "boom", "throttled")
			if has := strings.Contains(html, "<form"); has != c.form {
				t.Fatalf("form shown: %v", has)
			}
		})
	}
}

func TestStatusFor(t *testing.T) {
	cases := map[error]int{
		nil:                                    200,
		approval.ErrBadSignature:               403,
		approval.ErrNotFound:                   404,
		fmt.Errorf("x: %w", store.ErrNotFound): 404,
		approval.ErrAlreadyDecided:             409,
		approval.ErrLinkExpired:                410,
		&approval.InputError{}:                 400,
		approval.ErrBadRequest:                 400,
		&approval.NotDeliveredError{Err: store.ErrNotFound}: 503,
		errors.New("boom"): 500,
	}
	for err, want := range cases {
		if got := approval.StatusFor(err); got != want {
			t.Errorf("StatusFor(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestHeadersAllowOnlyTheEmbeddedStyle(t *testing.T) {
	rec := httptest.NewRecorder()
	approval.SetHeaders(rec.Header())
	p := approval.LoadPage(pendingView(approval.KindApprove), nil, nil)
	rec.WriteHeader(p.HTTPStatus())
	if err := approval.RenderPage(rec, p); err != nil {
		t.Fatal(err)
	}
	h := rec.Result().Header
	if h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" ||
		!strings.HasPrefix(h.Get("Content-Type"), "text/html") || h.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("headers %v", h)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(m[1]))
	want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, want) || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("CSP %q does not allow exactly the page's style (%s)", csp, want)
	}
}
