package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Route is one HTTP API route, all served by the intake function.
type Route struct {
	Method string
	Path   string
}

// Key is the API Gateway route key, e.g. "POST /api/submissions".
func (r Route) Key() string { return r.Method + " " + r.Path }

// APIRoutes are the public routes; /approvals/{id} is the PM's signed
// approval link (GET shows the gate, POST decides it). Anything else under
// GET (the form, its assets, /api/health) reaches the function through
// GET /{proxy+}.
var APIRoutes = []Route{
	{"POST", "/api/submissions"},
	{"GET", "/api/submissions/{id}"},
	{"GET", "/api/schema"},
	{"GET", "/approvals/{id}"},
	{"POST", "/approvals/{id}"},
	{"GET", "/"},
	{"GET", "/{proxy+}"},
}

// Default stage throttling (whole API, per account/region share).
const (
	APIThrottleBurst = 50
	APIThrottleRate  = 20
)

// APIProps configures the HTTP API.
type APIProps struct {
	Handler awslambda.IFunction
	// CorsOrigin, when set, is the one browser origin allowed to call the
	// API cross-origin; empty means same-origin only (the form is served by
	// the API itself).
	CorsOrigin string
}

// API is the public HTTP API in front of the intake function.
type API struct {
	Scope     constructs.Construct
	HTTPAPI   apigw.HttpApi
	Stage     apigw.HttpStage
	AccessLog awslogs.LogGroup
	// URL is the default stage's invoke URL, ending in "/".
	URL *string
}

// accessLogSettings implements apigw.IAccessLogSettings.
type accessLogSettings struct {
	destination apigw.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLogSettings) Destination() apigw.IAccessLogDestination { return a.destination }
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat    { return a.format }

// accessLogFormat is one JSON object per request, using only variables HTTP
// APIs support.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","routeKey":"$context.routeKey","method":"$context.httpMethod",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
	`"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage",` +
	`"userAgent":"$context.identity.userAgent"}`

// NewAPI creates the HTTP API, its routes, and a $default stage with
// throttling and JSON access logs.
func NewAPI(scope constructs.Construct, id string, props *APIProps) *API {
	c := constructs.NewConstruct(scope, jsii.String(id))
	apiProps := &apigw.HttpApiProps{
		ApiName:            jsii.String(*awscdk.Stack_Of(c).StackName() + "-intake"),
		Description:        jsii.String("Appliance Intake: checklist form, submissions and their status"),
		CreateDefaultStage: jsii.Bool(false),
	}
	if props.CorsOrigin != "" {
		apiProps.CorsPreflight = &apigw.CorsPreflightOptions{
			AllowOrigins:  jsii.Strings(props.CorsOrigin),
			AllowMethods:  &[]apigw.CorsHttpMethod{apigw.CorsHttpMethod_GET, apigw.CorsHttpMethod_POST, apigw.CorsHttpMethod_OPTIONS},
			AllowHeaders:  jsii.Strings("content-type", "idempotency-key"),
			ExposeHeaders: jsii.Strings("location", "retry-after", "idempotent-replayed"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	api := apigw.NewHttpApi(c, jsii.String("HttpApi"), apiProps)

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Intake"), props.Handler, nil)
	for _, r := range APIRoutes {
		api.AddRoutes(&apigw.AddRoutesOptions{
			Path:        jsii.String(r.Path),
			Methods:     &[]apigw.HttpMethod{apigw.HttpMethod(r.Method)},
			Integration: integration,
		})
	}

	accessLog := awslogs.NewLogGroup(c, jsii.String("AccessLog"), &awslogs.LogGroupProps{
		Retention: LogRetention,
	})
	stage := apigw.NewHttpStage(c, jsii.String("DefaultStage"), &apigw.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &apigw.ThrottleSettings{
			BurstLimit: jsii.Number(APIThrottleBurst),
			RateLimit:  jsii.Number(APIThrottleRate),
		},
		AccessLogSettings: &accessLogSettings{
			destination: apigw.NewLogGroupLogDestination(accessLog),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat)),
		},
	})

	suppress(api, "AwsSolutions-APIG4",
		"The intake API is public by design: customers open the form from a link their project manager sends and have no AWS identity. "+
			"A submission is reached only through its unguessable id, and a gate is decided only through a signed, expiring approval link "+
			"(/approvals/{id}, HMAC key in Secrets Manager); the stage is throttled and every request is access-logged.")
	return &API{Scope: c, HTTPAPI: api, Stage: stage, AccessLog: accessLog, URL: stage.Url()}
}
