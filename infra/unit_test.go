package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/psaas/appliance-intake/pkg/workflow"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := configFrom(func(string) interface{} { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{LambdaAssetDir: ".build/lambda", ApprovalTimeoutDays: 7}
	if cfg != want {
		t.Errorf("defaults %+v, want %+v", cfg, want)
	}
}

func TestConfigValues(t *testing.T) {
	ctx := map[string]interface{}{
		CtxPMEmail: "pm@example.com", CtxSenderEmail: "noreply@example.com",
		CtxPublicBaseURL: "https://intake.example.com/", CtxLambdaAssetDir: "/tmp/x",
		CtxApprovalTimeoutDays: 14.0, CtxCorsOrigin: "https://portal.example.com",
		CtxServiceAccountID: "123456789012",
	}
	cfg, err := configFrom(func(k string) interface{} { return ctx[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := Config{PMEmail: "pm@example.com", SenderEmail: "noreply@example.com",
		PublicBaseURL: "https://intake.example.com", LambdaAssetDir: "/tmp/x", ApprovalTimeoutDays: 14,
		CorsOrigin: "https://portal.example.com", ServiceAccountID: "123456789012"}
	if cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	// `cdk -c approvalTimeoutDays=3` passes a string.
	cfg, err = configFrom(func(k string) interface{} {
		if k == CtxApprovalTimeoutDays {
			return "3"
		}
		return nil
	})
	if err != nil || cfg.ApprovalTimeoutDays != 3 {
		t.Errorf("string days: %+v, %v", cfg, err)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	ctx := map[string]interface{}{
		CtxPMEmail: "not-an-address", CtxSenderEmail: "Intake <noreply@example.com>",
		CtxPublicBaseURL: "intake.example.com", CtxApprovalTimeoutDays: "a week",
		CtxCorsOrigin: "https://portal.example.com/form", CtxServiceAccountID: "12345",
	}
	_, err := configFrom(func(k string) interface{} { return ctx[k] })
	if err == nil {
		t.Fatal("want an error")
	}
	for k := range ctx {
		if !strings.Contains(err.Error(), k+":") {
			t.Errorf("error does not name %s:\n%v", k, err)
		}
	}
}

func TestCheckPlaceholders(t *testing.T) {
	names, err := checkPlaceholders([]string{"B", "A"}, []string{"A", "B"})
	if err != nil || !reflect.DeepEqual(names, []string{"A", "B"}) {
		t.Errorf("got %v, %v", names, err)
	}
	if _, err := checkPlaceholders([]string{"A", "B"}, []string{"A"}); err == nil || !strings.Contains(err.Error(), "no function for placeholder(s) B") {
		t.Errorf("missing function: %v", err)
	}
	if _, err := checkPlaceholders([]string{"A"}, []string{"A", "C"}); err == nil || !strings.Contains(err.Error(), "C") {
		t.Errorf("unused function: %v", err)
	}
	// The real definition's placeholders are exactly the two functions.
	got := workflow.Placeholders()
	sort.Strings(got)
	if want := []string{workflow.NotifyFunctionArn, workflow.VerifyFunctionArn}; !reflect.DeepEqual(got, want) {
		t.Errorf("workflow.Placeholders() = %v, want %v (update NewServiceStack's mapping)", got, want)
	}
}

func TestNewWorkflowFailsWithoutFunction(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	fn := awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"),
		Code: awslambda.Code_FromAsset(jsii.String(filepath.Join(assetDir, FunctionVerify)), nil),
	})
	_, err := NewWorkflow(stack, "Workflow", &WorkflowProps{Functions: map[string]awslambda.IFunction{
		workflow.VerifyFunctionArn: fn,
	}})
	if err == nil || !strings.Contains(err.Error(), workflow.NotifyFunctionArn) {
		t.Fatalf("want an error naming %s, got %v", workflow.NotifyFunctionArn, err)
	}
}

func TestMissingBootstrapFails(t *testing.T) {
	empty := t.TempDir()
	_, _, _, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: map[string]interface{}{CtxLambdaAssetDir: empty}})
	if err == nil || !strings.Contains(err.Error(), "make build-lambda") {
		t.Fatalf("want an error pointing at make build-lambda, got %v", err)
	}
}

func TestInvalidContextFails(t *testing.T) {
	_, _, _, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: map[string]interface{}{
		CtxLambdaAssetDir: assetDir, CtxSenderEmail: "nobody",
	}})
	if err == nil || !strings.Contains(err.Error(), CtxSenderEmail) {
		t.Fatalf("want an error naming %s, got %v", CtxSenderEmail, err)
	}
}

// TestDefinitionTasksAreGuarded: every Task state (also inside Parallel and
// Map) has Retry, Catch and TimeoutSeconds (DESIGN decision 3).
func TestDefinitionTasksAreGuarded(t *testing.T) {
	var def map[string]interface{}
	if err := json.Unmarshal([]byte(workflow.Template()), &def); err != nil {
		t.Fatalf("definition is not JSON: %v", err)
	}
	tasks := 0
	var walk func(path string, states map[string]interface{})
	walk = func(path string, states map[string]interface{}) {
		for name, s := range states {
			st := obj(s)
			where := path + name
			switch st["Type"] {
			case "Task":
				tasks++
				if len(list(st["Retry"])) == 0 {
					t.Errorf("task %s has no Retry", where)
				}
				if len(list(st["Catch"])) == 0 {
					t.Errorf("task %s has no Catch", where)
				}
				if ts, ok := st["TimeoutSeconds"].(float64); !ok || ts <= 0 {
					if st["TimeoutSecondsPath"] == nil {
						t.Errorf("task %s has no TimeoutSeconds", where)
					}
				}
			case "Parallel":
				for i, b := range list(st["Branches"]) {
					walk(where+"/branch"+string(rune('0'+i))+"/", obj(obj(b)["States"]))
				}
			case "Map":
				for _, key := range []string{"ItemProcessor", "Iterator"} {
					if p := obj(st[key]); p != nil {
						walk(where+"/", obj(p["States"]))
					}
				}
			}
		}
	}
	walk("", obj(def["States"]))
	if tasks == 0 {
		t.Fatal("no Task states found")
	}
}

func TestCdkJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		App     string                 `json:"app"`
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	if f.App != "go run ./infra" {
		t.Errorf("app = %q", f.App)
	}
	known := []string{CtxPMEmail, CtxSenderEmail, CtxPublicBaseURL, CtxLambdaAssetDir, CtxApprovalTimeoutDays, CtxCorsOrigin, CtxServiceAccountID}
	for k := range f.Context {
		if !slices.Contains(known, k) {
			t.Errorf("cdk.json context key %q is not read by the app", k)
		}
	}
	cfg, err := configFrom(func(k string) interface{} { return f.Context[k] })
	if err != nil {
		t.Fatalf("cdk.json context: %v", err)
	}
	if cfg.LambdaAssetDir != DefaultLambdaAssetDir {
		t.Errorf("lambdaAssetDir %q; the Makefile builds into %s", cfg.LambdaAssetDir, DefaultLambdaAssetDir)
	}
}
