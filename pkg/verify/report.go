// Package verify proves that the infrastructure a checklist declares exists
// and meets the appliance requirements: it collects an inventory, evaluates
// pure rules over it, and reports every check with evidence and a remedy.
package verify

import "time"

// Status is the outcome of one check.
type Status string

const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusWarn  Status = "warn"
	StatusSkip  Status = "skip"
	StatusError Status = "error"
)

// Severity says whether a failing check blocks the install.
type Severity string

const (
	SeverityRequired    Severity = "required"
	SeverityRecommended Severity = "recommended"
)

// Check is one rule's verdict on one environment.
type Check struct {
	ID          string   `json:"id"`
	Requirement string   `json:"requirement"`
	Severity    Severity `json:"severity"`
	Status      Status   `json:"status"`
	Resources   []string `json:"resources"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation,omitempty"`
}

// Report is the verdict on one environment of one submission.
type Report struct {
	Environment string    `json:"environment"`
	Passed      bool      `json:"passed"`
	APICalls    int       `json:"apiCalls"`
	GeneratedAt time.Time `json:"generatedAt"`
	Checks      []Check   `json:"checks"`
}

// Summary counts checks by status.
type Summary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
}

// Summarize counts the report's checks by status.
func (r Report) Summarize() Summary {
	var s Summary
	for i := range r.Checks {
		switch r.Checks[i].Status {
		case StatusPass:
			s.Pass++
		case StatusFail:
			s.Fail++
		case StatusWarn:
			s.Warn++
		case StatusSkip:
			s.Skip++
		case StatusError:
			s.Error++
		}
	}
	return s
}

// passed reports whether no required check failed or errored.
func passed(checks []Check) bool {
	for i := range checks {
		if c := &checks[i]; c.Severity == SeverityRequired && (c.Status == StatusFail || c.Status == StatusError) {
			return false
		}
	}
	return true
}

// Failed returns the checks that need someone's attention (fail, error and
// warn), in report order, for notifications.
func (r Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		switch c.Status {
		case StatusFail, StatusError, StatusWarn:
			out = append(out, c)
		}
	}
	return out
}
