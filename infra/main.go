// Command infra is the CDK app of Appliance Intake (cdk.json runs it): the
// service stack and the customer-side read-only verifier role stack.
//
//	make synth                                  # CDK_OUTDIR=cdk.out go run ./infra
//	npx aws-cdk@2 deploy --all -c senderEmail=noreply@example.com -c pmEmail=pm@example.com
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	props := &AppProps{}
	// Run directly (make synth) rather than by the CDK CLI, read the context
	// of cdk.json ourselves so both ways synthesize the same stacks.
	if os.Getenv("CDK_CONTEXT_JSON") == "" && os.Getenv("CDK_CONTEXT_OVERFLOW_LOCATION") == "" {
		ctx, err := cdkJSONContext("cdk.json")
		if err != nil {
			fail(err)
		}
		props.Context = ctx
	}
	app, _, _, err := NewApp(props)
	if err != nil {
		fail(err)
	}
	app.Synth(nil)
}

// cdkJSONContext returns the "context" object of a cdk.json file, or nothing
// when there is no such file.
func cdkJSONContext(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f.Context, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "appliance-intake infra:", err)
	jsii.Close()
	os.Exit(1)
}
