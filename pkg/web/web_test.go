package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

func TestServeRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		ok           bool
		status       int
		contentType  string
	}{
		{"GET", "/", true, 200, "text/html; charset=utf-8"},
		{"GET", "", true, 200, "text/html; charset=utf-8"},
		{"HEAD", "/", true, 200, "text/html; charset=utf-8"},
		{"GET", "/submissions/sub-abcdefghijklmnop", true, 200, "text/html; charset=utf-8"},
		{"GET", "/static/app.css", true, 200, "text/css; charset=utf-8"},
		{"GET", "/static/form.js", true, 200, "text/javascript; charset=utf-8"},
		{"GET", "/static/status.js", true, 200, "text/javascript; charset=utf-8"},
		{"GET", "/static/validate.js", true, 200, "text/javascript; charset=utf-8"},
		{"GET", "/static/common.js", true, 200, "text/javascript; charset=utf-8"},
		{"GET", "/static/favicon.svg", true, 200, "image/svg+xml"},
		{"POST", "/", true, 405, "text/plain; charset=utf-8"},
		{"DELETE", "/submissions/sub-abcdefghijklmnop", true, 405, "text/plain; charset=utf-8"},
		{"POST", "/static/app.css", true, 405, "text/plain; charset=utf-8"},
		// Not ours: the caller answers (404, or another handler).
		{"GET", "/static/missing.js", false, 0, ""},
		{"GET", "/static/", false, 0, ""},
		{"GET", "/static/../web.go", false, 0, ""},
		{"GET", "/static/sub/app.css", false, 0, ""},
		{"GET", "/submissions/", false, 0, ""},
		{"GET", "/submissions/a/b", false, 0, ""},
		{"GET", "/submissions/<script>", false, 0, ""},
		{"GET", "/api/submissions", false, 0, ""},
		{"POST", "/api/submissions", false, 0, ""},
		{"GET", "/favicon.ico", false, 0, ""},
		{"GET", "/approvals/x", false, 0, ""},
		{"GET", "/templates/form.html", false, 0, ""},
	}
	for _, tt := range tests {
		resp, ok := Serve(tt.method, tt.path)
		if ok != tt.ok {
			t.Errorf("%s %q: ok = %v, want %v", tt.method, tt.path, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if resp.Status != tt.status {
			t.Errorf("%s %q: status %d, want %d", tt.method, tt.path, resp.Status, tt.status)
		}
		if got := resp.Headers["Content-Type"]; got != tt.contentType {
			t.Errorf("%s %q: Content-Type %q, want %q", tt.method, tt.path, got, tt.contentType)
		}
		if resp.Headers["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("%s %q: no X-Content-Type-Options: nosniff", tt.method, tt.path)
		}
		switch {
		case tt.status == 405:
			if resp.Headers["Allow"] != "GET, HEAD" {
				t.Errorf("%s %q: Allow = %q", tt.method, tt.path, resp.Headers["Allow"])
			}
		case tt.method == "HEAD":
			if len(resp.Body) != 0 {
				t.Errorf("HEAD %q has a body", tt.path)
			}
			if resp.Headers["Content-Length"] == "0" {
				t.Errorf("HEAD %q: Content-Length should be the GET body's", tt.path)
			}
		case len(resp.Body) == 0:
			t.Errorf("%s %q: empty body", tt.method, tt.path)
		}
	}
}

func TestPagesHeaders(t *testing.T) {
	for _, p := range []string{"/", "/submissions/sub-abcdefghijklmnop"} {
		resp, _ := Serve(http.MethodGet, p)
		want := map[string]string{
			"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			"X-Frame-Options":         "DENY",
			"Cache-Control":           "no-cache",
			"Referrer-Policy":         "same-origin",
		}
		for k, v := range want {
			if resp.Headers[k] != v {
				t.Errorf("GET %s: %s = %q, want %q", p, k, resp.Headers[k], v)
			}
		}
	}
}

func TestStaticCaching(t *testing.T) {
	for name := range static {
		resp, ok := Serve(http.MethodGet, "/static/"+name)
		if !ok || resp.Status != 200 {
			t.Fatalf("GET /static/%s: ok=%v status=%d", name, ok, resp.Status)
		}
		if cc := resp.Headers["Cache-Control"]; cc != "public, max-age=31536000, immutable" {
			t.Errorf("/static/%s: Cache-Control %q", name, cc)
		}
		if _, csp := resp.Headers["Content-Security-Policy"]; csp {
			t.Errorf("/static/%s: a static file needs no CSP", name)
		}
	}
}

// The pages must run under the CSP: no inline script, style, event
// handler or javascript: URL, nothing from another origin, and every
// asset they name must exist (with a cache-busting version).
func TestPagesAreCSPClean(t *testing.T) {
	inline := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]`), // script with content
		regexp.MustCompile(`(?i)<script(?:(?:\s+[a-z-]+(?:="[^"]*")?)*)>`),
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)\sstyle=`),
		regexp.MustCompile(`(?i)\son[a-z]+=`),
		regexp.MustCompile(`(?i)javascript:`),
		regexp.MustCompile(`(?i)(src|href)="(https?:)?//`),
	}
	ref := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	for _, p := range []string{"/", "/submissions/sub-abcdefghijklmnop"} {
		resp, _ := Serve(http.MethodGet, p)
		body := string(resp.Body)
		for i, re := range inline {
			if m := re.FindString(body); m != "" {
				// The second pattern matches every script tag; allow the ones with src.
				if i == 1 && strings.Contains(m, ` src="/static/`) {
					continue
				}
				t.Errorf("GET %s: CSP-breaking markup %q", p, m)
			}
		}
		refs := ref.FindAllStringSubmatch(body, -1)
		if len(refs) < 3 {
			t.Errorf("GET %s: only %d static references", p, len(refs))
		}
		for _, m := range refs {
			u := m[1]
			if u == RoleTemplatePath {
				continue // provided by the deployment, see RoleTemplatePath
			}
			path, version, found := strings.Cut(u, "?v=")
			if !found || len(version) != 12 {
				t.Errorf("GET %s: %s has no content version", p, u)
			}
			if _, ok := Serve(http.MethodGet, path); !ok {
				t.Errorf("GET %s: references %s, which is not served", p, path)
			}
		}
	}
	// JavaScript imports stay on this origin and name files that exist.
	imp := regexp.MustCompile(`(?m)^import .* from '([^']+)';`)
	for name, a := range static {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		js := string(a.body)
		for _, m := range imp.FindAllStringSubmatch(js, -1) {
			if _, ok := static[strings.TrimPrefix(m[1], "./")]; !ok || !strings.HasPrefix(m[1], "./") {
				t.Errorf("%s imports %q", name, m[1])
			}
		}
		for _, bad := range []string{"eval(", "new Function", "innerHTML", "insertAdjacentHTML", "document.write", "http://", "https://"} {
			if strings.Contains(js, bad) {
				t.Errorf("%s uses %q", name, bad)
			}
		}
	}
}

