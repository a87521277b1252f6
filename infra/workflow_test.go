package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

const (
	lambdaInvoke     = "arn:aws:states:::lambda:invoke"
	lambdaInvokeWait = "arn:aws:states:::lambda:invoke.waitForTaskToken"
)

// definitionOf returns the service stack's state machine definition as
// CloudFormation will hand it to Step Functions: DefinitionString with each
// ${Name} replaced from DefinitionSubstitutions. A substituted function ARN
// becomes "fn:<logical id of the function>", so tests can tell which
// function a task invokes.
func definitionOf(t testing.TB, tpl template, svc *ServiceStack) map[string]interface{} {
	t.Helper()
	p := props(tpl.resource(t, logicalID(t, svc.Stack, svc.Workflow.StateMachine)))
	raw, ok := p["DefinitionString"].(string)
	if !ok {
		t.Fatalf("DefinitionString is %s, want the definition as a string", js(p["DefinitionString"]))
	}
	subs := obj(p["DefinitionSubstitutions"])
	resolved := placeholderPattern.ReplaceAllStringFunc(raw, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := subs[name]
		if !ok {
			t.Errorf("definition placeholder %s has no substitution: CloudFormation would leave it in place", m)
			return m
		}
		att := list(obj(v)["Fn::GetAtt"])
		if len(att) != 2 || att[1] != "Arn" {
			t.Errorf("substitution %s = %s, want a function's Fn::GetAtt Arn", name, js(v))
			return m
		}
		return "fn:" + att[0].(string)
	})
	var def map[string]interface{}
	if err := json.Unmarshal([]byte(resolved), &def); err != nil {
		t.Fatalf("definition (after substitution) is not JSON: %v", err)
	}
	return def
}

// fnMarker is how definitionOf shows an invocation of fn.
func fnMarker(t testing.TB, svc *ServiceStack, fn *GoFunction) string {
	return "fn:" + logicalID(t, svc.Stack, fn.Function)
}

// timings are the expected, hand-computed numbers of a definition.
type timings struct {
	approve, remind, deploy float64 // gate TimeoutSeconds
	wait                    float64 // health loop Wait seconds
	maxAttempts             float64 // health checks per environment
}

