// Package workflow holds what the install state machine and its task
// functions share: the Amazon States Language definition (built by one
// function for the cloud and the local stack) and the JSON shapes of
// execution and task inputs and outputs.
package workflow

import (
	"fmt"

	"github.com/psaas/appliance-intake/pkg/verify"
)

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
	EventChangesRequested  = "changes-requested"
	EventApprovalRequested = "approval-requested"
	EventApprovalReminder  = "approval-reminder"
	EventRejected          = "rejected"
	EventExpired           = "expired"
	EventDeployRequested   = "deploy-requested"
	EventDeployFailed      = "deploy-failed"
	EventUnhealthy         = "unhealthy"
	EventCompleted         = "completed"
	EventFailed            = "failed"
)

// NotifyInput is the notify task's payload.
type NotifyInput struct {
	SubmissionID string     `json:"submissionId"`
	Version      int        `json:"version"`
	Event        string     `json:"event"`
	Environment  string     `json:"environment"`
	ReportKey    string     `json:"reportKey,omitempty"`
	Error        *TaskError `json:"error,omitempty"`
	// Gate, Kind and TaskToken are set on the waitForTaskToken gates.
	Gate      string `json:"gate,omitempty"`
	Kind      string `json:"kind,omitempty"` // approve | deploy
	TaskToken string `json:"taskToken,omitempty"`
	// Decision is the PM's answer that led here (rejected, deploy failed).
	Decision *Decision `json:"decision,omitempty"`
	// Health is the last health-check result (unhealthy).
	Health *HealthOutput `json:"health,omitempty"`
}

// Decision is what an approval link sends back with SendTaskSuccess.
type Decision struct {
	Decision   string `json:"decision"` // approved | rejected | deployed | failed
	Actor      string `json:"actor"`
	Comment    string `json:"comment,omitempty"`
	ApprovalID string `json:"approvalId,omitempty"`
}

// HealthInput is the health-check task's payload.
type HealthInput struct {
	SubmissionID string `json:"submissionId"`
	Version      int    `json:"version"`
	Environment  string `json:"environment"`
	Attempt      int    `json:"attempt"`
	MaxAttempts  int    `json:"maxAttempts"`
}

// HealthOutput is one health-check attempt's result.
type HealthOutput struct {
	Healthy bool   `json:"healthy"`
	Attempt int    `json:"attempt"`
	GiveUp  bool   `json:"giveUp"`
	URL     string `json:"url"`
	Detail  string `json:"detail"`
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
	StatusReceived           = "received"
	StatusInProgress         = "in-progress"
	StatusAwaitingApproval   = "awaiting-approval"
	StatusAwaitingDeployment = "awaiting-deployment"
	StatusChangesRequested   = "changes-requested"
	StatusRejected           = "rejected"
	StatusExpired            = "expired"
	StatusFailed             = "failed"
	StatusCompleted          = "completed"
)

// Stages: the step of the install the status refers to, in flow order.
const (
	StageIntake    = "intake"
	StageCompleted = "completed"
)

// Stages lists the install's stages in flow order, for timelines.
var Stages = []string{StageIntake, "verify-dev", "approve-dev", "deploy-dev", "healthcheck-dev",
	"verify-prod", "approve-prod", "deploy-prod", "healthcheck-prod", StageCompleted}
