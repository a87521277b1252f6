package verify

import (
	"fmt"
	"slices"
	"strings"

	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// backupSources are the reads that can place a node in a backup plan. A node
// found in one is covered whatever else failed; a node found in none is
// uncovered only if all of them were read.
var backupSources = []inventory.Source{
	inventory.SrcBackupPlans, inventory.SrcBackupSel, inventory.SrcBackupSelGet, inventory.SrcDLM, inventory.SrcVolumes,
}

var opsBackupRule = awsRule{
	ID:          "OPS-BACKUP",
	Requirement: reqBackup,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances},
	eval: func(a *awsInput) []Check {
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		// The nodes are usually all in the same plan: the words after the
		// id are written once per plan, not once per node.
		var plan, covered string
		t := &a.text
		for i := range ns.live {
			inst := &ns.live[i]
			if plans := a.inv.Backup[inst.ID]; len(plans) == 1 && plans[0] != "" {
				if plans[0] != plan {
					plan, covered = plans[0], " is covered by "+plans[0]+"."
				}
				t.start()
				t.s(inst.ID).s(covered)
				passIn(&room[i], t.end(), ns.factsSlab[i].res)
				continue
			}
			room[i] = a.backupCheck(inst)
		}
		return checks
	},
}

// backupCheck is the check of a node that is not simply in one plan.
func (a *awsInput) backupCheck(inst *inventory.Instance) Check {
	if plans := nonEmpty(a.inv.Backup[inst.ID]...); len(plans) > 0 {
		return pass(inst.ID+" is covered by "+andList(plans)+".", inst.ID)
	}
	if c, failed := sourceError(a.inv, a.env, backupSources...); failed {
		c.Message = fmt.Sprintf("%s is in no backup plan that could be read. %s", inst.ID, c.Message)
		c.Resources = append([]string{inst.ID}, c.Resources...)
		return c
	}
	return fail(fmt.Sprintf("%s is in no AWS Backup plan, and no DLM policy covers its volumes.", inst.ID),
		fmt.Sprintf("Add %s to the resource selection of an AWS Backup plan (by instance ARN or tag), or cover its volumes with a Data Lifecycle Manager snapshot policy.", inst.ID),
		inst.ID)
}

var opsAlarmRule = awsRule{
	ID:          "OPS-ALARM",
	Requirement: reqAlarm,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcAlarms},
	eval: func(a *awsInput) []Check {
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0) // room[i]: live[i]'s check, filled in place
		alarms := a.inv.Alarms
		head, next := a.statusAlarms()
		t := &a.text
		for i := range ns.live {
			inst := &ns.live[i]
			if k := head[i]; k >= 0 && next[k] < 0 && alarms[k].Actions > 0 {
				// One alarm, the common case.
				t.start()
				t.s(inst.ID).s(" has a status-check alarm with actions: ").s(alarms[k].Name).s(".")
				passIn(&room[i], t.end(), ns.factsSlab[i].res)
				continue
			}
			room[i] = alarmCheck(inst, alarms, head[i], next)
		}
		return checks
	},
}

// alarmCheck judges a node by its status-check alarms: k, then next[k],
// and so on (see statusAlarms).
func alarmCheck(inst *inventory.Instance, alarms []inventory.Alarm, k int, next []int) Check {
	var acting, silent []string
	for ; k >= 0; k = next[k] {
		if al := &alarms[k]; al.Actions > 0 {
			acting = append(acting, al.Name)
		} else {
			silent = append(silent, al.Name)
		}
	}
	slices.Sort(acting)
	slices.Sort(silent)
	switch {
	case len(acting) > 0:
		return pass(inst.ID+" has a status-check alarm with actions: "+andList(acting)+".", inst.ID)
	case len(silent) > 0:
		return warn(fmt.Sprintf("%s has a status-check alarm (%s), but it notifies no one: it has no actions.", inst.ID, andList(silent)),
			fmt.Sprintf("Add an action to %s, such as an SNS topic your operations team receives (or an EC2 recover action).", andList(silent)),
			inst.ID)
	}
	return fail(fmt.Sprintf("%s has no CloudWatch alarm on its status checks (StatusCheckFailed, dimension InstanceId = %s).", inst.ID, inst.ID),
		fmt.Sprintf("Create a CloudWatch alarm on AWS/EC2 StatusCheckFailed for %s (Maximum ≥ 1 over 1–2 minutes) that notifies your operations team.", inst.ID),
		inst.ID)
}

// statusAlarms links each live node to the status-check alarms on it, so
// that a node looks at its own alarms only: head[n] is the position in
// inv.Alarms of live node n's last such alarm, next[k] that of the one
// before alarm k on the same node (-1: none). The order among a node's
// alarms does not matter: their names are sorted.
func (a *awsInput) statusAlarms() (head, next []int) {
	ns := a.nodeSet()
	live := ns.live
	alarms := a.inv.Alarms
	links := make([]int, len(live)+len(alarms))
	head, next = links[:len(live):len(live)], links[len(live):]
	for n := range head {
		head[n] = -1
	}
	// Alarms usually come in the nodes' order (one or a few per node), so
	// the node of an alarm is first looked for where the previous alarm's
	// was and just after it; only alarms out of that order need the
	// nodes by id.
	n := 0
	for k := range alarms {
		next[k] = -1
		al := &alarms[k]
		id := al.Dimensions["InstanceId"]
		if id == "" || !statusCheckMetric(al) {
			continue
		}
		switch {
		case n < len(live) && live[n].ID == id:
		case n+1 < len(live) && live[n+1].ID == id:
			n++
		default:
			i, ok := ns.liveIndex(id)
			if !ok {
				continue // not a live node's alarm
			}
			n = i
		}
		next[k], head[n] = head[n], k
	}
	return head, next
}

// statusCheckMetric reports whether the alarm watches status checks:
// StatusCheckFailed, _Instance, _System or _AttachedEBS (of the instance
// its InstanceId dimension names).
func statusCheckMetric(al *inventory.Alarm) bool {
	if ns := strings.TrimSpace(al.Namespace); ns != "AWS/EC2" && ns != "" && !strings.EqualFold(ns, "AWS/EC2") {
		return false
	}
	return strings.HasPrefix(al.MetricName, "StatusCheckFailed")
}
