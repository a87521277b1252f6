package checklist

import (
	"fmt"
	"strings"
)

// MaxHostnameLength is the DNS limit on a full name (RFC 1035, without the
// trailing dot).
const MaxHostnameLength = 253

// MinHostLabelLength is the appliance's minimum length of a host label.
const MinHostLabelLength = 3

// reservedAppNames can never name an App tenant (appliance DNS requirements).
var reservedAppNames = map[string]bool{
	"login": true, "admin": true, "app": true, "manage": true, "blog": true,
	"ftp": true, "mail": true, "pop": true, "pop3": true, "imap": true,
	"smtp": true, "stage": true, "stats": true, "status": true, "dev": true,
	"logs": true, "www": true, "docs": true, "sdk": true, "ci": true,
	"docker": true, "styleguide": true, "ask": true, "it": true, "cdn": true,
	"api": true, "releases": true, "release": true, "spf": true,
	"feedback": true, "help": true, "support": true, "int": true,
}

// IsReservedAppName reports whether name (an App tenant name, i.e. the first
// label of its hostname) is reserved by the appliance.
func IsReservedAppName(name string) bool {
	return reservedAppNames[name]
}

// hostnameProblem returns why name is not an acceptable appliance hostname,
// or "" when it is. name is non-empty.
//
// The appliance requires "a hostname label is at least 3 characters". We
// apply that to the first (host) label only: parent-domain labels are the
// customer's existing domain, where short labels such as "co" in
// example.co.uk or "io" are normal and outside the appliance's control.
//
// Messages never quote the raw value, only labels that already passed the
// character check, so nothing pasted by mistake (a key, say) is echoed.
func hostnameProblem(name string) string {
	switch {
	case len(name) > MaxHostnameLength:
		return fmt.Sprintf("must be at most %d characters", MaxHostnameLength)
	case strings.Contains(name, "://") || strings.Contains(name, "/"):
		return "must be a bare hostname without scheme or path, e.g. manage-acme.example.com"
	case strings.Contains(name, "*"):
		return "must be a full hostname, not a wildcard (the certificate may be a wildcard; the names may not)"
	case strings.Contains(name, "_"):
		return "must not contain an underscore (_); use a hyphen (-) instead"
	case strings.ToLower(name) != name:
		return "must be lowercase"
	case strings.HasSuffix(name, "."):
		return "must not end with a dot"
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "may contain only lowercase letters, digits, hyphens and dots"
		}
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "must not contain empty labels (two dots in a row, or a leading dot)"
		case len(l) > 63:
			return "has a label longer than 63 characters"
		case l[0] == '-' || l[len(l)-1] == '-':
			return fmt.Sprintf("has label %q that starts or ends with a hyphen", l)
		}
	}
	if n := len(labels); n != 3 && n != 4 {
		return fmt.Sprintf("has %d parts; use a three- or four-part name, e.g. manage-acme.example.com or manage.acme.example.com", n)
	}
	if len(labels[0]) < MinHostLabelLength {
		return fmt.Sprintf("has host label %q; it must be at least %d characters", labels[0], MinHostLabelLength)
	}
	if tld := labels[len(labels)-1]; len(tld) < 2 || tld[0] < 'a' || tld[0] > 'z' {
		return "must end in a top-level domain such as .com"
	}
	return ""
}

// splitHost splits a valid hostname into its first label and its parent
// domain (everything after the first label).
func splitHost(name string) (host, parent string) {
	host, parent, _ = strings.Cut(name, ".")
	return host, parent
}
