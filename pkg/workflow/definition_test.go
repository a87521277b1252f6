package workflow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func testSettings() Settings {
	s := DefaultSettings()
	s.VerifyFunctionArn, s.NotifyFunctionArn, s.HealthFunctionArn = "arn:verify", "arn:notify", "arn:health"
	return s
}

func parse(t *testing.T, s Settings) map[string]map[string]any {
	t.Helper()
	def, err := Definition(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		StartAt string
		States  map[string]map[string]any
	}
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.States[doc.StartAt] == nil {
		t.Fatalf("StartAt %q is not a state", doc.StartAt)
	}
	return doc.States
}

// targets lists every state a state can move to.
func targets(st map[string]any) []string {
	var out []string
	if n, ok := st["Next"].(string); ok {
		out = append(out, n)
	}
	if d, ok := st["Default"].(string); ok {
		out = append(out, d)
	}
	for _, key := range []string{"Choices", "Catch"} {
		list, _ := st[key].([]any)
		for _, c := range list {
			if n, ok := c.(map[string]any)["Next"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

func TestDefinitionIsWellFormed(t *testing.T) {
	states := parse(t, testSettings())
	reached := map[string]bool{"VerifyDev": true}
	queue := []string{"VerifyDev"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		st := states[name]
		for _, next := range targets(st) {
			if states[next] == nil {
				t.Errorf("%s moves to missing state %s", name, next)
			}
			if !reached[next] {
				reached[next] = true
				queue = append(queue, next)
			}
		}
		typ := st["Type"]
		if typ != "Choice" && typ != "Succeed" && typ != "Fail" && st["Next"] == nil && st["End"] != true {
			t.Errorf("%s (%s) neither moves on nor ends", name, typ)
		}
		if typ == "Task" {
			if st["TimeoutSeconds"] == nil || st["Retry"] == nil || st["Catch"] == nil {
				t.Errorf("task %s lacks TimeoutSeconds, Retry or Catch", name)
			}
		}
	}
	for name := range states {
		if !reached[name] {
			t.Errorf("state %s is unreachable", name)
		}
	}
}

func TestGatesWaitForTheirTokenWithTimeouts(t *testing.T) {
	s := testSettings()
	s.ApprovalTimeout, s.ApprovalReminder, s.DeployTimeout = 72*time.Hour, 24*time.Hour, 96*time.Hour
	states := parse(t, s)
	want := map[string]float64{
		"ApproveDev": 48 * 3600, "RemindDevApproval": 24 * 3600, "DeployDev": 96 * 3600,
		"ApproveProd": 48 * 3600, "RemindProdApproval": 24 * 3600, "DeployProd": 96 * 3600,
	}
	for name, st := range states {
		res, _ := st["Resource"].(string)
		isGate := strings.HasSuffix(res, ".waitForTaskToken")
		if _, ok := want[name]; ok != isGate {
			t.Errorf("%s: gate=%v", name, isGate)
			continue
		}
		if !isGate {
			continue
		}
		if st["TimeoutSeconds"] != want[name] {
			t.Errorf("%s TimeoutSeconds %v, want %v", name, st["TimeoutSeconds"], want[name])
		}
		payload := st["Parameters"].(map[string]any)["Payload"].(map[string]any)
		if payload["taskToken.$"] != "$$.Task.Token" {
			t.Errorf("%s does not pass the task token", name)
		}
		catches, _ := json.Marshal(st["Catch"])
		if !strings.Contains(string(catches), "States.Timeout") {
			t.Errorf("%s has no timeout path", name)
		}
	}
}

// TestUsesOnlyWhatTheEmulatorRuns: no intrinsic functions, no JSONata,
// no $$.Execution context outside the task token (see kumo.md).
func TestUsesOnlyWhatTheEmulatorRuns(t *testing.T) {
	def, err := Definition(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"States.Format", "States.StringToJson", "States.Array", "States.MathAdd", "States.UUID", "QueryLanguage", "$$.Execution", "HeartbeatSeconds"} {
		if strings.Contains(def, banned) {
			t.Errorf("definition uses %s", banned)
		}
	}
}

func TestHealthLoopBoundsAttempts(t *testing.T) {
	s := testSettings()
	s.HealthInterval, s.HealthWindow = 10*time.Second, time.Minute
	states := parse(t, s)
	p := states["HealthCheckDev"]["Parameters"].(map[string]any)["Payload"].(map[string]any)
	if p["maxAttempts"] != 7.0 {
		t.Errorf("maxAttempts %v, want 7 (one per 10 s over a minute, plus the first)", p["maxAttempts"])
	}
	if states["WaitHealthDev"]["Seconds"] != 10.0 {
		t.Errorf("wait %v", states["WaitHealthDev"]["Seconds"])
	}
}

func TestSettingsValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Settings)
		want   string
	}{
		{"no verify", func(s *Settings) { s.VerifyFunctionArn = "" }, "VerifyFunctionArn"},
		{"reminder after timeout", func(s *Settings) { s.ApprovalReminder = s.ApprovalTimeout }, "ApprovalReminder"},
		{"tiny deploy", func(s *Settings) { s.DeployTimeout = 0 }, "DeployTimeout"},
		{"window below interval", func(s *Settings) { s.HealthWindow = time.Second; s.HealthInterval = time.Minute }, "HealthWindow"},
		{"beyond a year", func(s *Settings) { s.DeployTimeout = 200 * 24 * time.Hour }, "one year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSettings()
			tt.mutate(&s)
			_, err := Definition(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestExecutionNameIsDeterministic(t *testing.T) {
	if a, b := ExecutionName("sub-x", 2), ExecutionName("sub-x", 2); a != b || a != "sub-x-v2" {
		t.Fatalf("%s %s", a, b)
	}
}

// A Choice rule on a path the task output lacks is a States.Runtime error
// in Step Functions, and a Choice has no Catch: the execution would fail
// with nothing recorded. Every comparison must first check that its
// variable is present and typed, and every Choice must have a Default.
func TestChoicesSurviveAnswersWithoutAVerdict(t *testing.T) {
	for name, st := range parse(t, testSettings()) {
		if st["Type"] != "Choice" {
			continue
		}
		if d, _ := st["Default"].(string); d == "" {
			t.Errorf("%s has no Default", name)
		}
		for i, c := range st["Choices"].([]any) {
			rule := c.(map[string]any)
			and, _ := rule["And"].([]any)
			if len(and) < 2 {
				t.Errorf("%s rule %d is not guarded: %v", name, i, rule)
				continue
			}
			guard := and[0].(map[string]any)
			if guard["IsPresent"] != true {
				t.Errorf("%s rule %d does not check IsPresent first: %v", name, i, guard)
			}
			for _, cond := range and[1:] {
				if v := cond.(map[string]any)["Variable"]; v != guard["Variable"] {
					t.Errorf("%s rule %d guards %v but compares %v", name, i, guard["Variable"], v)
				}
			}
		}
	}
}
