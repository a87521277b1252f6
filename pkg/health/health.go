// Package health checks a deployed appliance the way its load balancer
// does: an unauthenticated HTTP GET of /testall that must answer 200 "OK".
package health

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultURLTemplate is where an appliance answers; {host} is its manage
// hostname. Tests and the local stack point it at a local server.
const DefaultURLTemplate = "https://{host}/testall"

// Result is one check.
type Result struct {
	Healthy bool
	URL     string
	Detail  string
}

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Checker performs checks.
type Checker struct {
	client      doer
	urlTemplate string
	timeout     time.Duration
}

// New returns a Checker; an empty template means DefaultURLTemplate.
func New(client doer, urlTemplate string) *Checker {
	if urlTemplate == "" {
		urlTemplate = DefaultURLTemplate
	}
	return &Checker{client: client, urlTemplate: urlTemplate, timeout: 10 * time.Second}
}

// URL is the address checked for a hostname.
func (c *Checker) URL(host string) string {
	return strings.ReplaceAll(c.urlTemplate, "{host}", host)
}

// Check GETs /testall of host. Any failure is a result, not an error: the
// workflow retries and eventually reports what the last attempt saw.
func (c *Checker) Check(ctx context.Context, host string) Result {
	url := c.URL(host)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{URL: url, Detail: fmt.Sprintf("bad health-check URL: %v", err)}
	}
	req.Header.Set("User-Agent", "ApplianceIntake-HealthCheck/1")
	resp, err := c.client.Do(req)
	if err != nil {
		return Result{URL: url, Detail: fmt.Sprintf("GET %s: %v", url, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return Result{URL: url, Detail: fmt.Sprintf("GET %s answered HTTP %d, want 200", url, resp.StatusCode)}
	}
	if text != "OK" {
		if len(text) > 80 {
			text = text[:80] + "…"
		}
		return Result{URL: url, Detail: fmt.Sprintf("GET %s answered 200 with %q, want \"OK\"", url, text)}
	}
	return Result{Healthy: true, URL: url, Detail: "GET " + url + " answered 200 OK"}
}

// NewClient returns the HTTP client checks should use: it does not follow
// redirects, because /testall answering with one (to a login page, say)
// means the appliance is not serving the unauthenticated health endpoint.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
