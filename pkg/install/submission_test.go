package install_test

import (
	"testing"

	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/store/storetest"
)

// submission stores events/checklist.json as version 1 of a new submission.
func submission(t *testing.T) (*store.Store, string) {
	return storetest.Submission(t, "../../events/checklist.json")
}
