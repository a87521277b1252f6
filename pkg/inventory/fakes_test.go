package inventory

// Pure in-memory fakes of the six services, built from the response shapes
// of the AWS API reference. Unlike kumo they honour ids, filters and
// pagination the way AWS does (including failing a whole DescribeInstances
// when one id does not exist), so the collector's call counts measured
// against them are the counts it would make against AWS.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

const (
	fakeAccount = "111122223333"
	fakeRegion  = "us-east-1"
	fakeVpc     = "vpc-0a1b2c3d4e5f60001"
	fakeOtherVp = "vpc-0a1b2c3d4e5f60002"
	fakeAmi     = "ami-0123456789abcdef0"
	fakeSG      = "sg-0123456789abcdef0"
	fakeLBArn   = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/appliance-prod/50dc6c495c0c9188"
	fakeTGArn   = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/appliance-443/73e2d6bc24d8a067"
	fakeCertArn = "arn:aws:acm:us-east-1:111122223333:certificate/12345678-1234-1234-1234-123456789012"
)

// world is one fake account: n appliance instances and everything around
// them, plus some unrelated resources the collector must ignore.
type world struct {
	pageSize      int // items per page for the EC2/ELB/Backup lists
	alarmPageSize int // DescribeAlarms records per page (AWS caps it at 100)

	reservations []ec2types.Reservation
	volumes      []ec2types.Volume
	subnets      []ec2types.Subnet
	routeTables  []ec2types.RouteTable
	groups       []ec2types.SecurityGroup
	types        []ec2types.InstanceTypeInfo
	images       []ec2types.Image
	peerings     []ec2types.VpcPeeringConnection
	lbs          []elbtypes.LoadBalancer
	listeners    []elbtypes.Listener
	tgs          []elbtypes.TargetGroup
	health       map[string][]elbtypes.TargetHealthDescription
	cert         *acmtypes.CertificateDetail
	chain        string
	plans        []awsrest.BackupPlan
	selections   map[string][]awsrest.BackupSelectionSummary
	selBodies    map[string]awsrest.BackupSelection
	policies     []awsrest.LifecyclePolicy
	alarms       []cwtypes.MetricAlarm

	ids []string // the appliance instance ids

	// fault injection, by operation name ("DescribeVolumes")
	mu     sync.Mutex
	errs   map[string]error
	block  map[string]bool          // block until the context is done
	hang   map[string]time.Duration // sleep, ignoring the context
	calls  map[string]int
	total  int
	before func(op string) // called on every call
}

func instanceID(i int) string { return fmt.Sprintf("i-%017x", 0xa000+i) }

