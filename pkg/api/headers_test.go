package api_test

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/api"
)

// headerValue looks a response header up as a browser would: by name,
// whatever its case.
func headerValue(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// securityProblems lists what is wrong with a response's security headers:
//
//   - Content-Security-Policy with frame-ancestors 'none', and no inline or
//     eval'd script (script-src, or default-src when there is none);
//   - Strict-Transport-Security for at least a year, with subdomains;
//   - X-Content-Type-Options: nosniff;
//   - a Referrer-Policy that never sends a path to another origin;
//   - X-Frame-Options: DENY, for browsers that predate frame-ancestors.
//
// Header values may not contain line breaks (header injection).
func securityProblems(h map[string]string) []string {
	var out []string
	get := func(name string) string { v, _ := headerValue(h, name); return v }

	csp := map[string][]string{}
	for _, d := range strings.Split(get("Content-Security-Policy"), ";") {
		if f := strings.Fields(d); len(f) > 0 {
			csp[strings.ToLower(f[0])] = f[1:]
		}
	}
	switch scripts, ok := csp["script-src"]; {
	case len(csp) == 0:
		out = append(out, "no Content-Security-Policy")
	case !ok:
		scripts = csp["default-src"]
		fallthrough
	default:
		if len(scripts) == 0 {
			out = append(out, "CSP: no script-src or default-src")
		}
		for _, s := range scripts {
			if s == "'unsafe-inline'" || s == "'unsafe-eval'" || s == "*" || s == "data:" || s == "http:" || s == "https:" {
				out = append(out, "CSP allows scripts from "+s)
			}
		}
	}
	if fa := csp["frame-ancestors"]; len(fa) != 1 || fa[0] != "'none'" {
		out = append(out, "CSP: frame-ancestors is not 'none'")
	}

	hsts := strings.ToLower(get("Strict-Transport-Security"))
	age := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(hsts)
	if n := 0; age == nil || !strings.Contains(hsts, "includesubdomains") {
		out = append(out, "Strict-Transport-Security missing or without includeSubDomains: "+hsts)
	} else if n, _ = strconv.Atoi(age[1]); n < 31536000 {
		out = append(out, "Strict-Transport-Security shorter than a year: "+hsts)
	}
	if get("X-Content-Type-Options") != "nosniff" {
		out = append(out, "X-Content-Type-Options is not nosniff")
	}
	switch get("Referrer-Policy") {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		out = append(out, "Referrer-Policy missing or weak: "+get("Referrer-Policy"))
	}
	if get("X-Frame-Options") != "DENY" {
		out = append(out, "X-Frame-Options is not DENY")
	}
	for k, v := range h {
		if strings.ContainsAny(k+v, "\r\n\x00") {
			out = append(out, "header "+strconv.Quote(k)+" has a line break or NUL")
		}
	}
	return out
}

// contentKind is json, html, or the media type itself.
func contentKind(h map[string]string) string {
	v, _ := headerValue(h, "Content-Type")
	mt, _, err := mime.ParseMediaType(v)
	switch {
	case err != nil:
		return "invalid: " + v
	case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return "json"
	case mt == "text/html":
		return "html"
	}
	return mt
}

// TestSecurityHeaders: every kind of response the API gives carries the
// security headers, including the ones only reached by mistakes.
func TestSecurityHeaders(t *testing.T) {
	m := newMemAPI(t)
	valid := checklistJSON(t)
	form := func(id, outcome string) string {
		q := m.linkQuery(id)
		q.Set("outcome", outcome)
		q.Set("actor", "Ida Example")
		return q.Encode()
	}
	forged := url.Values{"exp": {m.linkQuery(apvPending).Get("exp")}, "sig": {strings.Repeat("A", 43)}}.Encode()
	tests := []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		kind   string
	}{
		{"form page", request("GET", "/", nil, "", "", false), 200, "html"},
		{"form page, HEAD", request("HEAD", "/", nil, "", "", false), 200, "html"},
		{"status page", request("GET", "/submissions/"+memSubID, nil, "", "", false), 200, "html"},
		{"page, wrong method", request("POST", "/", nil, "", "x", false), 405, "json"},
		{"static css", request("GET", "/static/app.css", nil, "", "", false), 200, "text/css"},
		{"static js", request("GET", "/static/form.js", nil, "", "", false), 200, "text/javascript"},
		{"static svg", request("GET", "/static/favicon.svg", nil, "", "", false), 200, "image/svg+xml"},
		{"role template download", request("GET", "/static/verifier-role.template.json", nil, "", "", false), 200, "json"},
		{"unknown static file", request("GET", "/static/nothing.js", nil, "", "", false), 404, "json"},
		{"unknown page", request("GET", "/nothing", nil, "", "", false), 404, "json"},
		{"schema", request("GET", "/api/schema", nil, "", "", false), 200, "json"},
		{"health", request("GET", "/api/health", nil, "", "", false), 200, "json"},
		{"202 accepted", request("POST", "/api/submissions", jsonHeaders, "", valid, false), 202, "json"},
		{"200 replayed", request("POST", "/api/submissions", jsonHeaders, "", valid, false), 200, "json"},
		{"200 status", request("GET", "/api/submissions/"+memID(1), nil, "", "", false), 200, "json"},
		{"200 version", request("GET", "/api/submissions/"+memID(1)+"/versions/1", nil, "", "", false), 200, "json"},
		{"200 reports", request("GET", "/api/submissions/"+memID(1)+"/reports", nil, "", "", false), 200, "json"},
		{"200 external id", request("GET", "/api/accounts/111111111111/external-id", nil, "", "", false), 200, "json"},
		{"400 invalid checklist", request("POST", "/api/submissions", jsonHeaders, "", `{"customer":{}}`, false), 400, "json"},
		{"400 bad base64", request("POST", "/api/submissions", jsonHeaders, "", "%%%", true), 400, "json"},
		{"400 bad account", request("GET", "/api/accounts/12/external-id", nil, "", "", false), 400, "json"},
		{"404 submission", request("GET", "/api/submissions/"+memNoSub, nil, "", "", false), 404, "json"},
		{"202 new version", request("POST", "/api/submissions/"+memSubID+"/versions", jsonHeaders, "", valid, false), 202, "json"},
		{"404 route", request("GET", "/api/nothing", nil, "", "", false), 404, "json"},
		{"405 route", request("DELETE", "/api/submissions", nil, "", "", false), 405, "json"},
		{"409 resubmission in progress", request("POST", "/api/submissions/"+memID(1)+"/versions", jsonHeaders, "",
			strings.Replace(valid, "Example Corp", "Example Corp 2", 1), false), 409, "json"},
		{"413", request("POST", "/api/submissions", jsonHeaders, "", strings.Repeat(" ", api.MaxBodyBytes+1), false), 413, "json"},
		{"415", request("POST", "/api/submissions", map[string]string{"content-type": "text/plain"}, "", "hello", false), 415, "json"},
		{"202 with a key", request("POST", "/api/submissions", map[string]string{"content-type": "application/json", "idempotency-key": "k1"}, "",
			valid, false), 202, "json"},
		{"422 key reused", request("POST", "/api/submissions", map[string]string{"content-type": "application/json", "idempotency-key": "k1"}, "",
			strings.Replace(valid, "Example Corp", "Other Corp", 1), false), 422, "json"},
		{"approval page", request("GET", "/approvals/"+apvPending, nil, m.linkQuery(apvPending).Encode(), "", false), 200, "html"},
		{"approval page, HEAD", request("HEAD", "/approvals/"+apvPending, nil, m.linkQuery(apvPending).Encode(), "", false), 200, "html"},
		{"approval page, decided", request("GET", "/approvals/"+apvDecided, nil, m.linkQuery(apvDecided).Encode(), "", false), 200, "html"},
		{"approval 400 bad input", request("POST", "/approvals/"+apvPending, nil, "", form(apvPending, "maybe"), false), 400, "html"},
		{"approval 400 unreadable form", request("POST", "/approvals/"+apvPending, nil, "", "%%%", true), 400, "json"},
		{"approval 403 forged", request("GET", "/approvals/"+apvPending, nil, forged, "", false), 403, "html"},
		{"approval 403 forged POST", request("POST", "/approvals/"+apvPending, nil, "", forged, false), 403, "html"},
		{"approval 404", request("GET", "/approvals/"+apvMissing, nil, m.linkQuery(apvMissing).Encode(), "", false), 404, "html"},
		{"approval 409", request("POST", "/approvals/"+apvDecided, nil, "", form(apvDecided, "approved"), false), 409, "html"},
		{"approval 410 page", request("GET", "/approvals/"+apvExpired, nil, m.linkQuery(apvExpired).Encode(), "", false), 410, "html"},
		{"approval 410 POST", request("POST", "/approvals/"+apvExpired, nil, "", form(apvExpired, "approved"), false), 410, "html"},
		{"approval 405", request("DELETE", "/approvals/"+apvPending, nil, "", "", false), 405, "json"},
		{"approval 200 decided", request("POST", "/approvals/"+apvPending, nil, "", form(apvPending, "approved"), false), 200, "html"},
	}
	// 202 must be first to store the submission later rows read.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := m.h.Handle(context.Background(), tt.ev)
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.status, resp.Body)
			}
			if got := contentKind(resp.Headers); got != tt.kind {
				t.Errorf("content type %q, want %s", got, tt.kind)
			}
			for _, p := range securityProblems(resp.Headers) {
				t.Error(p)
			}
			if tt.kind == "json" && resp.Body != "" && !json.Valid([]byte(resp.Body)) {
				t.Errorf("body is not JSON: %.200s", resp.Body)
			}
			if resp.StatusCode == http.StatusMethodNotAllowed {
				if allow, _ := headerValue(resp.Headers, "Allow"); allow == "" {
					t.Error("405 without Allow")
				}
			}
		})
	}
}
