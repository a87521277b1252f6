package verify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Text writes the report as an aligned table (status, id, resources,
// message), then the remediation of every check needing attention (errors
// included: they name the permission the verifier role lacks), the number
// of AWS API calls when the AWS verification ran, then a one-line verdict
// such as "DEV: 12 passed, 1 failed, 1 warning — NOT READY".
func Text(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tID\tRESOURCES\tMESSAGE")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", strings.ToUpper(string(c.Status)), cell(c.ID), cell(tableResources(c.Resources)), cell(c.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var b strings.Builder
	if failed := r.Failed(); len(failed) > 0 {
		b.WriteString("\nTo fix:\n")
		for _, c := range failed {
			where := ""
			if len(c.Resources) > 0 {
				where = " (" + strings.Join(c.Resources, ", ") + ")"
			}
			fmt.Fprintf(&b, "  %s%s: %s\n", cell(c.ID), cell(where), cell(c.Remediation))
		}
	}
	b.WriteString("\n")
	if r.APICalls > 0 {
		// The AWS verification: say how much it read, so a customer
		// comparing runs (or CloudTrail) knows what to expect.
		fmt.Fprintf(&b, "Read with %s.\n", plural(r.APICalls, "AWS API call"))
	}
	b.WriteString(SummaryLine(r) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryLine is the report's verdict in one line, for terminals and chat:
// "DEV: 12 passed, 1 failed, 1 warning — NOT READY". Skipped checks and
// errors are counted only when there are some.
func SummaryLine(r Report) string {
	s := r.Summarize()
	counts := []string{
		fmt.Sprintf("%d passed", s.Pass),
		fmt.Sprintf("%d failed", s.Fail),
		plural(s.Warn, "warning"),
	}
	if s.Error > 0 {
		counts = append(counts, plural(s.Error, "error"))
	}
	if s.Skip > 0 {
		counts = append(counts, fmt.Sprintf("%d skipped", s.Skip))
	}
	verdict := "READY"
	if !r.Passed {
		verdict = "NOT READY"
	}
	env := strings.ToUpper(r.Environment)
	if env == "" {
		env = "REPORT"
	}
	return fmt.Sprintf("%s: %s — %s", env, strings.Join(counts, ", "), verdict)
}

// tableResources keeps the resources column narrow enough to leave room for
// the message; the message and the "To fix" list name every resource.
func tableResources(rs []string) string {
	const shown = 2
	switch {
	case len(rs) == 0:
		return "-"
	case len(rs) <= shown+1:
		return strings.Join(rs, ", ")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(rs[:shown], ", "), len(rs)-shown)
}

// cell flattens text for one table cell: a tab or newline inside a message
// (customer-supplied names end up in messages) would break the columns.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