func newWorld(n int) *world {
	w := &world{
		pageSize: 1000, alarmPageSize: 1000,
		health:     map[string][]elbtypes.TargetHealthDescription{},
		selections: map[string][]awsrest.BackupSelectionSummary{},
		selBodies:  map[string]awsrest.BackupSelection{},
		errs:       map[string]error{},
		block:      map[string]bool{},
		hang:       map[string]time.Duration{},
		calls:      map[string]int{},
	}
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	for i, az := range azs {
		w.subnets = append(w.subnets, ec2types.Subnet{
			SubnetId: aws.String(fmt.Sprintf("subnet-%017x", 0x100+i)), VpcId: aws.String(fakeVpc),
			AvailabilityZone: aws.String(az), CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i)),
		})
	}
	// an unrelated subnet in another VPC
	w.subnets = append(w.subnets, ec2types.Subnet{SubnetId: aws.String("subnet-0ffffffffffffffff"), VpcId: aws.String(fakeOtherVp), CidrBlock: aws.String("10.30.0.0/24")})

	var insts []ec2types.Instance
	var targets []elbtypes.TargetHealthDescription
	var arns []string
	sizes := []int32{40, 100, 100, 100}
	devices := []string{"/dev/xvda", "/dev/xvdb", "/dev/xvdc", "/dev/xvdd"}
	for i := 0; i < n; i++ {
		id := instanceID(i)
		w.ids = append(w.ids, id)
		sub := w.subnets[i%3]
		ip := fmt.Sprintf("10.20.%d.%d", i%3, 10+i/3)
		inst := ec2types.Instance{
			InstanceId:       aws.String(id),
			InstanceType:     ec2types.InstanceTypeM5Xlarge,
			ImageId:          aws.String(fakeAmi),
			State:            &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning, Code: aws.Int32(16)},
			VpcId:            aws.String(fakeVpc),
			SubnetId:         sub.SubnetId,
			Placement:        &ec2types.Placement{AvailabilityZone: sub.AvailabilityZone},
			PrivateIpAddress: aws.String(ip),
			SecurityGroups:   []ec2types.GroupIdentifier{{GroupId: aws.String(fakeSG), GroupName: aws.String("appliance")}},
			NetworkInterfaces: []ec2types.InstanceNetworkInterface{{
				NetworkInterfaceId: aws.String(fmt.Sprintf("eni-%017x", 0xa000+i)), PrivateIpAddress: aws.String(ip),
				SubnetId: sub.SubnetId, VpcId: aws.String(fakeVpc),
				Groups: []ec2types.GroupIdentifier{{GroupId: aws.String(fakeSG)}},
			}},
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(fmt.Sprintf("appliance-%d", i))}, {Key: aws.String("backup"), Value: aws.String("daily")}},
		}
		for d := range sizes {
			vid := fmt.Sprintf("vol-%013x%04x", 0xa000+i, d)
			inst.BlockDeviceMappings = append(inst.BlockDeviceMappings, ec2types.InstanceBlockDeviceMapping{
				DeviceName: aws.String(devices[d]), Ebs: &ec2types.EbsInstanceBlockDevice{VolumeId: aws.String(vid)},
			})
			w.volumes = append(w.volumes, ec2types.Volume{
				VolumeId: aws.String(vid), Size: aws.Int32(sizes[d]), VolumeType: ec2types.VolumeTypeGp3,
				Attachments: []ec2types.VolumeAttachment{{InstanceId: aws.String(id), Device: aws.String(devices[d]), State: ec2types.VolumeAttachmentStateAttached}},
			})
		}
		insts = append(insts, inst)
		targets = append(targets, elbtypes.TargetHealthDescription{
			Target:       &elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(443)},
			TargetHealth: &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy},
		})
		arns = append(arns, "arn:aws:ec2:us-east-1:111122223333:instance/"+id)
		w.alarms = append(w.alarms, cwtypes.MetricAlarm{
			AlarmName: aws.String("status-" + id), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("StatusCheckFailed"),
			Dimensions:   []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(id)}},
			AlarmActions: []string{"arn:aws:sns:us-east-1:111122223333:ops"}, ActionsEnabled: aws.Bool(true),
		})
	}
	// an unrelated instance and volume
	insts = append(insts, ec2types.Instance{InstanceId: aws.String("i-0fffffffffffffff0"), InstanceType: ec2types.InstanceTypeT3Micro, State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning}})
	w.volumes = append(w.volumes, ec2types.Volume{VolumeId: aws.String("vol-0fffffffffffffff0"), Size: aws.Int32(8),
		Attachments: []ec2types.VolumeAttachment{{InstanceId: aws.String("i-0fffffffffffffff0"), Device: aws.String("/dev/xvda")}}})
	w.alarms = append(w.alarms, cwtypes.MetricAlarm{AlarmName: aws.String("other-cpu"), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(instanceID(0))}}})
	w.reservations = []ec2types.Reservation{{ReservationId: aws.String("r-0123456789abcdef0"), OwnerId: aws.String(fakeAccount), Instances: insts}}

	w.routeTables = []ec2types.RouteTable{{
		RouteTableId: aws.String("rtb-0000000000000main"), VpcId: aws.String(fakeVpc),
		Associations: []ec2types.RouteTableAssociation{{Main: aws.Bool(true)}},
		Routes: []ec2types.Route{
			{DestinationCidrBlock: aws.String("10.20.0.0/16"), GatewayId: aws.String("local"), State: ec2types.RouteStateActive},
			{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String("nat-0123456789abcdef0"), State: ec2types.RouteStateActive},
		},
	}, {RouteTableId: aws.String("rtb-00000000000other"), VpcId: aws.String(fakeOtherVp)}}
	w.groups = []ec2types.SecurityGroup{{
		GroupId: aws.String(fakeSG), GroupName: aws.String("appliance"), VpcId: aws.String(fakeVpc),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(27017), ToPort: aws.Int32(27017), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(fakeSG)}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("203.0.113.10/32")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String("pl-0123456789abcdef0")}}},
		},
		IpPermissionsEgress: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}},
	}}
	w.types = []ec2types.InstanceTypeInfo{
		{InstanceType: ec2types.InstanceTypeM5Xlarge, VCpuInfo: &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(4)}, MemoryInfo: &ec2types.MemoryInfo{SizeInMiB: aws.Int64(16384)}},
		{InstanceType: ec2types.InstanceTypeT3Micro, VCpuInfo: &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(2)}, MemoryInfo: &ec2types.MemoryInfo{SizeInMiB: aws.Int64(1024)}},
	}
	w.images = []ec2types.Image{{ImageId: aws.String(fakeAmi), Name: aws.String("auth0-appliance-2406"), OwnerId: aws.String("999988887777"), State: ec2types.ImageStateAvailable}}
	w.peerings = []ec2types.VpcPeeringConnection{
		{VpcPeeringConnectionId: aws.String("pcx-0000000000000001"), RequesterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(fakeVpc)},
			AccepterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(fakeOtherVp)}, Status: &ec2types.VpcPeeringConnectionStateReason{Code: ec2types.VpcPeeringConnectionStateReasonCodeActive}},
		{VpcPeeringConnectionId: aws.String("pcx-0000000000000002"), RequesterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String("vpc-0000000000000third")},
			AccepterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String(fakeOtherVp)}, Status: &ec2types.VpcPeeringConnectionStateReason{Code: ec2types.VpcPeeringConnectionStateReasonCodeActive}},
	}
	w.lbs = []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String(fakeLBArn), Type: elbtypes.LoadBalancerTypeEnumNetwork, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing,
		State: &elbtypes.LoadBalancerState{Code: elbtypes.LoadBalancerStateEnumActive}, VpcId: aws.String(fakeVpc), DNSName: aws.String("appliance-prod-50dc6c495c0c9188.elb.us-east-1.amazonaws.com")}}
	w.tgs = []elbtypes.TargetGroup{{TargetGroupArn: aws.String(fakeTGArn), TargetGroupName: aws.String("appliance-443"), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(443),
		TargetType: elbtypes.TargetTypeEnumInstance, HealthCheckProtocol: elbtypes.ProtocolEnumHttp, HealthCheckPath: aws.String("/testall"), LoadBalancerArns: []string{fakeLBArn}}}
	w.listeners = []elbtypes.Listener{{ListenerArn: aws.String(fakeLBArn + "/listener-443"), LoadBalancerArn: aws.String(fakeLBArn), Port: aws.Int32(443), Protocol: elbtypes.ProtocolEnumTcp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(fakeTGArn)}}}}
	w.health[fakeTGArn] = targets
	w.cert = &acmtypes.CertificateDetail{CertificateArn: aws.String(fakeCertArn), DomainName: aws.String("*.example.com"),
		SubjectAlternativeNames: []string{"*.example.com", "example.com"}, Status: acmtypes.CertificateStatusIssued, Type: acmtypes.CertificateTypeImported,
		KeyAlgorithm: acmtypes.KeyAlgorithmRsa2048, NotBefore: aws.Time(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), NotAfter: aws.Time(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}
	w.chain = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
	w.plans = []awsrest.BackupPlan{{BackupPlanID: "plan-1", BackupPlanName: "appliance-daily"}, {BackupPlanID: "plan-2", BackupPlanName: "unrelated"}}
	w.selections["plan-1"] = []awsrest.BackupSelectionSummary{{SelectionID: "sel-1", BackupPlanID: "plan-1"}}
	w.selBodies["plan-1/sel-1"] = awsrest.BackupSelection{SelectionName: "nodes", Resources: arns}
	w.selections["plan-2"] = []awsrest.BackupSelectionSummary{{SelectionID: "sel-2", BackupPlanID: "plan-2"}}
	w.selBodies["plan-2/sel-2"] = awsrest.BackupSelection{SelectionName: "other", Resources: []string{"arn:aws:ec2:us-east-1:111122223333:instance/i-0fffffffffffffff0"}}
	w.policies = []awsrest.LifecyclePolicy{{PolicyID: "policy-0123456789abcdef0", State: awsrest.PolicyStateEnabled,
		PolicyDetails: &awsrest.PolicyDetails{PolicyType: awsrest.PolicyTypeEBSSnapshotManagement, ResourceTypes: []string{awsrest.ResourceTypeInstance},
			TargetTags: []awsrest.Tag{{Key: "backup", Value: "daily"}}}}}
	return w
}

