package inventory

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

func TestCollectFakeWorld(t *testing.T) {
	w := newWorld(3)
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{})

	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if len(inv.Instances) != 3 {
		t.Fatalf("instances: %d", len(inv.Instances))
	}
	i0 := inv.Instances[instanceID(0)]
	if i0.VpcID != fakeVpc || i0.SubnetID == "" || i0.AvailabilityZone != "us-east-1a" || len(i0.Interfaces) != 1 || i0.Tags["backup"] != "daily" {
		t.Errorf("instance 0: %+v", i0)
	}
	if len(i0.VolumeIDs) != 4 || len(inv.Volumes) != 12 {
		t.Errorf("volumes: instance has %v, inventory %d", i0.VolumeIDs, len(inv.Volumes))
	}
	if _, foreign := inv.Volumes["vol-0fffffffffffffff0"]; foreign {
		t.Error("a volume of another instance was kept")
	}
	if v := inv.Volumes[i0.VolumeIDs[0]]; v.InstanceID != i0.ID || v.SizeGiB == 0 || v.Device == "" {
		t.Errorf("volume: %+v", v)
	}
	if len(inv.Subnets) != 3 || len(inv.SecurityGroups) != 1 {
		t.Errorf("subnets %d groups %d", len(inv.Subnets), len(inv.SecurityGroups))
	}
	sg := inv.SecurityGroups[fakeSG]
	if len(sg.Ingress) != 3 || sg.Ingress[0].SourceGroups[0] != fakeSG || sg.Ingress[1].CIDRs[0] != "203.0.113.10/32" || sg.Ingress[2].PrefixLists[0] == "" || len(sg.Egress) != 1 {
		t.Errorf("security group: %+v", sg)
	}
	if len(inv.RouteTables) != 1 || !inv.RouteTables[0].Main || inv.RouteTables[0].Routes[1].NatGatewayID == "" {
		t.Errorf("route tables: %+v", inv.RouteTables)
	}
	if it := inv.InstanceTypes["m5.xlarge"]; it.VCPUs != 4 || it.MemoryMiB != 16384 || len(inv.InstanceTypes) != 1 {
		t.Errorf("instance types: %+v", inv.InstanceTypes)
	}
	if inv.Image == nil || inv.Image.Name != "auth0-appliance-2406" {
		t.Errorf("image: %+v", inv.Image)
	}
	if len(inv.Peerings) != 1 || inv.Peerings[0].AccepterVpc != fakeOtherVp || inv.Peerings[0].Status != "active" {
		t.Errorf("peerings: %+v", inv.Peerings)
	}
	lb := inv.LoadBalancer
	if lb == nil || lb.Type != "network" || len(lb.Listeners) != 1 || len(lb.TargetGroups) != 1 {
		t.Fatalf("load balancer: %+v", lb)
	}
	if lb.Listeners[0].TargetGroupArns[0] != fakeTGArn || lb.TargetGroups[0].HealthCheckPath != "/testall" || len(lb.TargetGroups[0].Targets) != 3 {
		t.Errorf("listener / target group: %+v %+v", lb.Listeners, lb.TargetGroups)
	}
	if c := inv.Certificate; c == nil || c.KeyAlgorithm != "RSA_2048" || !strings.Contains(c.Chain, "BEGIN CERTIFICATE") || c.NotAfter.IsZero() {
		t.Errorf("certificate: %+v", c)
	}
	want := []string{"backup:appliance-daily", "dlm:policy-0123456789abcdef0"}
	for _, id := range w.ids {
		if !reflect.DeepEqual(inv.Backup[id], want) {
			t.Errorf("backup of %s: %v", id, inv.Backup[id])
		}
	}
	if len(inv.Alarms) != 3 || inv.Alarms[0].MetricName != "StatusCheckFailed" || inv.Alarms[0].Actions != 1 || !inv.Alarms[0].ActionsEnabled {
		t.Errorf("alarms: %+v", inv.Alarms)
	}
	if inv.AccountID != fakeAccount || inv.Environment != "prod" {
		t.Errorf("header: %q %q", inv.AccountID, inv.Environment)
	}
	// Every call the fakes saw is counted, once.
	if inv.APICalls != w.total {
		t.Errorf("APICalls %d, fakes saw %d", inv.APICalls, w.total)
	}
	sum := 0
	for _, n := range inv.Calls {
		sum += n
	}
	if sum != inv.APICalls {
		t.Errorf("Calls sum %d != APICalls %d", sum, inv.APICalls)
	}
	wantCalls := map[Source]int{
		SrcInstances: 1, SrcVolumes: 1, SrcSubnets: 1, SrcRouteTables: 1, SrcSecurityGroups: 1, SrcInstanceTypes: 1,
		SrcImages: 1, SrcPeerings: 2, SrcLoadBalancers: 1, SrcListeners: 1, SrcTargetGroups: 1, SrcTargetHealth: 1,
		SrcCertificate: 1, SrcCertChain: 1, SrcBackupPlans: 1, SrcBackupSel: 2, SrcBackupSelGet: 2, SrcDLM: 1, SrcDLMPolicy: 1, SrcAlarms: 1,
	}
	if !reflect.DeepEqual(inv.Calls, wantCalls) {
		t.Errorf("calls:\n got %v\nwant %v", inv.Calls, wantCalls)
	}
}

