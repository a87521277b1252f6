package inventory

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

// backupSelection is one AWS Backup selection and the plan it belongs to.
type backupSelection struct {
	plan string
	sel  awsrest.BackupSelection
}

// dlmPolicy is one enabled DLM policy's targeting.
type dlmPolicy struct {
	id            string
	defaultPolicy bool
	resourceTypes []string          // custom policies: VOLUME and/or INSTANCE
	targetTags    map[string]string // custom policies: any one of them selects
	excludeTags   map[string]string // default policies
	excludeTypes  []string          // default policies: volume types
	excludeBoot   bool              // default policies
}

// readBackup reads every backup plan, every selection of each plan and
// each selection's body: calls grow with plans and selections, not with
// instances (a selection names many resources, or tags).
func (col *collector) readBackup() {
	var plans []awsrest.BackupPlan
	for token := ""; ; {
		page, err := call(col, SrcBackupPlans, func(ctx context.Context) (*awsrest.ListBackupPlansOutput, error) {
			return col.clients.Backup.ListBackupPlans(ctx, &awsrest.ListBackupPlansInput{NextToken: token})
		})
		if err != nil {
			col.fail(SrcBackupPlans, err)
			col.skip(SrcBackupPlans, SrcBackupSel, SrcBackupSelGet)
			return
		}
		plans = append(plans, page.BackupPlansList...)
		if token = page.NextToken; token == "" {
			break
		}
	}
	col.done(SrcBackupPlans)

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		found []backupSelection
		selOK = true
		getOK = true
	)
	for _, plan := range plans {
		if plan.DeletionDate != nil {
			continue
		}
		planID, planName := plan.BackupPlanID, plan.BackupPlanName
		if planName == "" {
			planName = planID
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var selIDs []string
			for token := ""; ; {
				page, err := call(col, SrcBackupSel, func(ctx context.Context) (*awsrest.ListBackupSelectionsOutput, error) {
					return col.clients.Backup.ListBackupSelections(ctx, &awsrest.ListBackupSelectionsInput{BackupPlanID: planID, NextToken: token})
				})
				if err != nil {
					col.fail(SrcBackupSel, err)
					mu.Lock()
					selOK = false
					mu.Unlock()
					return
				}
				for _, s := range page.BackupSelectionsList {
					if id := s.BackupPlanID; id != "" && id != planID { // client side
						continue
					}
					selIDs = append(selIDs, s.SelectionID)
				}
				if token = page.NextToken; token == "" {
					break
				}
			}
			var sw sync.WaitGroup
			for _, selID := range selIDs {
				sw.Add(1)
				go func() {
					defer sw.Done()
					out, err := call(col, SrcBackupSelGet, func(ctx context.Context) (*awsrest.GetBackupSelectionOutput, error) {
						return col.clients.Backup.GetBackupSelection(ctx, &awsrest.GetBackupSelectionInput{BackupPlanID: planID, SelectionID: selID})
					})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						col.fail(SrcBackupSelGet, err)
						getOK = false
						return
					}
					if out.BackupSelection != nil {
						found = append(found, backupSelection{plan: planName, sel: *out.BackupSelection})
					}
				}()
			}
			sw.Wait()
		}()
	}
	wg.Wait()
	col.commit(func(*Inventory) { col.selections = append(col.selections, found...) })
	if selOK {
		col.done(SrcBackupSel)
	}
	if selOK && getOK {
		col.done(SrcBackupSelGet)
	}
}

// readDLM reads the enabled DLM policies and, for the snapshot and AMI
// policies among them, their targeting (one GetLifecyclePolicy each).
func (col *collector) readDLM() {
	out, err := call(col, SrcDLM, func(ctx context.Context) (*awsrest.GetLifecyclePoliciesOutput, error) {
		return col.clients.DLM.GetLifecyclePolicies(ctx, &awsrest.GetLifecyclePoliciesInput{State: awsrest.PolicyStateEnabled})
	})
	if err != nil {
		col.fail(SrcDLM, err)
		col.skip(SrcDLM, SrcDLMPolicy)
		return
	}
	col.done(SrcDLM)

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		found []dlmPolicy
		ok    = true
	)
	for _, s := range out.Policies {
		if s.State != awsrest.PolicyStateEnabled { // client side
			continue
		}
		if s.PolicyType == awsrest.PolicyTypeEventBased {
			continue // cross-account copy: backs nothing up here
		}
		id := s.PolicyID
		wg.Add(1)
		go func() {
			defer wg.Done()
			pol, err := call(col, SrcDLMPolicy, func(ctx context.Context) (*awsrest.GetLifecyclePolicyOutput, error) {
				return col.clients.DLM.GetLifecyclePolicy(ctx, &awsrest.GetLifecyclePolicyInput{PolicyID: id})
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if hasCode(err, "ResourceNotFoundException") {
					return // deleted in between
				}
				col.fail(SrcDLMPolicy, err)
				ok = false
				return
			}
			if pol.Policy == nil || pol.Policy.State != awsrest.PolicyStateEnabled {
				return
			}
			found = append(found, convertDLMPolicy(id, pol.Policy))
		}()
	}
	wg.Wait()
	col.commit(func(*Inventory) { col.policies = append(col.policies, found...) })
	if ok {
		col.done(SrcDLMPolicy)
	}
}

