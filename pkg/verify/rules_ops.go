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
		return a.perNode(func(inst *inventory.Instance) Check {
			if plans := a.inv.Backup[inst.ID]; len(plans) == 1 && plans[0] != "" {
				return a.passNode(inst.ID, inst.ID, " is covered by ", plans[0], ".")
			}
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
		})
	},
}

var opsAlarmRule = awsRule{
	ID:          "OPS-ALARM",
	Requirement: reqAlarm,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcAlarms},
	eval: func(a *awsInput) []Check {
		// Alarms by the instance they watch, so that each node looks at its
		// own alarms only: the first alarm's position by instance, then
		// each alarm's next one of the same instance (-1: none). The order
		// among a node's alarms does not matter: their names are sorted.
		alarms := a.inv.Alarms
		first := make(map[string]int, len(alarms))
		next := make([]int, len(alarms))
		for i := range alarms {
			next[i] = -1
			if id := alarms[i].Dimensions["InstanceId"]; id != "" {
				if j, ok := first[id]; ok {
					next[i] = j
				}
				first[id] = i
			}
		}
		return a.perNode(func(inst *inventory.Instance) Check {
			head, ok := first[inst.ID]
			if !ok {
				head = -1
			}
			if head >= 0 && next[head] < 0 {
				// One alarm, the common case.
				if al := &alarms[head]; al.Actions > 0 && statusCheckAlarm(*al, inst.ID) {
					return a.passNode(inst.ID, inst.ID, " has a status-check alarm with actions: ", al.Name, ".")
				}
			}
			var acting, silent []string
			for i := head; i >= 0; i = next[i] {
				al := alarms[i]
				if !statusCheckAlarm(al, inst.ID) {
					continue
				}
				if al.Actions > 0 {
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
		})
	},
}

// statusCheckAlarm reports whether the alarm watches the instance's status
// checks: StatusCheckFailed, _Instance, _System or _AttachedEBS.
func statusCheckAlarm(al inventory.Alarm, id string) bool {
	if ns := strings.TrimSpace(al.Namespace); ns != "" && !strings.EqualFold(ns, "AWS/EC2") {
		return false
	}
	return strings.HasPrefix(al.MetricName, "StatusCheckFailed") && al.Dimensions["InstanceId"] == id
}
