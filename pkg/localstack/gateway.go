package localstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// maxGatewayBody mirrors API Gateway's own request limit (10 MB): the
// function, not the gateway, enforces the product's smaller limit.
const maxGatewayBody = 10 << 20

type invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Gateway plays API Gateway's HTTP API for the local stack: every request
// becomes a payload-format-2.0 event for the intake function, invoked
// through kumo's Lambda API, and its response is written back.
type Gateway struct {
	Lambda   invoker
	Function string
	// Outbox is kumo's SES store of sent mail, shown at /dev/outbox.
	Outbox string
	// Slack is the local Slack incoming webhook (nil: no Slack), shown at
	// /dev/outbox too.
	Slack *SlackWebhook
	// Appliances answers /dev/appliance/{host}/testall for health checks.
	Appliances *Appliances
	// Faults takes fault settings at /dev/aws/fault (nil: none).
	Faults *AWSFaults
	// Info is served at /dev/stack.json, for tools such as cmd/load.
	Info StackInfo
	Log  *slog.Logger
}

// StackInfo is where a running stack's parts are.
type StackInfo struct {
	// URL is the HTTP API; Endpoint is kumo (AWS_ENDPOINT_URL).
	URL             string `json:"url"`
	Endpoint        string `json:"endpoint"`
	Table           string `json:"table"`
	StateMachineArn string `json:"stateMachineArn"`
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/dev/outbox":
		g.outboxPage(w, r)
		return
	case r.URL.Path == "/dev/outbox.json":
		g.outboxJSON(w, r)
		return
	case strings.HasPrefix(r.URL.Path, SlackPath) && g.Slack != nil:
		g.Slack.ServeHTTP(w, r)
		return
	case r.URL.Path == "/dev/slack/fault" && g.Slack != nil:
		g.Slack.serveFault(w, r)
		return
	case r.URL.Path == "/dev/aws/fault" && g.Faults != nil:
		g.Faults.serveFault(w, r)
		return
	case r.URL.Path == "/dev/stack.json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(g.Info)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/dev/appliance/") && g.Appliances != nil {
		g.Appliances.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGatewayBody))
	if err != nil {
		http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
		return
	}
	event := ToEvent(r, body)
	payload, _ := json.Marshal(event)
	out, err := g.Lambda.Invoke(r.Context(), &lambda.InvokeInput{FunctionName: aws.String(g.Function), Payload: payload})
	if err != nil {
		g.Log.Error("invoke intake", "error", err)
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	if out.FunctionError != nil {
		// API Gateway answers a function error with a bare 500.
		g.Log.Error("intake function error", "error", aws.ToString(out.FunctionError), "payload", string(out.Payload))
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		g.Log.Error("decode intake response", "error", err)
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	WriteResponse(w, resp)
}

// ToEvent converts an HTTP request into the event API Gateway's HTTP API
// (payload format 2.0) delivers: lower-case headers, comma-joined repeated
// headers, cookies apart, base64 for non-UTF-8 bodies.
func ToEvent(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					cookies = append(cookies, strings.TrimSpace(c))
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              "$default",
		RawPath:               r.URL.Path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID:  "000000000000",
			APIID:      "local",
			DomainName: r.Host,
			Stage:      "$default",
			RequestID:  strconv.FormatInt(now.UnixNano(), 36),
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			RouteKey:   "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  strings.Split(r.RemoteAddr, ":")[0],
				UserAgent: r.UserAgent(),
			},
		},
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev
}

// WriteResponse writes a function's API Gateway v2 response.
func WriteResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if decoded, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = decoded
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
