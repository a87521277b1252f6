package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/api"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/web"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fixture struct {
	h     *api.Handler
	db    *dynamodb.Client
	table string
	sfn   *failingStarter
}

// failingStarter passes StartExecution through to kumo unless told to fail,
// to show what a customer sees when the workflow cannot start.
type failingStarter struct {
	next *sfn.Client
	fail bool
}

func (f *failingStarter) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if f.fail {
		return nil, errors.New("service unavailable")
	}
	return f.next.StartExecution(ctx, in, opts...)
}

var srv = kumo.NewServer()

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg := localstack.AWSConfig(srv.URL)
	db := dynamodb.NewFromConfig(cfg)
	table := fmt.Sprintf("api-test-%d", time.Now().UnixNano())
	ctx := context.Background()
	if err := localstack.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	sc := sfn.NewFromConfig(cfg)
	sm, err := sc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String(table),
		Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/test"),
	})
	if err != nil {
		t.Fatal(err)
	}
	starter := &failingStarter{next: sc}
	svc := intake.New(store.New(db, table), starter, intake.Config{StateMachineArn: aws.ToString(sm.StateMachineArn),
		BaseURL: "https://intake.example.com/", Logger: quiet})
	return &fixture{h: api.New(svc, quiet), db: db, table: table, sfn: starter}
}

func (f *fixture) items(t *testing.T) int32 {
	t.Helper()
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.table), Select: "COUNT"})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "apigw", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func call(t *testing.T, f *fixture, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, map[string]any) {
	t.Helper()
	resp, err := f.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned an error; every failure must be a response: %v", err)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &body)
	if resp.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Errorf("security headers missing on %d", resp.StatusCode)
	}
	return resp, body
}

func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		file   string
		status int
		want   string
	}{
		{"get-schema.json", http.StatusOK, `"$schema"`},
		{"get-submission.json", http.StatusNotFound, "No submission has the id"},
		{"post-submission-not-json.json", http.StatusUnsupportedMediaType, "application/json"},
		{"post-submission-invalid.json", http.StatusBadRequest, `"field":"customer.contacts[0].email"`},
		{"post-submission.json", http.StatusAccepted, `"statusUrl":"https://intake.example.com/submissions/sub-`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			resp, _ := call(t, f, loadEvent(t, tt.file))
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.want) {
				t.Fatalf("got %d %s; want %d containing %s", resp.StatusCode, resp.Body, tt.status, tt.want)
			}
		})
	}
}

func TestSubmitThenStatus(t *testing.T) {
	f := newFixture(t)
	ev := loadEvent(t, "post-submission.json")
	ev.Headers["Idempotency-Key"] = "abc-123" // header case must not matter
	resp, body := call(t, f, ev)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	id := body["id"].(string)
	if !intake.ValidID(id) || resp.Headers["Location"] != body["statusUrl"] {
		t.Fatalf("receipt %v headers %v", body, resp.Headers)
	}

	again, againBody := call(t, f, ev)
	if again.StatusCode != http.StatusOK || againBody["id"] != id || again.Headers["Idempotent-Replayed"] != "true" {
		t.Fatalf("replay %d %v", again.StatusCode, againBody)
	}

	get := loadEvent(t, "get-submission.json")
	get.RawPath = "/api/submissions/" + id
	st, stBody := call(t, f, get)
	if st.StatusCode != http.StatusOK || stBody["id"] != id || stBody["customerName"] != "Example Corp" {
		t.Fatalf("status %d %s", st.StatusCode, st.Body)
	}
	versions := stBody["versions"].([]any)
	if len(versions) != 1 || versions[0].(map[string]any)["executionArn"] == "" {
		t.Fatalf("versions %v", versions)
	}
	if strings.Contains(st.Body, "BEGIN CERTIFICATE") {
		t.Error("status must not echo the stored document")
	}
}

