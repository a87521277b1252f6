package inventory

// Tests through real SDK clients against small httptest servers: the
// SDK's retryer really runs, and the STS request really carries the
// ExternalId.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// acmThrottlingServer answers every ACM operation with ThrottlingException
// `throttles` times, then with a real answer.
type acmThrottlingServer struct {
	throttles int
	mu        sync.Mutex
	seen      map[string]int
}

func (s *acmThrottlingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target") // CertificateManager.DescribeCertificate
	op := target[strings.LastIndex(target, ".")+1:]
	s.mu.Lock()
	s.seen[op]++
	n := s.seen[op]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if n <= s.throttles {
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		return
	}
	switch op {
	case "DescribeCertificate":
		fmt.Fprintf(w, `{"Certificate":{"CertificateArn":%q,"DomainName":"*.example.com","SubjectAlternativeNames":["*.example.com"],"Status":"ISSUED","Type":"IMPORTED","KeyAlgorithm":"RSA_2048","NotBefore":1735689600,"NotAfter":1798761600}}`, fakeCertArn)
	case "GetCertificate":
		fmt.Fprint(w, `{"Certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","CertificateChain":"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"}`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":%q}`, op)
	}
}

func staticConfig(url string) aws.Config {
	return aws.Config{
		Region:                      "us-east-1",
		Credentials:                 credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:                aws.String(url),
		RequestMinCompressSizeBytes: 10240,
	}
}

func shortBackoff(o *retry.StandardOptions) {
	o.Backoff = retry.NewExponentialJitterBackoff(20 * time.Millisecond)
}

func TestThrottlingRetriedBySDK(t *testing.T) {
	srv := &acmThrottlingServer{throttles: 2, seen: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	cfg := RetryingConfig(staticConfig(ts.URL), shortBackoff)
	inv := Collect(context.Background(), NewClients(cfg), Scope{AcmArn: fakeCertArn}, Options{Timeout: 10 * time.Second})

	if len(inv.Errors) != 0 {
		t.Fatalf("throttling should be retried away: %+v", inv.Errors)
	}
	if inv.Certificate == nil || inv.Certificate.DomainName != "*.example.com" || !strings.Contains(inv.Certificate.Chain, "MIIC") {
		t.Fatalf("certificate: %+v", inv.Certificate)
	}
	if inv.Certificate.NotAfter.Year() != 2027 {
		t.Errorf("NotAfter: %v", inv.Certificate.NotAfter)
	}
	if srv.seen["DescribeCertificate"] != 3 || srv.seen["GetCertificate"] != 3 {
		t.Errorf("server saw %v, want 3 attempts each", srv.seen)
	}
	// A retried call is still one call of the collection.
	if inv.Calls[SrcCertificate] != 1 || inv.Calls[SrcCertChain] != 1 || inv.APICalls != 2 {
		t.Errorf("calls: %v (%d)", inv.Calls, inv.APICalls)
	}
}

func TestThrottlingBeyondMaxAttempts(t *testing.T) {
	srv := &acmThrottlingServer{throttles: 100, seen: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	cfg := RetryingConfig(staticConfig(ts.URL), shortBackoff)
	inv := Collect(context.Background(), NewClients(cfg), Scope{AcmArn: fakeCertArn}, Options{Timeout: 10 * time.Second})
	if e := inv.Errors[SrcCertificate]; e.Code != "ThrottlingException" {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if srv.seen["DescribeCertificate"] != RetryMaxAttempts {
		t.Errorf("attempts: %d, want %d", srv.seen["DescribeCertificate"], RetryMaxAttempts)
	}
}

func TestRetryingConfigDefaults(t *testing.T) {
	base := staticConfig("http://127.0.0.1:1")
	base.RetryMaxAttempts = 2
	cfg := RetryingConfig(base)
	r := cfg.Retryer()
	if r.MaxAttempts() != RetryMaxAttempts {
		t.Errorf("max attempts %d", r.MaxAttempts())
	}
	if cfg.RetryMaxAttempts != 0 {
		t.Error("RetryMaxAttempts would override the retryer")
	}
	if base.Retryer != nil {
		t.Error("base config was modified")
	}
}

func TestAssumeRoleConfigSendsExternalID(t *testing.T) {
	var (
		mu   sync.Mutex
		form url.Values
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		form, _ = url.ParseQuery(string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/verify/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>
<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`, exp)
	}))
	defer ts.Close()

	roleArn := "arn:aws:iam::111122223333:role/psaas-verify"
	cfg := AssumeRoleConfig(context.Background(), staticConfig(ts.URL), roleArn, "ext-42", "intake-test")
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "ASIAASSUMED" || creds.SessionToken != "token" {
		t.Errorf("credentials: %+v", creds)
	}
	mu.Lock()
	got := form
	form = nil
	mu.Unlock()
	if got.Get("Action") != "AssumeRole" || got.Get("RoleArn") != roleArn || got.Get("ExternalId") != "ext-42" || got.Get("RoleSessionName") != "intake-test" {
		t.Errorf("AssumeRole request: %v", got)
	}
	if cfg.Region != "us-east-1" {
		t.Errorf("region %q", cfg.Region)
	}
	// Cached: a second Retrieve does not call STS again.
	if _, err := cfg.Credentials.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if form != nil {
		t.Error("credentials were not cached")
	}
}

// Backup and DLM through awsrest against a server answering like AWS:
// AccessDenied on ListBackupPlans becomes that source's error code (its
// dependents Skipped), a policy deleted between the two DLM calls (404
// ResourceNotFoundException) is dropped silently, and throttled calls are
// retried by RetryingConfig's retryer and counted once.
func TestBackupAndDLMErrorsThroughAWSRest(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		n := seen[r.URL.Path]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/backup/plans":
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"Message":"not authorized to perform: backup:ListBackupPlans"}`)
		case n <= 2: // every DLM call throttled twice first
			w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"message":"Rate exceeded"}`)
		case r.URL.Path == "/policies" && r.URL.Query().Get("state") == "ENABLED":
			fmt.Fprint(w, `{"Policies":[{"PolicyId":"policy-gone","State":"ENABLED","PolicyType":"EBS_SNAPSHOT_MANAGEMENT"},{"PolicyId":"policy-ok","State":"ENABLED","PolicyType":"EBS_SNAPSHOT_MANAGEMENT"}]}`)
		case r.URL.Path == "/policies/policy-gone":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"__type":"ResourceNotFoundException","message":"policy-gone not found"}`)
		case r.URL.Path == "/policies/policy-ok":
			fmt.Fprint(w, `{"Policy":{"PolicyId":"policy-ok","State":"ENABLED","PolicyDetails":{"PolicyType":"EBS_SNAPSHOT_MANAGEMENT","ResourceTypes":["INSTANCE"],"TargetTags":[{"Key":"backup","Value":"daily"}]}}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
		}
	}))
	defer ts.Close()

	c := NewClients(RetryingConfig(staticConfig(ts.URL), shortBackoff))
	inv := Collect(context.Background(), Clients{Backup: c.Backup, DLM: c.DLM}, Scope{InstanceIDs: []string{"i-1"}}, Options{Timeout: 10 * time.Second})
	if e := inv.Errors[SrcBackupPlans]; e.Code != "AccessDeniedException" || !strings.Contains(e.Err, "backup:ListBackupPlans") {
		t.Errorf("backup plans: %+v", e)
	}
	for _, s := range []Source{SrcBackupSel, SrcBackupSelGet} {
		if e := inv.Errors[s]; e.Code != CodeSkipped {
			t.Errorf("%s: %+v", s, e)
		}
	}
	for _, s := range []Source{SrcDLM, SrcDLMPolicy} {
		if e, ok := inv.Errors[s]; ok {
			t.Errorf("%s: %+v", s, e)
		}
	}
	if inv.Calls[SrcBackupPlans] != 1 || inv.Calls[SrcDLM] != 1 || inv.Calls[SrcDLMPolicy] != 2 {
		t.Errorf("calls: %v", inv.Calls)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["/backup/plans"] != 1 || seen["/policies"] != 3 || seen["/policies/policy-ok"] != 3 {
		t.Errorf("requests: %v", seen)
	}
}
