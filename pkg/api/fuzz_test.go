package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/api"
)

// headerLines renders headers as "name: value" lines, the fuzzer's form.
func headerLines(h map[string]string) string {
	var lines []string
	for k, v := range h {
		lines = append(lines, k+": "+v)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// parseHeaderLines is the inverse of headerLines; a line without a colon
// is a header with an empty value.
func parseHeaderLines(s string) map[string]string {
	h := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		h[k] = strings.TrimPrefix(v, " ")
	}
	return h
}

// FuzzHandle: whatever API Gateway hands the Lambda (method, raw path,
// headers, query string, body, base64 flag), Handle never panics or
// returns an error; over fakes that always succeed it never answers 5xx;
// every answer is JSON or HTML (or a static file the pages load) and
// carries the security headers; a JSON error has a message and a small
// body; and nothing is stored, started or decided unless the answer says
// so (200/202).
func FuzzHandle(f *testing.F) {
	// The approval pages log each POST through the default logger.
	prev := slog.Default()
	slog.SetDefault(memLog)
	f.Cleanup(func() { slog.SetDefault(prev) })

	seeds, err := filepath.Glob(filepath.Join("..", "..", "events", "apigw", "*.json"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no sample events: %v", err)
	}
	for _, path := range seeds {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(readEvent(f, filepath.Join("apigw", filepath.Base(path))), &ev); err != nil {
			f.Fatal(err)
		}
		f.Add(ev.RequestContext.HTTP.Method, ev.RawPath, headerLines(ev.Headers), ev.RawQueryString, ev.Body, ev.IsBase64Encoded)
	}
	jsonHdr := headerLines(jsonHeaders)
	for _, name := range []string{"checklist.json", "checklist-acm.json"} {
		f.Add("POST", "/api/submissions", jsonHdr+"\nidempotency-key: k-1", "", string(readEvent(f, name)), false)
	}
	f.Add("POST", "/api/submissions/"+memSubID+"/versions", jsonHdr, "", checklistJSON(f), false)
	invalid, _ := filepath.Glob(filepath.Join("..", "..", "events", "invalid", "*"))
	for _, path := range invalid {
		body, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("POST", "/api/submissions", jsonHdr, "", string(body), false)
	}
	m := newMemAPI(f)
	for _, id := range []string{apvPending, apvDecided, apvExpired, apvMissing} {
		q := m.linkQuery(id)
		f.Add("GET", "/approvals/"+id, "", q.Encode(), "", false)
		q.Set("outcome", "approved")
		q.Set("actor", "Ida Example")
		q.Set("comment", "Looks good.\r\nShip it.")
		f.Add("POST", "/approvals/"+id, "content-type: application/x-www-form-urlencoded", "", q.Encode(), false)
	}
	for _, path := range []string{"/", "/submissions/" + memSubID, "/static/app.css", "/static/verifier-role.template.json",
		"/api/schema", "/api/health", "/api/submissions/" + memSubID, "/api/submissions/" + memSubID + "/versions/1",
		"/api/submissions/" + memSubID + "/reports", "/api/accounts/111111111111/external-id", "/api/nothing"} {
		f.Add("GET", path, "", "", "", false)
	}
	f.Add("HEAD", "/", "", "", "", false)
	f.Add("POST", "/", "", "", "x", false)
	f.Add("POST", "/api/submissions", jsonHdr, "", "eyJjdXN0b21lciI6e319", true)
	f.Add("POST", "/api/submissions", "Content-Type: application/merge-patch+json\nIdempotency-Key: a\r\nb", "", "{}", false)

	f.Fuzz(func(t *testing.T, method, rawPath, headers, rawQuery, body string, b64 bool) {
		m := newMemAPI(t)
		ev := request(method, rawPath, parseHeaderLines(headers), rawQuery, body, b64)
		resp, err := m.h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		if resp.StatusCode < 200 || resp.StatusCode >= 500 {
			t.Fatalf("%s %q: status %d: %.300s", method, rawPath, resp.StatusCode, resp.Body)
		}
		if p := securityProblems(resp.Headers); len(p) > 0 {
			t.Fatalf("%s %q: %d: %v", method, rawPath, resp.StatusCode, p)
		}
		kind := contentKind(resp.Headers)
		path := strings.TrimRight(rawPath, "/")
		switch {
		case kind == "json":
			if resp.Body != "" && !json.Valid([]byte(resp.Body)) {
				t.Fatalf("body is not JSON: %.300s", resp.Body)
			}
		case kind == "html":
		case resp.StatusCode == 200 && strings.HasPrefix(path, "/static/") && (method == "GET" || method == "HEAD"):
		default:
			t.Fatalf("%s %q: %d with content type %q", method, rawPath, resp.StatusCode, kind)
		}
		if resp.StatusCode >= 400 {
			if len(resp.Body) > maxErrorBody {
				t.Fatalf("error body of %d bytes", len(resp.Body))
			}
			if kind == "json" {
				var e api.ErrorBody
				if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || strings.TrimSpace(e.Message) == "" {
					t.Fatalf("error without a message: %.300s", resp.Body)
				}
			}
		}
		accepted := resp.StatusCode == 200 || resp.StatusCode == 202
		if n, s := m.store.changes(), m.sfn.count(); (n > 0 || s > 0) && !accepted {
			t.Fatalf("%d answered, but the store saw %d writes and Step Functions %d starts", resp.StatusCode, n, s)
		}
		if m.approvals.decided() > 0 && resp.StatusCode != 200 {
			t.Fatalf("%d answered, but the approval was decided", resp.StatusCode)
		}
	})
}
