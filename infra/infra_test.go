package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Context the shared fixture is synthesized with.
const (
	testPMEmail     = "pm@example.com"
	testSenderEmail = "noreply@intake.example.com"
	testBaseURL     = "https://intake.example.com"
	testAlarmEmail  = "ops@example.com"
)

// fixture is one app built and synthesized the way main does it (NewApp,
// cdk-nag aspect included), shared by the tests: synthesis is slow.
type fixture struct {
	svc     *ServiceStack
	role    *VerifierRoleStack
	svcTpl  assertions.Template
	roleTpl assertions.Template
	svcJSON template
	roleJS  template
}

var (
	assetDir    string
	fixtureOnce sync.Once
	shared      *fixture
	fixtureErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "infra-lambda-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Dummy bootstrap files: the tests need no cross-compiled binaries.
	for _, name := range FunctionNames {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err == nil {
			err = os.WriteFile(filepath.Join(dir, name, "bootstrap"), []byte("#!/bin/sh\n"), 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	assetDir = dir
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newTestApp builds the app in-process with the dummy assets and ctx.
func newTestApp(t *testing.T, ctx map[string]interface{}) (awscdk.App, *ServiceStack, *VerifierRoleStack) {
	t.Helper()
	full := map[string]interface{}{CtxLambdaAssetDir: assetDir}
	for k, v := range ctx {
		full[k] = v
	}
	app, svc, role, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: full})
	if err != nil {
		t.Fatalf("NewApp: %v", err)
	}
	return app, svc, role
}

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				fixtureErr = fmt.Errorf("synthesis panicked: %v", r)
			}
		}()
		dir, err := os.MkdirTemp("", "infra-cdkout-")
		if err != nil {
			fixtureErr = err
			return
		}
		_, svc, role, err := NewApp(&AppProps{Outdir: dir, Context: map[string]interface{}{
			CtxLambdaAssetDir: assetDir,
			CtxPMEmail:        testPMEmail,
			CtxSenderEmail:    testSenderEmail,
			CtxPublicBaseURL:  testBaseURL,
			CtxAlarmEmail:     testAlarmEmail,
		}})
		if err != nil {
			fixtureErr = err
			return
		}
		f := &fixture{svc: svc, role: role}
		f.svcTpl = assertions.Template_FromStack(svc.Stack, nil)
		f.roleTpl = assertions.Template_FromStack(role.Stack, nil)
		f.svcJSON = toTemplate(f.svcTpl)
		f.roleJS = toTemplate(f.roleTpl)
		shared = f
	})
	if fixtureErr != nil {
		t.Fatalf("build app: %v", fixtureErr)
	}
	return shared
}

// template is a synthesized CloudFormation template as plain Go values.
type template map[string]interface{}

func toTemplate(tpl assertions.Template) template {
	b, err := json.Marshal(*tpl.ToJSON())
	if err != nil {
		panic(err)
	}
	var out template
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// resources returns logical id → resource of one type.
func (t template) resources(typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, r := range obj(t["Resources"]) {
		res := obj(r)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func (t template) resource(tb testing.TB, id string) map[string]interface{} {
	tb.Helper()
	r, ok := obj(t["Resources"])[id]
	if !ok {
		tb.Fatalf("no resource %s in template", id)
	}
	return obj(r)
}

func props(r map[string]interface{}) map[string]interface{} { return obj(r["Properties"]) }

func obj(v interface{}) map[string]interface{} {
	m, _ := v.(map[string]interface{})
	return m
}

func list(v interface{}) []interface{} {
	switch t := v.(type) {
	case []interface{}:
		return t
	case nil:
		return nil
	default:
		return []interface{}{t}
	}
}

func keys(m map[string]interface{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func js(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ref(id string) map[string]interface{} { return map[string]interface{}{"Ref": id} }

func getAttArn(id string) map[string]interface{} {
	return map[string]interface{}{"Fn::GetAtt": []interface{}{id, "Arn"}}
}

// logicalID is the template id of c (an L2's default child, or an L1).
func logicalID(tb testing.TB, stack awscdk.Stack, c constructs.IConstruct) string {
	tb.Helper()
	if dc := c.Node().DefaultChild(); dc != nil {
		c = dc
	}
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		tb.Fatalf("%s is not a CloudFormation element", *c.Node().Path())
	}
	return *stack.GetLogicalId(el)
}

// statements returns every IAM policy statement in a template: standalone
// policies, inline role policies and trust policies, with where they are.
type located struct {
	where     string
	statement map[string]interface{}
}

func statements(t template) []located {
	var out []located
	add := func(where string, doc interface{}) {
		for _, s := range list(obj(doc)["Statement"]) {
			out = append(out, located{where, obj(s)})
		}
	}
	for id, r := range obj(t["Resources"]) {
		res := obj(r)
		p := props(res)
		switch res["Type"] {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			add(id, p["PolicyDocument"])
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			add(id+" (trust)", p["AssumeRolePolicyDocument"])
			for _, pol := range list(p["Policies"]) {
				add(id+" inline "+fmt.Sprint(obj(pol)["PolicyName"]), obj(pol)["PolicyDocument"])
			}
		}
	}
	return out
}

// resourcePolicyStatements returns the statements of the resource-based
// policies in a template (KMS key policies, SNS topic policies, ...).
func resourcePolicyStatements(t template) []located {
	docs := map[string]string{
		"AWS::KMS::Key":                       "KeyPolicy",
		"AWS::SNS::TopicPolicy":               "PolicyDocument",
		"AWS::SQS::QueuePolicy":               "PolicyDocument",
		"AWS::S3::BucketPolicy":               "PolicyDocument",
		"AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
		"AWS::Logs::ResourcePolicy":           "PolicyDocument",
	}
	var out []located
	for id, r := range obj(t["Resources"]) {
		res := obj(r)
		prop, ok := docs[fmt.Sprint(res["Type"])]
		if !ok {
			continue
		}
		doc := props(res)[prop]
		if s, isString := doc.(string); isString { // Logs takes a JSON string
			var parsed interface{}
			if json.Unmarshal([]byte(s), &parsed) == nil {
				doc = parsed
			}
		}
		for _, st := range list(obj(doc)["Statement"]) {
			out = append(out, located{id + " (resource policy)", obj(st)})
		}
	}
	return out
}

// mustNotPanic turns a failed assertions.* call (a jsii error panic) into a
// test failure.
func mustNotPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}
