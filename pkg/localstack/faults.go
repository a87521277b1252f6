package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultServices are the AWS services the function processes reach through
// the stack's fault injector (AWS_ENDPOINT_URL_<SERVICE>, which outranks
// AWS_ENDPOINT_URL): Step Functions (StartExecution, SendTaskSuccess) and
// SES (SendEmail). The busy services (DynamoDB, Lambda) go to kumo
// directly.
var FaultServices = []string{"SFN", "SESV2"}

// AWSFault makes matching AWS requests of the function processes fail or
// hang, to see (and test) what the service does when AWS does.
type AWSFault struct {
	// Operation is the API operation, e.g. "StartExecution" or
	// "SendEmail"; empty matches every operation.
	Operation string
	// Caller limits the fault to the processes of one function (its folder
	// name, e.g. "intake"); empty matches every caller.
	Caller string
	// Match limits the fault to requests whose body contains this text
	// (e.g. a customer name); empty matches every body.
	Match string
	// Status is the HTTP status to answer (with an AWS error of Code and
	// Message); 0 passes the request on to kumo after Delay.
	Status  int
	Code    string
	Message string
	// Delay holds the request back first; a caller that gives up (or dies)
	// ends the wait.
	Delay time.Duration
	// Times limits the fault to this many requests; 0 is until cleared.
	Times int
}

// ActiveFault is a fault in place.
type ActiveFault struct {
	f      AWSFault
	owner  *AWSFaults
	mu     sync.Mutex
	hits   int
	closed bool
}

// Hits is how many requests the fault has caught so far.
func (a *ActiveFault) Hits() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

// Clear removes the fault; requests it holds back are released.
func (a *ActiveFault) Clear() { a.owner.remove(a) }

// AWSFaults is a reverse proxy in front of kumo for FaultServices that
// fails or delays requests on demand and counts every request by
// operation and caller.
type AWSFaults struct {
	// URL is where the proxy listens (what AWS_ENDPOINT_URL_SFN and
	// AWS_ENDPOINT_URL_SESV2 point at).
	URL string

	proxy  *httputil.ReverseProxy
	server *http.Server

	mu     sync.Mutex
	faults []*ActiveFault
	calls  map[string]int // operation + " " + caller → requests
	done   chan struct{}
}

// newAWSFaults starts the proxy on a free loopback port in front of kumo.
func newAWSFaults(kumoURL string) (*AWSFaults, error) {
	target, err := url.Parse(kumoURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &AWSFaults{URL: "http://" + ln.Addr().String(), calls: map[string]int{}, done: make(chan struct{})}
	a.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target); r.Out.Host = r.In.Host },
		// Callers killed mid-request leave requests behind: not worth a log line.
		ErrorLog: stdlog.New(io.Discard, "", 0),
	}
	a.server = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.server.Serve(ln) }()
	return a, nil
}

func (a *AWSFaults) close() {
	if a == nil {
		return
	}
	a.mu.Lock()
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.server.Shutdown(ctx)
}

// Set puts a fault in place; the newest fault is tried first.
func (a *AWSFaults) Set(f AWSFault) *ActiveFault {
	af := &ActiveFault{f: f, owner: a}
	a.mu.Lock()
	a.faults = append([]*ActiveFault{af}, a.faults...)
	a.mu.Unlock()
	return af
}

// ClearAll removes every fault.
func (a *AWSFaults) ClearAll() {
	a.mu.Lock()
	for _, f := range a.faults {
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
	}
	a.faults = nil
	a.mu.Unlock()
}

// Calls is how many requests of operation the proxy received from caller
// (a function folder name; empty: from anyone, including callers without
// a name).
func (a *AWSFaults) Calls(operation, caller string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if caller != "" {
		return a.calls[operation+" "+caller]
	}
	n := 0
	for k, v := range a.calls {
		if strings.HasPrefix(k, operation+" ") {
			n += v
		}
	}
	return n
}

func (a *AWSFaults) remove(af *ActiveFault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	af.mu.Lock()
	af.closed = true
	af.mu.Unlock()
	for i, x := range a.faults {
		if x == af {
			a.faults = append(a.faults[:i], a.faults[i+1:]...)
			return
		}
	}
}

