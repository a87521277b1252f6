package checklist

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// documentLevel are the problems reported against the document itself
// (Field ""), which the form shows as "The checklist …".
var documentLevel = []string{
	"is empty",
	"is required: send the checklist as a JSON object",
	"must be an object",
	"invalid JSON at ",
	"is not valid UTF-8 text", // a document that is one string
	"starts with a byte order mark",
	"is UTF-16",
	"a checklist is at most",
	"has more problems than shown",
}

// checkFieldErrors is what every error list Parse or Validate returns must
// satisfy, whatever the input.
func checkFieldErrors(t *testing.T, errs []FieldError) {
	t.Helper()
	for _, e := range errs {
		if strings.TrimSpace(e.Message) == "" {
			t.Fatalf("error for field %q has no message", e.Field)
		}
		if !utf8.ValidString(e.Field) || !utf8.ValidString(e.Message) {
			t.Fatalf("error is not UTF-8 text: %q: %q", e.Field, e.Message)
		}
		if e.Field == "" && !hasAnyPrefix(e.Message, documentLevel) {
			t.Fatalf("error %q names no field, but is not about the whole document", e.Message)
		}
	}
	if !isSorted(errs) {
		t.Fatalf("errors not sorted: %v", fieldsOf(errs))
	}
	if len(errs) > maxErrors+1 {
		t.Fatalf("%d errors; at most %d (+1 summary) are reported", len(errs), maxErrors)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// seedDocuments adds every sample checklist, valid and invalid.
func seedDocuments(f *testing.F) {
	for _, pattern := range []string{"*.json", filepath.Join("invalid", "*")} {
		files, err := filepath.Glob(filepath.Join(eventsDir, pattern))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no sample documents match %s", pattern)
		}
		for _, path := range files {
			f.Add(readFile(f, path))
		}
	}
}

// FuzzValidate: Parse, then Validate, never panic; every error has a
// message and names a field (only problems of the whole document use the
// empty field); a document that validates re-encodes and re-parses to an
// equal document. json.Unmarshal, which is lenient (case-insensitive keys,
// duplicates, nulls), decodes documents Parse refuses: Validate must hold
// the same promises for those, and a document it accepts must survive
// Parse too.
func FuzzValidate(f *testing.F) {
	seedDocuments(f)
	for _, s := range []string{
		`{"":1}`,
		`{"customer":{"":{"":[]}}}`,
		`{"customer":{"name":"Acme\u0000"},"environments":{}}`,
		`{"Customer":{"Name":"Acme","CONTACTS":[{"team":"security"}]},"environments":{"dev":null}}`,
		"\xef\xbb\xbf{}",
		"{\"customer\":{\"name\":\"Acme \xff\"}}",
		"{\"customer\xfe\":1}",
		`{"environments":{"prod":{"instanceIds":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, errs := Parse(data)
		checkFieldErrors(t, errs)
		if (doc == nil) == (len(errs) == 0) {
			t.Fatalf("Parse returned document %v and %d errors", doc != nil, len(errs))
		}
		if doc != nil {
			if again := doc.Validate(); again != nil {
				t.Fatalf("parsed document does not validate: %v", again)
			}
			roundTrip(t, doc)
		}

		var lenient Document
		if json.Unmarshal(data, &lenient) != nil {
			return
		}
		verrs := lenient.Validate()
		checkFieldErrors(t, verrs)
		for _, e := range verrs {
			if e.Field == "" {
				t.Fatalf("Validate of a document reported %q against no field", e.Message)
			}
		}
		if len(verrs) == 0 {
			roundTrip(t, &lenient)
		}
	})
}

// roundTrip checks that a valid document's JSON parses back to it.
func roundTrip(t *testing.T, doc *Document) {
	t.Helper()
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("valid document does not encode: %v", err)
	}
	again, errs := Parse(out)
	if len(errs) > 0 {
		t.Fatalf("valid document re-encoded does not parse: %v\n%s", errs, out)
	}
	if !reflect.DeepEqual(doc, again) {
		t.Fatalf("round trip changed the document:\n%+v\n%+v", doc, again)
	}
}
