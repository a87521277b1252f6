package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/psaas/appliance-intake/pkg/localstack"
)

// checkBudget bounds the checks after the requests.
const checkBudget = 2 * time.Minute

// Config is one load run.
type Config struct {
	// Stack is where the HTTP API, kumo, the table and the state machine are.
	Stack localstack.StackInfo
	// N submissions, Concurrency at a time, all sent within Timeout (the
	// ones not sent by then count as errors).
	N, Concurrency int
	Timeout        time.Duration
	// Template is the checklist every submission is made from; each gets
	// its own customer name.
	Template []byte
	// RunID makes the customer names of this run unique; empty: the time.
	RunID string
}

// Result is one request.
type Result struct {
	Customer string
	// Status is the HTTP status; 0 when there was no answer (Err says why).
	Status  int
	Err     string
	Latency time.Duration
	// ID is the submission the answer names.
	ID       string
	Replayed bool
}

// Stored is what the table holds for one submission.
type Stored struct {
	ID, Customer string
	// Versions is how many version items it has; Started how many of them
	// record an execution.
	Versions, Started int
}

// Books is the accounting of a run: what was answered against what is in
// the table and in Step Functions.
type Books struct {
	Accepted int
	// Lost are accepted submissions the table does not hold; Duplicated
	// are customers (one document each) stored more than once or answered
	// with an id another customer got.
	Lost, Duplicated []string
	// Unrecorded are accepted submissions whose version records no
	// execution.
	Unrecorded []string
	// MissingExecution and ExtraExecutions: accepted submissions without
	// exactly one execution.
	MissingExecution, ExtraExecutions []string
	// StoredUnanswered are submissions stored for requests that got no
	// accepted answer (the resumer starts them; the client was told 5xx).
	StoredUnanswered []string
	Executions       int
	// ListTruncated says the execution list may be incomplete (kumo
	// returns at most 1,000 without a NextToken): each accepted
	// submission's own execution was still found by name, but a stray
	// second execution beyond the list would go unseen.
	ListTruncated bool
}

// OK reports whether nothing was lost or duplicated.
func (b Books) OK() bool {
	return len(b.Lost)+len(b.Duplicated)+len(b.Unrecorded)+len(b.MissingExecution)+len(b.ExtraExecutions) == 0
}

// Report is a run's outcome.
type Report struct {
	Results  []Result
	Elapsed  time.Duration
	ByStatus map[string]int
	P50, P99 time.Duration
	Max      time.Duration
	Books    Books
}

// Errors counts the requests that did not get 202.
func (r *Report) Errors() int {
	n := 0
	for k, v := range r.ByStatus {
		if k != "202" {
			n += v
		}
	}
	return n
}

// OK reports whether every request was accepted, once, and has one
// execution.
func (r *Report) OK() bool { return r.Errors() == 0 && r.Books.OK() }

// Print writes the report.
func (r *Report) Print(w io.Writer) {
	answered := 0
	for _, res := range r.Results {
		if res.Status != 0 {
			answered++
		}
	}
	fmt.Fprintf(w, "requests    %d in %.1f s → %.1f per second (%d answered)\n", len(r.Results), r.Elapsed.Seconds(),
		float64(answered)/r.Elapsed.Seconds(), answered)
	fmt.Fprintf(w, "latency     p50 %s  p99 %s  max %s\n", ms(r.P50), ms(r.P99), ms(r.Max))
	var keys []string
	for k := range r.ByStatus {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, r.ByStatus[k]))
	}
	fmt.Fprintf(w, "answers     %s (errors: %d)\n", strings.Join(parts, ", "), r.Errors())
	b := r.Books
	fmt.Fprintf(w, "stored      %d accepted submissions: %d lost, %d duplicated, %d without a recorded execution; %d stored for requests not accepted\n",
		b.Accepted, len(b.Lost), len(b.Duplicated), len(b.Unrecorded), len(b.StoredUnanswered))
	fmt.Fprintf(w, "executions  %d for this run: %d accepted submissions without one, %d with more than one\n",
		b.Executions, len(b.MissingExecution), len(b.ExtraExecutions))
	if b.ListTruncated {
		fmt.Fprintln(w, "  (the stack lists at most 1,000 executions: each was found by name, extras only among the listed)")
	}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"lost", b.Lost}, {"duplicated", b.Duplicated}, {"no recorded execution", b.Unrecorded},
		{"no execution", b.MissingExecution}, {"several executions", b.ExtraExecutions}, {"stored, not accepted", b.StoredUnanswered}} {
		if len(l.ids) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", l.name, strings.Join(first(l.ids, 10), ", "))
		}
	}
	errs := map[string]int{}
	for _, res := range r.Results {
		if res.Status != 202 && res.Err != "" {
			errs[res.Err]++
		}
	}
	for e, n := range errs {
		fmt.Fprintf(w, "  error ×%d: %s\n", n, e)
	}
	if r.OK() {
		fmt.Fprintln(w, "OK: every submission accepted, stored once, one execution each")
	} else {
		fmt.Fprintln(w, "FAILED")
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… (%d more)", len(s)-n))
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// CheckLoopback refuses any URL whose host is not a loopback address.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: load runs only against a local stack", host)
}

