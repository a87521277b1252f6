package checklist

import (
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, returns either a Document or errors (never
// both, never neither), and every error has a message.
//
// The seeds are several KiB (certificate chains), so the fuzzer spends most
// of its time minimizing new inputs; run it with a short minimize time:
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 2m -fuzzminimizetime 3s ./pkg/checklist/
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"*.json", filepath.Join("invalid", "*")} {
		files, err := filepath.Glob(filepath.Join(eventsDir, pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range files {
			f.Add(readFile(f, path))
		}
	}
	for _, s := range []string{"", "{}", "null", "[", `{"customer":{"contacts":[{}]}}`, `{"environments":{"dev":{"instanceIds":[1,null,"i-1"]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, errs := Parse(data)
		switch {
		case doc == nil && len(errs) == 0:
			t.Fatal("no Document and no errors")
		case doc != nil && len(errs) > 0:
			t.Fatalf("a Document and errors: %v", errs)
		case doc != nil:
			if again := doc.Validate(); len(again) > 0 {
				t.Fatalf("parsed Document does not validate: %v", again)
			}
		}
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("error for %q has no message", e.Field)
			}
		}
		if !isSorted(errs) {
			t.Fatalf("errors not sorted: %v", fieldsOf(errs))
		}
	})
}
