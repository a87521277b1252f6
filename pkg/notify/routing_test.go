package notify_test

import (
	"reflect"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/notify"
	"github.com/psaas/appliance-intake/pkg/verify"
)

func TestTeamFor(t *testing.T) {
	for id, want := range map[string]string{
		"NET-EGRESS":        notify.TeamNetworking,
		"NET-LB-PORTS":      notify.TeamNetworking,
		"NET-CLUSTER-PORTS": notify.TeamNetworking,
		"LB-LISTENERS":      notify.TeamNetworking,
		"DNS-NAMES":         notify.TeamNetworking,
		"NET-SSH":           notify.TeamSecurity, // who may reach the appliance's shell
		"TLS-SELF-SIGNED":   notify.TeamSecurity,
		"TLS-EXPIRY":        notify.TeamSecurity,
		"VM-SIZE":           notify.TeamInfrastructure,
		"ENV-DECLARED":      notify.TeamInfrastructure,
		"NODE-COUNT":        notify.TeamInfrastructure,
		"ACCESS-ROLE":       notify.TeamInfrastructure,
		"OPS-BACKUP":        notify.TeamOperations,
		"OPS-ALARM":         notify.TeamOperations,
		"NETWORK":           "", // a prefix is a whole id segment
		"XYZ-1":             "",
	} {
		if got := notify.TeamFor(id); got != want {
			t.Errorf("TeamFor(%s) = %q, want %q", id, got, want)
		}
	}
}

// Every rule the verifier has reaches a customer team: a new rule prefix
// must be added to the routing table.
func TestEveryRuleHasATeam(t *testing.T) {
	rules := append(verify.StaticRules(), verify.AWSRules()...)
	if len(rules) < 20 {
		t.Fatalf("only %d rules", len(rules))
	}
	for _, r := range rules {
		if notify.TeamFor(r.ID) == "" {
			t.Errorf("rule %s routes to no team", r.ID)
		}
	}
}

func TestCustomerRecipients(t *testing.T) {
	checks := []verify.Check{{ID: "TLS-NAMES"}, {ID: "NET-EGRESS"}, {ID: "NET-SSH"}, {ID: "UNKNOWN-1"}}
	teams := notify.AffectedTeams(checks)
	if want := []string{"networking", "security"}; !reflect.DeepEqual(teams, want) {
		t.Fatalf("teams %v, want %v", teams, want)
	}
	contacts := []checklist.Contact{
		{Team: "infrastructure", Email: "ida@example.com"},
		{Team: "security", Email: "sam@example.com"},
		{Team: "Networking", Email: "ned@example.com"},
		{Team: "networking", Email: "SAM@example.com"}, // one person on two teams: one email
		{Team: "operations", Email: "olga@example.com"},
	}
	if got, want := notify.ContactsFor(contacts, teams), []string{"sam@example.com", "ned@example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("contacts %v, want %v", got, want)
	}
	if got := notify.ContactsFor(contacts, nil); got != nil {
		t.Errorf("no team, contacts %v", got)
	}
}
