package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/psaas/appliance-intake/pkg/notify"
)

// webhookPath is where the test receivers listen: like a real webhook, the
// secret is in the path, and no error may show it.
const webhookPath = "/services/T0000TEST/B0000TEST/s3cr3tT0k3nNeverLogged"

// receiver is a Slack incoming webhook stand-in answering with answer(n)
// for the n-th request (1-based), and keeping the bodies.
type receiver struct {
	*httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	bodies [][]byte
	times  []time.Time
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(rc.hits.Add(1))
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.times = append(rc.times, time.Now())
		rc.mu.Unlock()
		if r.URL.Path != webhookPath || r.Method != http.MethodPost {
			http.Error(w, "no_service", http.StatusNotFound)
			return
		}
		answer(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) url() string { return rc.URL + webhookPath }

func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// fast keeps retries short; the defaults are for production.
var fast = notify.SlackOptions{Timeout: 500 * time.Millisecond, BaseDelay: 10 * time.Millisecond, Budget: 10 * time.Second}

func message() *slack.WebhookMessage {
	return notify.RenderSlack(notify.Stage{Customer: "Example Corp", SubmissionID: "sub-1", Version: 1, Environment: "DEV",
		Headline: "DEV passed verification", StatusURL: "https://intake.example.com/submissions/sub-1"})
}

// assertRedacted fails when an error shows the webhook URL or its secret.
func assertRedacted(t *testing.T, err error, rc *receiver) {
	t.Helper()
	if err == nil {
		return
	}
	for _, secret := range []string{rc.url(), webhookPath, "s3cr3tT0k3nNeverLogged"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the webhook URL: %v", err)
		}
	}
}

func TestSlackPostsOnce(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	attempts, err := notify.NewSlack(rc.url(), fast).Post(context.Background(), message())
	if err != nil || attempts != 1 || rc.hits.Load() != 1 {
		t.Fatalf("attempts %d hits %d err %v", attempts, rc.hits.Load(), err)
	}
	var body map[string]any
	if err := json.Unmarshal(rc.bodies[0], &body); err != nil {
		t.Fatal(err)
	}
	// An incoming webhook posts to its own channel; a channel field is a 404.
	for _, k := range []string{"channel", "username", "icon_emoji", "replace_original", "delete_original"} {
		if _, ok := body[k]; ok {
			t.Errorf("payload has %q: %s", k, rc.bodies[0])
		}
	}
	if body["text"] == "" || body["blocks"] == nil {
		t.Errorf("payload lacks text or blocks: %s", rc.bodies[0])
	}
}

func TestSlackRetriesServerErrors(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Error(w, "rollup_error", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	attempts, err := notify.NewSlack(rc.url(), fast).Post(context.Background(), message())
	if err != nil || attempts != 2 {
		t.Fatalf("attempts %d err %v", attempts, err)
	}
}

func TestSlackHonoursRetryAfter(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "rate_limited", http.StatusTooManyRequests)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	attempts, err := notify.NewSlack(rc.url(), fast).Post(context.Background(), message())
	if err != nil || attempts != 2 {
		t.Fatalf("attempts %d err %v", attempts, err)
	}
	if gap := rc.times[1].Sub(rc.times[0]); gap < time.Second {
		t.Errorf("retried %s after a 429 with Retry-After: 1", gap)
	}
}

func TestSlackRetryAfterIsCappedByTheBudget(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "rate_limited", http.StatusTooManyRequests)
	})
	start := time.Now()
	_, err := notify.NewSlack(rc.url(), notify.SlackOptions{Timeout: 200 * time.Millisecond, MaxRetryAfter: 300 * time.Millisecond,
		Budget: time.Second}).Post(context.Background(), message())
	var se *notify.SlackError
	if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("took %s, beyond the 1 s budget", took)
	}
	if n := rc.hits.Load(); n < 2 {
		t.Errorf("%d attempts; a capped Retry-After still retries", n)
	}
}

func TestSlackGivesUpAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, status(http.StatusInternalServerError, "rollup_error"))
	attempts, err := notify.NewSlack(rc.url(), fast).Post(context.Background(), message())
	var se *notify.SlackError
	if !errors.As(err, &se) || se.Status != 500 || se.Attempts != 4 || attempts != 4 || rc.hits.Load() != 4 {
		t.Fatalf("attempts %d hits %d err %#v", attempts, rc.hits.Load(), err)
	}
	if want := "failed after 4 attempts: HTTP 500: rollup_error"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	assertRedacted(t, err, rc)
}

