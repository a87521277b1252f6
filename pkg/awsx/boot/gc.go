package boot

import (
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// GC is a collector setting for a function (see TuneGC).
type GC struct {
	// Percent is GOGC: the heap may grow by this percentage of what was
	// live after a collection before the next one starts.
	Percent int
	// Limit is the soft memory limit in bytes (GOMEMLIMIT), 0 for none.
	Limit int64
}

// limitShare is the part of the function's memory the heap may take
// before the collector works harder whatever Percent says: the rest is
// the runtime's own memory, stacks, and the Lambda runtime's.
const limitShare = 0.75

// gcSettings works out TuneGC's setting from the environment (getenv):
// percent unless GOGC is set, and a limit of limitShare of the function's
// memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MiB) unless GOMEMLIMIT is
// set or the memory size is unknown; setPercent and setLimit say which of
// the two there is to set.
func gcSettings(getenv func(string) string, percent int) (gc GC, setPercent, setLimit bool) {
	if strings.TrimSpace(getenv("GOGC")) == "" && percent > 0 {
		gc.Percent, setPercent = percent, true
	}
	if strings.TrimSpace(getenv("GOMEMLIMIT")) == "" {
		if mib, err := strconv.Atoi(strings.TrimSpace(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))); err == nil && mib > 0 {
			gc.Limit, setLimit = int64(math.Floor(float64(mib)*limitShare))<<20, true
		}
	}
	return gc, setPercent, setLimit
}

// TuneGC sets the collector of a function whose heap is small next to its
// memory size: with GOGC at its default of 100, a function that allocates
// a few times its live heap per invocation (decoding AWS responses,
// building a report) collects several times per invocation, and on the
// fraction of a CPU a small Lambda gets the collector's work adds to the
// invocation's time. A higher percent collects less often; the soft
// memory limit keeps that from ever running the function out of memory (the
// collector works harder near it). GOGC and GOMEMLIMIT in the function's
// environment override both, so an operator can change them without a
// build.
func TuneGC(log *slog.Logger, percent int, getenv func(string) string) {
	gc, setPercent, setLimit := gcSettings(getenv, percent)
	if setPercent {
		debug.SetGCPercent(gc.Percent)
	}
	if setLimit {
		debug.SetMemoryLimit(gc.Limit)
	}
	log.Debug("collector", "gogc", gc.Percent, "setGOGC", setPercent, "memoryLimit", gc.Limit, "setLimit", setLimit)
}
