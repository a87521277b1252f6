package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/slack-go/slack"

	"github.com/psaas/appliance-intake/pkg/awsx"
)

// SlackOptions bound a webhook delivery. Zero values take the defaults,
// which keep one delivery (every attempt and wait) within about 20 s, well
// inside the notify function's timeout.
type SlackOptions struct {
	// Timeout bounds one attempt (connect, send, answer). Default 4 s.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one message. Default 4.
	MaxAttempts int
	// BaseDelay is the first backoff; each retry doubles it, with jitter.
	// Default 500 ms.
	BaseDelay time.Duration
	// MaxRetryAfter caps a 429's Retry-After. Default 8 s.
	MaxRetryAfter time.Duration
	// Budget bounds the whole delivery: no wait or attempt goes beyond
	// it. Default 20 s.
	Budget time.Duration
}

// WithDefaults returns the options with every zero value defaulted.
func (o SlackOptions) WithDefaults() SlackOptions {
	if o.Timeout <= 0 {
		o.Timeout = 4 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 500 * time.Millisecond
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 8 * time.Second
	}
	if o.Budget <= 0 {
		o.Budget = 20 * time.Second
	}
	return o
}

// Slack posts messages to one Slack incoming webhook. The webhook URL is a
// credential: it is never logged and never appears in an error.
type Slack struct {
	url    string
	client *http.Client
	opts   SlackOptions
}

