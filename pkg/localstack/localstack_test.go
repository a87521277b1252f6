package localstack_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

var binDir string

// testSettings keep gates and health checks short so timeouts and retries
// happen within a test, and the whole run within kumo's 5-minute cap.
var testSettings = workflow.Settings{
	ApprovalTimeout:  10 * time.Second,
	ApprovalReminder: 5 * time.Second,
	DeployTimeout:    10 * time.Second,
	HealthInterval:   time.Second,
	HealthWindow:     3 * time.Second,
}

// TestMain builds the real function binaries once; the stack runs them
// through kumo's Lambda Runtime API exactly as `make dev` does.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "intake-functions-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := localstack.BuildFunctions("../..", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	if faulty != nil {
		faulty.Close()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	shared    *localstack.Stack
	sharedErr error
	once      sync.Once
	fnOutput  = &syncBuffer{}
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func stack(t *testing.T) *localstack.Stack {
	t.Helper()
	once.Do(func() {
		shared, sharedErr = localstack.Start(context.Background(), localstack.Config{
			BinDir: binDir, Addr: "127.0.0.1:0", Name: "e2e",
			PMEmail: "pm@example.com", SenderEmail: "intake@example.com",
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			FunctionOutput: fnOutput,
			Workflow:       testSettings,
		})
	})
	if sharedErr != nil {
		t.Fatalf("start local stack: %v", sharedErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("function output:\n%s", fnOutput.String())
		}
	})
	return shared
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checklistFor returns the sample checklist with a customer name unique to
// the test, so identical-body deduplication never joins two tests.
func checklistFor(t *testing.T, mutate func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readEvent(t, "checklist.json"), &doc); err != nil {
		t.Fatal(err)
	}
	doc["customer"].(map[string]any)["name"] = "Example Corp " + t.Name()
	if mutate != nil {
		mutate(doc)
	}
	b, _ := json.Marshal(doc)
	return b
}

type reply struct {
	status  int
	header  http.Header
	body    map[string]any
	rawBody string
}

func post(t *testing.T, s *localstack.Stack, body []byte, contentType, key string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return do(t, req)
}

