package web

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var pagePath = regexp.MustCompile(`^(|/|/submissions/[A-Za-z0-9_-]{1,100})$`)

// FuzzServe: Serve never panics; it answers only the form, the status page
// and the embedded static files, by exact name (no traversal, no prefix
// tricks, no template sources); a page always carries its CSP and framing
// and transport headers; HEAD has no body; other methods get 405.
func FuzzServe(f *testing.F) {
	for _, p := range []string{"/", "", "/submissions/sub-abcdefghijklmnop", "/submissions/../static/app.css",
		"/static/app.css", "/static/verifier-role.template.json", "/static/../templates/form.html", "/static/",
		"/static/app.css/", "/static//app.css", "/static/%2e%2e/templates/form.html", "/templates/form.html",
		"/submissions/sub-\u0430bc", "/submissions/" + strings.Repeat("a", 101)} {
		for _, m := range []string{"GET", "HEAD", "POST", "get"} {
			f.Add(m, p)
		}
	}
	f.Fuzz(func(t *testing.T, method, p string) {
		resp, ok := Serve(method, p)
		name, isStatic := strings.CutPrefix(p, "/static/")
		a, known := static[name]
		switch {
		case pagePath.MatchString(p):
			if !ok {
				t.Fatalf("%s %q: page not served", method, p)
			}
		case isStatic && known:
			if !ok || strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") {
				t.Fatalf("%s %q: ok %v for static %q", method, p, ok, name)
			}
		default:
			if ok {
				t.Fatalf("%s %q: served something that is neither a page nor a static file: %d", method, p, resp.Status)
			}
			return
		}
		switch method {
		case http.MethodGet, http.MethodHead:
			if resp.Status != http.StatusOK {
				t.Fatalf("%s %q: %d", method, p, resp.Status)
			}
			if (method == http.MethodHead) != (len(resp.Body) == 0) {
				t.Fatalf("%s %q: body of %d bytes", method, p, len(resp.Body))
			}
		default:
			if resp.Status != http.StatusMethodNotAllowed || resp.Headers["Allow"] != "GET, HEAD" {
				t.Fatalf("%s %q: %d, Allow %q", method, p, resp.Status, resp.Headers["Allow"])
			}
			return
		}
		if resp.Headers["X-Content-Type-Options"] != "nosniff" {
			t.Fatalf("%s %q: no nosniff", method, p)
		}
		if isStatic {
			if resp.Headers["Content-Type"] != a.contentType || (method == http.MethodGet && !bytes.Equal(resp.Body, a.body)) {
				t.Fatalf("%s %q: not the embedded file", method, p)
			}
			return
		}
		for k, want := range map[string]string{"Content-Security-Policy": ContentSecurityPolicy, "X-Frame-Options": "DENY",
			"Content-Type": "text/html; charset=utf-8"} {
			if resp.Headers[k] != want {
				t.Fatalf("%s %q: %s = %q", method, p, k, resp.Headers[k])
			}
		}
		if !strings.HasPrefix(resp.Headers["Strict-Transport-Security"], "max-age=") {
			t.Fatalf("%s %q: no HSTS", method, p)
		}
		if bytes.Contains(resp.Body, []byte("{{")) {
			t.Fatalf("%s %q: an unrendered template", method, p)
		}
	})
}