func TestAccessDeniedOnVolumes(t *testing.T) {
	w := newWorld(3)
	w.errs["DescribeVolumes"] = apiErr("UnauthorizedOperation", "You are not authorized to perform this operation.")
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{})

	e, ok := inv.Errors[SrcVolumes]
	if !ok || e.Code != "UnauthorizedOperation" || e.Source != SrcVolumes || e.Err == "" {
		t.Fatalf("volumes error: %+v (all: %+v)", e, inv.Errors)
	}
	if len(inv.Errors) != 1 {
		t.Errorf("only the volumes read should fail: %+v", inv.Errors)
	}
	if got, ok := inv.Failed(SrcInstances, SrcVolumes); !ok || got.Source != SrcVolumes {
		t.Errorf("Failed: %+v %v", got, ok)
	}
	if len(inv.Instances) != 3 || len(inv.Subnets) != 3 || inv.LoadBalancer == nil || inv.Certificate == nil || len(inv.Alarms) != 3 {
		t.Errorf("other sources should still be collected: %d instances, %d subnets, lb %v, cert %v, %d alarms",
			len(inv.Instances), len(inv.Subnets), inv.LoadBalancer != nil, inv.Certificate != nil, len(inv.Alarms))
	}
	if len(inv.Volumes) != 0 {
		t.Errorf("volumes: %v", inv.Volumes)
	}
}

func TestInstancesDeniedSkipsDependents(t *testing.T) {
	w := newWorld(3)
	w.errs["DescribeInstances"] = apiErr("UnauthorizedOperation", "no")
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{})
	if inv.Errors[SrcInstances].Code != "UnauthorizedOperation" {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	for _, s := range []Source{SrcVolumes, SrcSubnets, SrcSecurityGroups, SrcInstanceTypes} {
		if e := inv.Errors[s]; e.Code != CodeSkipped || !strings.Contains(e.Err, "UnauthorizedOperation") {
			t.Errorf("%s: %+v", s, e)
		}
	}
	if _, failed := inv.Errors[SrcRouteTables]; failed || len(inv.RouteTables) != 1 {
		t.Errorf("route tables of the declared VPC are still readable: %+v", inv.RouteTables)
	}
	if w.opCalls()["DescribeVolumes"] != 0 {
		t.Error("volumes were read without instances")
	}
	if inv.Certificate == nil || inv.LoadBalancer == nil {
		t.Error("independent sources should still be read")
	}
}

