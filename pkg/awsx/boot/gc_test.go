package boot

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestGCSettings(t *testing.T) {
	cases := []struct {
		name                 string
		env                  map[string]string
		percent              int
		want                 GC
		setPercent, setLimit bool
	}{
		{"lambda", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}, 400, GC{Percent: 400, Limit: 384 << 20}, true, true},
		{"odd memory size rounds down", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "129"}, 400, GC{Percent: 400, Limit: 96 << 20}, true, true},
		{"outside Lambda: no limit", map[string]string{}, 400, GC{Percent: 400}, true, false},
		{"GOGC set by the operator wins", map[string]string{"GOGC": "150", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}, 400, GC{Limit: 384 << 20}, false, true},
		{"GOMEMLIMIT set by the operator wins", map[string]string{"GOMEMLIMIT": "200MiB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}, 400, GC{Percent: 400}, true, false},
		{"unreadable memory size", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}, 400, GC{Percent: 400}, true, false},
		{"no percent asked for", map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}, 0, GC{Limit: 768 << 20}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gc, sp, sl := gcSettings(func(k string) string { return c.env[k] }, c.percent)
			if gc != c.want || sp != c.setPercent || sl != c.setLimit {
				t.Errorf("gcSettings = %+v, %v, %v; want %+v, %v, %v", gc, sp, sl, c.want, c.setPercent, c.setLimit)
			}
		})
	}
}

func TestTuneGCSetsTheRuntime(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	env := map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"}
	TuneGC(slog.New(slog.DiscardHandler), 400, func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC = %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 384<<20 {
		t.Errorf("memory limit = %d, want %d", got, 384<<20)
	}
}
