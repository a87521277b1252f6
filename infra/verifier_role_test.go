package main

import (
	"reflect"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

func iamStatement(action, resource string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings(action), Resources: jsii.Strings(resource),
	})
}

func TestVerifierRole(t *testing.T) {
	f := getFixture(t)
	tpl := f.roleJS
	roles := tpl.resources("AWS::IAM::Role")
	if len(roles) != 1 {
		t.Fatalf("want exactly one role, got %v", keys(toAny(roles)))
	}
	if n := len(obj(tpl["Resources"])); n != 1 {
		t.Errorf("verifier template has %d resources, want only the role", n)
	}
	id := logicalID(t, f.role.Stack, f.role.Role)
	p := props(tpl.resource(t, id))
	if p["RoleName"] != VerifierRoleName {
		t.Errorf("RoleName = %v, want %s", p["RoleName"], VerifierRoleName)
	}
	if p["MaxSessionDuration"] != 3600.0 {
		t.Errorf("MaxSessionDuration = %v, want 3600", p["MaxSessionDuration"])
	}
	if p["ManagedPolicyArns"] != nil {
		t.Errorf("managed policies attached: %s", js(p["ManagedPolicyArns"]))
	}

	// Trust: our service account only, and only with the ExternalId.
	trust := list(obj(p["AssumeRolePolicyDocument"])["Statement"])
	if len(trust) != 1 {
		t.Fatalf("trust policy has %d statements, want 1: %s", len(trust), js(trust))
	}
	st := obj(trust[0])
	if st["Effect"] != "Allow" || st["Action"] != "sts:AssumeRole" {
		t.Errorf("trust statement %s", js(st))
	}
	wantCond := map[string]interface{}{"StringEquals": map[string]interface{}{"sts:ExternalId": ref(ParamExternalID)}}
	if !reflect.DeepEqual(st["Condition"], wantCond) {
		t.Errorf("trust condition %s, want %s", js(st["Condition"]), js(wantCond))
	}
	principal := js(obj(st["Principal"])["AWS"])
	if !regexp.MustCompile(`"Ref":"` + ParamServiceAccountID + `".*":root"`).MatchString(principal) {
		t.Errorf("trusted principal %s, want the ServiceAccountId parameter's account", principal)
	}

	// Permissions: exactly the listed read-only actions, in one inline policy.
	var actions []string
	for _, pol := range list(p["Policies"]) {
		for _, s := range list(obj(obj(pol)["PolicyDocument"])["Statement"]) {
			s := obj(s)
			if s["Effect"] != "Allow" || s["Condition"] != nil {
				t.Errorf("unexpected statement %s", js(s))
			}
			for _, a := range list(s["Action"]) {
				actions = append(actions, a.(string))
			}
		}
	}
	if len(tpl.resources("AWS::IAM::Policy"))+len(tpl.resources("AWS::IAM::ManagedPolicy")) != 0 {
		t.Errorf("verifier template has separate policies; want only the inline one")
	}
	want := slices.Clone(VerifierReadOnlyActions)
	sort.Strings(actions)
	sort.Strings(want)
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("role actions:\n got  %v\n want %v", actions, want)
	}

	mustNotPanic(t, "parameters", func() {
		f.roleTpl.HasParameter(jsii.String(ParamExternalID), &map[string]interface{}{"Type": "String", "NoEcho": false})
		f.roleTpl.HasParameter(jsii.String(ParamServiceAccountID), &map[string]interface{}{
			"Type": "String", "AllowedPattern": assertions.Match_AnyValue(), "Default": assertions.Match_Absent(),
		})
		f.roleTpl.HasOutput(jsii.String("RoleArn"), &map[string]interface{}{"Value": getAttArn(id)})
	})
	// Customers deploy it from the console: no CDK bootstrap needed.
	if params := obj(tpl["Parameters"]); params["BootstrapVersion"] != nil || tpl["Rules"] != nil {
		t.Errorf("verifier template needs CDK bootstrap: parameters %v, rules %s", keys(params), js(tpl["Rules"]))
	}
}

func TestVerifierRoleServiceAccountDefault(t *testing.T) {
	_, _, role := newTestApp(t, map[string]interface{}{CtxServiceAccountID: "123456789012"})
	tpl := assertions.Template_FromStack(role.Stack, nil)
	mustNotPanic(t, "ServiceAccountId default", func() {
		tpl.HasParameter(jsii.String(ParamServiceAccountID), &map[string]interface{}{"Default": "123456789012"})
	})
}

func TestVerifierReadOnlyActionsWellFormed(t *testing.T) {
	form := regexp.MustCompile(`^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+$`)
	seen := map[string]bool{}
	for _, a := range VerifierReadOnlyActions {
		if !form.MatchString(a) {
			t.Errorf("%q is not an explicit read-only (Describe/Get/List) action", a)
		}
		if seen[a] {
			t.Errorf("%q listed twice", a)
		}
		seen[a] = true
	}
	if len(VerifierReadOnlyActions) != 23 {
		t.Errorf("%d actions, the agreed list has 23", len(VerifierReadOnlyActions))
	}
}
