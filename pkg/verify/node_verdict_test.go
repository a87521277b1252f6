package verify

import (
	"strings"
	"testing"
)

// nodeVerdict is what a per-node rule should say of one node: its status
// and a part of its message.
type nodeVerdict struct {
	status Status
	msg    string
}

// expectNodeVerdicts checks that the report holds exactly one check of the
// rule per declared node (its first resource), each as want says of it.
func expectNodeVerdicts(t *testing.T, r Report, rule string, ids []string, want func(k int, id string) nodeVerdict) {
	t.Helper()
	got := map[string]Check{}
	for _, c := range checksOf(r, rule) {
		got[c.Resources[0]] = c
	}
	if len(got) != len(ids) {
		t.Fatalf("%d %s checks, want %d", len(got), rule, len(ids))
	}
	for k, id := range ids {
		w := want(k, id)
		if c := got[id]; c.Status != w.status || !strings.Contains(c.Message, w.msg) {
			t.Errorf("node %d: %s %q, want %s with %q", k, c.Status, c.Message, w.status, w.msg)
		}
	}
}
