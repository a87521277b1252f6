package checklist

import (
	"path/filepath"
	"testing"
)

// BenchmarkParse measures parsing and validating the sample checklist and
// an invalid one (several problems reported at once).
//
//	go test -run '^$' -bench Parse -benchmem ./pkg/checklist/
func BenchmarkParse(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"valid", filepath.Join(eventsDir, "checklist.json")},
		{"invalid", filepath.Join(eventsDir, "invalid", "multiple-problems.json")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := readFile(b, tc.file)
			var errs []FieldError
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, errs = Parse(data)
			}
			if (tc.name == "valid") != (len(errs) == 0) {
				b.Fatalf("%s: %d problems", tc.name, len(errs))
			}
			b.ReportMetric(float64(len(errs)), "problems/op")
		})
	}
}