// enter records a call and applies the injected faults.
func (w *world) enter(ctx context.Context, op string) error {
	w.mu.Lock()
	w.calls[op]++
	w.total++
	err, block, hang, before := w.errs[op], w.block[op], w.hang[op], w.before
	w.mu.Unlock()
	if before != nil {
		before(op)
	}
	if hang > 0 {
		time.Sleep(hang)
	}
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

// paginate returns one page of items starting at token.
func paginate[T any](items []T, token *string, size int) ([]T, *string) {
	start := 0
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	if start > len(items) {
		start = len(items)
	}
	end := start + size
	if end >= len(items) {
		return items[start:], nil
	}
	return items[start:end], aws.String(strconv.Itoa(end))
}

func filterValues(fs []ec2types.Filter, name string) (map[string]bool, bool) {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return setOf(f.Values), true
		}
	}
	return nil, false
}

// ---- EC2

type fakeEC2 struct{ w *world }

func (f fakeEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	if err := f.w.enter(ctx, "DescribeInstances"); err != nil {
		return nil, err
	}
	byID := map[string]ec2types.Instance{}
	owner := map[string]string{}
	for _, r := range f.w.reservations {
		for _, i := range r.Instances {
			byID[*i.InstanceId] = i
			owner[*i.InstanceId] = aws.ToString(r.OwnerId)
		}
	}
	var missing []string
	for _, id := range in.InstanceIds {
		if _, ok := byID[id]; !ok {
			missing = append(missing, id)
		}
	}
	switch len(missing) { // AWS fails the whole call
	case 0:
	case 1:
		return nil, apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", missing[0]))
	default:
		return nil, apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", ")))
	}
	var list []ec2types.Instance
	for _, id := range in.InstanceIds {
		list = append(list, byID[id])
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	res := ec2types.Reservation{ReservationId: aws.String("r-0123456789abcdef0"), OwnerId: aws.String(fakeAccount), Instances: page}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{res}, NextToken: next}, nil
}