// match returns the first fault matching the request, counting the hit.
func (a *AWSFaults) match(op, caller string, body []byte) *ActiveFault {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls[op+" "+caller]++
	for i, f := range a.faults {
		if (f.f.Operation != "" && f.f.Operation != op) || (f.f.Caller != "" && f.f.Caller != caller) ||
			(f.f.Match != "" && !bytes.Contains(body, []byte(f.f.Match))) {
			continue
		}
		f.mu.Lock()
		f.hits++
		if f.f.Times > 0 && f.hits >= f.f.Times {
			a.faults = append(a.faults[:i], a.faults[i+1:]...)
		}
		f.mu.Unlock()
		return f
	}
	return nil
}

// awsOperation names the API operation of a request: the X-Amz-Target of
// JSON protocols (Step Functions), the route of REST ones (SES v2).
func awsOperation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-emails" {
		return "SendEmail"
	}
	return r.Method + " " + r.URL.Path
}

// awsCaller is the function whose process sent the request: the stack
// gives each process AWS_SDK_UA_APP_ID=<folder>, which the SDK sends in
// its User-Agent as "app/<folder>".
func awsCaller(r *http.Request) string {
	for _, part := range strings.Fields(r.Header.Get("User-Agent")) {
		if name, ok := strings.CutPrefix(part, "app/"); ok {
			return name
		}
	}
	return ""
}

func (a *AWSFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f := a.match(awsOperation(r), awsCaller(r), body)
	if f == nil {
		a.proxy.ServeHTTP(w, r)
		return
	}
	if f.f.Delay > 0 {
		t := time.NewTimer(f.f.Delay)
		defer t.Stop()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-t.C:
				break wait
			case <-r.Context().Done():
				return // the caller gave up or died
			case <-a.done:
				return
			case <-tick.C:
				f.mu.Lock()
				closed := f.closed
				f.mu.Unlock()
				if closed {
					break wait // cleared: let it through
				}
			}
		}
	}
	if f.f.Status == 0 {
		a.proxy.ServeHTTP(w, r)
		return
	}
	code := f.f.Code
	if code == "" {
		code = "ServiceUnavailable"
	}
	msg := f.f.Message
	if msg == "" {
		msg = "simulated failure (local stack fault injector)"
	}
	out, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	ct := "application/json"
	if r.Header.Get("X-Amz-Target") != "" {
		ct = "application/x-amz-json-1.0"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(f.f.Status)
	_, _ = w.Write(out)
}

// serveFault sets or clears a fault from a form (POST /dev/aws/fault):
// operation, caller, match, status, code, message, delay (a duration like
// 10s), times; "clear=1" clears every fault. Answers the active faults.
func (a *AWSFaults) serveFault(w http.ResponseWriter, r *http.Request) {
	if !faultForm(w, r) {
		return
	}
	if r.Form.Get("clear") != "" {
		a.ClearAll()
	} else {
		f := AWSFault{Operation: r.Form.Get("operation"), Caller: r.Form.Get("caller"), Match: r.Form.Get("match"),
			Code: r.Form.Get("code"), Message: r.Form.Get("message")}
		var errs []error
		var err error
		if v := r.Form.Get("status"); v != "" {
			f.Status, err = strconv.Atoi(v)
			errs = append(errs, err)
		}
		if v := r.Form.Get("times"); v != "" {
			f.Times, err = strconv.Atoi(v)
			errs = append(errs, err)
		}
		if v := r.Form.Get("delay"); v != "" {
			f.Delay, err = time.ParseDuration(v)
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil || (f.Status == 0 && f.Delay == 0) {
			http.Error(w, "want status (an HTTP status) and/or delay (like 10s); times, operation, caller, match, code, message optional", http.StatusBadRequest)
			return
		}
		a.Set(f)
	}
	a.mu.Lock()
	active := make([]AWSFault, 0, len(a.faults))
	for _, f := range a.faults {
		active = append(active, f.f)
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"faults": active})
}
