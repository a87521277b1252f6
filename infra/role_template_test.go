package main

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// TestPublishedRoleTemplateIsCurrent: the form offers customers the
// verifier role template embedded in pkg/web; it must be exactly what this
// app synthesizes. Regenerate with:
//
//	make synth && python3 -c 'import json;d=json.load(open("cdk.out/ApplianceIntakeVerifierRoleStack.template.json"));open("pkg/web/static/verifier-role.template.json","w").write(json.dumps(d,indent=1)+"\n")'
func TestPublishedRoleTemplateIsCurrent(t *testing.T) {
	dir := t.TempDir()
	for _, fn := range FunctionNames {
		if err := os.MkdirAll(dir+"/"+fn, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+fn+"/bootstrap", []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, _, role, err := NewApp(&AppProps{Outdir: t.TempDir(), Context: map[string]interface{}{CtxLambdaAssetDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	var synthesized, published interface{}
	raw, _ := json.Marshal(assertions.Template_FromStack(role.Stack, nil).ToJSON())
	if err := json.Unmarshal(raw, &synthesized); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../pkg/web/static/verifier-role.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &published); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(synthesized, published) {
		t.Fatal("pkg/web/static/verifier-role.template.json is out of date; regenerate it (see this test's comment)")
	}
}
