package verify

import (
	"strconv"
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
// strings of concatenation). A plain byte slice rather than a
// strings.Builder: appending to it is inlined, which halves the cost of a
// message of several parts.
//
// Usage: a.start(); a.s("…"); a.s(id); …; msg := a.end().
type textArena struct {
	buf   []byte
	begin int
}

// Chunks start small (a small environment's report is small) and double
// up to the largest.
const (
	arenaFirstChunk = 4 << 10
	arenaChunk      = 64 << 10
)

// start begins a message.
func (t *textArena) start() { t.begin = len(t.buf) }

// grow moves the message begun so far to a new chunk with room for n more
// bytes (the old chunk keeps the strings already returned).
func (t *textArena) grow(n int) {
	cur := t.buf[t.begin:]
	size := max(min(2*cap(t.buf), arenaChunk), arenaFirstChunk, 2*(len(cur)+n))
	t.buf = append(make([]byte, 0, size), cur...)
	t.begin = 0
}

func (t *textArena) s(v string) *textArena {
	if len(t.buf)+len(v) > cap(t.buf) {
		t.grow(len(v))
	}
	t.buf = append(t.buf, v...)
	return t
}

func (t *textArena) int(n int) *textArena {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(n), 10)
	if len(t.buf)+len(d) > cap(t.buf) {
		t.grow(len(d))
	}
	t.buf = append(t.buf, d...)
	return t
}

// end returns the message written since start.
func (t *textArena) end() string {
	msg := t.buf[t.begin:]
	t.begin = len(t.buf)
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
	if len(t.buf)+n > cap(t.buf) {
		t.grow(n)
	}
	for _, p := range parts {
		t.buf = append(t.buf, p...)
	}
	return t.end()
}

// passNode is pass(concatenation of parts, id) for a node's check: the
// message in the arena, the resources the node's shared []string{id}.
func (a *awsInput) passNode(id string, parts ...string) Check {
	return Check{Status: StatusPass, Message: a.text.words(parts...), Resources: a.resOf(id)}
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

// with is of(append([]string{id}, rest...)...).
func (r *resSlab) with(id string, rest []string) []string {
	n := 1 + len(rest)
	if len(*r)+n > cap(*r) {
		*r = make([]string, 0, max(256, 2*n))
	}
	start := len(*r)
	*r = append(append(*r, id), rest...)
	return (*r)[start : start+n : start+n]
}