// checkDefinition asserts what must hold for every install workflow:
// every Task is guarded (Retry, Catch, TimeoutSeconds) and ends in
// NotifyFailed when anything unexpected happens, the six human gates wait
// for a task token with the configured timeouts and have a timeout path,
// and each task invokes the right function.
func checkDefinition(t testing.TB, def map[string]interface{}, svc *ServiceStack, want timings) {
	t.Helper()
	verify, notify, health := fnMarker(t, svc, svc.Verify), fnMarker(t, svc, svc.Notify), fnMarker(t, svc, svc.Health)
	states := obj(def["States"])
	if len(states) == 0 {
		t.Fatalf("definition has no states: %s", js(def))
	}
	state := func(name string) map[string]interface{} { return obj(states[name]) }
	if state(def["StartAt"].(string)) == nil {
		t.Errorf("StartAt %v is not a state", def["StartAt"])
	}
	if state("NotifyFailed")["Type"] != "Task" {
		t.Fatalf("no NotifyFailed task")
	}

	gates := map[string]float64{}
	invokes := map[string]string{}
	for name, s := range states {
		st := obj(s)
		// Every transition leads to an existing state.
		targets := []interface{}{st["Next"], st["Default"]}
		for _, c := range list(st["Choices"]) {
			targets = append(targets, obj(c)["Next"])
		}
		for _, c := range list(st["Catch"]) {
			targets = append(targets, obj(c)["Next"])
		}
		for _, n := range targets {
			if n != nil && state(n.(string)) == nil {
				t.Errorf("%s: transition to missing state %v", name, n)
			}
		}
		switch st["Type"] {
		case "Parallel", "Map":
			t.Errorf("%s: %s states are not checked by this test; extend it", name, st["Type"])
		case "Task":
		default:
			continue
		}

		if len(list(st["Retry"])) == 0 {
			t.Errorf("task %s has no Retry", name)
		}
		timeout, _ := st["TimeoutSeconds"].(float64)
		if timeout <= 0 {
			t.Errorf("task %s has no TimeoutSeconds", name)
		}
		catches := list(st["Catch"])
		if len(catches) == 0 {
			t.Errorf("task %s has no Catch", name)
			continue
		}
		// The last catcher takes everything to NotifyFailed (which itself
		// can only fail the execution).
		last := obj(catches[len(catches)-1])
		if !reflect.DeepEqual(last["ErrorEquals"], []interface{}{"States.ALL"}) {
			t.Errorf("task %s: last Catch is %s, want States.ALL", name, js(last))
		}
		if name == "NotifyFailed" {
			if state(last["Next"].(string))["Type"] != "Fail" {
				t.Errorf("NotifyFailed: Catch goes to %v, want a Fail state", last["Next"])
			}
		} else if last["Next"] != "NotifyFailed" {
			t.Errorf("task %s: Catch States.ALL goes to %v, want NotifyFailed", name, last["Next"])
		}

		params := obj(st["Parameters"])
		fn, _ := params["FunctionName"].(string)
		invokes[name] = fn
		if fn != verify && fn != notify && fn != health {
			t.Errorf("task %s invokes %q, not one of the service's functions", name, fn)
		}
		switch st["Resource"] {
		case lambdaInvoke:
		case lambdaInvokeWait:
			gates[name] = timeout
			if tok := obj(params["Payload"])["taskToken.$"]; tok != "$$.Task.Token" {
				t.Errorf("gate %s passes taskToken.$ = %v, want $$.Task.Token", name, tok)
			}
			// A gate's timeout has its own path, caught before States.ALL.
			var timeoutNext interface{}
			for _, c := range catches[:len(catches)-1] {
				if reflect.DeepEqual(obj(c)["ErrorEquals"], []interface{}{"States.Timeout"}) {
					timeoutNext = obj(c)["Next"]
				}
			}
			if timeoutNext == nil {
				t.Errorf("gate %s has no States.Timeout path", name)
			} else if n := state(timeoutNext.(string)); n["Type"] != "Task" || obj(n["Parameters"])["FunctionName"] != notify {
				t.Errorf("gate %s: on timeout goes to %v, want a notify task", name, timeoutNext)
			}
		default:
			t.Errorf("task %s: Resource %v, want a Lambda invoke", name, st["Resource"])
		}
	}

	wantGates := map[string]float64{
		"ApproveDev": want.approve, "ApproveProd": want.approve,
		"RemindDevApproval": want.remind, "RemindProdApproval": want.remind,
		"DeployDev": want.deploy, "DeployProd": want.deploy,
	}
	if !reflect.DeepEqual(gates, wantGates) {
		t.Errorf("waitForTaskToken gates and their TimeoutSeconds:\n got  %v\n want %v", gates, wantGates)
	}
	for _, env := range []string{"Dev", "Prod"} {
		// An unanswered approval is reminded once, then expires.
		for _, c := range []struct{ gate, onTimeout string }{{"Approve" + env, "Remind" + env + "Approval"}} {
			for _, catch := range list(state(c.gate)["Catch"]) {
				if reflect.DeepEqual(obj(catch)["ErrorEquals"], []interface{}{"States.Timeout"}) && obj(catch)["Next"] != c.onTimeout {
					t.Errorf("%s: on timeout goes to %v, want the reminder %s", c.gate, obj(catch)["Next"], c.onTimeout)
				}
			}
		}
		for name, fn := range map[string]string{
			"Verify" + env: verify, "HealthCheck" + env: health,
			"Approve" + env: notify, "Remind" + env + "Approval": notify, "Deploy" + env: notify,
		} {
			if invokes[name] != fn {
				t.Errorf("%s invokes %q, want %q", name, invokes[name], fn)
			}
		}
		// Health loop: check, then wait the configured interval and retry
		// until the window has passed.
		if w := state("WaitHealth" + env); w["Type"] != "Wait" || w["Seconds"] != want.wait || w["Next"] != "HealthCheck"+env {
			t.Errorf("WaitHealth%s = %s, want Wait %v s then HealthCheck%s", env, js(w), want.wait, env)
		}
		if n := obj(obj(state("HealthCheck" + env)["Parameters"])["Payload"])["maxAttempts"]; n != want.maxAttempts {
			t.Errorf("HealthCheck%s maxAttempts = %v, want %v", env, n, want.maxAttempts)
		}
	}
	if invokes["NotifyFailed"] != notify {
		t.Errorf("NotifyFailed invokes %q, want notify", invokes["NotifyFailed"])
	}
}

