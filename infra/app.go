package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Stack names (also the CloudFormation stack names).
const (
	ServiceStackName      = "ApplianceIntakeStack"
	VerifierRoleStackName = "ApplianceIntakeVerifierRoleStack"
)

// AppProps configures NewApp.
type AppProps struct {
	// Outdir of the cloud assembly; empty = CDK_OUTDIR (set by the CDK CLI
	// and `make synth`) or a temporary directory.
	Outdir string
	// Context is added to the app's context, like `cdk -c key=value`.
	Context map[string]interface{}
}

// NewApp builds the whole app exactly as `cdk synth` sees it: both stacks
// and the cdk-nag AWS Solutions checks. main and the tests share it.
func NewApp(props *AppProps) (awscdk.App, *ServiceStack, *VerifierRoleStack, error) {
	if props == nil {
		props = &AppProps{}
	}
	appProps := &awscdk.AppProps{}
	if props.Outdir != "" {
		appProps.Outdir = jsii.String(props.Outdir)
	}
	if len(props.Context) > 0 {
		ctx := make(map[string]interface{}, len(props.Context))
		for k, v := range props.Context {
			ctx[k] = v
		}
		appProps.Context = &ctx
	}
	app := awscdk.NewApp(appProps)

	cfg, err := ConfigFromContext(app.Node())
	if err != nil {
		return nil, nil, nil, err
	}
	service, err := NewServiceStack(app, ServiceStackName, &ServiceStackProps{Config: cfg})
	if err != nil {
		return nil, nil, nil, err
	}
	role := NewVerifierRoleStack(app, VerifierRoleStackName, &VerifierRoleStackProps{ServiceAccountID: cfg.ServiceAccountID})

	awscdk.Tags_Of(app).Add(jsii.String("Project"), jsii.String("ApplianceIntake"), nil)
	AddNagChecks(app)
	return app, service, role, nil
}