func TestMissingInstances(t *testing.T) {
	for _, missing := range [][]string{{"i-0000000000000dead"}, {"i-0000000000000dead", "i-0000000000000beef"}} {
		w := newWorld(3)
		sc := w.scope()
		sc.InstanceIDs = append(append([]string{}, missing...), sc.InstanceIDs...)
		inv := Collect(context.Background(), w.clients(), sc, Options{})
		if len(inv.Errors) != 0 {
			t.Fatalf("a missing instance is not an error: %+v", inv.Errors)
		}
		if len(inv.Instances) != 3 {
			t.Fatalf("instances: %v", sortedKeys(inv.Instances))
		}
		for _, id := range missing {
			if _, ok := inv.Instances[id]; ok {
				t.Errorf("%s should be absent", id)
			}
			if _, ok := inv.Backup[id]; ok {
				t.Errorf("%s has backup coverage", id)
			}
		}
		if inv.Calls[SrcInstances] != 2 {
			t.Errorf("DescribeInstances calls %d, want 2 (one rejected, one retry)", inv.Calls[SrcInstances])
		}
	}
}

func TestAllInstancesMissing(t *testing.T) {
	w := newWorld(0)
	sc := w.scope()
	sc.InstanceIDs = []string{"i-0000000000000dead"}
	inv := Collect(context.Background(), w.clients(), sc, Options{})
	if len(inv.Errors) != 0 || len(inv.Instances) != 0 {
		t.Fatalf("errors %+v instances %v", inv.Errors, inv.Instances)
	}
	if inv.Calls[SrcInstances] != 1 || inv.Calls[SrcVolumes] != 0 {
		t.Errorf("calls: %v", inv.Calls)
	}
}

func TestMissingDeclaredThings(t *testing.T) {
	w := newWorld(3)
	sc := w.scope()
	sc.LoadBalancerArn = strings.Replace(fakeLBArn, "50dc6c495c0c9188", "0000000000000000", 1)
	sc.AcmArn = strings.Replace(fakeCertArn, "123456789012", "000000000000", 1)
	sc.AmiID = "ami-00000000000000000"
	inv := Collect(context.Background(), w.clients(), sc, Options{})
	if len(inv.Errors) != 0 {
		t.Fatalf("absent things are not errors: %+v", inv.Errors)
	}
	if inv.LoadBalancer != nil || inv.Certificate != nil || inv.Image != nil {
		t.Errorf("lb %+v cert %+v image %+v", inv.LoadBalancer, inv.Certificate, inv.Image)
	}
	if inv.Calls[SrcListeners] != 0 || inv.Calls[SrcTargetGroups] != 0 || inv.Calls[SrcTargetHealth] != 0 {
		t.Errorf("listeners of a missing load balancer were read: %v", inv.Calls)
	}
}

func TestTimeout(t *testing.T) {
	w := newWorld(3)
	w.block["DescribeInstances"] = true
	const timeout = 300 * time.Millisecond
	start := time.Now()
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{Timeout: timeout})
	elapsed := time.Since(start)
	if elapsed > timeout+lateGrace+200*time.Millisecond {
		t.Fatalf("Collect took %v with a %v timeout", elapsed, timeout)
	}
	for _, s := range []Source{SrcInstances, SrcVolumes, SrcSubnets, SrcSecurityGroups, SrcInstanceTypes, SrcRouteTables} {
		if inv.Errors[s].Code != CodeTimeout {
			t.Errorf("%s: %+v", s, inv.Errors[s])
		}
	}
	if inv.Certificate == nil || inv.LoadBalancer == nil || inv.Image == nil {
		t.Error("sources read before the deadline are kept")
	}
	if _, ok := inv.Errors[SrcCertificate]; ok {
		t.Errorf("certificate was read in time: %+v", inv.Errors)
	}
}

// A client that ignores its context must not hold Collect past the
// deadline, nor write into the Inventory once it is returned.
func TestTimeoutWithClientIgnoringContext(t *testing.T) {
	w := newWorld(3)
	w.hang["DescribeAlarms"] = 1500 * time.Millisecond
	start := time.Now()
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{Timeout: 200 * time.Millisecond})
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("Collect took %v", elapsed)
	}
	if inv.Errors[SrcAlarms].Code != CodeTimeout {
		t.Fatalf("alarms: %+v", inv.Errors)
	}
	before := len(inv.Alarms)
	time.Sleep(1600 * time.Millisecond) // the hung call returns now
	if len(inv.Alarms) != before || inv.Errors[SrcAlarms].Code != CodeTimeout {
		t.Error("a late call changed the returned inventory")
	}
}