// Any answer but 2xx is a failure; only 5xx and 429 are worth a retry. A
// redirect is never followed: a bot token used as a webhook gets 302s.
func TestSlackFailsAtOnceOnOtherAnswers(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer elsewhere.Close()
	for _, c := range []struct {
		code int
		body string
	}{
		{http.StatusBadRequest, "invalid_payload"},
		{http.StatusForbidden, "action_prohibited"},
		{http.StatusNotFound, "channel_not_found"},
		{http.StatusGone, "channel_is_archived"},
		{http.StatusFound, ""},
		{http.StatusMovedPermanently, ""},
	} {
		rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			if c.code/100 == 3 {
				w.Header().Set("Location", elsewhere.URL+"/")
			}
			w.WriteHeader(c.code)
			_, _ = io.WriteString(w, c.body)
		})
		attempts, err := notify.NewSlack(rc.url(), fast).Post(context.Background(), message())
		var se *notify.SlackError
		if !errors.As(err, &se) || se.Status != c.code || attempts != 1 || rc.hits.Load() != 1 {
			t.Errorf("HTTP %d: attempts %d hits %d err %v", c.code, attempts, rc.hits.Load(), err)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", c.code)) || (c.body != "" && !strings.Contains(err.Error(), c.body)) {
			t.Errorf("HTTP %d: error %q does not say what Slack answered", c.code, err)
		}
		assertRedacted(t, err, rc)
	}
}

func TestSlackTimesOutRetriesAndGivesUp(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	opts := notify.SlackOptions{Timeout: 200 * time.Millisecond, MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, Budget: 5 * time.Second}
	start := time.Now()
	attempts, err := notify.NewSlack(rc.url(), opts).Post(context.Background(), message())
	took := time.Since(start)
	var se *notify.SlackError
	if !errors.As(err, &se) || se.Status != 0 || attempts != 3 {
		t.Fatalf("attempts %d err %v", attempts, err)
	}
	if !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("error %q does not say it timed out", err)
	}
	if took > 2*time.Second {
		t.Errorf("took %s for 3 attempts of 200ms", took)
	}
	assertRedacted(t, err, rc)
}

// The budget bounds a whole delivery, however many attempts would fit:
// in production 20 s, inside the notify function's 30 s timeout.
func TestSlackBudgetBoundsTheDelivery(t *testing.T) {
	if d := (notify.SlackOptions{}).WithDefaults(); d.Budget != 20*time.Second || d.MaxAttempts != 4 || d.Timeout*time.Duration(d.MaxAttempts) > d.Budget {
		t.Errorf("defaults %+v", d)
	}
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	start := time.Now()
	attempts, err := notify.NewSlack(rc.url(), notify.SlackOptions{Timeout: 400 * time.Millisecond, MaxAttempts: 10,
		BaseDelay: 50 * time.Millisecond, Budget: time.Second}).Post(context.Background(), message())
	if took := time.Since(start); err == nil || took > 1200*time.Millisecond || attempts >= 10 {
		t.Errorf("took %s for %d attempts, err %v; the budget is 1 s", took, attempts, err)
	}
	assertRedacted(t, err, rc)
}

func TestSlackConnectionErrorsHideTheURL(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	u := rc.url()
	rc.Close() // nothing listens any more
	s := notify.NewSlack(u, fast)
	attempts, err := s.Post(context.Background(), message())
	if err == nil || attempts != 4 {
		t.Fatalf("attempts %d err %v", attempts, err)
	}
	assertRedacted(t, err, rc)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say why", err)
	}
}

func TestSlackStopsWhenCancelled(t *testing.T) {
	rc := newReceiver(t, status(http.StatusServiceUnavailable, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := notify.NewSlack(rc.url(), notify.SlackOptions{BaseDelay: time.Second}).Post(ctx, message())
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

func TestParseWebhookSecret(t *testing.T) {
	const u = "https://hooks.slack.com/services/T1/B1/xyz"
	for _, v := range []string{u, " " + u + "\n", `{"url":"` + u + `"}`, `{"webhookUrl":"` + u + `"}`} {
		if got, err := notify.ParseWebhookSecret(v); err != nil || got != u {
			t.Errorf("%q: %q %v", v, got, err)
		}
	}
	for _, v := range []string{"", "xoxb-secret-bot-token", `{"token":"xoxb-secret"}`, `{"url":`, "ftp://secret.example.com/x"} {
		_, err := notify.ParseWebhookSecret(v)
		if err == nil {
			t.Errorf("%q accepted", v)
			continue
		}
		if strings.Contains(err.Error(), "xoxb") || strings.Contains(err.Error(), "secret.example.com") {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}
