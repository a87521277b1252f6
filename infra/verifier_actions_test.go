package main

import (
	"slices"
	"testing"

	"github.com/psaas/appliance-intake/pkg/inventory"
)

// TestVerifierRoleAllowsEverythingTheCollectorCalls: a call the role does
// not allow would turn into an "error" finding in every customer account.
func TestVerifierRoleAllowsEverythingTheCollectorCalls(t *testing.T) {
	for _, src := range inventory.Sources {
		if !slices.Contains(VerifierReadOnlyActions, string(src)) {
			t.Errorf("the collector calls %s but the verifier role does not allow it", src)
		}
	}
	if len(inventory.Sources) < 15 {
		t.Fatalf("only %d sources listed", len(inventory.Sources))
	}
}
