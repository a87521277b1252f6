package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/notify"
)

var (
	kumoOnce sync.Once
	kumoSrv  *kumo.Server
)

// ses returns an SES v2 client of this process's kumo emulator.
func ses(t *testing.T) (*sesv2.Client, string) {
	t.Helper()
	kumoOnce.Do(func() { kumoSrv = kumo.NewServer() })
	return sesv2.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(kumoSrv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}), kumoSrv.URL
}

type sentEmail struct {
	FromEmailAddress string
	Destination      struct{ ToAddresses []string }
	Subject          string
	Body             string
	HTMLBody         string
}

// sentTo returns the emails kumo's SES accepted whose subject contains subject.
func sentTo(t *testing.T, endpoint, subject string) []sentEmail {
	t.Helper()
	resp, err := http.Get(endpoint + "/kumo/ses/v2/sent-emails")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var box struct{ SentEmails []sentEmail }
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		t.Fatal(err)
	}
	var out []sentEmail
	for _, e := range box.SentEmails {
		if strings.Contains(e.Subject, subject) {
			out = append(out, e)
		}
	}
	return out
}

func stageFor(customer string) notify.Stage {
	s := hostileStage()
	s.Customer = customer
	return s
}

func byChannel(ds []notify.Delivery) map[string]notify.Delivery {
	out := map[string]notify.Delivery{}
	for _, d := range ds {
		key := d.Channel
		if strings.HasPrefix(d.Audience, "customer") {
			key += "/customer"
		}
		out[key] = d
	}
	return out
}

func TestSlackDownStillEmailsThroughSES(t *testing.T) {
	client, endpoint := ses(t)
	rc := newReceiver(t, status(http.StatusInternalServerError, "rollup_error"))
	n := notify.NewNotifier(notify.NewMailer(client, "intake@example.com"), notify.NewSlack(rc.url(), fast), nil)
	customer := "Slack Down Corp " + time.Now().Format(time.RFC3339Nano)
	ds := n.Announce(context.Background(), stageFor(customer), notify.Audience{PM: "pm@example.com"})
	got := byChannel(ds)
	if len(ds) != 2 || got["email"].Outcome != notify.Sent || got["slack"].Outcome != notify.Failed {
		t.Fatalf("deliveries %+v", ds)
	}
	if s := got["slack"].String(); s != "slack: failed after 4 attempts: HTTP 500: rollup_error" {
		t.Errorf("slack delivery %q", s)
	}
	if got["slack"].Recipient != notify.SlackRecipient || strings.Contains(got["slack"].String(), rc.URL) {
		t.Errorf("slack delivery shows the webhook: %+v", got["slack"])
	}
	if s := got["email"].String(); !strings.HasPrefix(s, "email to pm@example.com: sent (") {
		t.Errorf("email delivery %q", s)
	}
	for _, d := range ds {
		if d.At.IsZero() {
			t.Errorf("delivery without a time: %+v", d)
		}
	}
	mails := sentTo(t, endpoint, customer)
	if len(mails) != 1 || mails[0].Destination.ToAddresses[0] != "pm@example.com" || mails[0].FromEmailAddress != "intake@example.com" {
		t.Fatalf("SES got %+v", mails)
	}
	if !strings.Contains(mails[0].HTMLBody, "/approvals/apv-1") || !strings.Contains(mails[0].Body, "/approvals/apv-1") {
		t.Errorf("the PM's email lacks the approval link")
	}
}

func TestCustomerContactsGetTheirEmailWithoutTheLink(t *testing.T) {
	client, endpoint := ses(t)
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	n := notify.NewNotifier(notify.NewMailer(client, "intake@example.com"), notify.NewSlack(rc.url(), fast), nil)
	customer := "Contacts Corp " + time.Now().Format(time.RFC3339Nano)
	ds := n.Announce(context.Background(), stageFor(customer), notify.Audience{PM: "pm@example.com",
		Customer: &notify.CustomerAudience{Teams: []string{"networking", "security"}, Addresses: []string{"ned@example.com", "sam@example.com"}}})
	got := byChannel(ds)
	if len(ds) != 3 || got["email"].Outcome != notify.Sent || got["email/customer"].Outcome != notify.Sent || got["slack"].Outcome != notify.Sent {
		t.Fatalf("deliveries %+v", ds)
	}
	if s := got["email/customer"].String(); !strings.HasPrefix(s, "email to customer (networking, security) ned@example.com, sam@example.com: sent (") {
		t.Errorf("customer delivery %q", s)
	}
	mails := sentTo(t, endpoint, customer)
	if len(mails) != 2 {
		t.Fatalf("SES got %d emails", len(mails))
	}
	for _, m := range mails {
		isPM := m.Destination.ToAddresses[0] == "pm@example.com"
		hasLink := strings.Contains(m.Body+m.HTMLBody, "/approvals/")
		if isPM != hasLink {
			t.Errorf("email to %v: approval link %v", m.Destination.ToAddresses, hasLink)
		}
		if strings.Contains(m.HTMLBody, "<script") {
			t.Errorf("email to %v has raw customer HTML", m.Destination.ToAddresses)
		}
	}
	if rc.hits.Load() != 1 {
		t.Errorf("slack got %d posts, want one (for the PM)", rc.hits.Load())
	}
}