func TestBase64BodyAndSizeLimit(t *testing.T) {
	f := newFixture(t)
	ev := loadEvent(t, "post-submission.json")
	ev.Body = base64.StdEncoding.EncodeToString([]byte(ev.Body))
	ev.IsBase64Encoded = true
	if resp, _ := call(t, f, ev); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("base64 body: %d %s", resp.StatusCode, resp.Body)
	}

	before := f.items(t)
	big := loadEvent(t, "post-submission.json")
	big.Body = strings.Repeat(" ", api.MaxBodyBytes) + big.Body
	resp, body := call(t, f, big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || body["errors"] == nil {
		t.Fatalf("oversized: %d %s", resp.StatusCode, resp.Body)
	}
	if f.items(t) != before {
		t.Fatal("an oversized body stored something")
	}
}

func TestWorkflowThatCannotStartIsResumedByRetry(t *testing.T) {
	f := newFixture(t)
	ev := loadEvent(t, "post-submission.json")
	ev.Headers["idempotency-key"] = "resume-me"
	f.sfn.fail = true
	resp, body := call(t, f, ev)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body["message"].(string), "Send the same request again") {
		t.Fatalf("start failure: %d %s", resp.StatusCode, resp.Body)
	}
	stored := f.items(t)

	f.sfn.fail = false
	resp, body = call(t, f, ev)
	if resp.StatusCode != http.StatusOK || body["duplicate"] != true {
		t.Fatalf("retry: %d %s", resp.StatusCode, resp.Body)
	}
	get := loadEvent(t, "get-submission.json")
	get.RawPath = "/api/submissions/" + body["id"].(string)
	_, st := call(t, f, get)
	v := st["versions"].([]any)[0].(map[string]any)
	if v["executionArn"] == nil || v["executionArn"] == "" {
		t.Fatalf("retry did not start the workflow: %v", v)
	}
	// The retry stored no second submission: one more trail event only.
	if got := f.items(t); got != stored+1 {
		t.Fatalf("items %d -> %d", stored, got)
	}
}

func TestRoutingErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/submissions", http.StatusMethodNotAllowed},
		{"DELETE", "/api/submissions/sub-aaaaaaaaaaaaaaaa", http.StatusMethodNotAllowed},
		{"POST", "/api/schema", http.StatusMethodNotAllowed},
		{"GET", "/api/nothing", http.StatusNotFound},
		{"GET", "/api/submissions/" + strings.Repeat("x", 5000), http.StatusNotFound},
		{"GET", "/api/health", http.StatusOK},
	}
	for _, tt := range tests {
		ev := loadEvent(t, "get-schema.json")
		ev.RequestContext.HTTP.Method, ev.RawPath = tt.method, tt.path
		resp, body := call(t, f, ev)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d", tt.method, tt.path, resp.StatusCode)
		}
		if tt.status >= 400 && (body["message"] == nil || len(resp.Body) > 300) {
			t.Errorf("%s %s: error body %s", tt.method, tt.path, resp.Body)
		}
	}
}

func TestCurlStyleJSONIsAccepted(t *testing.T) {
	f := newFixture(t)
	ev := loadEvent(t, "post-submission.json")
	// `curl -d @events/checklist.json` labels the body form-urlencoded.
	ev.Headers["content-type"] = "application/x-www-form-urlencoded"
	if resp, _ := call(t, f, ev); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	ev.Body = "customer=acme&x=1"
	if resp, _ := call(t, f, ev); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("form body: %d", resp.StatusCode)
	}
}

