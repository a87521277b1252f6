package inventory

// A whole collection facing AWS throttling: every operation of every
// service the collector reads through kumo is throttled a few times, in
// that service's own protocol and error code, before kumo answers. The
// SDK's retryer (RetryingConfig, as the verify function builds its
// clients) must absorb all of it: the inventory is the one an unthrottled
// collection sees, with the same call counts and no errors.
//
// This lives here rather than in pkg/localstack: the local stack runs
// verification with VERIFY_MODE=static (document checks only; kumo lacks
// too much of EC2, ACM and ELBv2 for the AWS rules), so the verify
// function makes no AWS reads there to throttle.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	smithycbor "github.com/aws/smithy-go/encoding/cbor"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

// throttlingProxy answers the first `throttles` requests of each
// operation with that service's throttling error, then passes requests
// on to kumo.
type throttlingProxy struct {
	throttles int
	next      http.Handler
	mu        sync.Mutex
	seen      map[string]int // "service operation" → requests
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

// operation names a request as "service operation", whatever the
// protocol: EC2 query and AWS query (Action in the form), AWS JSON
// (X-Amz-Target), RPC v2 CBOR (the path), REST JSON (method and path).
func operation(r *http.Request, body []byte) (service, op string) {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		service = m[1]
	}
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		t := r.Header.Get("X-Amz-Target")
		op = t[strings.LastIndex(t, ".")+1:]
	case r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor":
		op = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		form, _ := url.ParseQuery(string(body))
		op = form.Get("Action")
	default:
		op = r.Method + " " + r.URL.Path
	}
	return service, op
}

func (p *throttlingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	service, op := operation(r, body)
	p.mu.Lock()
	p.seen[service+" "+op]++
	n := p.seen[service+" "+op]
	p.mu.Unlock()
	if n > p.throttles {
		p.next.ServeHTTP(w, r)
		return
	}
	// Each service's own throttling answer (AWS API references).
	switch service {
	case "ec2": // EC2 query: 503 RequestLimitExceeded
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttled</RequestID></Response>`)
	case "elasticloadbalancing": // AWS query: 400 Throttling
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>`)
	case "monitoring": // CloudWatch, RPC v2 CBOR (query compatible): 400 Throttling
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("X-Amzn-Query-Error", "Throttling;Sender")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(smithycbor.Encode(smithycbor.Map{"__type": smithycbor.String("com.amazonaws.cloudwatch#Throttling"), "message": smithycbor.String("Rate exceeded")}))
	default: // AWS JSON (ACM) and REST JSON (Backup, DLM): ThrottlingException
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
	}
}

// throttledClients rebuilds env's clients against url, with the
// production retryer (short backoff) and env's wrappers for what kumo
// lacks; maxAttempts > 0 overrides the retryer's attempts.
func throttledClients(env kumoEnv, url string, maxAttempts int) Clients {
	cfg := RetryingConfig(staticConfig(url), shortBackoff, func(o *retry.StandardOptions) {
		if maxAttempts > 0 {
			o.MaxAttempts = maxAttempts
		}
	})
	e := *env.clients.EC2.(*kumoEC2)
	e.Client = ec2.NewFromConfig(cfg)
	lb := *env.clients.ELBv2.(*kumoELB)
	lb.Client = elbv2.NewFromConfig(cfg)
	ac := *env.clients.ACM.(*kumoACM)
	ac.Client = acm.NewFromConfig(cfg)
	return Clients{EC2: &e, ELBv2: &lb, ACM: &ac, Backup: awsrest.NewBackup(cfg), DLM: awsrest.NewDLM(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg)}
}

func inventoryJSON(t *testing.T, inv any) string {
	t.Helper()
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "collectedAt")
	b, _ = json.MarshalIndent(m, "", " ")
	return string(b)
}

func TestCollectionAbsorbsThrottlingOfEveryService(t *testing.T) {
	ctx := context.Background()
	env := buildKumoEnv(t, ctx)
	want := Collect(ctx, env.clients, env.scope, Options{Timeout: 20 * time.Second})
	if len(want.Errors) != 0 {
		t.Fatalf("unthrottled collection: %+v", want.Errors)
	}

	// Another server of this process: kumo shares one store per process.
	srv := kumo.NewServer()
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	proxy := &throttlingProxy{throttles: 3, seen: map[string]int{}, next: httputil.NewSingleHostReverseProxy(target)}
	ts := httptest.NewServer(proxy)
	t.Cleanup(ts.Close)

	got := Collect(ctx, throttledClients(env, ts.URL, 0), env.scope, Options{Timeout: 30 * time.Second})
	if len(got.Errors) != 0 {
		t.Fatalf("throttling reached the inventory: %+v", got.Errors)
	}
	if a, b := inventoryJSON(t, got), inventoryJSON(t, want); a != b {
		t.Errorf("throttled collection differs:\n got %s\nwant %s", a, b)
	}

	// Every operation was throttled 3 times and then answered; each
	// service was reached.
	proxy.mu.Lock()
	services := map[string]bool{}
	var ops []string
	for k, n := range proxy.seen {
		ops = append(ops, fmt.Sprintf("%s ×%d", k, n))
		services[strings.Fields(k)[0]] = true
		if n <= proxy.throttles {
			t.Errorf("%s: %d requests, all throttled", k, n)
		}
	}
	sort.Strings(ops)
	for _, s := range []string{"ec2", "elasticloadbalancing", "acm", "backup", "dlm", "monitoring"} {
		if !services[s] {
			t.Errorf("no %s request went through the proxy: %v", s, ops)
		}
	}
	if len(ops) < 10 {
		t.Errorf("only %d operations: %v", len(ops), ops)
	}
	t.Logf("%d operations, each throttled %d times first: %v", len(ops), proxy.throttles, ops)
	proxy.seen = map[string]int{}
	proxy.mu.Unlock()

	// The same throttling with the SDK's default of 3 attempts fails the
	// reads: the retry budget is what absorbs it.
	short := Collect(ctx, throttledClients(env, ts.URL, 3), env.scope, Options{Timeout: 30 * time.Second})
	if len(short.Errors) == 0 {
		t.Fatal("3 throttles were absorbed by 3 attempts: the proxy does not throttle")
	}
	for src, e := range short.Errors {
		throttled := strings.Contains(e.Code, "Throttl") || e.Code == "RequestLimitExceeded"
		if !throttled && e.Code != "Skipped" { // dependents of a throttled read are skipped
			t.Errorf("%s: %+v, want a throttling error", src, e)
		}
	}
}
