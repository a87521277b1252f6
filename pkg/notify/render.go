package notify

import (
	"fmt"
	"strings"

	"github.com/psaas/appliance-intake/pkg/verify"
)

// Stage is what a message announces.
type Stage struct {
	Customer     string
	SubmissionID string
	Version      int
	Environment  string
	Headline     string // e.g. "DEV passed verification"
	Action       string // what the reader should do next
	StatusURL    string
	// ActionURL is the signed approval or confirmation link, if any;
	// ActionLabel names it on a button (default "Review and decide").
	ActionURL   string
	ActionLabel string
	Report      *verify.Report
	Problem     string // an unexpected failure's cause
	// Step and Status are the workflow stage and the submission status
	// the change led to, e.g. "approve-dev" and "awaiting-approval".
	Step, Status string
}

// ForCustomer is the stage as the customer's teams see it: no approval or
// confirmation link (those are the project manager's), and what they
// should do instead.
func (s Stage) ForCustomer(teams []string) Stage {
	c := s
	c.ActionURL, c.ActionLabel = "", ""
	who := "your teams"
	if len(teams) > 0 {
		who = "your " + strings.Join(teams, ", ") + " " + plural(len(teams), "team", "teams")
	}
	c.Action = "You receive this as a contact of " + who + ". Please fix the checks below, then resubmit the checklist from the form; " +
		"a resubmission is verified again as a new version. The status page shows where the install stands."
	return c
}

// Problems are the checks worth a reader's attention, failures first.
func (s Stage) Problems() []verify.Check {
	if s.Report == nil {
		return nil
	}
	var fails, warns []verify.Check
	for _, c := range s.Report.Checks {
		switch c.Status {
		case verify.StatusFail, verify.StatusError:
			fails = append(fails, c)
		case verify.StatusWarn:
			warns = append(warns, c)
		}
	}
	return append(fails, warns...)
}

// Summary is a one-line count of the report's checks.
func (s Stage) Summary() string {
	if s.Report == nil {
		return ""
	}
	n := s.Report.Summarize()
	return fmt.Sprintf("%d passed, %d failed, %d warnings, %d errors, %d skipped", n.Pass, n.Fail, n.Warn, n.Error, n.Skip)
}
