package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Settings are the values the definition is built from: the task functions
// and the timing of gates and health checks. The cloud (CDK, with ARN
// tokens) and the local stack (with kumo's ARNs) build from the same code.
type Settings struct {
	VerifyFunctionArn string
	NotifyFunctionArn string
	HealthFunctionArn string

	// ApprovalTimeout is how long a PM has to decide a gate; a reminder
	// goes out ApprovalReminder before it expires.
	ApprovalTimeout  time.Duration
	ApprovalReminder time.Duration
	// DeployTimeout is how long a deployment confirmation may take.
	DeployTimeout time.Duration
	// HealthInterval and HealthWindow: /testall is retried every interval
	// until it answers OK or the window has passed.
	HealthInterval time.Duration
	HealthWindow   time.Duration
}

// DefaultSettings are the production timings; ARNs must still be set.
func DefaultSettings() Settings {
	return Settings{
		ApprovalTimeout:  7 * 24 * time.Hour,
		ApprovalReminder: 2 * 24 * time.Hour,
		DeployTimeout:    14 * 24 * time.Hour,
		HealthInterval:   time.Minute,
		HealthWindow:     30 * time.Minute,
	}
}

// Validate names every setting that cannot build a working definition.
func (s Settings) Validate() error {
	var errs []error
	for name, v := range map[string]string{"VerifyFunctionArn": s.VerifyFunctionArn, "NotifyFunctionArn": s.NotifyFunctionArn, "HealthFunctionArn": s.HealthFunctionArn} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	if s.ApprovalTimeout < 2*time.Second {
		errs = append(errs, fmt.Errorf("ApprovalTimeout %s: must be at least 2s", s.ApprovalTimeout))
	}
	if s.ApprovalReminder <= 0 || s.ApprovalReminder >= s.ApprovalTimeout {
		errs = append(errs, fmt.Errorf("ApprovalReminder %s: must be positive and shorter than ApprovalTimeout %s", s.ApprovalReminder, s.ApprovalTimeout))
	}
	if s.DeployTimeout < time.Second {
		errs = append(errs, fmt.Errorf("DeployTimeout %s: must be at least 1s", s.DeployTimeout))
	}
	if s.HealthInterval < time.Second || s.HealthWindow < s.HealthInterval {
		errs = append(errs, fmt.Errorf("HealthInterval %s / HealthWindow %s: interval ≥ 1s and window ≥ interval", s.HealthInterval, s.HealthWindow))
	}
	if total := s.ApprovalTimeout*2 + s.DeployTimeout*2 + s.HealthWindow*2; total > 365*24*time.Hour {
		errs = append(errs, fmt.Errorf("gates add up to %s, beyond a STANDARD execution's one year", total))
	}
	return errors.Join(errs...)
}

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

type state = map[string]any

// lambdaRetry retries the transient Lambda service errors with backoff.
// Function errors are not retried: they are bugs or domain problems and go
// to NotifyFailed.
var lambdaRetry = []any{
	state{
		"ErrorEquals":     []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException"},
		"IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2, "JitterStrategy": "FULL",
	},
}