func (f fakeEC2) DescribeVolumes(ctx context.Context, in *ec2.DescribeVolumesInput, _ ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error) {
	if err := f.w.enter(ctx, "DescribeVolumes"); err != nil {
		return nil, err
	}
	want, filtered := filterValues(in.Filters, "attachment.instance-id")
	var list []ec2types.Volume
	for _, v := range f.w.volumes {
		if filtered && (len(v.Attachments) == 0 || !want[aws.ToString(v.Attachments[0].InstanceId)]) {
			continue
		}
		list = append(list, v)
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	return &ec2.DescribeVolumesOutput{Volumes: page, NextToken: next}, nil
}

func (f fakeEC2) DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	if err := f.w.enter(ctx, "DescribeSubnets"); err != nil {
		return nil, err
	}
	want := setOf(in.SubnetIds)
	var list []ec2types.Subnet
	for _, s := range f.w.subnets {
		if len(want) == 0 || want[*s.SubnetId] {
			list = append(list, s)
		}
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	return &ec2.DescribeSubnetsOutput{Subnets: page, NextToken: next}, nil
}

func (f fakeEC2) DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	if err := f.w.enter(ctx, "DescribeRouteTables"); err != nil {
		return nil, err
	}
	want, filtered := filterValues(in.Filters, "vpc-id")
	var list []ec2types.RouteTable
	for _, rt := range f.w.routeTables {
		if !filtered || want[aws.ToString(rt.VpcId)] {
			list = append(list, rt)
		}
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	return &ec2.DescribeRouteTablesOutput{RouteTables: page, NextToken: next}, nil
}

func (f fakeEC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	if err := f.w.enter(ctx, "DescribeSecurityGroups"); err != nil {
		return nil, err
	}
	want := setOf(in.GroupIds)
	var list []ec2types.SecurityGroup
	for _, g := range f.w.groups {
		if len(want) == 0 || want[*g.GroupId] {
			list = append(list, g)
		}
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: page, NextToken: next}, nil
}

func (f fakeEC2) DescribeInstanceTypes(ctx context.Context, in *ec2.DescribeInstanceTypesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error) {
	if err := f.w.enter(ctx, "DescribeInstanceTypes"); err != nil {
		return nil, err
	}
	if len(in.InstanceTypes) > 100 {
		return nil, apiErr("InvalidParameterValue", "too many instance types")
	}
	var list []ec2types.InstanceTypeInfo
	for _, t := range f.w.types {
		for _, want := range in.InstanceTypes {
			if t.InstanceType == want {
				list = append(list, t)
			}
		}
	}
	return &ec2.DescribeInstanceTypesOutput{InstanceTypes: list}, nil
}

func (f fakeEC2) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	if err := f.w.enter(ctx, "DescribeImages"); err != nil {
		return nil, err
	}
	var list []ec2types.Image
	for _, id := range in.ImageIds {
		found := false
		for _, im := range f.w.images {
			if *im.ImageId == id {
				list, found = append(list, im), true
			}
		}
		if !found {
			return nil, apiErr("InvalidAMIID.NotFound", fmt.Sprintf("The image id '[%s]' does not exist", id))
		}
	}
	return &ec2.DescribeImagesOutput{Images: list}, nil
}