// Discover reads a running local stack's parts from GET /dev/stack.json.
func Discover(ctx context.Context, base string) (localstack.StackInfo, error) {
	var info localstack.StackInfo
	if err := CheckLoopback(base); err != nil {
		return info, err
	}
	base = strings.TrimRight(base, "/")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/dev/stack.json", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return info, fmt.Errorf("is `make dev` running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return info, fmt.Errorf("GET %s/dev/stack.json: HTTP %d (is this a local stack?)", base, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return info, fmt.Errorf("decode /dev/stack.json: %w", err)
	}
	if info.Endpoint == "" || info.Table == "" || info.StateMachineArn == "" {
		return info, fmt.Errorf("/dev/stack.json lacks the endpoint, table or state machine: %+v", info)
	}
	if err := CheckLoopback(info.Endpoint); err != nil {
		return info, fmt.Errorf("the stack's AWS endpoint: %w", err)
	}
	info.URL = base
	return info, nil
}

// Run sends the submissions, then checks the books.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := CheckLoopback(cfg.Stack.URL); err != nil {
		return nil, err
	}
	if err := CheckLoopback(cfg.Stack.Endpoint); err != nil {
		return nil, fmt.Errorf("AWS endpoint: %w", err)
	}
	if cfg.RunID == "" {
		cfg.RunID = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	prefix := "Load " + cfg.RunID + " #"
	bodies := make([][]byte, cfg.N)
	names := make([]string, cfg.N)
	for i := range bodies {
		names[i] = fmt.Sprintf("%s%05d", prefix, i)
		b, err := withCustomer(cfg.Template, names[i])
		if err != nil {
			return nil, err
		}
		bodies[i] = b
	}

	rep := &Report{Results: make([]Result, cfg.N), ByStatus: map[string]int{}}
	loadCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency}}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.N {
					return
				}
				rep.Results[i] = send(loadCtx, hc, cfg.Stack.URL, bodies[i], names[i], "load-"+cfg.RunID+"-"+strconv.Itoa(i))
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)

	var lat []time.Duration
	for _, r := range rep.Results {
		switch {
		case r.Status != 0:
			rep.ByStatus[strconv.Itoa(r.Status)]++
			lat = append(lat, r.Latency)
		case loadCtx.Err() != nil && r.Err == errNotSent:
			rep.ByStatus["not sent (timeout)"]++
		default:
			rep.ByStatus["no answer"]++
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rep.P50, rep.P99 = percentile(lat, 50), percentile(lat, 99)
	if len(lat) > 0 {
		rep.Max = lat[len(lat)-1]
	}

	checkCtx, cancelCheck := context.WithTimeout(ctx, checkBudget)
	defer cancelCheck()
	cfgAWS := localstack.AWSConfig(cfg.Stack.Endpoint)
	stored, err := storedSubmissions(checkCtx, dynamodb.NewFromConfig(cfgAWS, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }), cfg.Stack.Table, prefix)
	if err != nil {
		return nil, fmt.Errorf("read the table: %w", err)
	}
	execs, complete, err := executions(checkCtx, sfn.NewFromConfig(cfgAWS), cfg.Stack.StateMachineArn, rep.Results)
	if err != nil {
		return nil, fmt.Errorf("executions: %w", err)
	}
	rep.Books = Account(rep.Results, stored, execs)
	rep.Books.ListTruncated = !complete
	return rep, nil
}

const errNotSent = "not sent: the run's time was up"

func send(ctx context.Context, hc *http.Client, base string, body []byte, customer, key string) Result {
	res := Result{Customer: customer}
	if ctx.Err() != nil {
		res.Err = errNotSent
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/submissions", bytes.NewReader(body))
	if err != nil {
		res.Err = err.Error()
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	t := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		res.Latency, res.Err = time.Since(t), err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			res.Err = "no answer before the run's time was up"
		}
		return res
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	res.Latency, res.Status = time.Since(t), resp.StatusCode
	res.Replayed = resp.Header.Get("Idempotent-Replayed") == "true"
	var receipt struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &receipt)
	res.ID = receipt.ID
	if res.Status != http.StatusAccepted {
		res.Err = fmt.Sprintf("HTTP %d: %s", res.Status, strings.TrimSpace(receipt.Message))
	}
	return res
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100 // nearest rank
	return sorted[max(i, 1)-1]
}

func withCustomer(template []byte, name string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("checklist template: %w", err)
	}
	c, ok := doc["customer"].(map[string]any)
	if !ok {
		return nil, errors.New("checklist template has no customer")
	}
	c["name"] = name
	return json.Marshal(doc)
}