// NewSlack returns a client of the webhook at webhookURL.
func NewSlack(webhookURL string, opts SlackOptions) *Slack {
	opts = opts.WithDefaults()
	return &Slack{url: webhookURL, opts: opts, client: &http.Client{
		Timeout: opts.Timeout,
		// A redirect is an answer, not a detour: a webhook that redirects
		// (a bot token used as a webhook gets 302s) has failed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type secretReader interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SlackFromSecret reads the webhook URL from the Secrets Manager secret arn
// now and returns its client. A function uses LazySlack instead, which
// calls it on the first delivery.
func SlackFromSecret(ctx context.Context, sm secretReader, arn string, opts SlackOptions) (*Slack, error) {
	value, err := awsx.Secret(ctx, sm, arn)
	if err != nil {
		return nil, fmt.Errorf("slack webhook: %w", err)
	}
	u, err := ParseWebhookSecret(string(value))
	if err != nil {
		return nil, fmt.Errorf("slack webhook (secret %s): %w", arn, err)
	}
	return NewSlack(u, opts), nil
}

// LazySlack is the Slack channel of a function: its webhook URL is read
// from the secret on the first delivery, not at the function's init, and
// kept for the cold start. A secret that cannot be read (or does not hold
// a webhook URL) fails that delivery — recorded as failed with the reason,
// which never quotes the secret, while email still goes — and the next
// delivery reads it again. Concurrent first deliveries read it once.
type LazySlack struct {
	slack *awsx.Lazy[*Slack]
}

// NewLazySlack returns the channel of the webhook in the secret arn; it
// makes no call.
func NewLazySlack(sm secretReader, arn string, opts SlackOptions) *LazySlack {
	return &LazySlack{slack: awsx.NewLazy(func(ctx context.Context) (*Slack, error) {
		return SlackFromSecret(ctx, sm, arn, opts)
	})}
}

// Post reads the webhook URL if no read has succeeded yet, then delivers
// msg as Slack.Post does.
func (l *LazySlack) Post(ctx context.Context, msg *slack.WebhookMessage) (int, error) {
	s, err := l.slack.Get(ctx)
	if err != nil {
		return 0, err
	}
	return s.Post(ctx, msg)
}

// ParseWebhookSecret reads a webhook URL from a secret's value: the bare
// URL, or JSON with a "url" or "webhookUrl" field. Errors never quote the
// value.
func ParseWebhookSecret(value string) (string, error) {
	v := strings.TrimSpace(value)
	if strings.HasPrefix(v, "{") {
		var doc struct {
			URL        string `json:"url"`
			WebhookURL string `json:"webhookUrl"`
		}
		if err := json.Unmarshal([]byte(v), &doc); err != nil {
			return "", errors.New("the Slack webhook secret is JSON but does not parse; want the URL, or {\"url\": \"https://hooks.slack.com/…\"}")
		}
		v = strings.TrimSpace(doc.URL)
		if v == "" {
			v = strings.TrimSpace(doc.WebhookURL)
		}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("the Slack webhook secret does not hold an http(s) URL")
	}
	return v, nil
}

// SlackError is a delivery that failed. Its text names the status and the
// attempts, never the webhook URL.
type SlackError struct {
	// Status is the last HTTP status, 0 when there was no answer.
	Status int
	// Attempts is how many requests were made.
	Attempts int
	// Reason says what the last attempt saw, e.g. "HTTP 500: rollup_error".
	Reason string
}

func (e *SlackError) Error() string {
	return fmt.Sprintf("failed after %d %s: %s", e.Attempts, plural(e.Attempts, "attempt", "attempts"), e.Reason)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Post delivers msg, retrying server errors (5xx), 429 (after its
// Retry-After, capped) and timeouts or connection failures with
// exponential backoff, within the options' bounds. Any other answer that
// is not 2xx — 3xx, 400, 403, 404, 410 — fails at once: retrying cannot
// fix a bad payload or a revoked webhook. It returns the attempts made.
func (s *Slack) Post(ctx context.Context, msg *slack.WebhookMessage) (int, error) {
	body, err := MarshalWebhook(msg)
	if err != nil {
		return 0, &SlackError{Reason: "encode message: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Budget)
	defer cancel()
	deadline, _ := ctx.Deadline()

	var last *SlackError
	for attempt := 1; attempt <= s.opts.MaxAttempts; attempt++ {
		status, reason, retryAfter, retry := s.attempt(ctx, body)
		if status >= 200 && status < 300 {
			return attempt, nil
		}
		last = &SlackError{Status: status, Attempts: attempt, Reason: reason}
		if !retry || attempt == s.opts.MaxAttempts {
			break
		}
		wait := s.backoff(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, s.opts.MaxRetryAfter)
		}
		// A wait that ends past the budget leaves no time for an attempt.
		if time.Until(deadline) < wait+s.opts.Timeout/4 {
			last.Reason += " (gave up: retry budget spent)"
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			last.Reason += " (gave up: " + ctxReason(ctx) + ")"
			return attempt, last
		case <-timer.C:
		}
	}
	return last.Attempts, last
}

// attempt makes one request. retry says whether another attempt may help.
func (s *Slack) attempt(ctx context.Context, body []byte) (status int, reason string, retryAfter time.Duration, retry bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, "bad webhook URL", 0, false
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, "no answer before the delivery's time ran out (" + ctxReason(ctx) + ")", 0, false
		}
		return 0, s.describe(err), 0, true
	}
	defer resp.Body.Close()
	// Slack answers errors in a word or two ("no_service", "invalid_payload").
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	status = resp.StatusCode
	reason = "HTTP " + strconv.Itoa(status)
	if text := s.redact(strings.TrimSpace(string(raw))); text != "" && status/100 != 2 && isPrintable(text) {
		reason += ": " + truncate(strings.Join(strings.Fields(text), " "), 80)
	}
	switch {
	case status/100 == 2:
		return status, "ok", 0, false
	case status == http.StatusTooManyRequests:
		return status, reason, parseRetryAfter(resp.Header.Get("Retry-After")), true
	case status >= 500:
		return status, reason, 0, true
	case status/100 == 3:
		return status, reason + " (a redirect: is this an incoming-webhook URL?)", 0, false
	}
	return status, reason, 0, false
}

// describe turns a transport error into words without the URL, which
// *url.Error quotes.
func (s *Slack) describe(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s", s.opts.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return s.redact(err.Error())
}

// redact removes the webhook URL and its secret path from text.
func (s *Slack) redact(text string) string {
	if s.url == "" {
		return text
	}
	text = strings.ReplaceAll(text, s.url, "[slack webhook]")
	if u, err := url.Parse(s.url); err == nil && len(u.Path) > 1 {
		text = strings.ReplaceAll(text, u.EscapedPath(), "/[redacted]")
		text = strings.ReplaceAll(text, u.Path, "/[redacted]")
	}
	return text
}

func (s *Slack) backoff(attempt int) time.Duration {
	d := s.opts.BaseDelay << (attempt - 1)
	// Equal jitter: half fixed, half random, so retries of many
	// notifications do not arrive together.
	return d/2 + rand.N(d/2+1)
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func ctxReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "out of time"
	}
	return "cancelled"
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// MarshalWebhook encodes a message as an incoming webhook takes it: text,
// blocks and the unfurl switches only. An incoming webhook posts to its
// own channel; a "channel" (or username, icon) field makes Slack answer
// 404, so none is ever sent.
func MarshalWebhook(msg *slack.WebhookMessage) ([]byte, error) {
	if msg == nil {
		return nil, errors.New("no message")
	}
	payload := struct {
		Text        string        `json:"text"`
		Blocks      *slack.Blocks `json:"blocks,omitempty"`
		UnfurlLinks *bool         `json:"unfurl_links,omitempty"`
		UnfurlMedia *bool         `json:"unfurl_media,omitempty"`
	}{Text: msg.Text, Blocks: msg.Blocks, UnfurlLinks: msg.UnfurlLinks, UnfurlMedia: msg.UnfurlMedia}
	return json.Marshal(payload)
}
