package awsrest

// Table tests against httptest servers answering with the response
// shapes of the AWS Backup and DLM API references.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/psaas/appliance-intake/pkg/awsx/boot"
)

// recorder is an httptest handler that records every request and answers
// from a table keyed by "METHOD path?query"; an entry may hold several
// answers, given in turn (the last repeats).
type recorder struct {
	mu      sync.Mutex
	reqs    []*http.Request
	answers map[string][]answer
	served  map[string]int
}

type answer struct {
	status  int
	headers map[string]string
	body    string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	key := req.Method + " " + req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		key += "?" + req.URL.RawQuery
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	as, ok := r.answers[key]
	n := r.served[key]
	r.served[key]++
	r.mu.Unlock()
	if !ok {
		w.Header().Set("X-Amzn-ErrorType", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"message":%q}`, "no answer for "+key)
		return
	}
	a := as[min(n, len(as)-1)]
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("req-%d", n+1))
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.body)
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.served[key]
}

func newServer(t *testing.T, answers map[string][]answer) (*recorder, aws.Config) {
	t.Helper()
	rec := &recorder{answers: answers, served: map[string]int{}}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	return rec, testConfig(ts.URL)
}

func testConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token"),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 4
				o.Backoff = retry.NewExponentialJitterBackoff(5 * time.Millisecond)
			})
		},
	}
}

// API reference response syntax, with values.
const (
	plansPage1 = `{"BackupPlansList":[{"BackupPlanArn":"arn:aws:backup:eu-west-1:111122223333:backup-plan:plan-1","BackupPlanId":"plan-1","BackupPlanName":"daily","CreationDate":1.7e9,"VersionId":"v1","AdvancedBackupSettings":[{"BackupOptions":{"WindowsVSS":"enabled"},"ResourceType":"EC2"}]}],"NextToken":"page-2"}`
	plansPage2 = `{"BackupPlansList":[{"BackupPlanId":"plan-2","BackupPlanName":"old","CreationDate":1.6e9,"DeletionDate":1700000000.5}]}`
	selsPage1  = `{"BackupSelectionsList":[{"BackupPlanId":"plan-1","CreationDate":1.7e9,"CreatorRequestId":"x","IamRoleArn":"arn:aws:iam::111122223333:role/backup","SelectionId":"sel-1","SelectionName":"nodes"}],"NextToken":"t2"}`
	selsPage2  = `{"BackupSelectionsList":[{"BackupPlanId":"plan-1","SelectionId":"sel-2","SelectionName":"tags"}],"NextToken":""}`
	selBody    = `{"BackupPlanId":"plan-1","BackupSelection":{"Conditions":{"StringEquals":[{"ConditionKey":"aws:ResourceTag/env","ConditionValue":"prod"}],"StringLike":[],"StringNotEquals":[{"ConditionKey":"aws:ResourceTag/skip","ConditionValue":"true"}],"StringNotLike":[{"ConditionKey":"aws:ResourceTag/name","ConditionValue":"tmp-*"}]},"IamRoleArn":"arn:aws:iam::111122223333:role/backup","ListOfTags":[{"ConditionKey":"backup","ConditionType":"STRINGEQUALS","ConditionValue":"daily"}],"NotResources":["arn:aws:ec2:*:*:volume/vol-1"],"Resources":["arn:aws:ec2:*:*:instance/*"],"SelectionName":"nodes"},"CreationDate":1.7e9,"CreatorRequestId":"x","SelectionId":"sel-1"}`
	policies   = `{"Policies":[{"DefaultPolicy":false,"Description":"nodes","PolicyId":"policy-1","PolicyType":"EBS_SNAPSHOT_MANAGEMENT","State":"ENABLED","Tags":{"team":"ops"}},{"DefaultPolicy":true,"PolicyId":"policy-2","PolicyType":"EBS_SNAPSHOT_MANAGEMENT","State":"ENABLED"}]}`
	policy1    = `{"Policy":{"DateCreated":1.7e9,"DateModified":1.7e9,"DefaultPolicy":false,"Description":"nodes","ExecutionRoleArn":"arn:aws:iam::111122223333:role/dlm","PolicyArn":"arn:aws:dlm:eu-west-1:111122223333:policy/policy-1","PolicyDetails":{"PolicyLanguage":"STANDARD","PolicyType":"EBS_SNAPSHOT_MANAGEMENT","ResourceTypes":["INSTANCE","VOLUME"],"ResourceLocations":["CLOUD"],"TargetTags":[{"Key":"backup","Value":"daily"}],"Schedules":[{"Name":"daily","CreateRule":{"Interval":24,"IntervalUnit":"HOURS"},"RetainRule":{"Count":7}}]},"PolicyId":"policy-1","State":"ENABLED","StatusMessage":"ENABLED","Tags":{}}}`
	policy2    = `{"Policy":{"DefaultPolicy":true,"PolicyDetails":{"PolicyLanguage":"SIMPLIFIED","PolicyType":"EBS_SNAPSHOT_MANAGEMENT","ResourceType":"VOLUME","Exclusions":{"ExcludeBootVolumes":true,"ExcludeTags":[{"Key":"nobackup","Value":"true"}],"ExcludeVolumeTypes":["sc1"]},"CreateInterval":1,"RetainInterval":7},"PolicyId":"policy-2","State":"ENABLED"}}`
)

func TestBackupCalls(t *testing.T) {
	rec, cfg := newServer(t, map[string][]answer{
		"GET /backup/plans":                                     {{body: plansPage1}},
		"GET /backup/plans?nextToken=page-2":                    {{body: plansPage2}},
		"GET /backup/plans?maxResults=1":                        {{body: plansPage1}},
		"GET /backup/plans/plan-1/selections":                   {{body: selsPage1}},
		"GET /backup/plans/plan-1/selections?nextToken=t2":      {{body: selsPage2}},
		"GET /backup/plans/plan-1/selections/sel-1":             {{body: selBody}},
		"GET /backup/plans/plan%2F3/selections/sel%20x%3Fy%2Fz": {{body: `{"BackupPlanId":"plan/3","SelectionId":"sel x?y/z","BackupSelection":{"SelectionName":"odd"}}`}},
	})
	b := NewBackup(cfg)
	ctx := context.Background()

	// ListBackupPlans, two pages
	var plans []BackupPlan
	for token, pages := "", 0; ; pages++ {
		out, err := b.ListBackupPlans(ctx, &ListBackupPlansInput{NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, out.BackupPlansList...)
		if token = out.NextToken; token == "" {
			if pages != 1 {
				t.Errorf("%d pages", pages+1)
			}
			break
		}
	}
	if len(plans) != 2 || plans[0].BackupPlanID != "plan-1" || plans[0].BackupPlanName != "daily" || plans[0].DeletionDate != nil {
		t.Errorf("plans: %+v", plans)
	}
	if d := plans[1].DeletionDate; d == nil || !d.Equal(time.Unix(1700000000, 5e8)) {
		t.Errorf("deletion date: %+v", d)
	}
	if _, err := b.ListBackupPlans(ctx, &ListBackupPlansInput{MaxResults: 1}); err != nil {
		t.Errorf("maxResults: %v", err)
	}

	// ListBackupSelections, two pages (the second with an empty token)
	out, err := b.ListBackupSelections(ctx, &ListBackupSelectionsInput{BackupPlanID: "plan-1"})
	if err != nil || out.NextToken != "t2" || len(out.BackupSelectionsList) != 1 || out.BackupSelectionsList[0].SelectionID != "sel-1" || out.BackupSelectionsList[0].BackupPlanID != "plan-1" {
		t.Fatalf("selections page 1: %+v %v", out, err)
	}
	out, err = b.ListBackupSelections(ctx, &ListBackupSelectionsInput{BackupPlanID: "plan-1", NextToken: out.NextToken})
	if err != nil || out.NextToken != "" || len(out.BackupSelectionsList) != 1 || out.BackupSelectionsList[0].SelectionID != "sel-2" {
		t.Fatalf("selections page 2: %+v %v", out, err)
	}

	// GetBackupSelection: the whole body
	sel, err := b.GetBackupSelection(ctx, &GetBackupSelectionInput{BackupPlanID: "plan-1", SelectionID: "sel-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := &BackupSelection{
		SelectionName: "nodes",
		Resources:     []string{"arn:aws:ec2:*:*:instance/*"},
		NotResources:  []string{"arn:aws:ec2:*:*:volume/vol-1"},
		ListOfTags:    []Condition{{ConditionType: "STRINGEQUALS", ConditionKey: "backup", ConditionValue: "daily"}},
		Conditions: &Conditions{
			StringEquals:    []ConditionParameter{{ConditionKey: "aws:ResourceTag/env", ConditionValue: "prod"}},
			StringLike:      []ConditionParameter{},
			StringNotEquals: []ConditionParameter{{ConditionKey: "aws:ResourceTag/skip", ConditionValue: "true"}},
			StringNotLike:   []ConditionParameter{{ConditionKey: "aws:ResourceTag/name", ConditionValue: "tmp-*"}},
		},
	}
	if !reflect.DeepEqual(sel.BackupSelection, want) || sel.BackupPlanID != "plan-1" || sel.SelectionID != "sel-1" {
		t.Errorf("selection:\n got %+v\nwant %+v", sel.BackupSelection, want)
	}

	// Ids are escaped as path segments.
	odd, err := b.GetBackupSelection(ctx, &GetBackupSelectionInput{BackupPlanID: "plan/3", SelectionID: "sel x?y/z"})
	if err != nil || odd.BackupSelection.SelectionName != "odd" {
		t.Errorf("escaped ids: %+v %v", odd, err)
	}
	// A missing id is refused before any request.
	before := len(rec.reqs)
	if _, err := b.GetBackupSelection(ctx, &GetBackupSelectionInput{BackupPlanID: "plan-1"}); err == nil {
		t.Error("no selection id: no error")
	}
	if len(rec.reqs) != before {
		t.Error("a request was sent without a selection id")
	}

	// Every request is a signed GET.
	for _, r := range rec.reqs {
		assertSigned(t, r, "backup", "eu-west-1")
	}
}

func assertSigned(t *testing.T, r *http.Request, service, region string) {
	t.Helper()
	auth := r.Header.Get("Authorization")
	prefix := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
	scope := "/" + region + "/" + service + "/aws4_request, SignedHeaders="
	if r.Method != http.MethodGet || !strings.HasPrefix(auth, prefix) || !strings.Contains(auth, scope) || !strings.Contains(auth, "Signature=") {
		t.Errorf("%s %s: Authorization %q", r.Method, r.URL, auth)
	}
	if r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Security-Token") != "session-token" {
		t.Errorf("%s: X-Amz-Date %q X-Amz-Security-Token %q", r.URL, r.Header.Get("X-Amz-Date"), r.Header.Get("X-Amz-Security-Token"))
	}
}

func TestDLMCalls(t *testing.T) {
	rec, cfg := newServer(t, map[string][]answer{
		"GET /policies?state=ENABLED": {{body: policies}},
		"GET /policies":               {{body: `{"Policies":[]}`}},
		"GET /policies/policy-1":      {{body: policy1}},
		"GET /policies/policy-2":      {{body: policy2}},
	})
	d := NewDLM(cfg)
	ctx := context.Background()
	list, err := d.GetLifecyclePolicies(ctx, &GetLifecyclePoliciesInput{State: PolicyStateEnabled})
	if err != nil {
		t.Fatal(err)
	}
	wantList := []LifecyclePolicySummary{
		{PolicyID: "policy-1", State: "ENABLED", PolicyType: PolicyTypeEBSSnapshotManagement},
		{PolicyID: "policy-2", State: "ENABLED", PolicyType: PolicyTypeEBSSnapshotManagement, DefaultPolicy: true},
	}
	if !reflect.DeepEqual(list.Policies, wantList) {
		t.Errorf("policies: %+v", list.Policies)
	}
	if all, err := d.GetLifecyclePolicies(ctx, &GetLifecyclePoliciesInput{}); err != nil || len(all.Policies) != 0 {
		t.Errorf("no state filter: %+v %v", all, err)
	}

	p1, err := d.GetLifecyclePolicy(ctx, &GetLifecyclePolicyInput{PolicyID: "policy-1"})
	if err != nil {
		t.Fatal(err)
	}
	want1 := &LifecyclePolicy{PolicyID: "policy-1", State: "ENABLED", PolicyDetails: &PolicyDetails{
		PolicyType: PolicyTypeEBSSnapshotManagement, PolicyLanguage: PolicyLanguageStandard,
		ResourceTypes: []string{"INSTANCE", "VOLUME"}, TargetTags: []Tag{{Key: "backup", Value: "daily"}},
	}}
	if !reflect.DeepEqual(p1.Policy, want1) {
		t.Errorf("policy-1:\n got %+v\nwant %+v", p1.Policy, want1)
	}
	p2, err := d.GetLifecyclePolicy(ctx, &GetLifecyclePolicyInput{PolicyID: "policy-2"})
	if err != nil {
		t.Fatal(err)
	}
	want2 := &LifecyclePolicy{PolicyID: "policy-2", State: "ENABLED", DefaultPolicy: true, PolicyDetails: &PolicyDetails{
		PolicyType: PolicyTypeEBSSnapshotManagement, PolicyLanguage: PolicyLanguageSimplified, ResourceType: ResourceTypeVolume,
		Exclusions: &Exclusions{ExcludeBootVolumes: true, ExcludeTags: []Tag{{Key: "nobackup", Value: "true"}}, ExcludeVolumeTypes: []string{"sc1"}},
	}}
	if !reflect.DeepEqual(p2.Policy, want2) {
		t.Errorf("policy-2:\n got %+v\nwant %+v", p2.Policy, want2)
	}
	for _, r := range rec.reqs {
		assertSigned(t, r, "dlm", "eu-west-1")
	}
}

func TestErrors(t *testing.T) {
	const path = "GET /policies/p"
	for _, tc := range []struct {
		name     string
		answers  []answer
		code     string
		message  string
		status   int
		attempts int // requests the server saw
		ok       bool
	}{
		{name: "403 AccessDeniedException (header, with the coral suffix)",
			answers: []answer{{status: 403, headers: map[string]string{"X-Amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"},
				body: `{"message":"User: arn:aws:sts::111122223333:assumed-role/verify/s is not authorized to perform: dlm:GetLifecyclePolicy"}`}},
			code: "AccessDeniedException", message: "User: arn:aws:sts::111122223333:assumed-role/verify/s is not authorized to perform: dlm:GetLifecyclePolicy", status: 403, attempts: 1},
		{name: "404 ResourceNotFoundException (body __type with namespace)",
			answers: []answer{{status: 404, body: `{"__type":"com.amazonaws.dlm#ResourceNotFoundException","Message":"Policy p not found","Code":"","ResourceType":"Policy","ResourceIds":["p"]}`}},
			code:    "ResourceNotFoundException", message: "Policy p not found", status: 404, attempts: 1},
		{name: "400 body code",
			answers: []answer{{status: 400, body: `{"code":"InvalidRequestException","message":"bad"}`}},
			code:    "InvalidRequestException", message: "bad", status: 400, attempts: 1},
		{name: "500 no code is UnknownError, retried as a 5xx",
			answers: []answer{{status: 500, body: ``}},
			code:    "UnknownError", status: 500, attempts: 4},
		{name: "429 TooManyRequestsException twice, then success",
			answers: []answer{{status: 429, headers: map[string]string{"X-Amzn-ErrorType": "TooManyRequestsException"}, body: `{"message":"slow down"}`},
				{status: 429, headers: map[string]string{"X-Amzn-ErrorType": "TooManyRequestsException"}, body: `{"message":"slow down"}`},
				{body: `{"Policy":{"PolicyId":"p","State":"ENABLED"}}`}},
			ok: true, attempts: 3},
		{name: "400 ThrottlingException then success",
			answers: []answer{{status: 400, body: `{"__type":"ThrottlingException","message":"Rate exceeded"}`}, {body: `{"Policy":{"PolicyId":"p","State":"ENABLED"}}`}},
			ok:      true, attempts: 2},
		{name: "503 then success",
			answers: []answer{{status: 503, body: `{"message":"unavailable"}`}, {body: `{"Policy":{"PolicyId":"p","State":"ENABLED"}}`}},
			ok:      true, attempts: 2},
		{name: "LimitExceededException (DLM's 429) beyond max attempts",
			answers: []answer{{status: 429, headers: map[string]string{"X-Amzn-ErrorType": "LimitExceededException"}, body: `{"message":"limit"}`}},
			code:    "LimitExceededException", message: "limit", status: 429, attempts: 4},
		{name: "malformed success body",
			answers:  []answer{{body: `{"Policy":`}},
			attempts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, cfg := newServer(t, map[string][]answer{path: tc.answers})
			out, err := NewDLM(cfg).GetLifecyclePolicy(context.Background(), &GetLifecyclePolicyInput{PolicyID: "p"})
			if got := rec.count(path); got != tc.attempts {
				t.Errorf("server saw %d requests, want %d", got, tc.attempts)
			}
			if tc.ok {
				if err != nil || out.Policy == nil || out.Policy.PolicyID != "p" {
					t.Fatalf("got %+v, %v", out, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var oe *smithy.OperationError
			if !errors.As(err, &oe) || oe.Service() != "DLM" || oe.Operation() != "GetLifecyclePolicy" {
				t.Errorf("not an operation error of DLM GetLifecyclePolicy: %v", err)
			}
			if tc.code == "" { // a deserialization error, not an API error
				var de *smithy.DeserializationError
				if !errors.As(err, &de) {
					t.Errorf("want a DeserializationError: %v", err)
				}
				return
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("not a smithy.APIError: %T %v", err, err)
			}
			if ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.message {
				t.Errorf("code %q message %q", ae.ErrorCode(), ae.ErrorMessage())
			}
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Errorf("status: %v", err)
			}
			if tc.attempts > 1 {
				var me *retry.MaxAttemptsError
				if !errors.As(err, &me) || me.Attempt != tc.attempts {
					t.Errorf("want MaxAttemptsError after %d attempts: %v", tc.attempts, err)
				}
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("message %q lacks the code", err.Error())
			}
		})
	}
}

// Connection failures are retried too, and reported as RequestSendError.
func TestConnectionErrorRetried(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens any more
	_, err := NewBackup(testConfig(url)).ListBackupPlans(context.Background(), &ListBackupPlansInput{})
	var se *smithyhttp.RequestSendError
	var me *retry.MaxAttemptsError
	if !errors.As(err, &se) || !errors.As(err, &me) || me.Attempt != 4 {
		t.Errorf("want a RequestSendError after 4 attempts: %v", err)
	}
}

// Cancelling the context stops the backoff at once.
func TestContextCancelDuringBackoff(t *testing.T) {
	rec, cfg := newServer(t, map[string][]answer{"GET /policies": {{status: 503}}})
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Hour, nil })
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewDLM(cfg).GetLifecyclePolicies(ctx, &GetLifecyclePoliciesInput{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("after %v: %v", time.Since(start), err)
	}
	if n := rec.count("GET /policies"); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// The retryer comes from the config; without one, the SDK's standard
// retryer with cfg.RetryMaxAttempts.
func TestRetryerFromConfig(t *testing.T) {
	rec, cfg := newServer(t, map[string][]answer{"GET /policies": {{status: 500}}})
	cfg.Retryer = nil
	cfg.RetryMaxAttempts = 2
	_, err := NewDLM(cfg).GetLifecyclePolicies(context.Background(), &GetLifecyclePoliciesInput{})
	if err == nil || rec.count("GET /policies") != 2 {
		t.Errorf("%d attempts: %v", rec.count("GET /policies"), err)
	}
	cfg.RetryMaxAttempts = 0
	if r := resolveRetryer(cfg); r.MaxAttempts() != 3 {
		t.Errorf("default max attempts %d", r.MaxAttempts())
	}
	cfg.RetryMode = aws.RetryModeAdaptive
	if r := resolveRetryer(cfg); r.MaxAttempts() != 3 {
		t.Errorf("adaptive max attempts %d", r.MaxAttempts())
	}
}

// countingProvider counts Retrieve calls.
type countingProvider struct {
	mu sync.Mutex
	n  int
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "session-token", CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
}

func TestCredentialsCached(t *testing.T) {
	rec, cfg := newServer(t, map[string][]answer{"GET /policies": {{body: `{"Policies":[]}`}}})
	p := &countingProvider{}
	cfg.Credentials = p
	d := NewDLM(cfg)
	for i := 0; i < 3; i++ {
		if _, err := d.GetLifecyclePolicies(context.Background(), &GetLifecyclePoliciesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if p.n != 1 {
		t.Errorf("credentials retrieved %d times", p.n)
	}
	for _, r := range rec.reqs {
		assertSigned(t, r, "dlm", "eu-west-1")
	}
	// A cache already in the config is used as is.
	cache := aws.NewCredentialsCache(p)
	cfg.Credentials = cache
	if got := NewDLM(cfg).c.creds; got != aws.CredentialsProvider(cache) {
		t.Errorf("cache rewrapped: %T", got)
	}
}

// staticEndpoints is a config source answering GetServiceBaseEndpoint, as
// config.LoadDefaultConfig's EnvConfig and boot.Config's sources do.
type staticEndpoints map[string]string

func (s staticEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := s[sdkID]
	return v, ok, nil
}

type ignoreEndpoints bool

func (i ignoreEndpoints) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return bool(i), true, nil
}

func TestEndpoint(t *testing.T) {
	backup := service{id: "Backup", signingName: "backup"}
	dlm := service{id: "DLM", signingName: "dlm"}
	for _, tc := range []struct {
		name    string
		svc     service
		region  string
		base    string
		sources []any
		env     map[string]string
		want    string // "" when an error is expected
	}{
		{name: "default", svc: backup, region: "us-east-1", want: "https://backup.us-east-1.amazonaws.com"},
		{name: "default dlm", svc: dlm, region: "eu-central-1", want: "https://dlm.eu-central-1.amazonaws.com"},
		{name: "china", svc: dlm, region: "cn-north-1", want: "https://dlm.cn-north-1.amazonaws.com.cn"},
		{name: "no region", svc: dlm},
		{name: "bad region", svc: dlm, region: "us-east-1/evil"},
		{name: "base endpoint", svc: backup, region: "us-east-1", base: "http://localhost:4566/", want: "http://localhost:4566"},
		{name: "base endpoint with a path", svc: backup, region: "us-east-1", base: "http://proxy:8080/aws", want: "http://proxy:8080/aws"},
		{name: "service endpoint from the config sources wins", svc: dlm, region: "us-east-1", base: "http://global:1",
			sources: []any{staticEndpoints{"DLM": "http://dlm-only:2"}}, want: "http://dlm-only:2"},
		{name: "another service's endpoint does not apply", svc: backup, region: "us-east-1", base: "http://global:1",
			sources: []any{staticEndpoints{"DLM": "http://dlm-only:2"}}, want: "http://global:1"},
		{name: "AWS_ENDPOINT_URL set, AWS_ENDPOINT_URL_DLM not: the config sources are not asked", svc: dlm, region: "us-east-1", base: "http://global:1",
			sources: []any{staticEndpoints{"DLM": "http://shared-config:3"}}, env: map[string]string{"AWS_ENDPOINT_URL": "http://global:1"}, want: "http://global:1"},
		{name: "AWS_ENDPOINT_URL_BACKUP set", svc: backup, region: "us-east-1", base: "http://global:1",
			sources: []any{staticEndpoints{"Backup": "http://backup-env:4"}}, env: map[string]string{"AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_BACKUP": "http://backup-env:4"}, want: "http://backup-env:4"},
		{name: "configured endpoints ignored", svc: dlm, region: "us-east-1",
			sources: []any{ignoreEndpoints(true), staticEndpoints{"DLM": "http://dlm-only:2"}}, want: "https://dlm.us-east-1.amazonaws.com"},
		{name: "not a URL", svc: dlm, region: "us-east-1", base: "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BACKUP", "AWS_ENDPOINT_URL_DLM"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)  // presence is what counts, as in the SDK
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg := aws.Config{Region: tc.region, ConfigSources: tc.sources}
			if tc.base != "" {
				cfg.BaseEndpoint = aws.String(tc.base)
			}
			got, err := resolveEndpoint(cfg, tc.svc)
			if tc.want == "" {
				if err == nil {
					t.Errorf("endpoint %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A configuration error is every call's error, not a panic or a request.
func TestConfigurationErrorPerCall(t *testing.T) {
	_, err := NewBackup(aws.Config{}).ListBackupPlans(context.Background(), &ListBackupPlansInput{})
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "missing region") {
		t.Errorf("%v", err)
	}
}

// The endpoint override really routes requests: the client built from a
// config whose BaseEndpoint is a test server reaches it, path prefix kept.
func TestEndpointOverrideRoutes(t *testing.T) {
	var got string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		fmt.Fprint(w, `{"Policies":[]}`)
	}))
	defer ts.Close()
	if _, err := NewDLM(testConfig(ts.URL+"/prefix/")).GetLifecyclePolicies(context.Background(), &GetLifecyclePoliciesInput{}); err != nil {
		t.Fatal(err)
	}
	if got != "/prefix/policies" {
		t.Errorf("path %q", got)
	}
}

// The environment as the real loaders read it: AWS_ENDPOINT_URL for every
// client, AWS_ENDPOINT_URL_DLM for DLM alone (config.LoadDefaultConfig, as
// cmd/intake loads it, and boot.Config, as the verify function does).
func TestEndpointsFromEnvironment(t *testing.T) {
	serve := func(name string, hits *[]string, mu *sync.Mutex) *httptest.Server {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			*hits = append(*hits, name+" "+r.URL.Path)
			mu.Unlock()
			switch {
			case strings.HasPrefix(r.URL.Path, "/backup/"):
				fmt.Fprint(w, `{"BackupPlansList":[]}`)
			default:
				fmt.Fprint(w, `{"Policies":[]}`)
			}
		}))
		t.Cleanup(ts.Close)
		return ts
	}
	var (
		mu   sync.Mutex
		hits []string
	)
	global, dlmOnly := serve("global", &hits, &mu), serve("dlm", &hits, &mu)
	t.Setenv("AWS_ENDPOINT_URL", global.URL)
	t.Setenv("AWS_ENDPOINT_URL_DLM", dlmOnly.URL)
	t.Setenv("AWS_ENDPOINT_URL_BACKUP", "")
	os.Unsetenv("AWS_ENDPOINT_URL_BACKUP")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ctx := context.Background()
	for name, load := range map[string]func(context.Context) (aws.Config, error){
		"config.LoadDefaultConfig": func(ctx context.Context) (aws.Config, error) { return config.LoadDefaultConfig(ctx) },
		"boot.Config":              boot.Config,
	} {
		cfg, err := load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		hits = nil
		mu.Unlock()
		if _, err := NewBackup(cfg).ListBackupPlans(ctx, &ListBackupPlansInput{}); err != nil {
			t.Fatal(err)
		}
		if _, err := NewDLM(cfg).GetLifecyclePolicies(ctx, &GetLifecyclePoliciesInput{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if want := []string{"global /backup/plans", "dlm /policies"}; !reflect.DeepEqual(hits, want) {
			t.Errorf("%s: requests went to %v, want %v", name, hits, want)
		}
		mu.Unlock()
	}
}