func convertDLMPolicy(id string, p *awsrest.LifecyclePolicy) dlmPolicy {
	out := dlmPolicy{id: id, defaultPolicy: p.DefaultPolicy}
	d := p.PolicyDetails
	if d == nil {
		return out
	}
	if d.PolicyLanguage == awsrest.PolicyLanguageSimplified && d.ResourceType != "" {
		out.defaultPolicy = true
	}
	if out.defaultPolicy {
		out.resourceTypes = []string{d.ResourceType}
		if d.Exclusions != nil {
			out.excludeTags = dlmTags(d.Exclusions.ExcludeTags)
			out.excludeTypes = d.Exclusions.ExcludeVolumeTypes
			out.excludeBoot = d.Exclusions.ExcludeBootVolumes
		}
		return out
	}
	out.resourceTypes = append(out.resourceTypes, d.ResourceTypes...)
	if d.PolicyType == awsrest.PolicyTypeImageManagement && len(out.resourceTypes) == 0 {
		out.resourceTypes = []string{awsrest.ResourceTypeInstance}
	}
	out.targetTags = dlmTags(d.TargetTags)
	return out
}

func dlmTags(tags []awsrest.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// readAlarms reads the metric alarms (100 a page, the API's maximum) and
// keeps the EC2 status-check alarms on the declared instances.
func (col *collector) readAlarms() {
	ours := setOf(col.ids)
	p := cloudwatch.NewDescribeAlarmsPaginator(col.clients.CloudWatch, &cloudwatch.DescribeAlarmsInput{
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
		MaxRecords: aws.Int32(100),
	})
	var got []Alarm
	for p.HasMorePages() {
		page, err := call(col, SrcAlarms, func(ctx context.Context) (*cloudwatch.DescribeAlarmsOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			col.fail(SrcAlarms, err)
			return
		}
		for _, a := range page.MetricAlarms {
			if al, ok := statusCheckAlarm(a, ours); ok {
				got = append(got, al)
			}
		}
	}
	col.commit(func(inv *Inventory) { inv.Alarms = append(inv.Alarms, got...) })
	col.done(SrcAlarms)
}

// statusCheckAlarm converts a to an Alarm when it watches an AWS/EC2
// StatusCheckFailed* metric of one of our instances, directly or as one
// metric of a metric-math alarm.
func statusCheckAlarm(a cwtypes.MetricAlarm, ours map[string]bool) (Alarm, bool) {
	candidates := []cwtypes.Metric{{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions}}
	for _, q := range a.Metrics {
		if q.MetricStat != nil && q.MetricStat.Metric != nil {
			candidates = append(candidates, *q.MetricStat.Metric)
		}
	}
	for _, m := range candidates {
		if str(m.Namespace) != "AWS/EC2" || !strings.HasPrefix(str(m.MetricName), "StatusCheckFailed") {
			continue
		}
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[str(d.Name)] = str(d.Value)
		}
		if !ours[dims["InstanceId"]] {
			continue
		}
		return Alarm{
			Name: str(a.AlarmName), Namespace: str(m.Namespace), MetricName: str(m.MetricName),
			Dimensions: dims, Actions: len(a.AlarmActions),
			ActionsEnabled: a.ActionsEnabled == nil || *a.ActionsEnabled,
		}, true
	}
	return Alarm{}, false
}

// computeBackup fills inv.Backup from the selections and policies read.
// Called by finish with col.mu held.
//
// AWS Backup: a resource is selected when it matches one of Resources
// (ARN patterns, "*" wildcards) or one of ListOfTags (OR), or by default
// when neither is given; then it must match every Conditions entry (AND)
// and none of NotResources. DLM: a custom policy selects instances
// (resource type INSTANCE) or volumes (VOLUME) carrying any one of its
// target tags; a default policy selects all of its resource type except
// the excluded tags / volume types / boot volumes. An instance is covered
// when it, or one of its volumes, is selected.
func (col *collector) computeBackup() {
	inv := col.inv
	if len(col.selections) == 0 && len(col.policies) == 0 {
		return
	}
	for _, id := range col.ids {
		inst, found := inv.Instances[id]
		if !found && col.instancesRead {
			continue // does not exist
		}
		region := inv.Region
		if region == "" {
			region = regionOfAZ(inst.AvailabilityZone)
		}
		part := partition(region)
		arn := func(kind, rid string) string {
			return "arn:" + part + ":ec2:" + region + ":" + inv.AccountID + ":" + kind + "/" + rid
		}
		type res struct {
			arn  string
			tags map[string]string
			vol  *Volume
		}
		var vols []res
		for _, vid := range inst.VolumeIDs {
			v := inv.Volumes[vid]
			vols = append(vols, res{arn: arn("volume", vid), tags: v.Tags, vol: &v})
		}
		covered := map[string]bool{}
		for _, s := range col.selections {
			if selects(s.sel, arn("instance", id), inst.Tags) {
				covered["backup:"+s.plan] = true
				continue
			}
			for _, v := range vols {
				if selects(s.sel, v.arn, v.tags) {
					covered["backup:"+s.plan] = true
					break
				}
			}
		}
		for _, p := range col.policies {
			if p.coversInstance(inst.Tags) {
				covered["dlm:"+p.id] = true
				continue
			}
			for _, v := range vols {
				if p.coversVolume(*v.vol) {
					covered["dlm:"+p.id] = true
					break
				}
			}
		}
		if len(covered) == 0 {
			continue
		}
		list := make([]string, 0, len(covered))
		for k := range covered {
			list = append(list, k)
		}
		sort.Strings(list)
		inv.Backup[id] = list
	}
}

// selects reports whether a backup selection assigns the resource.
func selects(s awsrest.BackupSelection, arn string, tags map[string]string) bool {
	included := len(s.Resources) == 0 && len(s.ListOfTags) == 0
	for _, pat := range s.Resources {
		if glob(pat, arn) {
			included = true
			break
		}
	}
	for _, c := range s.ListOfTags {
		if v, ok := tags[tagKey(c.ConditionKey)]; ok && v == c.ConditionValue {
			included = true
			break
		}
	}
	if !included {
		return false
	}
	if c := s.Conditions; c != nil {
		for _, p := range c.StringEquals {
			if v, ok := tags[tagKey(p.ConditionKey)]; !ok || v != p.ConditionValue {
				return false
			}
		}
		for _, p := range c.StringNotEquals {
			if v, ok := tags[tagKey(p.ConditionKey)]; ok && v == p.ConditionValue {
				return false
			}
		}
		for _, p := range c.StringLike {
			if v, ok := tags[tagKey(p.ConditionKey)]; !ok || !glob(p.ConditionValue, v) {
				return false
			}
		}
		for _, p := range c.StringNotLike {
			if v, ok := tags[tagKey(p.ConditionKey)]; ok && glob(p.ConditionValue, v) {
				return false
			}
		}
	}
	for _, pat := range s.NotResources {
		if glob(pat, arn) {
			return false
		}
	}
	return true
}

func (p dlmPolicy) has(resourceType string) bool { return contains(p.resourceTypes, resourceType) }

func (p dlmPolicy) coversInstance(tags map[string]string) bool {
	if !p.has(awsrest.ResourceTypeInstance) {
		return false
	}
	if p.defaultPolicy {
		return !anyTag(tags, p.excludeTags)
	}
	return anyTag(tags, p.targetTags)
}

func (p dlmPolicy) coversVolume(v Volume) bool {
	if !p.has(awsrest.ResourceTypeVolume) {
		return false
	}
	if p.defaultPolicy {
		// A boot volume is recognised by its usual root device names.
		boot := v.Device == "/dev/xvda" || v.Device == "/dev/sda1"
		return !anyTag(v.Tags, p.excludeTags) && !contains(p.excludeTypes, v.Type) && !(p.excludeBoot && boot)
	}
	return anyTag(v.Tags, p.targetTags)
}

// anyTag reports whether tags carry one of the key/value pairs of want.
func anyTag(tags, want map[string]string) bool {
	for k, v := range want {
		if got, ok := tags[k]; ok && got == v {
			return true
		}
	}
	return false
}

// tagKey strips the IAM-style prefix backup conditions may carry.
func tagKey(k string) string { return strings.TrimPrefix(k, "aws:ResourceTag/") }

// glob matches s against pattern, where * matches any run of characters
// (including none) and ? exactly one.
func glob(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			px = starP + 1
			starS++
			sx = starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// regionOfAZ turns "us-east-1a" into "us-east-1".
func regionOfAZ(az string) string {
	if az == "" {
		return ""
	}
	last := az[len(az)-1]
	if last >= 'a' && last <= 'z' {
		return az[:len(az)-1]
	}
	return az
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
