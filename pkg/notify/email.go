// Package notify tells people about stage changes: it renders messages for
// each channel (escaping everything a customer typed) and delivers them.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// ErrNotConfigured means a channel has no sender or recipient configured.
var ErrNotConfigured = errors.New("channel not configured")

// Email is one message in a plain-text and an HTML part.
type Email struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

type emailSender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Mailer sends email through Amazon SES v2.
type Mailer struct {
	ses  emailSender
	from string
}

// NewMailer returns a Mailer sending from the given verified identity.
func NewMailer(ses emailSender, from string) *Mailer { return &Mailer{ses: ses, from: from} }

// Send delivers one email and returns the SES message id. A rejected
// sender or recipient (SES sandbox) is reported as a configuration problem.
func (m *Mailer) Send(ctx context.Context, e Email) (string, error) {
	if m.from == "" || len(e.To) == 0 {
		return "", fmt.Errorf("email: %w (sender %q, %d recipients)", ErrNotConfigured, m.from, len(e.To))
	}
	out, err := m.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &sestypes.Destination{ToAddresses: e.To},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			// Header injection: a subject never carries a line break.
			Subject: &sestypes.Content{Data: aws.String(oneLine(e.Subject)), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String(e.Text), Charset: aws.String("UTF-8")},
				Html: &sestypes.Content{Data: aws.String(e.HTML), Charset: aws.String("UTF-8")},
			},
		}},
	})
	if err != nil {
		var rejected *sestypes.MessageRejected
		if errors.As(err, &rejected) {
			return "", fmt.Errorf("email rejected by SES (in the SES sandbox both %s and the recipients must be verified identities): %w", m.from, err)
		}
		return "", fmt.Errorf("send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
