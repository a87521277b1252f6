package workflow

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var knownEvents = map[string]bool{
	EventChangesRequested: true, EventApprovalRequested: true, EventApprovalReminder: true, EventRejected: true,
	EventExpired: true, EventDeployRequested: true, EventDeployFailed: true, EventUnhealthy: true,
	EventCompleted: true, EventFailed: true,
}

// TestSampleStateInputs keeps events/state in step with the task input
// types: every sample decodes strictly into its type.
func TestSampleStateInputs(t *testing.T) {
	files, err := filepath.Glob("../../events/state/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			name := filepath.Base(f)
			switch {
			case strings.HasPrefix(name, "notify-"):
				var in NotifyInput
				if err := dec.Decode(&in); err != nil {
					t.Fatal(err)
				}
				if !knownEvents[in.Event] {
					t.Errorf("unknown event %q", in.Event)
				}
				if (in.TaskToken != "") != (in.Event == EventApprovalRequested || in.Event == EventApprovalReminder || in.Event == EventDeployRequested) {
					t.Errorf("event %s with task token %q", in.Event, in.TaskToken)
				}
			case strings.HasPrefix(name, "verify-"):
				var in VerifyInput
				if err := dec.Decode(&in); err != nil || in.Environment == "" {
					t.Fatalf("%v %+v", err, in)
				}
			case strings.HasPrefix(name, "health-"):
				var in HealthInput
				if err := dec.Decode(&in); err != nil || in.MaxAttempts == 0 {
					t.Fatalf("%v %+v", err, in)
				}
			case name == "execution-input.json":
				var in ExecutionInput
				if err := dec.Decode(&in); err != nil || in.SubmissionID == "" {
					t.Fatalf("%v %+v", err, in)
				}
			default:
				t.Fatalf("no input type for %s", name)
			}
		})
	}
}