// storedSubmissions scans the table for the submissions of this run (the
// customer names start with prefix), with their versions.
func storedSubmissions(ctx context.Context, db *dynamodb.Client, table, prefix string) (map[string][]Stored, error) {
	type item struct {
		PK           string `dynamodbav:"pk"`
		SK           string `dynamodbav:"sk"`
		ID           string `dynamodbav:"id"`
		CustomerName string `dynamodbav:"customerName"`
		ExecutionArn string `dynamodbav:"executionArn"`
	}
	metas := map[string]*Stored{} // by partition key
	versions := map[string][2]int{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Items {
			var it item
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, err
			}
			switch {
			case !strings.HasPrefix(it.PK, "SUB#"):
			case it.SK == "META" && strings.HasPrefix(it.CustomerName, prefix):
				metas[it.PK] = &Stored{ID: it.ID, Customer: it.CustomerName}
			case strings.HasPrefix(it.SK, "VER#"):
				v := versions[it.PK]
				v[0]++
				if it.ExecutionArn != "" {
					v[1]++
				}
				versions[it.PK] = v
			}
		}
	}
	out := map[string][]Stored{}
	for pk, m := range metas {
		m.Versions, m.Started = versions[pk][0], versions[pk][1]
		out[m.Customer] = append(out[m.Customer], *m)
	}
	return out, nil
}

// listLimit is the most executions one ListExecutions page may return.
const listLimit = 1000

// executions counts the state machine's executions by name, and makes
// sure each accepted submission's execution exists by describing it by
// name: kumo's ListExecutions returns at most MaxResults executions and
// no NextToken, so a long-lived stack's list can be cut short. complete
// is false when the list may have been.
func executions(ctx context.Context, c *sfn.Client, stateMachineArn string, results []Result) (names map[string]int, complete bool, err error) {
	names = map[string]int{}
	complete = true
	var token *string
	for {
		page, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(stateMachineArn),
			MaxResults: listLimit, NextToken: token})
		if err != nil {
			return nil, false, err
		}
		for _, e := range page.Executions {
			names[aws.ToString(e.Name)]++
		}
		if page.NextToken == nil {
			complete = len(page.Executions) < listLimit
			break
		}
		token = page.NextToken
	}
	// Describe each accepted submission's execution by its name.
	prefix := strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":"
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	for _, r := range results {
		if r.ID == "" || (r.Status != http.StatusAccepted && r.Status != http.StatusOK) {
			continue
		}
		name := r.ID + "-v1"
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(prefix + name)})
			var missing *sfntypes.ExecutionDoesNotExist
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				if names[name] == 0 {
					names[name] = 1 // beyond a truncated list
				}
			case errors.As(err, &missing):
				names[name] = 0
			case firstErr == nil:
				firstErr = fmt.Errorf("describe execution %s: %w", name, err)
			}
		}()
	}
	wg.Wait()
	return names, complete, firstErr
}

// Account checks every accepted answer against the table (stored, by
// customer name) and Step Functions (executions, by name).
func Account(results []Result, stored map[string][]Stored, execs map[string]int) Books {
	var b Books
	answeredID := map[string]string{} // id → customer
	accepted := map[string]bool{}
	for _, r := range results {
		if r.Status != http.StatusAccepted && !(r.Status == http.StatusOK && r.Replayed) {
			continue
		}
		b.Accepted++
		accepted[r.Customer] = true
		if other, ok := answeredID[r.ID]; ok && other != r.Customer {
			b.Duplicated = append(b.Duplicated, r.ID+" (answered to "+other+" and "+r.Customer+")")
			continue
		}
		answeredID[r.ID] = r.Customer
		subs := stored[r.Customer]
		switch {
		case len(subs) == 0 || (len(subs) == 1 && subs[0].ID != r.ID):
			b.Lost = append(b.Lost, r.ID+" ("+r.Customer+")")
			continue
		case len(subs) > 1:
			b.Duplicated = append(b.Duplicated, fmt.Sprintf("%s stored %d times", r.Customer, len(subs)))
			continue
		}
		if subs[0].Versions != 1 || subs[0].Started != 1 {
			b.Unrecorded = append(b.Unrecorded, fmt.Sprintf("%s (%d versions, %d with an execution)", r.ID, subs[0].Versions, subs[0].Started))
		}
		n := 0
		for name, c := range execs {
			if strings.HasPrefix(name, r.ID+"-") {
				n += c
			}
		}
		b.Executions += n
		switch {
		case n == 0:
			b.MissingExecution = append(b.MissingExecution, r.ID)
		case n > 1 || execs[r.ID+"-v1"] != 1:
			b.ExtraExecutions = append(b.ExtraExecutions, fmt.Sprintf("%s (%d)", r.ID, n))
		}
	}
	for customer, subs := range stored {
		if !accepted[customer] {
			for _, s := range subs {
				b.StoredUnanswered = append(b.StoredUnanswered, s.ID+" ("+customer+")")
			}
		}
	}
	for _, l := range [][]string{b.Lost, b.Duplicated, b.Unrecorded, b.MissingExecution, b.ExtraExecutions, b.StoredUnanswered} {
		sort.Strings(l)
	}
	return b
}