type slowMailer struct{ at chan time.Time }

func (m slowMailer) Send(context.Context, notify.Email) (string, error) {
	m.at <- time.Now()
	return "id-1", nil
}

func TestAHangingSlackDoesNotDelayEmail(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	mail := slowMailer{at: make(chan time.Time, 1)}
	n := notify.NewNotifier(mail, notify.NewSlack(rc.url(), notify.SlackOptions{Timeout: 300 * time.Millisecond, MaxAttempts: 2, BaseDelay: 10 * time.Millisecond}), nil)
	start := time.Now()
	ds := n.Announce(context.Background(), hostileStage(), notify.Audience{PM: "pm@example.com"})
	if sent := <-mail.at; sent.Sub(start) > 200*time.Millisecond {
		t.Errorf("email went out %s after start, behind Slack", sent.Sub(start))
	}
	got := byChannel(ds)
	if got["email"].Outcome != notify.Sent || got["slack"].Outcome != notify.Failed || !strings.Contains(got["slack"].Detail, "no answer within") {
		t.Errorf("deliveries %+v", ds)
	}
}

type panickyMailer struct{}

func (panickyMailer) Send(context.Context, notify.Email) (string, error) { panic("boom") }

type failingMailer struct{ err error }

func (m failingMailer) Send(context.Context, notify.Email) (string, error) { return "", m.err }

func TestEveryChannelOutcomeIsReported(t *testing.T) {
	ok := newReceiver(t, status(http.StatusOK, "ok"))
	stage := hostileStage()
	for _, c := range []struct {
		name     string
		mail     notify.MailSender
		slack    notify.WebhookPoster
		audience notify.Audience
		want     []string
	}{
		{"no email configured, no slack", nil, nil, notify.Audience{PM: "pm@example.com"},
			[]string{"email to pm@example.com: skipped (no project manager address or sender configured)"}},
		{"no PM address", failingMailer{}, notify.NewSlack(ok.url(), fast), notify.Audience{},
			[]string{"email: skipped (no project manager address or sender configured)", "slack: sent"}},
		{"no sender", notify.NewMailer(nil, ""), nil, notify.Audience{PM: "pm@example.com"},
			[]string{"email to pm@example.com: skipped (no sender configured)"}},
		{"SES refuses", failingMailer{errors.New("send email: MessageRejected")}, notify.NewLazySlack(&countingSecrets{value: func(int) (string, error) { return "", errors.New("AccessDenied") }}, "arn:x", fast),
			notify.Audience{PM: "pm@example.com"},
			[]string{"email to pm@example.com: failed: send email: MessageRejected", "slack: failed: slack webhook: read secret arn:x: AccessDenied"}},
		{"a panicking channel", panickyMailer{}, notify.NewSlack(ok.url(), fast), notify.Audience{PM: "pm@example.com"},
			[]string{"email to pm@example.com: failed: panic: boom", "slack: sent"}},
		{"customer without contacts", failingMailer{}, nil, notify.Audience{Customer: &notify.CustomerAudience{Teams: []string{"operations"}}},
			[]string{"email: skipped (no project manager address or sender configured)",
				"email: skipped (the checklist names no contact on the affected teams)"}},
	} {
		ds := notify.NewNotifier(c.mail, c.slack, nil).Announce(context.Background(), stage, c.audience)
		var got []string
		for _, d := range ds {
			got = append(got, d.String())
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestSlackFromSecret(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK, "ok"))
	sm := fakeSecrets{value: `{"url":"` + rc.url() + `"}`}
	s, err := notify.SlackFromSecret(context.Background(), sm, "arn:aws:secretsmanager:us-east-1:1:secret:slack", fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(context.Background(), message()); err != nil || rc.hits.Load() != 1 {
		t.Fatalf("post: %v (hits %d)", err, rc.hits.Load())
	}
	_, err = notify.SlackFromSecret(context.Background(), fakeSecrets{value: "xoxb-not-a-url"}, "arn:x", fast)
	if err == nil || strings.Contains(err.Error(), "xoxb") {
		t.Errorf("bad secret: %v", err)
	}
}

type fakeSecrets struct{ value string }

func (f fakeSecrets) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(f.value)}, nil
}