func TestReportsVersionsAndExternalID(t *testing.T) {
	f := newFixture(t)
	resp, body := call(t, f, loadEvent(t, "post-submission.json"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	id := body["id"].(string)
	get := func(path string) (events.APIGatewayV2HTTPResponse, map[string]any) {
		ev := loadEvent(t, "get-schema.json")
		ev.RawPath = path
		return call(t, f, ev)
	}

	r, doc := get("/api/submissions/" + id + "/versions/1")
	if r.StatusCode != http.StatusOK || doc["version"] != 1.0 || doc["document"].(map[string]any)["customer"] == nil {
		t.Fatalf("version 1: %d %s", r.StatusCode, r.Body)
	}
	if r, _ := get("/api/submissions/" + id + "/versions/2"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("version 2: %d", r.StatusCode)
	}
	if r, _ := get("/api/submissions/" + id + "/versions/x"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("version x: %d", r.StatusCode)
	}
	r, reports := get("/api/submissions/" + id + "/reports")
	if r.StatusCode != http.StatusOK || reports["reports"] == nil {
		t.Fatalf("reports: %d %s", r.StatusCode, r.Body)
	}

	r, ext := get("/api/accounts/111111111111/external-id")
	again, ext2 := get("/api/accounts/111111111111/external-id")
	if r.StatusCode != http.StatusOK || again.StatusCode != http.StatusOK || ext["externalId"] == "" || ext["externalId"] != ext2["externalId"] {
		t.Fatalf("external id must be stable: %v / %v", ext, ext2)
	}
	if other, ext3 := get("/api/accounts/222222222222/external-id"); other.StatusCode != http.StatusOK || ext3["externalId"] == ext["externalId"] {
		t.Fatalf("external ids must differ per account: %v", ext3)
	}
	if bad, _ := get("/api/accounts/12ab/external-id"); bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad account: %d", bad.StatusCode)
	}
}

func TestResubmission(t *testing.T) {
	f := newFixture(t)
	resp, body := call(t, f, loadEvent(t, "post-submission.json"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	id := body["id"].(string)
	post := loadEvent(t, "post-submission.json")
	post.RawPath = "/api/submissions/" + id + "/versions"
	post.Body = strings.Replace(post.Body, `"Example Corp"`, `"Example Corp (v2)"`, 1)

	// Version 1 is still "received" (no workflow runs in this fixture):
	// a second version must wait.
	if r, _ := call(t, f, post); r.StatusCode != http.StatusConflict {
		t.Fatalf("resubmission while in progress: %d %s", r.StatusCode, r.Body)
	}
	// Once changes are requested, the new version is accepted and started.
	if err := store.New(f.db, f.table).Record(context.Background(), id, store.Event{Version: 1, Status: "changes-requested", Stage: "verify-dev", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	r, rb := call(t, f, post)
	if r.StatusCode != http.StatusAccepted || rb["id"] != id || rb["version"] != 2.0 {
		t.Fatalf("resubmission: %d %s", r.StatusCode, r.Body)
	}
	// The same document again is the same version, not a third.
	r, rb = call(t, f, post)
	if r.StatusCode != http.StatusOK || rb["version"] != 2.0 {
		t.Fatalf("repeat: %d %s", r.StatusCode, r.Body)
	}
	bad := post
	bad.Body = `{"customer":{}}`
	if r, _ := call(t, f, bad); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("invalid resubmission: %d", r.StatusCode)
	}
	unknown := post
	unknown.RawPath = "/api/submissions/sub-aaaaaaaaaaaaaaaa/versions"
	if r, _ := call(t, f, unknown); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown submission: %d", r.StatusCode)
	}
	get := loadEvent(t, "get-submission.json")
	get.RawPath = "/api/submissions/" + id
	_, st := call(t, f, get)
	if st["latestVersion"] != 2.0 || len(st["versions"].([]any)) != 2 || st["customerName"] != "Example Corp (v2)" {
		t.Fatalf("record after resubmission: %v", st)
	}
}

func TestPagesAreServedOutsideTheAPI(t *testing.T) {
	f := newFixture(t)
	f.h.WithPages(api.WebPages(web.Serve))
	for path, want := range map[string]int{"/": 200, "/submissions/sub-aaaaaaaaaaaaaaaa": 200, "/static/nothing.js": 404, "/api/nothing": 404} {
		ev := loadEvent(t, "get-schema.json")
		ev.RawPath = path
		resp, _ := f.h.Handle(context.Background(), ev)
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 200 && !strings.Contains(resp.Headers["Content-Security-Policy"], "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, resp.Headers["Content-Security-Policy"])
		}
	}
}