func TestCanceledByCaller(t *testing.T) {
	w := newWorld(3)
	w.block["DescribeInstances"] = true
	ctx, cancel := context.WithCancel(context.Background())
	w.before = func(op string) {
		if op == "DescribeInstances" {
			cancel()
		}
	}
	inv := Collect(ctx, w.clients(), w.scope(), Options{})
	if inv.Errors[SrcInstances].Code != CodeCanceled {
		t.Fatalf("errors: %+v", inv.Errors)
	}
}

func TestConcurrencyBound(t *testing.T) {
	w := newWorld(3)
	var inflight, peak int
	var mu = make(chan struct{}, 1)
	w.before = func(string) {
		mu <- struct{}{}
		inflight++
		if inflight > peak {
			peak = inflight
		}
		<-mu
		time.Sleep(5 * time.Millisecond)
		mu <- struct{}{}
		inflight--
		<-mu
	}
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{Concurrency: 2})
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if peak > 2 {
		t.Errorf("%d calls in flight with Concurrency 2", peak)
	}
}

func TestNilClients(t *testing.T) {
	w := newWorld(3)
	c := w.clients()
	c.DLM, c.ACM = nil, nil
	inv := Collect(context.Background(), c, w.scope(), Options{})
	for _, s := range []Source{SrcDLM, SrcDLMPolicy, SrcCertificate, SrcCertChain} {
		if inv.Errors[s].Code != CodeNoClient {
			t.Errorf("%s: %+v", s, inv.Errors[s])
		}
	}
	if len(inv.Instances) != 3 {
		t.Error("the other clients still work")
	}
}

// The number of calls does not depend on the number of instances: 3, 30
// and 300 instances cost exactly the same calls. The fakes page at 2000
// items (300 instances have 1200 volumes), so that only per-instance
// growth could show; TestCallCountRealPages covers AWS's page sizes.
func TestCallCountFlat(t *testing.T) {
	var first *Inventory
	for _, n := range []int{3, 30, 300} {
		w := newWorld(n)
		w.pageSize, w.alarmPageSize = 2000, 2000
		inv := Collect(context.Background(), w.clients(), w.scope(), Options{})
		if len(inv.Errors) != 0 || len(inv.Instances) != n || len(inv.Volumes) != 4*n || len(inv.Backup) != n || len(inv.Alarms) != n {
			t.Fatalf("n=%d: errors %+v, %d instances, %d volumes, %d covered, %d alarms", n, inv.Errors, len(inv.Instances), len(inv.Volumes), len(inv.Backup), len(inv.Alarms))
		}
		if first == nil {
			first = inv
			continue
		}
		if inv.APICalls != first.APICalls || !reflect.DeepEqual(inv.Calls, first.Calls) {
			t.Errorf("n=%d: %d calls %v, n=3: %d calls %v", n, inv.APICalls, inv.Calls, first.APICalls, first.Calls)
		}
	}
	t.Logf("calls per collection, any n: %d", first.APICalls)
}

// With AWS's page sizes (1000 volumes, 100 alarms), only the pages of
// DescribeVolumes and DescribeAlarms follow the number of items listed;
// every other count stays flat.
func TestCallCountRealPages(t *testing.T) {
	var base map[Source]int
	for _, n := range []int{3, 30, 300} {
		w := newWorld(n)
		w.pageSize, w.alarmPageSize = 1000, 100
		inv := Collect(context.Background(), w.clients(), w.scope(), Options{})
		if len(inv.Errors) != 0 || len(inv.Alarms) != n || len(inv.Volumes) != 4*n {
			t.Fatalf("n=%d: %+v, %d alarms", n, inv.Errors, len(inv.Alarms))
		}
		alarms := n + 1 // one per instance and an unrelated one
		if want := (alarms + 99) / 100; inv.Calls[SrcAlarms] != want {
			t.Errorf("n=%d: %d DescribeAlarms pages, want %d", n, inv.Calls[SrcAlarms], want)
		}
		if want := (4*n + 999) / 1000; inv.Calls[SrcVolumes] != want {
			t.Errorf("n=%d: %d DescribeVolumes pages, want %d", n, inv.Calls[SrcVolumes], want)
		}
		rest := map[Source]int{}
		for s, c := range inv.Calls {
			if s != SrcAlarms && s != SrcVolumes {
				rest[s] = c
			}
		}
		if base == nil {
			base = rest
		} else if !reflect.DeepEqual(rest, base) {
			t.Errorf("n=%d: %v, want %v", n, rest, base)
		}
	}
}

