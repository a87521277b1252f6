package verify

import (
	"strconv"
	"strings"
	"unsafe"
)

// textArena builds the messages of many checks with few allocations: each
// message is written after the previous one into a shared byte chunk and
// returned as a string over the bytes it occupies. A chunk is never
// written again where a returned message lies (messages are only appended,
// and a full chunk is replaced, not grown in place), so those strings stay
// immutable, as strings.Builder's do by the same means: a large
// environment's thousands of per-node messages cost a few chunk
// allocations instead of one allocation each (plus the intermediate
// strings of concatenation).
//
// The chunk is a fixed slice and the bytes used a count: writing a part
// copies bytes and moves the count, and no pointer is stored except when
// a chunk is replaced. (Storing a slice header back per part, as an
// append does, costs a write barrier each time while the collector
// marks: a tenth of the time of the per-node rules.)
//
// Usage: a.start(); a.s("…"); a.s(id); …; msg := a.end().
type textArena struct {
	chunk []byte // its whole length is room; chunk[:n] is written
	n     int
	begin int // where the message being written starts
}

// Chunks start small (a small environment's report is small) and double
// up to the largest.
const (
	arenaFirstChunk = 4 << 10
	arenaChunk      = 64 << 10
)

// uninitBytes returns n bytes of new memory that are not zeroed: every
// byte of a chunk is written before it is read, and zeroing the chunks of
// a large report cost as much as a tenth of evaluating it. strings.Builder
// is the standard library's way to such memory (its Grow does not zero);
// the slice is made over the whole room it allocated.
func uninitBytes(n int) []byte {
	var b strings.Builder
	b.Grow(n)
	b.WriteByte(0)
	return unsafe.Slice(unsafe.StringData(b.String()), n)
}

// start begins a message.
func (t *textArena) start() { t.begin = t.n }

// grow moves the message begun so far to a new chunk with room for more
// more bytes (the old chunk keeps the strings already returned).
func (t *textArena) grow(more int) {
	cur := t.chunk[t.begin:t.n]
	size := max(min(2*len(t.chunk), arenaChunk), arenaFirstChunk, 2*(len(cur)+more))
	chunk := uninitBytes(size)
	t.n = copy(chunk, cur)
	t.chunk, t.begin = chunk, 0
}

func (t *textArena) s(v string) *textArena {
	if t.n+len(v) > len(t.chunk) {
		t.grow(len(v))
	}
	t.n += copy(t.chunk[t.n:], v)
	return t
}

func (t *textArena) int(n int) *textArena {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	if t.n+len(d) > len(t.chunk) {
		t.grow(len(d))
	}
	t.n += copy(t.chunk[t.n:], d)
	return t
}

// end returns the message written since start.
func (t *textArena) end() string {
	msg := t.chunk[t.begin:t.n]
	t.begin = t.n
	if len(msg) == 0 {
		return ""
	}
	// The bytes are never written again (see textArena).
	return unsafe.String(&msg[0], len(msg))
}

// words returns the concatenation of parts, written into the arena.
func (t *textArena) words(parts ...string) string {
	t.start()
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if t.n+n > len(t.chunk) {
		t.grow(n)
	}
	for _, p := range parts {
		t.n += copy(t.chunk[t.n:], p)
	}
	return t.end()
}

// list writes items as andList does: "a", "a and b", "a, b and c".
func (t *textArena) list(items []string) *textArena {
	for i, it := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			t.s(" and ")
		default:
			t.s(", ")
		}
		t.s(it)
	}
	return t
}

// resSlab hands out the resources of many checks from shared backing
// arrays, each a slice of its own with no room past its end (so that an
// append copies rather than writes into the next check's resources).
type resSlab []string

func (r *resSlab) of(ids ...string) []string {
	if len(*r)+len(ids) > cap(*r) {
		*r = make([]string, 0, max(256, 2*len(ids)))
	}
	start := len(*r)
	*r = append(*r, ids...)
	return (*r)[start:len(*r):len(*r)]
}
