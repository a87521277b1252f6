package verify

// opsRoom lays out the checks of a rule that reports on every declared node
// as perNode does: a skip for each declared node that does not exist, then
// one check per live node, zeroed, for the rule to fill in place (room[i] is
// the node set's live[i]'s), with room past them for one more appended. The
// caller has made sure some node is declared.
//
// Filling a check in place, field by field, rather than returning it by
// value for perNode to append, matters while the collector marks: a Check
// copied whole (seven pointer fields) costs a bulk write barrier, where a
// passing node's Status, Message and Resources cost three pointer stores.
func (a *awsInput) opsRoom() (checks, room []Check) {
	live, checks := a.nodes() // with room for every live node and one more
	n := len(checks)
	checks = checks[:n+len(live)]
	room = checks[n:]
	// The pool's free space is zero unless a rule reserved room and
	// returned other checks: looking costs a read per field, where
	// clearing costs a write barrier per pointer.
	for i := range room {
		if c := &room[i]; c.ID != "" || c.Requirement != "" || c.Severity != "" || c.Status != "" ||
			c.Resources != nil || c.Message != "" || c.Remediation != "" {
			*c = Check{}
		}
	}
	return checks, room
}

// passIn makes c, a zeroed check, a pass.
func passIn(c *Check, msg string, res []string) {
	c.Status, c.Message, c.Resources = StatusPass, msg, res
}