func TestPaginationFollowed(t *testing.T) {
	w := newWorld(30)
	w.pageSize = 7
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{})
	if len(inv.Errors) != 0 || len(inv.Instances) != 30 || len(inv.Volumes) != 120 {
		t.Fatalf("errors %+v, %d instances, %d volumes", inv.Errors, len(inv.Instances), len(inv.Volumes))
	}
	if inv.Calls[SrcInstances] != 5 || inv.Calls[SrcVolumes] != 18 {
		t.Errorf("pages: %v", inv.Calls)
	}
}

func TestBackupCoverageByTagsAndVolumes(t *testing.T) {
	w := newWorld(3)
	w.policies = nil
	w.selBodies["plan-1/sel-1"] = awsrest.BackupSelection{
		SelectionName: "by-tag",
		Resources:     []string{"arn:aws:ec2:*:*:instance/*"},
		Conditions: &awsrest.Conditions{StringEquals: []awsrest.ConditionParameter{
			{ConditionKey: "aws:ResourceTag/backup", ConditionValue: "daily"},
		}},
		NotResources: []string{"arn:aws:ec2:us-east-1:111122223333:instance/" + instanceID(2)},
	}
	// A volume of instance 1 is selected by ARN in the second plan.
	w.selBodies["plan-2/sel-2"] = awsrest.BackupSelection{SelectionName: "vol",
		Resources: []string{"arn:aws:ec2:us-east-1:111122223333:volume/" + *w.volumes[5].VolumeId}}
	inv := Collect(context.Background(), w.clients(), w.scope(), Options{})
	if got := inv.Backup[instanceID(0)]; !reflect.DeepEqual(got, []string{"backup:appliance-daily"}) {
		t.Errorf("instance 0: %v", got)
	}
	if got := inv.Backup[instanceID(1)]; !reflect.DeepEqual(got, []string{"backup:appliance-daily", "backup:unrelated"}) {
		t.Errorf("instance 1: %v", got)
	}
	if got, ok := inv.Backup[instanceID(2)]; ok {
		t.Errorf("instance 2 is excluded by NotResources: %v", got)
	}
}