func get(t *testing.T, s *localstack.Stack, path string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, rawBody: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func waitForStatus(t *testing.T, s *localstack.Stack, id, want string) store.Record {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var rec store.Record
	for time.Now().Before(deadline) {
		r := get(t, s, "/api/submissions/"+id)
		if r.status != http.StatusOK {
			t.Fatalf("GET status: %d %s", r.status, r.rawBody)
		}
		rec = store.Record{}
		if err := json.Unmarshal([]byte(r.rawBody), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Status == want {
			return rec
		}
		if rec.Status == "failed" && want != "failed" {
			t.Fatalf("submission failed: %+v", rec.History)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("status %q never reached; last %q, history %+v", want, rec.Status, rec.History)
	return rec
}

type sentEmail struct {
	Destination struct {
		ToAddresses []string
	}
	Subject  string
	Body     string
	HTMLBody string
}

func outbox(t *testing.T, s *localstack.Stack, submissionID, subject string) []sentEmail {
	t.Helper()
	r := get(t, s, "/dev/outbox.json")
	var box struct{ Emails []sentEmail }
	if err := json.Unmarshal([]byte(r.rawBody), &box); err != nil {
		t.Fatalf("outbox: %v %s", err, r.rawBody)
	}
	var out []sentEmail
	for _, e := range box.Emails {
		if strings.Contains(e.Body, submissionID) && strings.Contains(e.Subject, subject) {
			out = append(out, e)
		}
	}
	return out
}

// waitForEmails waits until n emails about the submission whose subject
// contains subject have been sent (the stage is recorded before the email
// goes out, so a status change alone does not mean the email is there).
func waitForEmails(t *testing.T, s *localstack.Stack, submissionID, subject string, n int) []sentEmail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := outbox(t, s, submissionID, subject)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d email(s) %q for %s, want %d", len(got), subject, submissionID, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var linkPattern = regexp.MustCompile(`http://[^\s"<>]+/approvals/[^\s"<>]+`)

// link is the approval link in an email.
func link(t *testing.T, e sentEmail) string {
	t.Helper()
	l := linkPattern.FindString(e.Body)
	if l == "" {
		t.Fatalf("no approval link in email %q:\n%s", e.Subject, e.Body)
	}
	return l
}

// decide opens an approval link as a PM's browser would (GET shows the
// page and changes nothing) and posts the form.
func decide(t *testing.T, s *localstack.Stack, approvalURL, outcome string) reply {
	t.Helper()
	page := do(t, mustRequest(t, http.MethodGet, approvalURL, nil))
	if page.status != http.StatusOK || !strings.Contains(page.rawBody, `value="`+outcome+`"`) {
		t.Fatalf("approval page: %d\n%s", page.status, page.rawBody)
	}
	return postDecision(t, s, approvalURL, outcome)
}

// postDecision posts the approval form for a link, as its page would.
func postDecision(t *testing.T, s *localstack.Stack, approvalURL, outcome string) reply {
	t.Helper()
	u, err := url.Parse(approvalURL)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"exp": {u.Query().Get("exp")}, "sig": {u.Query().Get("sig")}, "actor": {"Pat PM"},
		"comment": {"looks good <b>really</b>"}, "outcome": {outcome}}
	req := mustRequest(t, http.MethodPost, s.URL+u.Path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func mustRequest(t *testing.T, method, target string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// stagesOf lists the stage changes of the trail (not the facts appended).
func stagesOf(rec store.Record) []string {
	var out []string
	for _, e := range rec.History {
		if e.Actor == "notify" || e.Actor == "intake" {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != e.Stage {
			out = append(out, e.Stage)
		}
	}
	return out
}

func TestSubmissionRunsThroughDevVerification(t *testing.T) {
	s := stack(t)
	r := post(t, s, checklistFor(t, nil), "application/json", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.rawBody)
	}
	id, _ := r.body["id"].(string)
	if !strings.HasPrefix(id, "sub-") || r.body["version"] != 1.0 || r.body["status"] != "received" {
		t.Fatalf("receipt %v", r.body)
	}
	if r.body["statusUrl"] != s.URL+"/submissions/"+id || r.header.Get("Location") == "" {
		t.Fatalf("status link %v / %q", r.body["statusUrl"], r.header.Get("Location"))
	}

	rec := waitForStatus(t, s, id, "awaiting-approval")
	var trail []string
	for _, e := range rec.History {
		trail = append(trail, e.Stage+":"+e.Status+":"+e.Actor)
	}
	joined := strings.Join(trail, " ")
	for _, want := range []string{"intake:received:customer", "intake:received:intake", "verify-dev:in-progress:verifier", "approve-dev:awaiting-approval:workflow"} {
		if !strings.Contains(joined, want) {
			t.Errorf("history lacks %s: %s", want, joined)
		}
	}
	if rec.Stage != "approve-dev" || len(rec.Reports) != 1 || !rec.Versions[0].Started() {
		t.Errorf("record %+v", rec)
	}

	// The execution is named after the submission version and waits at the gate.
	exec, err := sfn.NewFromConfig(s.AWS).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{
		ExecutionArn: aws.String(rec.Versions[0].ExecutionArn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(exec.Name) != id+"-v1" || exec.Status != "RUNNING" {
		t.Errorf("execution %s %s", aws.ToString(exec.Name), exec.Status)
	}

	// The project manager was told, after the status was recorded, with a
	// link that carries no task token.
	mails := waitForEmails(t, s, id, "DEV passed verification", 1)
	if mails[0].Destination.ToAddresses[0] != "pm@example.com" {
		t.Fatalf("emails %+v", mails)
	}
	if l := link(t, mails[0]); len(l) > 300 || strings.Contains(l, "Token") {
		t.Errorf("approval link %q", l)
	}
}

func TestFailingCertificateRequestsChanges(t *testing.T) {
	s := stack(t)
	body := checklistFor(t, func(doc map[string]any) {
		dev := doc["environments"].(map[string]any)["dev"].(map[string]any)
		h := dev["hostnames"].(map[string]any)
		names := []string{h["manage"].(string), h["rta"].(string), h["webtask"].(string)}
		for _, a := range h["apps"].([]any) {
			names = append(names, a.(string))
		}
		dev["certificate"] = map[string]any{"pem": selfSigned(t, names)}
	})
	r := post(t, s, body, "application/json", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.rawBody)
	}
	id := r.body["id"].(string)
	rec := waitForStatus(t, s, id, "changes-requested")
	if rec.Stage != "verify-dev" {
		t.Errorf("stage %s", rec.Stage)
	}
	mails := waitForEmails(t, s, id, "changes requested", 1)
	if !strings.Contains(mails[0].Body, "TLS-SELF-SIGNED") || linkPattern.MatchString(mails[0].Body) {
		t.Fatalf("emails %+v", mails)
	}
}

func TestRepeatedSubmissionIsStoredOnce(t *testing.T) {
	s := stack(t)
	body := checklistFor(t, nil)
	key := "key-" + t.Name()

	first := post(t, s, body, "application/json", key)
	if first.status != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.status, first.rawBody)
	}
	second := post(t, s, body, "application/json", key)
	if second.status != http.StatusOK || second.body["id"] != first.body["id"] || second.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("second: %d %v", second.status, second.body)
	}
	// The same key with another document is refused, nothing stored.
	other := post(t, s, checklistFor(t, func(doc map[string]any) {
		doc["customer"].(map[string]any)["name"] = "Someone Else"
	}), "application/json", key)
	if other.status != http.StatusUnprocessableEntity || !strings.Contains(other.rawBody, "Idempotency-Key") {
		t.Fatalf("reused key: %d %s", other.status, other.rawBody)
	}

	// Without a key, an identical body (formatted differently) is the same submission.
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, body, "", "   ")
	third := post(t, s, pretty.Bytes(), "application/json", "")
	fourth := post(t, s, body, "application/json; charset=utf-8", "")
	if third.status != http.StatusAccepted || fourth.status != http.StatusOK || third.body["id"] != fourth.body["id"] {
		t.Fatalf("identical bodies: %d %v / %d %v", third.status, third.body, fourth.status, fourth.body)
	}

	// Exactly one execution per submission version.
	for _, id := range []string{first.body["id"].(string), third.body["id"].(string)} {
		execs, err := sfn.NewFromConfig(s.AWS).ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(s.StateMachineArn)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range execs.Executions {
			if strings.HasPrefix(aws.ToString(e.Name), id+"-") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d executions", id, n)
		}
	}
}

func TestRefusedRequestsStoreNothing(t *testing.T) {
	s := stack(t)
	db := dynamodb.NewFromConfig(s.AWS)
	// Other tests' workflows keep writing events and approvals; a refused
	// request would add a submission or an idempotency record.
	submissions := func() map[string]bool {
		keys := map[string]bool{}
		p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(s.Table)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range page.Items {
				var k struct {
					PK string `dynamodbav:"pk"`
				}
				_ = attributevalue.UnmarshalMap(item, &k)
				if strings.HasPrefix(k.PK, "SUB#") || strings.HasPrefix(k.PK, "DEDUP#") {
					keys[k.PK] = true
				}
			}
		}
		return keys
	}
	before := submissions()

	var expected map[string][]string
	if err := json.Unmarshal(readEvent(t, "invalid/expected.json"), &expected); err != nil {
		t.Fatal(err)
	}
	if len(expected) < 10 {
		t.Fatalf("only %d invalid samples", len(expected))
	}
	for file, fields := range expected {
		t.Run(file, func(t *testing.T) {
			r := post(t, s, readEvent(t, filepath.Join("invalid", file)), "application/json", "")
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d %s", r.status, r.rawBody)
			}
			for _, f := range fields {
				if !strings.Contains(r.rawBody, `"field":"`+f+`"`) {
					t.Errorf("response does not name %s: %s", f, r.rawBody)
				}
			}
		})
	}
	if r := post(t, s, []byte("customer=acme"), "application/x-www-form-urlencoded", ""); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d", r.status)
	}
	big := append(checklistFor(t, nil)[:0:0], checklistFor(t, nil)...)
	big = append(big[:len(big)-1], []byte(`,"padding":"`+strings.Repeat("x", 300<<10)+`"}`)...)
	if r := post(t, s, big, "application/json", ""); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", r.status)
	}
	if r := post(t, s, []byte(`{"customer":`), "application/json", ""); r.status != http.StatusBadRequest {
		t.Errorf("truncated JSON: %d", r.status)
	}
	for k := range submissions() {
		if !before[k] {
			t.Errorf("a refused request stored %s", k)
		}
	}
}

func TestStatusOfUnknownSubmission(t *testing.T) {
	s := stack(t)
	for _, path := range []string{"/api/submissions/sub-aaaaaaaaaaaaaaaa", "/api/submissions/../../etc", "/api/submissions/%3Cscript%3E"} {
		r := get(t, s, path)
		if r.status != http.StatusNotFound || r.body["message"] == "" {
			t.Errorf("%s: %d %s", path, r.status, r.rawBody)
		}
	}
	r := get(t, s, "/api/schema")
	if r.status != http.StatusOK || r.body["$schema"] == nil {
		t.Errorf("schema: %d", r.status)
	}
}

// selfSigned returns a self-signed RSA certificate for names: valid PEM
// that passes intake validation but fails verification.
func selfSigned(t *testing.T, names []string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