func (f fakeEC2) DescribeVpcPeeringConnections(ctx context.Context, in *ec2.DescribeVpcPeeringConnectionsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcPeeringConnectionsOutput, error) {
	if err := f.w.enter(ctx, "DescribeVpcPeeringConnections"); err != nil {
		return nil, err
	}
	req, byReq := filterValues(in.Filters, "requester-vpc-info.vpc-id")
	acc, byAcc := filterValues(in.Filters, "accepter-vpc-info.vpc-id")
	var list []ec2types.VpcPeeringConnection
	for _, p := range f.w.peerings {
		if byReq && !req[*p.RequesterVpcInfo.VpcId] || byAcc && !acc[*p.AccepterVpcInfo.VpcId] {
			continue
		}
		list = append(list, p)
	}
	page, next := paginate(list, in.NextToken, f.w.pageSize)
	return &ec2.DescribeVpcPeeringConnectionsOutput{VpcPeeringConnections: page, NextToken: next}, nil
}

// ---- ELBv2

type fakeELB struct{ w *world }

func (f fakeELB) DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	if err := f.w.enter(ctx, "DescribeLoadBalancers"); err != nil {
		return nil, err
	}
	var list []elbtypes.LoadBalancer
	for _, arn := range in.LoadBalancerArns {
		found := false
		for _, lb := range f.w.lbs {
			if *lb.LoadBalancerArn == arn {
				list, found = append(list, lb), true
			}
		}
		if !found {
			return nil, apiErr("LoadBalancerNotFound", "One or more load balancers not found")
		}
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: list}, nil
}