func TestSelects(t *testing.T) {
	tags := map[string]string{"backup": "daily", "env": "prod-eu"}
	arn := "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
	cp := func(k, v string) awsrest.ConditionParameter {
		return awsrest.ConditionParameter{ConditionKey: k, ConditionValue: v}
	}
	for _, tc := range []struct {
		name string
		sel  awsrest.BackupSelection
		want bool
	}{
		{"arn", awsrest.BackupSelection{Resources: []string{arn}}, true},
		{"other arn", awsrest.BackupSelection{Resources: []string{arn + "0"}}, false},
		{"star", awsrest.BackupSelection{Resources: []string{"*"}}, true},
		{"instance wildcard", awsrest.BackupSelection{Resources: []string{"arn:aws:ec2:*:*:instance/*"}}, true},
		{"volume wildcard", awsrest.BackupSelection{Resources: []string{"arn:aws:ec2:*:*:volume/*"}}, false},
		{"list of tags", awsrest.BackupSelection{ListOfTags: []awsrest.Condition{{ConditionType: "STRINGEQUALS", ConditionKey: "backup", ConditionValue: "daily"}}}, true},
		{"list of tags miss", awsrest.BackupSelection{ListOfTags: []awsrest.Condition{{ConditionKey: "backup", ConditionValue: "weekly"}}}, false},
		{"conditions only", awsrest.BackupSelection{Conditions: &awsrest.Conditions{StringLike: []awsrest.ConditionParameter{cp("aws:ResourceTag/env", "prod-*")}}}, true},
		{"conditions and", awsrest.BackupSelection{Resources: []string{"*"}, Conditions: &awsrest.Conditions{
			StringEquals: []awsrest.ConditionParameter{cp("aws:ResourceTag/backup", "daily")}, StringNotLike: []awsrest.ConditionParameter{cp("aws:ResourceTag/env", "prod-*")}}}, false},
		{"not equals absent tag", awsrest.BackupSelection{Resources: []string{"*"}, Conditions: &awsrest.Conditions{StringNotEquals: []awsrest.ConditionParameter{cp("aws:ResourceTag/skip", "true")}}}, true},
		{"not resources", awsrest.BackupSelection{Resources: []string{"*"}, NotResources: []string{"arn:aws:ec2:*:*:instance/i-1"}}, false},
	} {
		if got := selects(tc.sel, arn, tags); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDLMPolicies(t *testing.T) {
	def := convertDLMPolicy("d", &awsrest.LifecyclePolicy{DefaultPolicy: true, PolicyDetails: &awsrest.PolicyDetails{
		PolicyLanguage: awsrest.PolicyLanguageSimplified, ResourceType: awsrest.ResourceTypeVolume,
		Exclusions: &awsrest.Exclusions{ExcludeBootVolumes: true, ExcludeTags: []awsrest.Tag{{Key: "nobackup", Value: "true"}}},
	}})
	if def.coversInstance(nil) || !def.coversVolume(Volume{Device: "/dev/xvdb"}) || def.coversVolume(Volume{Device: "/dev/xvda"}) ||
		def.coversVolume(Volume{Device: "/dev/xvdb", Tags: map[string]string{"nobackup": "true"}}) {
		t.Errorf("default volume policy: %+v", def)
	}
	custom := convertDLMPolicy("c", &awsrest.LifecyclePolicy{PolicyDetails: &awsrest.PolicyDetails{
		PolicyType: awsrest.PolicyTypeEBSSnapshotManagement, ResourceTypes: []string{awsrest.ResourceTypeVolume},
		TargetTags: []awsrest.Tag{{Key: "snap", Value: "yes"}, {Key: "tier", Value: "db"}},
	}})
	if custom.coversInstance(map[string]string{"snap": "yes"}) || !custom.coversVolume(Volume{Tags: map[string]string{"tier": "db"}}) || custom.coversVolume(Volume{}) {
		t.Errorf("custom volume policy: %+v", custom)
	}
	ami := convertDLMPolicy("a", &awsrest.LifecyclePolicy{PolicyDetails: &awsrest.PolicyDetails{
		PolicyType: awsrest.PolicyTypeImageManagement, TargetTags: []awsrest.Tag{{Key: "ami", Value: "1"}},
	}})
	if !ami.coversInstance(map[string]string{"ami": "1"}) {
		t.Errorf("AMI policy: %+v", ami)
	}
}

func TestIDsInMessage(t *testing.T) {
	req := []string{"i-1", "i-2", "i-3", "i-10"}
	for msg, want := range map[string][]string{
		"The instance ID 'i-1' does not exist":                {"i-1"},
		"The instance IDs 'i-1, i-10' do not exist":           {"i-1", "i-10"},
		`Invalid id: "i-2" (expecting "i-...")`:               {"i-2"},
		"The instance ID 'i-99' does not exist":               {},
		"something else entirely, no ids (i-3 not quoted)...": {},
	} {
		got := idsInMessage(apiErr("InvalidInstanceID.NotFound", msg), req)
		if len(got) != len(want) {
			t.Errorf("%q: %v", msg, got)
		}
		for _, id := range want {
			if !got[id] {
				t.Errorf("%q: missing %s in %v", msg, id, got)
			}
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "anything", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false}, {"a?c", "abc", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:1:instance/i-1", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:1:volume/vol-1", false},
		{"", "", true}, {"", "x", false}, {"**", "", true},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}
