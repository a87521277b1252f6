package notify

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/psaas/appliance-intake/pkg/verify"
)

// Slack Block Kit limits the message stays within.
const (
	slackHeaderMax   = 150  // header block text
	slackFieldValue  = 500  // one section field's value (Slack allows 2000)
	slackButtonMax   = 75   // button label
	slackURLMax      = 3000 // button URL
	slackChecksShown = 10   // checks listed before "and N more"
	slackCheckText   = 600  // characters of a finding or a fix shown, escaped
)

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EscapeMrkdwn escapes text for Slack: &, < and > are Slack's control
// characters (<!channel>, <@U123>, <http://x|label>); escaped, a customer
// name like "<!channel>" is shown as typed and pings nobody.
func EscapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

// esc escapes a value on one line and shortens it to at most max
// characters once escaped (cutting between characters, never inside an
// entity), since Slack counts the escaped text against its limits.
func esc(s string, max int) string {
	s = oneLine(s)
	if e := EscapeMrkdwn(s); len([]rune(e)) <= max {
		return e
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		piece := EscapeMrkdwn(string(r))
		if n+len([]rune(piece)) > max-1 {
			break
		}
		b.WriteString(piece)
		n += len([]rune(piece))
	}
	return b.String() + "…"
}

// RenderSlack renders a stage change as a Block Kit message for an
// incoming webhook: a header, the facts as fields, the checks that need
// attention, and link buttons to the approval page and the status page.
// Every value is escaped; the message carries no token, only links.
func RenderSlack(s Stage) *slack.WebhookMessage {
	mrkdwn := func(text string) *slack.TextBlockObject {
		// verbatim: Slack does not turn names or URLs typed by a customer
		// into mentions or links.
		return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
	}
	plain := func(text string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
	}

	header := s.Customer + " — " + s.Headline
	blocks := []slack.Block{slack.NewHeaderBlock(plain(esc(header, slackHeaderMax)))}

	stage := s.Step
	if s.Status != "" {
		stage = strings.TrimSpace(stage + " (" + s.Status + ")")
	}
	var fields []*slack.TextBlockObject
	for _, f := range [][2]string{
		{"Customer", s.Customer},
		{"Environment", s.Environment},
		{"Stage", stage},
		{"Submission", fmt.Sprintf("%s (version %d)", s.SubmissionID, s.Version)},
		{"Checks", s.Summary()},
	} {
		if strings.TrimSpace(f[1]) == "" {
			continue
		}
		fields = append(fields, mrkdwn("*"+f[0]+"*\n"+esc(f[1], slackFieldValue)))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))

	if s.Problem != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("*What went wrong:* "+esc(s.Problem, 1000)), nil, nil))
	}
	if problems := s.Problems(); len(problems) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(fmt.Sprintf("*Checks that need attention* (%d)", len(problems))), nil, nil))
		for i, c := range problems {
			if i == slackChecksShown {
				blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("… and %d more on the status page.", len(problems)-i))))
				break
			}
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn(checkLine(c)), nil, nil))
		}
	}
	if s.Action != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(esc(s.Action, 1000)), nil, nil))
	}

	var buttons []slack.BlockElement
	if s.ActionURL != "" && len(s.ActionURL) <= slackURLMax {
		label := s.ActionLabel
		if label == "" {
			label = "Review and decide"
		}
		buttons = append(buttons, slack.NewButtonBlockElement("decide", "", plain(truncate(label, slackButtonMax))).
			WithURL(s.ActionURL).WithStyle(slack.StylePrimary))
	}
	if s.StatusURL != "" && len(s.StatusURL) <= slackURLMax {
		buttons = append(buttons, slack.NewButtonBlockElement("status", "", plain("Status page")).WithURL(s.StatusURL))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("links", buttons...))
	}
	if s.ActionURL != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("The button opens a page that asks you to confirm; it does nothing by itself.")))
	}

	off := false
	return &slack.WebhookMessage{
		// The text is what notifications and screen readers show.
		Text:        esc(fmt.Sprintf("%s: %s (%s, version %d)", s.Customer, s.Headline, s.SubmissionID, s.Version), 1000),
		Blocks:      &slack.Blocks{BlockSet: blocks},
		UnfurlLinks: &off,
		UnfurlMedia: &off,
	}
}

// checkLine is one check in a few lines: id, status, finding, fix.
func checkLine(c verify.Check) string {
	line := fmt.Sprintf("`%s` *%s* — %s", esc(c.ID, 60), esc(string(c.Status), 10), esc(c.Message, slackCheckText))
	if c.Remediation != "" {
		line += "\n_Fix:_ " + esc(c.Remediation, slackCheckText)
	}
	return line // at most about 1,300 characters: within a section's 3,000
}