func (f fakeELB) DescribeListeners(ctx context.Context, in *elbv2.DescribeListenersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	if err := f.w.enter(ctx, "DescribeListeners"); err != nil {
		return nil, err
	}
	var list []elbtypes.Listener
	for _, l := range f.w.listeners {
		if aws.ToString(l.LoadBalancerArn) == aws.ToString(in.LoadBalancerArn) {
			list = append(list, l)
		}
	}
	page, next := paginate(list, in.Marker, f.w.pageSize)
	return &elbv2.DescribeListenersOutput{Listeners: page, NextMarker: next}, nil
}

func (f fakeELB) DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	if err := f.w.enter(ctx, "DescribeTargetGroups"); err != nil {
		return nil, err
	}
	var list []elbtypes.TargetGroup
	for _, tg := range f.w.tgs {
		if contains(tg.LoadBalancerArns, aws.ToString(in.LoadBalancerArn)) {
			list = append(list, tg)
		}
	}
	page, next := paginate(list, in.Marker, f.w.pageSize)
	return &elbv2.DescribeTargetGroupsOutput{TargetGroups: page, NextMarker: next}, nil
}

func (f fakeELB) DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	if err := f.w.enter(ctx, "DescribeTargetHealth"); err != nil {
		return nil, err
	}
	h, ok := f.w.health[aws.ToString(in.TargetGroupArn)]
	if !ok {
		return nil, apiErr("TargetGroupNotFound", "target group not found")
	}
	if len(in.Targets) > 0 { // asked about some targets only
		want := map[string]bool{}
		for _, t := range in.Targets {
			want[aws.ToString(t.Id)] = true
		}
		var sub []elbtypes.TargetHealthDescription
		for _, d := range h {
			if want[aws.ToString(d.Target.Id)] {
				sub = append(sub, d)
			}
		}
		h = sub
	}
	return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: h}, nil
}

// ---- ACM

type fakeACM struct{ w *world }

func (f fakeACM) DescribeCertificate(ctx context.Context, in *acm.DescribeCertificateInput, _ ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error) {
	if err := f.w.enter(ctx, "DescribeCertificate"); err != nil {
		return nil, err
	}
	if f.w.cert == nil || aws.ToString(in.CertificateArn) != *f.w.cert.CertificateArn {
		return nil, apiErr("ResourceNotFoundException", fmt.Sprintf("Could not find certificate %s.", aws.ToString(in.CertificateArn)))
	}
	c := *f.w.cert
	return &acm.DescribeCertificateOutput{Certificate: &c}, nil
}

func (f fakeACM) GetCertificate(ctx context.Context, in *acm.GetCertificateInput, _ ...func(*acm.Options)) (*acm.GetCertificateOutput, error) {
	if err := f.w.enter(ctx, "GetCertificate"); err != nil {
		return nil, err
	}
	if f.w.cert == nil || aws.ToString(in.CertificateArn) != *f.w.cert.CertificateArn {
		return nil, apiErr("ResourceNotFoundException", "not found")
	}
	return &acm.GetCertificateOutput{Certificate: aws.String(f.w.chain), CertificateChain: aws.String(f.w.chain)}, nil
}

// ---- Backup

type fakeBackup struct{ w *world }

