package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Channels a notification goes out on.
const (
	ChannelEmail = "email"
	ChannelSlack = "slack"
)

// Outcome is what became of one delivery.
type Outcome string

const (
	Sent    Outcome = "sent"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped" // the channel or recipient is not configured
)

// SlackRecipient stands for the webhook in deliveries: its URL is secret.
const SlackRecipient = "slack webhook"

// Delivery is one attempt to tell someone of a stage change.
type Delivery struct {
	Channel string `json:"channel"`
	// Audience is "project manager" or "customer (<teams>)".
	Audience string `json:"audience,omitempty"`
	// Recipient is the address(es), or SlackRecipient.
	Recipient string    `json:"recipient,omitempty"`
	Outcome   Outcome   `json:"outcome"`
	Detail    string    `json:"detail,omitempty"`
	At        time.Time `json:"at"`
}

// String is the delivery as the audit trail shows it, e.g.
// "slack: failed after 4 attempts: HTTP 500" or
// "email to pm@example.com: sent (0100018f…)".
func (d Delivery) String() string {
	who := d.Channel
	if d.Channel == ChannelEmail && d.Recipient != "" {
		who += " to "
		if strings.HasPrefix(d.Audience, "customer") {
			who += d.Audience + " "
		}
		who += d.Recipient
	}
	out := who + ": " + string(d.Outcome)
	switch {
	case d.Detail == "":
	case d.Outcome == Failed && strings.HasPrefix(d.Detail, "after "):
		out += " " + d.Detail
	case d.Outcome == Failed:
		out += ": " + d.Detail
	default:
		out += " (" + d.Detail + ")"
	}
	return out
}

// MailSender sends one email and returns its message id (Mailer).
type MailSender interface {
	Send(ctx context.Context, e Email) (string, error)
}

// WebhookPoster posts one Slack message and returns the attempts made
// (Slack).
type WebhookPoster interface {
	Post(ctx context.Context, msg *slack.WebhookMessage) (int, error)
}

// Audience is who hears of one stage change.
type Audience struct {
	// PM is the project manager's address: they get the email with the
	// approval link. Empty: the PM's email is skipped.
	PM string
	// Customer, when set, also emails the customer's contacts.
	Customer *CustomerAudience
}

// CustomerAudience is the customer's contacts for the teams a change
// concerns. Their email never carries the approval link.
type CustomerAudience struct {
	Teams     []string
	Addresses []string
	// Problem says why there are no addresses (e.g. the document could
	// not be read); the delivery is then recorded as skipped.
	Problem string
}

// Notifier sends a stage change on every configured channel, each on its
// own: a channel that fails or hangs delays and stops no other.
type Notifier struct {
	mail  MailSender
	slack WebhookPoster
	log   *slog.Logger
	// Now stamps deliveries.
	Now func() time.Time
}

// NewNotifier returns a Notifier. mail nil turns email off (deliveries
// are recorded as skipped); slack nil turns Slack off (no delivery: the
// deployment has no Slack channel).
func NewNotifier(mail MailSender, slack WebhookPoster, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{mail: mail, slack: slack, log: log, Now: time.Now}
}

// SlackEnabled reports whether a Slack channel is configured.
func (n *Notifier) SlackEnabled() bool { return n.slack != nil }

// Announce tells the audience of s on every channel at once and returns
// one Delivery per recipient and channel: the project manager's email,
// the customer's email (when the audience has one), the Slack message.
func (n *Notifier) Announce(ctx context.Context, s Stage, a Audience) []Delivery {
	type job struct {
		base Delivery // who, for a delivery that panics
		run  func() Delivery
	}
	jobs := []job{{Delivery{Channel: ChannelEmail, Audience: "project manager", Recipient: a.PM},
		func() Delivery { return n.emailPM(ctx, s, a.PM) }}}
	if a.Customer != nil {
		jobs = append(jobs, job{Delivery{Channel: ChannelEmail, Audience: "customer", Recipient: strings.Join(a.Customer.Addresses, ", ")},
			func() Delivery { return n.emailCustomer(ctx, s, *a.Customer) }})
	}
	if n.slack != nil {
		jobs = append(jobs, job{Delivery{Channel: ChannelSlack, Audience: "project manager", Recipient: SlackRecipient},
			func() Delivery { return n.postSlack(ctx, s) }})
	}
	out := make([]Delivery, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A bug in one channel must not take the others down.
				if r := recover(); r != nil {
					d := j.base
					d.Outcome, d.Detail, d.At = Failed, fmt.Sprintf("panic: %v", r), n.Now()
					out[i] = d
				}
			}()
			out[i] = j.run()
		}()
	}
	wg.Wait()
	for _, d := range out {
		level := slog.LevelInfo
		if d.Outcome == Failed {
			level = slog.LevelError
		}
		n.log.Log(ctx, level, "notification", "submissionId", s.SubmissionID, "channel", d.Channel,
			"audience", d.Audience, "outcome", string(d.Outcome), "detail", d.Detail)
	}
	return out
}

func (n *Notifier) emailPM(ctx context.Context, s Stage, pm string) Delivery {
	d := Delivery{Channel: ChannelEmail, Audience: "project manager", Recipient: pm}
	if n.mail == nil || pm == "" {
		d.Outcome, d.Detail, d.At = Skipped, "no project manager address or sender configured", n.Now()
		return d
	}
	return n.sendEmail(ctx, d, s, []string{pm})
}

func (n *Notifier) emailCustomer(ctx context.Context, s Stage, c CustomerAudience) Delivery {
	d := Delivery{Channel: ChannelEmail, Audience: "customer", Recipient: strings.Join(c.Addresses, ", ")}
	if len(c.Teams) > 0 {
		d.Audience += " (" + strings.Join(c.Teams, ", ") + ")"
	}
	switch {
	case n.mail == nil:
		d.Outcome, d.Detail = Skipped, "no sender configured"
	case c.Problem != "":
		d.Outcome, d.Detail = Skipped, c.Problem
	case len(c.Addresses) == 0:
		d.Outcome, d.Detail = Skipped, "the checklist names no contact on the affected teams"
	default:
		return n.sendEmail(ctx, d, s.ForCustomer(c.Teams), c.Addresses)
	}
	d.At = n.Now()
	return d
}

func (n *Notifier) sendEmail(ctx context.Context, d Delivery, s Stage, to []string) Delivery {
	msg, err := RenderEmail(s, to)
	if err != nil {
		d.Outcome, d.Detail, d.At = Failed, err.Error(), n.Now()
		return d
	}
	id, err := n.mail.Send(ctx, msg)
	d.At = n.Now()
	switch {
	case errors.Is(err, ErrNotConfigured):
		d.Outcome, d.Detail = Skipped, "no sender configured"
	case err != nil:
		d.Outcome, d.Detail = Failed, err.Error()
	default:
		d.Outcome, d.Detail = Sent, id
	}
	return d
}

func (n *Notifier) postSlack(ctx context.Context, s Stage) Delivery {
	d := Delivery{Channel: ChannelSlack, Audience: "project manager", Recipient: SlackRecipient}
	attempts, err := n.slack.Post(ctx, RenderSlack(s))
	d.At = n.Now()
	var se *SlackError
	switch {
	case errors.As(err, &se):
		d.Outcome, d.Detail = Failed, strings.TrimPrefix(se.Error(), "failed ")
	case err != nil:
		d.Outcome, d.Detail = Failed, err.Error()
	case attempts > 1:
		d.Outcome, d.Detail = Sent, fmt.Sprintf("after %d attempts", attempts)
	default:
		d.Outcome = Sent
	}
	return d
}
