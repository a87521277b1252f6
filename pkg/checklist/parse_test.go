package checklist

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseValidEvents(t *testing.T) {
	for _, name := range []string{"checklist.json", "checklist-acm.json"} {
		t.Run(name, func(t *testing.T) {
			doc := parseValid(t, filepath.Join(eventsDir, name))
			if doc.Customer.Name != "Example Corp" || len(doc.Customer.Contacts) != 4 {
				t.Errorf("customer = %+v", doc.Customer)
			}
			dev, prod := doc.Env(EnvDev), doc.Env(EnvProd)
			if dev == nil || prod == nil {
				t.Fatal("missing environment")
			}
			if len(dev.InstanceIDs) != 1 || len(prod.InstanceIDs) != 3 {
				t.Errorf("instances: dev %v prod %v", dev.InstanceIDs, prod.InstanceIDs)
			}
			if dev.Certificate.PEM == "" {
				t.Error("dev certificate PEM is empty")
			}
			if name == "checklist-acm.json" && prod.Certificate.AcmArn == "" {
				t.Error("prod acmArn is empty")
			}
			// Parse and json.Unmarshal agree on a valid document.
			var plain Document
			if err := json.Unmarshal(readFile(t, filepath.Join(eventsDir, name)), &plain); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*doc, plain) {
				t.Error("Parse and json.Unmarshal disagree")
			}
		})
	}
}

// TestParseInvalidEvents checks that each events/invalid file is refused
// and reports (at least) the fields expected.json lists for it.
func TestParseInvalidEvents(t *testing.T) {
	var expected map[string][]string
	if err := json.Unmarshal(readFile(t, filepath.Join(eventsDir, "invalid", "expected.json")), &expected); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(eventsDir, "invalid", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, path := range files {
		name := filepath.Base(path)
		if name == "expected.json" {
			continue
		}
		seen++
		t.Run(name, func(t *testing.T) {
			want, ok := expected[name]
			if !ok {
				t.Fatalf("%s is not listed in expected.json", name)
			}
			doc, errs := Parse(readFile(t, path))
			if doc != nil {
				t.Error("invalid document returned a Document")
			}
			if len(errs) == 0 {
				t.Fatal("no errors")
			}
			got := fieldsOf(errs)
			for _, f := range want {
				if !slices.Contains(got, f) {
					t.Errorf("missing error for %q; got %v", f, errs)
				}
			}
			if !isSorted(errs) {
				t.Errorf("not sorted: %v", got)
			}
		})
	}
	if seen != len(expected) {
		t.Errorf("expected.json lists %d files, events/invalid has %d", len(expected), seen)
	}
	if seen < 12 {
		t.Errorf("only %d invalid samples", seen)
	}
}

func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name, body string
		field      string
		want       string
	}{
		{"empty body", "", "", "is empty"},
		{"blank body", " \n\t", "", "is empty"},
		{"null", "null", "", "must be an object, not null"},
		{"array", "[]", "", "must be an object, not an array"},
		{"number", "42", "", "must be an object, not a number"},
		{"not JSON", "customer: x", "", "invalid JSON at line 1, column 1 (byte 0)"},
		{"syntax error position", "{\n  \"customer\": ,\n}", "", "invalid JSON at line 2, column 15 (byte 16)"},
		{"cut short", `{"customer": {"name": "x"`, "", "unexpected end of input"},
		{"trailing data", `{} {}`, "", "invalid JSON at line 1, column 4 (byte 3): invalid character '{' after top-level value"},
		{"trailing garbage", `{} x`, "", "invalid JSON"},
		{"deep nesting", strings.Repeat("[", 100) + strings.Repeat("]", 100), "", "nested more than"},
		{"too large", `{"customer":{"name":"` + strings.Repeat("x", MaxDocumentBytes) + `"}}`, "", "at most 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := Parse([]byte(tt.body))
			if doc != nil {
				t.Error("got a Document")
			}
			msg, ok := messageFor(errs, tt.field)
			if !ok || !strings.Contains(msg, tt.want) {
				t.Errorf("want %q on field %q; got %v", tt.want, tt.field, errs)
			}
		})
	}
}

// mutateJSON applies f to the generic form of the canonical document and
// returns it re-encoded, for structural mistakes the Go types cannot hold.
func mutateJSON(t *testing.T, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(eventsDir, "checklist-acm.json")), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func obj(m map[string]any, path ...string) map[string]any {
	for _, k := range path {
		m = m[k].(map[string]any)
	}
	return m
}

func TestParseStructuralErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		field  string
		want   string
		absent []string // fields that must NOT be reported (derived noise)
	}{
		{"near-miss field name", func(m map[string]any) {
			e := obj(m, "environments", "dev")
			e["instanceId"] = e["instanceIds"]
			delete(e, "instanceIds")
		}, "environments.dev.instanceId", "unknown field; did you mean instanceIds?", nil},
		{"case slip", func(m map[string]any) {
			e := obj(m, "environments", "dev")
			e["AccountID"] = e["accountId"]
			delete(e, "accountId")
		}, "environments.dev.AccountID", "did you mean accountId?", nil},
		{"snake case", func(m map[string]any) {
			e := obj(m, "environments", "prod")
			e["load_balancer_arn"] = e["loadBalancerArn"]
			delete(e, "loadBalancerArn")
		}, "environments.prod.load_balancer_arn", "did you mean loadBalancerArn?", nil},
		{"unrelated field", func(m map[string]any) { obj(m, "customer")["phone"] = "555" }, "customer.phone", "unknown field; allowed here: contacts, name", nil},
		{"unknown top-level field", func(m map[string]any) { m["version"] = "1" }, "version", "unknown field", nil},
		{"unknown certificate field", func(m map[string]any) { obj(m, "environments", "prod", "certificate")["privateKey"] = "x" }, "environments.prod.certificate.privateKey", "unknown field", nil},
		{"number instead of string", func(m map[string]any) { obj(m, "environments", "prod")["accountId"] = 222222222222 }, "environments.prod.accountId", `must be a string, not a number: put the value in quotes, e.g. "222222222222"`,
			[]string{"environments.prod.roleArn", "environments.prod.loadBalancerArn"}},
		{"number in a list", func(m map[string]any) {
			obj(m, "environments", "prod")["instanceIds"].([]any)[1] = 7
		}, "environments.prod.instanceIds[1]", "must be a string", []string{"environments.prod.instanceIds"}},
		{"string instead of list", func(m map[string]any) { obj(m, "environments", "dev")["instanceIds"] = "i-0aaaaaaaaaaaaaaa1" }, "environments.dev.instanceIds", "must be an array, not a string", nil},
		{"boolean", func(m map[string]any) { obj(m, "customer")["name"] = true }, "customer.name", "must be a string, not true/false", nil},
		{"null string", func(m map[string]any) { obj(m, "environments", "dev")["vpcId"] = nil }, "environments.dev.vpcId", "must be a string, not null", nil},
		{"null environment", func(m map[string]any) { obj(m, "environments")["dev"] = nil }, "environments.dev", "must be an object, not null", nil},
		{"environment as string", func(m map[string]any) { obj(m, "environments")["prod"] = "see attached" }, "environments.prod", "must be an object, not a string",
			[]string{"environments.prod.vpcId", "environments.prod.instanceIds"}},
		{"contact as string", func(m map[string]any) { obj(m, "customer")["contacts"].([]any)[0] = "Ida" }, "customer.contacts[0]", "must be an object",
			[]string{"customer.contacts[0].email", "customer.contacts[0].team"}},
		{"customer as list", func(m map[string]any) { m["customer"] = []any{} }, "customer", "must be an object, not an array", []string{"customer.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := Parse(mutateJSON(t, tt.mutate))
			if doc != nil {
				t.Error("got a Document")
			}
			msg, ok := messageFor(errs, tt.field)
			if !ok || !strings.Contains(msg, tt.want) {
				t.Errorf("want %q on %q; got %v", tt.want, tt.field, errs)
			}
			if strings.Count(msg, "|") > 0 {
				t.Errorf("%s reported more than once: %q", tt.field, msg)
			}
			for _, f := range tt.absent {
				if m, ok := messageFor(errs, f); ok {
					t.Errorf("derived error on %s: %s", f, m)
				}
			}
		})
	}
}

func TestParseDuplicateKey(t *testing.T) {
	_, errs := Parse([]byte(`{"customer":{"name":"A","name":"B"}}`))
	if msg, ok := messageFor(errs, "customer.name"); !ok || !strings.Contains(msg, "more than once") {
		t.Errorf("got %v", errs)
	}
}

// TestParseReportsEverythingAtOnce mixes decoding and validation problems:
// all of them must come back from one call.
func TestParseReportsEverythingAtOnce(t *testing.T) {
	body := mutateJSON(t, func(m map[string]any) {
		dev := obj(m, "environments", "dev")
		dev["instanceId"] = dev["instanceIds"]
		delete(dev, "instanceIds")
		prod := obj(m, "environments", "prod")
		prod["instanceIds"].([]any)[1] = 12345
		prod["vpcId"] = dev["vpcId"]
		prod["jumpHostCidr"] = "0.0.0.0/0"
		obj(m, "customer")["contacts"].([]any)[1].(map[string]any)["email"] = "sam at example.com"
	})
	doc, errs := Parse(body)
	if doc != nil {
		t.Error("got a Document")
	}
	want := []string{
		"customer.contacts[1].email",
		"environments.dev.instanceId",
		"environments.dev.instanceIds",
		"environments.prod.instanceIds[1]",
		"environments.prod.jumpHostCidr",
		"environments.prod.vpcId",
	}
	if got := fieldsOf(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("fields:\n got %v\nwant %v\n%v", got, want, errs)
	}
}

func TestParseLongUnknownKeyIsTruncated(t *testing.T) {
	key := strings.Repeat("k", 500)
	_, errs := Parse([]byte(`{"` + key + `":1}`))
	for _, e := range errs {
		if strings.Contains(e.Field, key[:41]) {
			t.Errorf("field name not truncated: %d bytes", len(e.Field))
		}
	}
}

// TestWalkerSupportsEveryFieldKind keeps the reflection walker in step with
// checklist.go: every field must be a string, a slice, a struct or a
// pointer to a struct, and every struct field needs a JSON name.
func TestWalkerSupportsEveryFieldKind(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		switch ty.Kind() {
		case reflect.String:
		case reflect.Pointer, reflect.Slice:
			walk(ty.Elem(), path)
		case reflect.Struct:
			if len(jsonFields(ty)) != ty.NumField() {
				t.Errorf("%s: not every field has a JSON name", path)
			}
			for i := range ty.NumField() {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		default:
			t.Errorf("%s: kind %s is not supported by the walker", path, ty.Kind())
		}
	}
	walk(reflect.TypeFor[Document](), "Document")
}

func TestSuggest(t *testing.T) {
	known := []string{"accountId", "amiId", "instanceIds", "region", "vpcId"}
	tests := map[string]string{
		"instanceId":   "instanceIds",
		"instance_ids": "instanceIds",
		"INSTANCEIDS":  "instanceIds",
		"regoin":       "region",
		"vpc":          "vpcId",
		"hostname":     "",
		"":             "",
	}
	for in, want := range tests {
		if got := suggest(in, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