func TestAssetVersionsFollowContent(t *testing.T) {
	page, _ := Serve(http.MethodGet, "/")
	u, err := assetURL("form.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page.Body), u) {
		t.Errorf("form page does not load %s", u)
	}
	if _, err := assetURL("nope.js"); err == nil {
		t.Error("assetURL of a missing file should fail")
	}
}

// Every field of the checklist has an input (or a list of them) whose
// data-field is the server's name for it, so server errors land there.
func TestFormHasEveryField(t *testing.T) {
	resp, _ := Serve(http.MethodGet, "/")
	body := string(resp.Body)
	has := func(attr, name string) {
		t.Helper()
		if !strings.Contains(body, attr+`="`+name+`"`) {
			t.Errorf("form has no %s=%q", attr, name)
		}
	}
	has("data-field", "customer")
	has("data-field", "customer.name")
	has("data-field", "customer.contacts")
	has("data-list", "customer.contacts")
	for _, e := range []string{checklist.EnvDev, checklist.EnvProd} {
		p := "environments." + e
		has("data-field", p)
		for _, f := range []string{"accountId", "region", "roleArn", "amiId", "vpcId", "loadBalancerArn", "jumpHostCidr",
			"hostnames", "hostnames.manage", "hostnames.rta", "hostnames.webtask", "hostnames.apps",
			"instanceIds", "certificate", "certificate.pem", "certificate.acmArn"} {
			has("data-field", p+"."+f)
		}
		has("data-list", p+".instanceIds")
		has("data-list", p+".hostnames.apps")
		has("id", fieldID(p+".accountId"))
		has("id", fieldID(p+".accountId")+"-error")
		has("aria-describedby", fieldID(p+".accountId")+"-hint "+fieldID(p+".accountId")+"-error")
	}
	has("href", RoleTemplatePath)
	// Every input with a data-field has a label and an error element.
	input := regexp.MustCompile(`<(?:input|textarea)[^>]*\sid="([^"]+)"[^>]*\sdata-field="[^"]+"`)
	for _, m := range input.FindAllStringSubmatch(body, -1) {
		has("for", m[1])
		has("id", m[1]+"-error")
	}
}