// TestWorkflowDefinition checks the synthesized definition with the default
// timings (7-day approvals reminded 2 days before expiry, 14-day deploy
// confirmation, a health check every minute for 30 minutes).
func TestWorkflowDefinition(t *testing.T) {
	f := getFixture(t)
	def := definitionOf(t, f.svcJSON, f.svc)
	checkDefinition(t, def, f.svc, timings{approve: 5 * 86400, remind: 2 * 86400, deploy: 14 * 86400, wait: 60, maxAttempts: 31})
}

// TestWorkflowTimingsFromContext: non-default context reaches the gates, the
// health loop and the functions' environment.
func TestWorkflowTimingsFromContext(t *testing.T) {
	_, svc, _ := newTestApp(t, map[string]interface{}{
		CtxApprovalTimeoutDays:    3.0,
		CtxApprovalReminderDays:   "1", // as `cdk -c approvalReminderDays=1` passes it
		CtxDeployTimeoutDays:      5.0,
		CtxHealthIntervalSeconds:  30.0,
		CtxHealthWindowMinutes:    10.0,
		CtxHealthCheckURLTemplate: "https://{host}:8443/testall",
	})
	tpl := toTemplate(assertions.Template_FromStack(svc.Stack, nil))
	def := definitionOf(t, tpl, svc)
	checkDefinition(t, def, svc, timings{approve: 2 * 86400, remind: 86400, deploy: 5 * 86400, wait: 30, maxAttempts: 21})

	envOf := func(fn *GoFunction) map[string]interface{} {
		return obj(obj(props(tpl.resource(t, logicalID(t, svc.Stack, fn.Function)))["Environment"])["Variables"])
	}
	for _, fn := range []*GoFunction{svc.Intake, svc.Notify} {
		if v := envOf(fn)["APPROVAL_LINK_TTL_HOURS"]; v != "96" {
			t.Errorf("%s APPROVAL_LINK_TTL_HOURS = %v, want (3+1)*24 = 96", *fn.Function.Node().Path(), v)
		}
	}
	if v := envOf(svc.Health)["HEALTHCHECK_URL_TEMPLATE"]; v != "https://{host}:8443/testall" {
		t.Errorf("HEALTHCHECK_URL_TEMPLATE = %v", v)
	}
}

// errorCollector records the failures of a check instead of failing the
// test, to prove the check can fail.
type errorCollector struct {
	testing.TB
	errors []string
}

func (c *errorCollector) Helper() {}

func (c *errorCollector) Errorf(format string, args ...interface{}) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

func (c *errorCollector) Fatalf(format string, args ...interface{}) {
	c.Errorf(format, args...)
	panic(c)
}

// TestDefinitionCheckCatchesUnguardedTask proves checkDefinition is not
// vacuous: a task without Catch, a gate without its token and a changed
// timeout are reported.
func TestDefinitionCheckCatchesUnguardedTask(t *testing.T) {
	f := getFixture(t)
	broken := definitionOf(t, f.svcJSON, f.svc)
	states := obj(broken["States"])
	delete(obj(states["VerifyDev"]), "Catch")
	delete(obj(obj(obj(states["DeployProd"])["Parameters"])["Payload"]), "taskToken.$")
	obj(states["RemindProdApproval"])["TimeoutSeconds"] = 60.0

	c := &errorCollector{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != c {
				panic(r)
			}
		}()
		checkDefinition(c, broken, f.svc, timings{approve: 5 * 86400, remind: 2 * 86400, deploy: 14 * 86400, wait: 60, maxAttempts: 31})
	}()
	all := strings.Join(c.errors, "\n")
	for _, want := range []string{"task VerifyDev has no Catch", "gate DeployProd passes taskToken.$", "RemindProdApproval:60"} {
		if !strings.Contains(all, want) {
			t.Errorf("checkDefinition did not report %q; it reported:\n%s", want, all)
		}
	}
}