func catchAll(next string) state {
	return state{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.error", "Next": next}
}

// payload is the common task payload: which submission version.
func payload(extra state) state {
	p := state{"submissionId.$": "$.submissionId", "version.$": "$.version"}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

func invoke(fn string, p state, timeout int, resultPath any) state {
	return state{
		"Type":           "Task",
		"Resource":       "arn:aws:states:::lambda:invoke",
		"Parameters":     state{"FunctionName": fn, "Payload": p},
		"ResultPath":     resultPath,
		"TimeoutSeconds": timeout,
		"Retry":          lambdaRetry,
	}
}

// notifyTask announces a stage change; it never fails the workflow over a
// channel (the function records channel failures) but a failure to record
// the stage itself goes to NotifyFailed.
func (b *builder) notifyTask(event, env string, extra state) state {
	p := payload(state{"event": event, "environment": env})
	for k, v := range extra {
		p[k] = v
	}
	t := invoke(b.s.NotifyFunctionArn, p, 60, nil)
	t["Catch"] = []any{catchAll("NotifyFailed")}
	return t
}

// gateTask waits for a person: the notify function stores the task token
// with an approval record and sends the PM a signed link; the decision
// comes back through SendTaskSuccess as {"decision": …}.
func (b *builder) gateTask(event, env, gate, kind string, timeout int, resultPath, onTimeout string, extra state) state {
	p := payload(state{"event": event, "environment": env, "gate": gate, "kind": kind, "taskToken.$": "$$.Task.Token"})
	for k, v := range extra {
		p[k] = v
	}
	t := invoke(b.s.NotifyFunctionArn, p, timeout, resultPath)
	t["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
	t["Catch"] = []any{
		state{"ErrorEquals": []string{"States.Timeout"}, "ResultPath": "$.timeout", "Next": onTimeout},
		catchAll("NotifyFailed"),
	}
	return t
}

type builder struct {
	s      Settings
	states map[string]any
}

func (b *builder) add(name string, st state) { b.states[name] = st }

// invalid routes a Choice default (a task answered without a verdict) to
// NotifyFailed with an error the trail can show.
func (b *builder) invalid(name, what string) {
	b.add(name, state{
		"Type":       "Pass",
		"Result":     state{"Error": "TaskOutputInvalid", "Cause": what + " returned no verdict; see the function's logs."},
		"ResultPath": "$.error",
		"Next":       "NotifyFailed",
	})
}

// when is a Choice rule that matches only when the variable is present and
// of the compared type: in Step Functions a rule on a missing path is a
// States.Runtime error that fails the execution outright (no Catch on a
// Choice), so a task answering without its verdict — a Lambda error
// payload, a timed-out function under the emulator — must fall through to
// the Default and be reported instead.
func when(variable, op string, value any, next string) state {
	typeCheck := "IsString"
	if op == "BooleanEquals" {
		typeCheck = "IsBoolean"
	}
	return state{
		"And": []any{
			state{"Variable": variable, "IsPresent": true},
			state{"Variable": variable, typeCheck: true},
			state{"Variable": variable, op: value},
		},
		"Next": next,
	}
}

func title(env string) string { return strings.ToUpper(env[:1]) + env[1:] }

// environment adds the states of one environment: verify, approve (with a
// reminder), deploy, health check. next is where a healthy environment goes.
func (b *builder) environment(env, next string) {
	E := title(env)
	verified := "$.verify" + E
	b.add("Verify"+E, func() state {
		t := invoke(b.s.VerifyFunctionArn, payload(state{"environment": env}), 300, verified)
		t["Comment"] = "Verify the " + strings.ToUpper(env) + " environment; the report is stored, only the verdict travels."
		t["Retry"] = append(append([]any{}, lambdaRetry...), state{"ErrorEquals": []string{"States.Timeout"}, "IntervalSeconds": 5, "MaxAttempts": 1})
		t["Catch"] = []any{catchAll("NotifyFailed")}
		t["Next"] = E + "Verdict"
		return t
	}())
	// No ResultSelector on verify: a selector on a missing field fails the
	// task; the Choice below routes a payload without "passed" to Default.
	b.add(E+"Verdict", state{
		"Type": "Choice",
		"Choices": []any{
			when(verified+".Payload.passed", "BooleanEquals", true, "Approve"+E),
			when(verified+".Payload.passed", "BooleanEquals", false, E+"ChangesRequested"),
		},
		"Default": E + "VerifyInvalid",
	})
	b.invalid(E+"VerifyInvalid", "The "+env+" verification")
	report := state{"reportKey.$": verified + ".Payload.reportKey"}
	cr := b.notifyTask(EventChangesRequested, env, report)
	cr["End"] = true
	b.add(E+"ChangesRequested", cr)

	approval := "$.approve" + E
	reminder := seconds(b.s.ApprovalTimeout - b.s.ApprovalReminder)
	a := b.gateTask(EventApprovalRequested, env, "approve-"+env, "approve", reminder, approval, "Remind"+E+"Approval", report)
	a["Next"] = E + "ApprovalDecision"
	b.add("Approve"+E, a)
	r := b.gateTask(EventApprovalReminder, env, "approve-"+env, "approve", seconds(b.s.ApprovalReminder), approval, E+"ApprovalExpired", report)
	r["Comment"] = "Re-issues the same approval (same link) with a new task token and reminds the PM."
	r["Next"] = E + "ApprovalDecision"
	b.add("Remind"+E+"Approval", r)
	b.add(E+"ApprovalDecision", state{
		"Type": "Choice",
		"Choices": []any{
			when(approval+".decision", "StringEquals", "approved", "Deploy"+E),
			when(approval+".decision", "StringEquals", "rejected", E+"Rejected"),
		},
		"Default": E + "ApprovalInvalid",
	})
	b.invalid(E+"ApprovalInvalid", "The "+env+" approval")
	rej := b.notifyTask(EventRejected, env, state{"gate": "approve-" + env, "decision.$": approval})
	rej["End"] = true
	b.add(E+"Rejected", rej)
	exp := b.notifyTask(EventExpired, env, state{"gate": "approve-" + env})
	exp["End"] = true
	b.add(E+"ApprovalExpired", exp)

	deploy := "$.deploy" + E
	d := b.gateTask(EventDeployRequested, env, "deploy-"+env, "deploy", seconds(b.s.DeployTimeout), deploy, E+"DeployExpired", nil)
	d["Next"] = E + "DeployDecision"
	b.add("Deploy"+E, d)
	b.add(E+"DeployDecision", state{
		"Type": "Choice",
		"Choices": []any{
			when(deploy+".decision", "StringEquals", "deployed", "InitHealth"+E),
			when(deploy+".decision", "StringEquals", "failed", E+"DeployFailed"),
		},
		"Default": E + "DeployInvalid",
	})
	b.invalid(E+"DeployInvalid", "The "+env+" deployment confirmation")
	dexp := b.notifyTask(EventExpired, env, state{"gate": "deploy-" + env})
	dexp["End"] = true
	b.add(E+"DeployExpired", dexp)
	df := b.notifyTask(EventDeployFailed, env, state{"gate": "deploy-" + env, "decision.$": deploy})
	df["Next"] = "Failed"
	b.add(E+"DeployFailed", df)

	health := "$.health" + E
	b.add("InitHealth"+E, state{
		"Type":       "Pass",
		"Comment":    "Start the health-check loop at attempt 0 (no intrinsic functions: the task counts).",
		"Result":     state{"Payload": state{"attempt": 0}},
		"ResultPath": health,
		"Next":       "HealthCheck" + E,
	})
	maxAttempts := seconds(b.s.HealthWindow)/seconds(b.s.HealthInterval) + 1
	h := invoke(b.s.HealthFunctionArn, payload(state{"environment": env, "attempt.$": health + ".Payload.attempt", "maxAttempts": maxAttempts}), 60, health)
	h["Comment"] = "GET https://<manage hostname>/testall expecting 200 OK; the task returns healthy, attempt and giveUp."
	h["Catch"] = []any{catchAll("NotifyFailed")}
	h["Next"] = E + "HealthVerdict"
	b.add("HealthCheck"+E, h)
	b.add(E+"HealthVerdict", state{
		"Type": "Choice",
		"Choices": []any{
			when(health+".Payload.healthy", "BooleanEquals", true, next),
			when(health+".Payload.giveUp", "BooleanEquals", true, E+"Unhealthy"),
			when(health+".Payload.healthy", "BooleanEquals", false, "WaitHealth"+E),
		},
		"Default": E + "HealthInvalid",
	})
	b.invalid(E+"HealthInvalid", "The "+env+" health check")
	b.add("WaitHealth"+E, state{"Type": "Wait", "Seconds": seconds(b.s.HealthInterval), "Next": "HealthCheck" + E})
	uh := b.notifyTask(EventUnhealthy, env, state{"health.$": health + ".Payload"})
	uh["Next"] = "Failed"
	b.add(E+"Unhealthy", uh)
}

// Definition builds the install workflow's Amazon States Language document.
func Definition(s Settings) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("workflow settings: %w", err)
	}
	b := &builder{s: s, states: map[string]any{}}
	b.environment("dev", "VerifyProd")
	b.environment("prod", "NotifyCompleted")
	done := b.notifyTask(EventCompleted, "prod", nil)
	done["Next"] = "Completed"
	b.add("NotifyCompleted", done)
	b.add("Completed", state{"Type": "Succeed"})

	failed := invoke(s.NotifyFunctionArn, payload(state{"event": EventFailed, "environment": "", "error.$": "$.error"}), 60, nil)
	failed["Comment"] = "Record the unexpected failure on the submission and tell the PM, then fail the execution so alarms see it."
	failed["Catch"] = []any{state{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.notifyError", "Next": "Failed"}}
	failed["Next"] = "Failed"
	b.add("NotifyFailed", failed)
	b.add("Failed", state{"Type": "Fail", "Error": "InstallWorkflowFailed", "Cause": "A step failed or was refused; the submission's audit trail says which and why."})

	doc := state{
		"Comment":        "Appliance Intake install workflow: DEV then PROD, each verified, approved by the PM, deployed and health-checked. Domain outcomes travel in task output and are branched on with Choice; errors are for the unexpected.",
		"StartAt":        "VerifyDev",
		"TimeoutSeconds": 365 * 24 * 3600,
		"States":         b.states,
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode definition: %w", err)
	}
	return string(out), nil
}