func TestFieldID(t *testing.T) {
	for in, want := range map[string]string{
		"environments.prod.instanceIds[2]": "f-environments-prod-instanceIds-2",
		"customer.contacts[0].email":       "f-customer-contacts-0-email",
		"customer":                         "f-customer",
	} {
		if got := fieldID(in); got != want {
			t.Errorf("fieldID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimelineHasEveryStage(t *testing.T) {
	resp, _ := Serve(http.MethodGet, "/submissions/x")
	body := string(resp.Body)
	last := -1
	for _, s := range workflow.Stages {
		st, ok := StageLabels[s]
		if !ok {
			t.Errorf("stage %q has no label", s)
			continue
		}
		i := strings.Index(body, `data-stage="`+s+`"`)
		if i < 0 {
			t.Errorf("timeline lacks stage %q", s)
			continue
		}
		if i < last {
			t.Errorf("stage %q is out of flow order", s)
		}
		last = i
		if !strings.Contains(body, st.Label) {
			t.Errorf("timeline lacks label %q", st.Label)
		}
	}
	if len(StageLabels) != len(workflow.Stages) {
		t.Errorf("%d labels for %d stages", len(StageLabels), len(workflow.Stages))
	}
}

// The reserved App tenant names in the form's hint are those the server
// and the schema refuse.
func TestReservedAppNames(t *testing.T) {
	for _, n := range ReservedAppNames {
		if !checklist.IsReservedAppName(n) {
			t.Errorf("%q is listed as reserved but checklist accepts it", n)
		}
	}
	var schema struct {
		Defs struct {
			Hostnames struct {
				Properties struct {
					Apps struct {
						Items struct {
							Not struct {
								Pattern string `json:"pattern"`
							} `json:"not"`
						} `json:"items"`
					} `json:"apps"`
				} `json:"properties"`
			} `json:"hostnames"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(checklist.Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	pat := schema.Defs.Hostnames.Properties.Apps.Items.Not.Pattern
	inner := strings.TrimSuffix(strings.TrimPrefix(pat, "^("), `)\.`)
	fromSchema := strings.Split(inner, "|")
	mine := slices.Clone(ReservedAppNames)
	slices.Sort(fromSchema)
	slices.Sort(mine)
	if !slices.Equal(fromSchema, mine) {
		t.Errorf("reserved names differ from the schema's:\n form:   %v\n schema: %v", mine, fromSchema)
	}
}
