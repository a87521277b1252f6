package verify

import (
	"fmt"
	"strings"
	"testing"

	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// The VM rules' shortcuts must word exactly what the general code does.

func TestRunningWordsAsStateOf(t *testing.T) {
	var r vmRunning
	var arena textArena
	types := []string{"m4.xlarge", " m4.large ", "", " "}
	zones := []string{"us-east-1a", "us-east-1b", "eu-west-1a", " us-east-1c", "us-east-1c\t", "", "a", "b", "c", "d", "e"}
	for round := range 2 { // the second round reads the pairs worded in the first
		for _, typ := range types {
			for _, az := range zones {
				got := r.words(&arena, typ, az)
				what := strings.TrimSpace(typ)
				want := ""
				if what != "" && az != "" && az == strings.TrimSpace(az) {
					want = " (" + what + " in " + az + ") is running."
				}
				if got != want {
					t.Errorf("round %d: words(%q, %q) = %q, want %q", round, typ, az, got, want)
				}
			}
		}
	}
}

func TestNICWordsOneInterface(t *testing.T) {
	for _, eni := range []string{"eni-1", "", " "} {
		inst := &inventory.Instance{ID: "i-1", Interfaces: []inventory.Interface{{ID: eni}}}
		var a, b textArena
		a.start()
		nicWords(&a, inst, 1)
		b.start()
		b.s(inst.ID).s(" has 1 network interface (").s(cmpOrDefault(eni, "an interface")).s(").")
		if got, want := b.end(), a.end(); got != want {
			t.Errorf("interface %q: %q, want %q", eni, got, want)
		}
	}
	inst := &inventory.Instance{ID: "i-2", Interfaces: []inventory.Interface{{ID: "eni-1"}, {ID: ""}}}
	var a textArena
	a.start()
	nicWords(&a, inst, 2)
	if got, want := a.end(), fmt.Sprintf("%s has 2 network interfaces (eni-1, an interface).", inst.ID); got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
