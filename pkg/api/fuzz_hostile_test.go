package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/api"
)

// maxErrorBody bounds an error response: the body a hostile request gets
// back must stay small whatever it sent.
const maxErrorBody = 64 << 10

// withChecklist returns events/checklist.json with edit applied to its
// decoded form, re-encoded.
func withChecklist(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(checklistJSON(t)), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func env(doc map[string]any, name string) map[string]any {
	return doc["environments"].(map[string]any)[name].(map[string]any)
}

// replaceOnce swaps the first old in the valid checklist for new, as raw
// text (for inputs json.Marshal cannot produce).
func replaceOnce(t *testing.T, old, new string) string {
	t.Helper()
	s := checklistJSON(t)
	if !strings.Contains(s, old) {
		t.Fatalf("checklist.json has no %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func repeatJoin(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

// TestHostileInput: requests an attacker (or a badly broken client) sends.
// Each gets the 4xx it deserves with a message naming the problem (and
// the field, when there is one), never a 5xx, never a stored submission
// or a started workflow, and a small body.
func TestHostileInput(t *testing.T) {
	valid := checklistJSON(t)
	post := func(body string) events.APIGatewayV2HTTPRequest {
		return request("POST", "/api/submissions", jsonHeaders, "", body, false)
	}
	get := func(path string) events.APIGatewayV2HTTPRequest { return request("GET", path, nil, "", "", false) }
	withKey := func(key string) events.APIGatewayV2HTTPRequest {
		return request("POST", "/api/submissions", map[string]string{"content-type": "application/json", "idempotency-key": key}, "", valid, false)
	}
	strs := func(s string, n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = s
		}
		return out
	}

	tests := []struct {
		name    string
		ev      func(m *memAPI) events.APIGatewayV2HTTPRequest
		status  int
		message string // in the message, or in one of the errors
		field   string // an error must name this field; "-" for none
	}{
		// Nesting and size.
		{"deeply nested arrays", func(*memAPI) events.APIGatewayV2HTTPRequest { return post(strings.Repeat("[", 100000)) },
			400, "nested more than 32 levels deep", ""},
		{"deeply nested objects in a field", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"name": "Example Corp"`, `"name": `+strings.Repeat(`{"a":`, 5000)+"1"+strings.Repeat("}", 5000)))
		}, 400, "nested more than 32 levels deep", ""},
		{"10k instance ids", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) { env(d, "dev")["instanceIds"] = strs("i-0123456789abcdef0", 10000) }))
		}, 400, "must list exactly 1 instance id, found 10000", "environments.dev.instanceIds"},
		{"2k contacts", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) {
				c := d["customer"].(map[string]any)["contacts"].([]any)[0]
				all := make([]any, 2000)
				for i := range all {
					all[i] = c
				}
				d["customer"].(map[string]any)["contacts"] = all
			}))
		}, 400, "must list at most 50 contacts (it has 2000)", "customer.contacts"},
		{"10k app names", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) {
				env(d, "prod")["hostnames"].(map[string]any)["apps"] = strs("app1-acme.example.com", 10000)
			}))
		}, 400, "at most 50 App tenant hostnames (it has 10000)", "environments.prod.hostnames.apps"},
		{"100k numbers where names belong", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"apps": [`, `"apps": [`+repeatJoin("0", 100000)+`,`))
		}, 400, "must be a string, not a number", "environments.dev.hostnames.apps[0]"},
		{"20k unknown fields", func(*memAPI) events.APIGatewayV2HTTPRequest {
			var b strings.Builder
			for i := range 20000 {
				b.WriteString(`"x` + strings.Repeat("y", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + `":0,`)
			}
			return post(replaceOnce(t, `"customer": {`, `"customer": {`+b.String()))
		}, 400, "unknown field", ""},
		{"256 KiB + 1 body", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(valid + strings.Repeat(" ", api.MaxBodyBytes+1-len(valid)))
		}, 413, "the limit is 262144 bytes", "body"},

		// Numbers.
		{"huge number", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"accountId": "111111111111"`, `"accountId": 1e999999999`))
		}, 400, "must be a string, not a number", "environments.dev.accountId"},
		{"100k-digit number", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"accountId": "111111111111"`, `"accountId": `+strings.Repeat("9", 100000)))
		}, 400, "must be a string, not a number", "environments.dev.accountId"},
		{"huge version number", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return get("/api/submissions/" + memNoSub + "/versions/99999999999999999999999")
		}, 404, "No such version", "-"},

		// Encoding.
		{"invalid UTF-8 in a value", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"Example Corp"`, "\"Example \xff\xfe Corp\""))
		}, 400, "not valid UTF-8", "customer.name"},
		{"invalid UTF-8 in a key", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer"`, "\"customer\xc3\""))
		}, 400, "not valid UTF-8", "customer\ufffd"},
		{"raw NUL byte", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"Example Corp"`, "\"Example\x00Corp\""))
		}, 400, "invalid JSON at line", ""},
		{"escaped NUL in a name", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"Example Corp"`, `"Example\u0000Corp"`))
		}, 400, "control characters", "customer.name"},
		{"line break in a contact name", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) {
				d["customer"].(map[string]any)["contacts"].([]any)[0].(map[string]any)["name"] = "Ida\r\nBcc: all@example.com"
			}))
		}, 400, "control characters", "customer.contacts[0].name"},
		{"NUL in a hostname", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) {
				env(d, "dev")["hostnames"].(map[string]any)["manage"] = "manage-dev\x00.example.com"
			}))
		}, 400, "", "environments.dev.hostnames.manage"},
		{"UTF-8 BOM", func(*memAPI) events.APIGatewayV2HTTPRequest { return post("\xef\xbb\xbf" + valid) },
			400, "byte order mark", ""},
		{"UTF-16", func(*memAPI) events.APIGatewayV2HTTPRequest { return post("{\x00\"\x00c\x00\"\x00}\x00") },
			400, "UTF-16", ""},

		// Structure.
		{"duplicate keys", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer": {`, `"customer": {"name": "Mallory",`))
		}, 400, "appears more than once", "customer.name"},
		{"__proto__", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer": {`, `"__proto__": {"admin": true}, "customer": {`))
		}, 400, "unknown field", "__proto__"},
		{"constructor.prototype", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer": {`, `"customer": {"constructor": {"prototype": {"isAdmin": true}},`))
		}, 400, "unknown field", "customer.constructor"},
		{"empty key", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer": {`, `"": 1, "customer": {`))
		}, 400, "unknown field", `""`},

		// Transport.
		{"base64 flag, not base64", func(*memAPI) events.APIGatewayV2HTTPRequest {
			ev := post(valid)
			ev.IsBase64Encoded = true
			return ev
		}, 400, "not valid base64", "body"},
		{"Idempotency-Key with CR LF", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return withKey("abc\r\nSet-Cookie: session=evil")
		}, 400, "Idempotency-Key", "Idempotency-Key"},
		{"Idempotency-Key with NUL", func(*memAPI) events.APIGatewayV2HTTPRequest { return withKey("abc\x00def") },
			400, "Idempotency-Key", "Idempotency-Key"},
		{"Idempotency-Key of 10 KB", func(*memAPI) events.APIGatewayV2HTTPRequest { return withKey(strings.Repeat("k", 10<<10)) },
			400, "at most 255", "Idempotency-Key"},
		{"Idempotency-Key, non-ASCII", func(*memAPI) events.APIGatewayV2HTTPRequest { return withKey("ключ-١٢٣") },
			400, "Idempotency-Key", "Idempotency-Key"},

		// Paths.
		{"traversal to the schema", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/submissions/../api/schema") },
			404, "No such page", "-"},
		{"traversal in an API id", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/api/submissions/../../etc/passwd") },
			404, "No such", "-"},
		{"traversal as the id", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/api/submissions/..") },
			404, "No submission has the id", "-"},
		{"encoded traversal", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/submissions/%2e%2e%2fapi%2fschema") },
			404, "No such page", "-"},
		{"traversal to a template", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/static/../templates/form.html") },
			404, "No such page", "-"},
		{"resubmission to a traversal", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return request("POST", "/api/submissions/../versions", jsonHeaders, "", valid, false)
		}, 404, "No submission has the id", "-"},

		// Look-alike ids.
		{"Cyrillic s in an id", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/api/submissions/\u0455ub-aaaaaaaaaaaaaaab") },
			404, "No submission has the id", "-"},
		{"Cyrillic a on the status page", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/submissions/sub-\u0430aaaaaaaaaaaaaab") },
			404, "No such page", "-"},
		{"fullwidth digits in an account", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return get("/api/accounts/\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11/external-id")
		}, 400, "12 digits", "accountId"},
		{"fullwidth digits in the checklist", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"accountId": "111111111111"`, `"accountId": "\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"`))
		}, 400, "12 digits", "environments.dev.accountId"},
		{"resubmission to a look-alike id", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return request("POST", "/api/submissions/sub-\u0430aaaaaaaaaaaaaab/versions", jsonHeaders, "", valid, false)
		}, 404, "No submission has the id", "-"},
		{"approval link for a look-alike id", func(m *memAPI) events.APIGatewayV2HTTPRequest {
			return request("GET", "/approvals/apv-p\u0435ndingaaaaaaaaaaaaaaaaaaa", nil, m.linkQuery(apvPending).Encode(), "", false)
		}, 403, "This link is not valid", "-"},

		// Query-language look-alikes: data here is never a query, and
		// every machine-readable field has a strict format.
		{"SQL in an account id", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"accountId": "111111111111"`, `"accountId": "1' OR '1'='1"`))
		}, 400, "must be 12 digits", "environments.dev.accountId"},
		{"SQL in an instance id", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) { env(d, "dev")["instanceIds"] = []any{"i-1; DROP TABLE submissions;--"} }))
		}, 400, "must be an EC2 instance id", "environments.dev.instanceIds[0]"},
		{"SQL in an email", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(withChecklist(t, func(d map[string]any) {
				d["customer"].(map[string]any)["contacts"].([]any)[0].(map[string]any)["email"] = "a@example.com' OR 1=1--"
			}))
		}, 400, "plain email address", "customer.contacts[0].email"},
		{"NoSQL operator as a value", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"Example Corp"`, `{"$ne": null}`))
		}, 400, "must be a string, not an object", "customer.name"},
		{"NoSQL operator as a field", func(*memAPI) events.APIGatewayV2HTTPRequest {
			return post(replaceOnce(t, `"customer": {`, `"$where": "sleep(5000)", "customer": {`))
		}, 400, "unknown field", "$where"},
		{"SQL in a path", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/api/submissions/' OR 1=1--") },
			404, "No submission has the id", "-"},
		{"DynamoDB key syntax in a path", func(*memAPI) events.APIGatewayV2HTTPRequest { return get("/api/submissions/SUB#x") },
			404, "No submission has the id", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemAPI(t)
			resp, err := m.h.Handle(context.Background(), tt.ev(m))
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.500s", resp.StatusCode, tt.status, resp.Body)
			}
			if len(resp.Body) > maxErrorBody {
				t.Errorf("error body is %d bytes; at most %d", len(resp.Body), maxErrorBody)
			}
			for _, p := range securityProblems(resp.Headers) {
				t.Error(p)
			}
			if n, s := m.store.changes(), m.sfn.count(); n != 0 || s != 0 {
				t.Errorf("the store saw %d writes and Step Functions %d starts", n, s)
			}
			if m.approvals.decided() != 0 {
				t.Error("an approval was decided")
			}
			if contentKind(resp.Headers) == "html" {
				if !strings.Contains(resp.Body, tt.message) {
					t.Errorf("page lacks %q", tt.message)
				}
				return
			}
			var body api.ErrorBody
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Message == "" {
				t.Fatalf("not an error body (%v): %.300s", err, resp.Body)
			}
			var text strings.Builder
			text.WriteString(body.Message)
			fields := map[string]bool{}
			for _, e := range body.Errors {
				text.WriteString("\n" + e.Message)
				fields[e.Field] = true
			}
			if !strings.Contains(text.String(), tt.message) {
				t.Errorf("no message says %q:\n%.1000s", tt.message, text.String())
			}
			switch {
			case tt.field == "-":
			case tt.field == "" && len(body.Errors) == 0:
				t.Error("no errors listed")
			case tt.field != "" && !fields[tt.field]:
				t.Errorf("no error names %q: %v", tt.field, fields)
			}
			if resp.StatusCode == http.StatusBadRequest && strings.Contains(tt.name, "Idempotency") {
				if _, ok := headerValue(resp.Headers, "Set-Cookie"); ok {
					t.Error("a header was injected")
				}
			}
		})
	}
}
