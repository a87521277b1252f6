package notify

import (
	"slices"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/verify"
)

// The customer's IT teams, as checklist contacts name them.
const (
	TeamInfrastructure = "infrastructure"
	TeamSecurity       = "security"
	TeamNetworking     = "networking"
	TeamOperations     = "operations"
)

// teamRoutes says which customer team fixes a failing check, by check id
// prefix; the longest matching prefix wins, so NET-SSH (who may log in to
// the appliance) goes to security while the other NET- rules go to
// networking. Every rule of pkg/verify must match one route (tested).
var teamRoutes = map[string]string{
	"NET-":    TeamNetworking,
	"LB-":     TeamNetworking,
	"DNS-":    TeamNetworking,
	"NET-SSH": TeamSecurity,
	"TLS-":    TeamSecurity,
	"VM-":     TeamInfrastructure,
	"ENV-":    TeamInfrastructure,
	"NODE-":   TeamInfrastructure,
	"ACCESS-": TeamInfrastructure, // the verifier role the customer deploys
	"OPS-":    TeamOperations,
}

// TeamFor returns the team that fixes a check, or "" when no route
// matches (the project manager, who hears of every change, triages it).
func TeamFor(checkID string) string {
	best, team := 0, ""
	for prefix, t := range teamRoutes {
		if len(prefix) > best && (checkID == prefix || strings.HasPrefix(checkID, prefix)) {
			best, team = len(prefix), t
		}
	}
	return team
}

// AffectedTeams lists, sorted, the teams that own at least one of checks.
func AffectedTeams(checks []verify.Check) []string {
	var teams []string
	for _, c := range checks {
		if t := TeamFor(c.ID); t != "" && !slices.Contains(teams, t) {
			teams = append(teams, t)
		}
	}
	slices.Sort(teams)
	return teams
}

// ContactsFor returns the addresses of the contacts on any of teams, each
// once, in the checklist's order.
func ContactsFor(contacts []checklist.Contact, teams []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range contacts {
		addr := strings.TrimSpace(c.Email)
		key := strings.ToLower(addr)
		if addr == "" || seen[key] || !slices.Contains(teams, strings.ToLower(strings.TrimSpace(c.Team))) {
			continue
		}
		seen[key] = true
		out = append(out, addr)
	}
	return out
}
