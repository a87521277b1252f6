package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/psaas/appliance-intake/pkg/notify"
)

// countingSecrets is a Secrets Manager that counts reads. value returns the
// secret, or an error, for the n-th read (1-based); block, when set, holds
// every read until it is closed.
type countingSecrets struct {
	reads atomic.Int32
	value func(n int) (string, error)
	block chan struct{}
}

func (c *countingSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	n := int(c.reads.Add(1))
	if c.block != nil {
		<-c.block
	}
	v, err := c.value(n)
	if err != nil {
		return nil, err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func secretValue(v string) func(int) (string, error) {
	return func(int) (string, error) { return v, nil }
}

// okMail accepts every email.
type okMail struct{ sent atomic.Int32 }

func (m *okMail) Send(context.Context, notify.Email) (string, error) {
	m.sent.Add(1)
	return "0100018f-test", nil
}

func stage() notify.Stage {
	return notify.Stage{Customer: "Example Corp", SubmissionID: "sub-1", Version: 1, Environment: "DEV",
		Headline: "DEV passed verification", StatusURL: "https://intake.example.com/submissions/sub-1",
		ActionURL: "https://intake.example.com/approvals/apv-1?exp=1&sig=abc"}
}

func deliveryOn(ds []notify.Delivery, channel string) notify.Delivery {
	for _, d := range ds {
		if d.Channel == channel {
			return d
		}
	}
	return notify.Delivery{}
}

func TestLazySlackReadsTheWebhookOnFirstDeliveryOnce(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	sm := &countingSecrets{value: secretValue(rc.url())}
	s := notify.NewLazySlack(sm, "arn:aws:secretsmanager:us-east-1:1:secret:slack", fast)
	if n := sm.reads.Load(); n != 0 {
		t.Fatalf("NewLazySlack read the secret %d times; it must wait for the first delivery", n)
	}
	for range 3 {
		if _, err := s.Post(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
	}
	if r, h := sm.reads.Load(), rc.hits.Load(); r != 1 || h != 3 {
		t.Fatalf("3 deliveries made %d secret reads and %d posts, want 1 and 3", r, h)
	}
}

func TestLazySlackConcurrentFirstDeliveriesReadTheSecretOnce(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	sm := &countingSecrets{value: secretValue(rc.url()), block: make(chan struct{})}
	s := notify.NewLazySlack(sm, "arn:x", fast)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Post(context.Background(), message())
			errs <- err
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); sm.reads.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(sm.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := sm.reads.Load(); n != 1 {
		t.Fatalf("12 concurrent first deliveries read the secret %d times, want 1", n)
	}
}

// An unreadable webhook secret fails the Slack delivery, recorded with the
// reason, while the email still goes; the next notification reads the
// secret again and, now readable, posts.
func TestLazySlackUnreadableSecretFailsSlackOnlyAndIsReadAgain(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	sm := &countingSecrets{value: func(n int) (string, error) {
		if n == 1 {
			return "", errors.New("AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue")
		}
		return rc.url(), nil
	}}
	mail := &okMail{}
	n := notify.NewNotifier(mail, notify.NewLazySlack(sm, "arn:aws:secretsmanager:us-east-1:1:secret:slack", fast), slog.New(slog.NewTextHandler(io.Discard, nil)))

	first := n.Announce(context.Background(), stage(), notify.Audience{PM: "pm@example.com"})
	if d := deliveryOn(first, notify.ChannelSlack); d.Outcome != notify.Failed || !strings.Contains(d.Detail, "AccessDenied") {
		t.Fatalf("Slack with an unreadable secret: %+v, want failed with the reason", d)
	}
	if d := deliveryOn(first, notify.ChannelEmail); d.Outcome != notify.Sent {
		t.Fatalf("email while Slack's secret is unreadable: %+v, want sent", d)
	}
	second := n.Announce(context.Background(), stage(), notify.Audience{PM: "pm@example.com"})
	if d := deliveryOn(second, notify.ChannelSlack); d.Outcome != notify.Sent {
		t.Fatalf("Slack once the secret is readable: %+v, want sent", d)
	}
	n.Announce(context.Background(), stage(), notify.Audience{PM: "pm@example.com"})
	if r, m := sm.reads.Load(), mail.sent.Load(); r != 2 || m != 3 {
		t.Fatalf("secret reads %d (want 2: the failure is not kept), emails %d (want 3)", r, m)
	}
}

// TestSlackWebhookNeverReachesLogsOrDeliveries drives notifications through
// every kind of Slack failure — 500 and 429 answers that echo the request
// (path included), a redirect to the webhook, a timeout, a refused
// connection, a secret that is no URL, one that is broken JSON holding the
// URL, one that cannot be read — and asserts that neither the webhook URL,
// nor its path, nor its token appears in the slog output (the notifier's
// logger and the default one) or in any recorded delivery.
func TestSlackWebhookNeverReachesLogsOrDeliveries(t *testing.T) {
	echo := func(code int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(code)
			io.WriteString(w, "rejected "+r.URL.String()+" from http://"+r.Host+r.URL.Path)
		}
	}
	opts := notify.SlackOptions{Timeout: 150 * time.Millisecond, MaxAttempts: 2, BaseDelay: time.Millisecond,
		MaxRetryAfter: 5 * time.Millisecond, Budget: 3 * time.Second}

	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + webhookPath
	}()

	type scenario struct {
		name   string
		secret func(t *testing.T) (value string, err error)
		want   string // in the delivery's detail
	}
	server := func(answer func(int, http.ResponseWriter, *http.Request)) func(t *testing.T) (string, error) {
		return func(t *testing.T) (string, error) { return newReceiver(t, answer).url(), nil }
	}
	scenarios := []scenario{
		{"HTTP 500", server(echo(http.StatusInternalServerError)), "HTTP 500"},
		{"HTTP 429", server(echo(http.StatusTooManyRequests)), "HTTP 429"},
		{"redirect", server(func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+r.URL.Path+"?again", http.StatusFound)
		}), "HTTP 302"},
		{"timeout", server(func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}), "no answer"},
		{"connection refused", func(*testing.T) (string, error) { return refused, nil }, "refused"},
		{"secret is no URL", func(*testing.T) (string, error) { return "xoxb-" + strings.TrimPrefix(webhookPath, "/"), nil }, "does not hold"},
		{"secret is broken JSON", func(*testing.T) (string, error) { return `{"url": "` + refused + `"`, nil }, "does not parse"},
		{"secret unreadable", func(*testing.T) (string, error) { return "", errors.New("InternalServiceError: try again") }, "InternalServiceError"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			value, readErr := sc.secret(t)
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			defer slog.SetDefault(slog.Default())
			slog.SetDefault(log)

			sm := &countingSecrets{value: func(int) (string, error) { return value, readErr }}
			n := notify.NewNotifier(&okMail{}, notify.NewLazySlack(sm, "arn:aws:secretsmanager:us-east-1:1:secret:slack", opts), log)
			var recorded []string
			for range 2 {
				for _, d := range n.Announce(context.Background(), stage(), notify.Audience{PM: "pm@example.com"}) {
					recorded = append(recorded, d.String(), d.Detail, d.Recipient)
					if d.Channel == notify.ChannelSlack && (d.Outcome != notify.Failed || !strings.Contains(d.Detail, sc.want)) {
						t.Errorf("Slack delivery %+v, want failed with %q", d, sc.want)
					}
				}
			}
			out := logs.String() + "\n" + strings.Join(recorded, "\n")
			if !strings.Contains(logs.String(), `"channel":"slack"`) {
				t.Fatalf("the Slack delivery was not logged:\n%s", logs.String())
			}
			secrets := []string{webhookPath, "s3cr3tT0k3nNeverLogged", "T0000TEST/B0000TEST"}
			if value != "" {
				secrets = append(secrets, value)
			}
			for _, secret := range secrets {
				if strings.Contains(out, secret) {
					t.Errorf("%q appears in the logs or the recorded deliveries:\n%s", secret, out)
				}
			}
		})
	}
}
