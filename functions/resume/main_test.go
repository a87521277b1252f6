package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/intake"
)

func TestGraceFromEnv(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", intake.DefaultResumeGrace, false},
		{"10", 10 * time.Second, false},
		{"600", 10 * time.Minute, false},
		{"0", 0, true},
		{"-5", 0, true},
		{"2m", 0, true},
		{"ten", 0, true},
	}
	for _, c := range cases {
		got, err := graceFromEnv(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("graceFromEnv(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "RESUME_GRACE_SECONDS") {
			t.Errorf("error %q does not name the variable", err)
		}
	}
}

// The sample is what EventBridge delivers to the resumer's schedule target.
func TestSampleScheduledEvent(t *testing.T) {
	b, err := os.ReadFile("../../events/schedule/resume.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || len(ev.Resources) != 1 {
		t.Errorf("sample is not a scheduled event: %+v", ev)
	}
}
