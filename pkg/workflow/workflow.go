// Package workflow holds what the install state machine and its task
// functions share: the Amazon States Language definition (one definition for
// the cloud and the local stack) and the JSON shapes of execution and task
// inputs and outputs.
package workflow

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/psaas/appliance-intake/pkg/verify"
)

//go:embed statemachine.asl.json
var definition string

// Placeholders in the definition, replaced with real function ARNs by CDK
// (DefinitionSubstitutions) and by the local stack.
const (
	VerifyFunctionArn = "VerifyFunctionArn"
	NotifyFunctionArn = "NotifyFunctionArn"
)

// Template returns the definition with its ${Name} placeholders intact.
func Template() string { return definition }

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// Placeholders lists the substitution names the definition expects.
func Placeholders() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(definition, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// Render substitutes every placeholder; a missing value is an error so a
// half-wired state machine is never created.
func Render(values map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(definition, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("render state machine: no value for %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// ExecutionName is the deterministic execution name for one submission
// version, so a retried StartExecution can never run the workflow twice.
func ExecutionName(submissionID string, version int) string {
	return fmt.Sprintf("%s-v%d", submissionID, version)
}

// ExecutionInput starts the install workflow for one submission version.
type ExecutionInput struct {
	SubmissionID string `json:"submissionId"`
	Version      int    `json:"version"`
}

// VerifyInput is the verify task's payload.
type VerifyInput struct {
	SubmissionID string `json:"submissionId"`
	Version      int    `json:"version"`
	Environment  string `json:"environment"`
}

// VerifyOutput is the verify task's result: the verdict and where the full
// report is stored, kept small to stay far below the state payload limit.
type VerifyOutput struct {
	Passed    bool           `json:"passed"`
	ReportKey string         `json:"reportKey"`
	Summary   verify.Summary `json:"summary"`
}

// Notify events: each is a stage change the project manager hears about.
const (
	EventDevVerified      = "dev-verified"
	EventChangesRequested = "changes-requested"
	EventFailed           = "failed"
)

// NotifyInput is the notify task's payload.
type NotifyInput struct {
	SubmissionID string     `json:"submissionId"`
	Version      int        `json:"version"`
	Event        string     `json:"event"`
	Environment  string     `json:"environment"`
	ReportKey    string     `json:"reportKey,omitempty"`
	Error        *TaskError `json:"error,omitempty"`
}

// TaskError is what a Catch puts at ResultPath: the error name and cause.
type TaskError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// NotifyOutput says which channels delivered.
type NotifyOutput struct {
	Status     string   `json:"status"`
	Deliveries []string `json:"deliveries"`
}

// Submission statuses: where the install stands as a whole.
const (
	StatusReceived         = "received"
	StatusInProgress       = "in-progress"
	StatusAwaitingApproval = "awaiting-approval"
	StatusChangesRequested = "changes-requested"
	StatusFailed           = "failed"
)

// Stages: the step of the install the status refers to, in flow order.
const (
	StageIntake     = "intake"
	StageVerifyDev  = "verify-dev"
	StageApproveDev = "approve-dev"
)