// token turns awsrest's "" (first page) into paginate's nil and back.
func token(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (f fakeBackup) ListBackupPlans(ctx context.Context, in *awsrest.ListBackupPlansInput) (*awsrest.ListBackupPlansOutput, error) {
	if err := f.w.enter(ctx, "ListBackupPlans"); err != nil {
		return nil, err
	}
	page, next := paginate(f.w.plans, token(in.NextToken), f.w.pageSize)
	return &awsrest.ListBackupPlansOutput{BackupPlansList: page, NextToken: aws.ToString(next)}, nil
}

func (f fakeBackup) ListBackupSelections(ctx context.Context, in *awsrest.ListBackupSelectionsInput) (*awsrest.ListBackupSelectionsOutput, error) {
	if err := f.w.enter(ctx, "ListBackupSelections"); err != nil {
		return nil, err
	}
	page, next := paginate(f.w.selections[in.BackupPlanID], token(in.NextToken), f.w.pageSize)
	return &awsrest.ListBackupSelectionsOutput{BackupSelectionsList: page, NextToken: aws.ToString(next)}, nil
}

func (f fakeBackup) GetBackupSelection(ctx context.Context, in *awsrest.GetBackupSelectionInput) (*awsrest.GetBackupSelectionOutput, error) {
	if err := f.w.enter(ctx, "GetBackupSelection"); err != nil {
		return nil, err
	}
	sel, ok := f.w.selBodies[in.BackupPlanID+"/"+in.SelectionID]
	if !ok {
		return nil, apiErr("ResourceNotFoundException", "selection not found")
	}
	return &awsrest.GetBackupSelectionOutput{BackupPlanID: in.BackupPlanID, SelectionID: in.SelectionID, BackupSelection: &sel}, nil
}

// ---- DLM

type fakeDLM struct{ w *world }

func (f fakeDLM) GetLifecyclePolicies(ctx context.Context, in *awsrest.GetLifecyclePoliciesInput) (*awsrest.GetLifecyclePoliciesOutput, error) {
	if err := f.w.enter(ctx, "GetLifecyclePolicies"); err != nil {
		return nil, err
	}
	var out []awsrest.LifecyclePolicySummary
	for _, p := range f.w.policies {
		if in.State != "" && in.State != p.State {
			continue
		}
		out = append(out, awsrest.LifecyclePolicySummary{PolicyID: p.PolicyID, State: p.State, PolicyType: p.PolicyDetails.PolicyType, DefaultPolicy: p.DefaultPolicy})
	}
	return &awsrest.GetLifecyclePoliciesOutput{Policies: out}, nil
}

func (f fakeDLM) GetLifecyclePolicy(ctx context.Context, in *awsrest.GetLifecyclePolicyInput) (*awsrest.GetLifecyclePolicyOutput, error) {
	if err := f.w.enter(ctx, "GetLifecyclePolicy"); err != nil {
		return nil, err
	}
	for _, p := range f.w.policies {
		if p.PolicyID == in.PolicyID {
			return &awsrest.GetLifecyclePolicyOutput{Policy: &p}, nil
		}
	}
	return nil, apiErr("ResourceNotFoundException", "policy not found")
}

// ---- CloudWatch

type fakeCW struct{ w *world }

func (f fakeCW) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	if err := f.w.enter(ctx, "DescribeAlarms"); err != nil {
		return nil, err
	}
	// The page size is the world's: AWS caps MaxRecords at 100, which the
	// realistic tests set; the flat-count tests page more generously.
	page, next := paginate(f.w.alarms, in.NextToken, f.w.alarmPageSize)
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: page, NextToken: next}, nil
}

func (w *world) clients() Clients {
	return Clients{EC2: fakeEC2{w}, ELBv2: fakeELB{w}, ACM: fakeACM{w}, Backup: fakeBackup{w}, DLM: fakeDLM{w}, CloudWatch: fakeCW{w}}
}

func (w *world) scope() Scope {
	return Scope{
		Environment: "prod", AccountID: fakeAccount, Region: fakeRegion, VpcID: fakeVpc, AmiID: fakeAmi,
		InstanceIDs: append([]string(nil), w.ids...), LoadBalancerArn: fakeLBArn, AcmArn: fakeCertArn, OtherVpcID: fakeOtherVp,
	}
}

func (w *world) opCalls() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, v := range w.calls {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
