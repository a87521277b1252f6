package inventory

// The collector against kumo (the embedded AWS emulator) for what kumo
// really supports; for what it lacks or gets wrong (see
// shared/reference/kumo.md) the kumo client is wrapped in a struct that
// embeds it and overrides only those methods with answers shaped like the
// AWS API reference's.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dlm"
	dlmtypes "github.com/aws/aws-sdk-go-v2/service/dlm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/sivchari/kumo"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

var kumoSeq atomic.Int64

// uniq returns a name unique in this process: kumo's store is shared by
// every server of the process.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e9, kumoSeq.Add(1))
}

// kumoEC2 fills in what kumo leaves out of DescribeInstances (SubnetId,
// VpcId, placement, interfaces, block devices, tags) and answers the EC2
// calls kumo does not implement (volumes, images, instance types,
// peerings). Like kumo, the overrides ignore filters, so the collector's
// client-side filtering is exercised.
type kumoEC2 struct {
	*ec2.Client
	placement map[string]ec2types.Instance // the fields kumo drops, by instance id
	volumes   []ec2types.Volume
	images    []ec2types.Image
	types     []ec2types.InstanceTypeInfo
	peerings  []ec2types.VpcPeeringConnection
}

func (k *kumoEC2) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, o ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	out, err := k.Client.DescribeInstances(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	for r := range out.Reservations {
		for i, inst := range out.Reservations[r].Instances {
			p, ok := k.placement[aws.ToString(inst.InstanceId)]
			if !ok {
				continue
			}
			inst.SubnetId, inst.VpcId, inst.Placement = p.SubnetId, p.VpcId, p.Placement
			inst.NetworkInterfaces, inst.BlockDeviceMappings, inst.Tags = p.NetworkInterfaces, p.BlockDeviceMappings, p.Tags
			for n := range inst.NetworkInterfaces {
				inst.NetworkInterfaces[n].PrivateIpAddress = inst.PrivateIpAddress
			}
			out.Reservations[r].Instances[i] = inst
		}
	}
	return out, nil
}

func (k *kumoEC2) DescribeVolumes(context.Context, *ec2.DescribeVolumesInput, ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error) {
	return &ec2.DescribeVolumesOutput{Volumes: k.volumes}, nil
}

func (k *kumoEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	var out []ec2types.Image
	for _, im := range k.images {
		if contains(in.ImageIds, aws.ToString(im.ImageId)) {
			out = append(out, im)
		}
	}
	if len(out) == 0 {
		return nil, apiErr("InvalidAMIID.NotFound", fmt.Sprintf("The image id '%v' does not exist", in.ImageIds))
	}
	return &ec2.DescribeImagesOutput{Images: out}, nil
}

func (k *kumoEC2) DescribeInstanceTypes(context.Context, *ec2.DescribeInstanceTypesInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error) {
	return &ec2.DescribeInstanceTypesOutput{InstanceTypes: k.types}, nil
}

func (k *kumoEC2) DescribeVpcPeeringConnections(context.Context, *ec2.DescribeVpcPeeringConnectionsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcPeeringConnectionsOutput, error) {
	return &ec2.DescribeVpcPeeringConnectionsOutput{VpcPeeringConnections: k.peerings}, nil
}

// kumoELB reports real health states (kumo says "healthy" to everything).
type kumoELB struct {
	*elbv2.Client
	unhealthy map[string]bool // target ids
}

func (k *kumoELB) DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, o ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	out, err := k.Client.DescribeTargetHealth(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	for i, d := range out.TargetHealthDescriptions {
		if d.Target != nil && k.unhealthy[aws.ToString(d.Target.Id)] {
			out.TargetHealthDescriptions[i].TargetHealth = &elbtypes.TargetHealth{
				State: elbtypes.TargetHealthStateEnumUnhealthy, Reason: elbtypes.TargetHealthReasonEnumFailedHealthChecks,
			}
		}
	}
	return out, nil
}

// kumoACM fills in the facts ACM parses out of an imported certificate
// (kumo never parses it).
type kumoACM struct {
	*acm.Client
	cert *x509.Certificate
}

func (k *kumoACM) DescribeCertificate(ctx context.Context, in *acm.DescribeCertificateInput, o ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error) {
	out, err := k.Client.DescribeCertificate(ctx, in, o...)
	if err != nil || out.Certificate == nil {
		return out, err
	}
	c := out.Certificate
	c.DomainName = aws.String(k.cert.Subject.CommonName)
	c.SubjectAlternativeNames = k.cert.DNSNames
	c.NotBefore, c.NotAfter = aws.Time(k.cert.NotBefore), aws.Time(k.cert.NotAfter)
	c.KeyAlgorithm = acmtypes.KeyAlgorithmRsa2048
	c.Status, c.Type = acmtypes.CertificateStatusIssued, acmtypes.CertificateTypeImported
	return out, nil
}

func selfSigned(t *testing.T, cn string) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames:  []string{cn, "manage-project.example.com"},
		NotBefore: time.Now().Add(-time.Hour).Truncate(time.Second), NotAfter: time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second),
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), cert
}

// must panics on a failed setup call (Go cannot pass a call's two
// results after another argument, so it cannot take t).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("kumo setup: %v", err))
	}
	return v
}

// kumoEnv is one environment built in kumo.
type kumoEnv struct {
	clients    Clients
	scope      Scope
	ids        []string
	subnets    []string
	sg         string
	planName   string
	policyID   string
	otherAlarm string
}

func buildKumoEnv(t *testing.T, ctx context.Context) kumoEnv {
	srv := kumo.NewServer()
	t.Cleanup(srv.Close)
	cfg := staticConfig(srv.URL)

	e2 := ec2.NewFromConfig(cfg)
	lbc := elbv2.NewFromConfig(cfg)
	acmc := acm.NewFromConfig(cfg)
	bk := backup.NewFromConfig(cfg)
	dl := dlm.NewFromConfig(cfg)
	cw := cloudwatch.NewFromConfig(cfg)
	var env kumoEnv

	// Network: VPC, three subnets, a security group with CIDR rules, an
	// internet gateway and a route table associated with the subnets.
	vpc := must(e2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})).Vpc
	vpcID := aws.ToString(vpc.VpcId)
	azs := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	subnetAZ := map[string]string{}
	for i, az := range azs {
		s := must(e2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/24", i)), AvailabilityZone: aws.String(az)})).Subnet
		env.subnets = append(env.subnets, aws.ToString(s.SubnetId))
		subnetAZ[aws.ToString(s.SubnetId)] = az
	}
	sg := must(e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(uniq("appliance")), Description: aws.String("appliance nodes"), VpcId: vpc.VpcId}))
	env.sg = aws.ToString(sg.GroupId)
	must(e2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(27017), ToPort: aws.Int32(27017), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.42.0.0/16")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("203.0.113.10/32")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}}))
	igw := must(e2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway
	must(e2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId}))
	rt := must(e2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.VpcId})).RouteTable
	must(e2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGatewayId}))
	for _, s := range env.subnets {
		must(e2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTableId, SubnetId: aws.String(s)}))
	}
	// A route table of another VPC, which kumo returns too (it ignores the
	// vpc-id filter) and the collector must drop.
	other := must(e2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.43.0.0/16")})).Vpc
	must(e2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: other.VpcId}))

	// Three nodes.
	ami := "ami-" + strings.ReplaceAll(uniq("k"), "-", "")
	run := must(e2.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeM5Xlarge, MinCount: aws.Int32(3), MaxCount: aws.Int32(3),
		SecurityGroupIds: []string{env.sg},
	}))
	tag := uniq("node")
	kec2 := &kumoEC2{Client: e2, placement: map[string]ec2types.Instance{}}
	for i, inst := range run.Instances {
		id := aws.ToString(inst.InstanceId)
		env.ids = append(env.ids, id)
		sub := env.subnets[i%3]
		p := ec2types.Instance{
			SubnetId: aws.String(sub), VpcId: vpc.VpcId, Placement: &ec2types.Placement{AvailabilityZone: aws.String(subnetAZ[sub])},
			NetworkInterfaces: []ec2types.InstanceNetworkInterface{{NetworkInterfaceId: aws.String(fmt.Sprintf("eni-%s", id)), SubnetId: aws.String(sub), VpcId: vpc.VpcId}},
			Tags:              []ec2types.Tag{{Key: aws.String("appliance-node"), Value: aws.String(tag)}},
		}
		for d, size := range []int32{40, 50, 50, 50} {
			vid := fmt.Sprintf("vol-%s-%d", id, d)
			dev := fmt.Sprintf("/dev/xvd%c", 'a'+d)
			p.BlockDeviceMappings = append(p.BlockDeviceMappings, ec2types.InstanceBlockDeviceMapping{DeviceName: aws.String(dev), Ebs: &ec2types.EbsInstanceBlockDevice{VolumeId: aws.String(vid)}})
			kec2.volumes = append(kec2.volumes, ec2types.Volume{VolumeId: aws.String(vid), Size: aws.Int32(size), VolumeType: ec2types.VolumeTypeGp3,
				Attachments: []ec2types.VolumeAttachment{{InstanceId: aws.String(id), Device: aws.String(dev), State: ec2types.VolumeAttachmentStateAttached}}})
		}
		kec2.placement[id] = p
	}
	kec2.volumes = append(kec2.volumes, ec2types.Volume{VolumeId: aws.String("vol-foreign"), Size: aws.Int32(8),
		Attachments: []ec2types.VolumeAttachment{{InstanceId: aws.String("i-foreign"), Device: aws.String("/dev/xvda")}}})
	kec2.images = []ec2types.Image{{ImageId: aws.String(ami), Name: aws.String("auth0-appliance"), OwnerId: aws.String("999988887777"), State: ec2types.ImageStateAvailable}}
	kec2.types = []ec2types.InstanceTypeInfo{
		{InstanceType: ec2types.InstanceTypeM5Xlarge, VCpuInfo: &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(4)}, MemoryInfo: &ec2types.MemoryInfo{SizeInMiB: aws.Int64(16384)}},
		{InstanceType: ec2types.InstanceTypeT3Micro, VCpuInfo: &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(2)}, MemoryInfo: &ec2types.MemoryInfo{SizeInMiB: aws.Int64(1024)}},
	}
	otherID := aws.ToString(other.VpcId)
	kec2.peerings = []ec2types.VpcPeeringConnection{
		{VpcPeeringConnectionId: aws.String("pcx-" + tag), RequesterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: vpc.VpcId},
			AccepterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: other.VpcId}, Status: &ec2types.VpcPeeringConnectionStateReason{Code: ec2types.VpcPeeringConnectionStateReasonCodeActive}},
		{VpcPeeringConnectionId: aws.String("pcx-unrelated"), RequesterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String("vpc-x")},
			AccepterVpcInfo: &ec2types.VpcPeeringConnectionVpcInfo{VpcId: aws.String("vpc-y")}, Status: &ec2types.VpcPeeringConnectionStateReason{Code: ec2types.VpcPeeringConnectionStateReasonCodeActive}},
	}

	// Network load balancer: TCP listener forwarding to a target group
	// with an HTTP health check on /testall, the nodes registered.
	lbName := uniq("nlb")
	lb := must(lbc.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(lbName), Type: elbtypes.LoadBalancerTypeEnumNetwork, Subnets: env.subnets})).LoadBalancers[0]
	tg := must(lbc.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name: aws.String(uniq("tg")), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(443), VpcId: vpc.VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
		HealthCheckProtocol: elbtypes.ProtocolEnumHttp, HealthCheckPath: aws.String("/testall"),
	})).TargetGroups[0]
	must(lbc.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(443),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroupArn}}}))
	var targets []elbtypes.TargetDescription
	for _, id := range env.ids {
		targets = append(targets, elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(443)})
	}
	must(lbc.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: targets}))
	// A second, unrelated load balancer and target group.
	must(lbc.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(uniq("nlb")), Type: elbtypes.LoadBalancerTypeEnumNetwork, Subnets: env.subnets}))
	must(lbc.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(uniq("tg")), Protocol: elbtypes.ProtocolEnumTcp, Port: aws.Int32(80), VpcId: vpc.VpcId}))

	// Certificate.
	certPEM, keyPEM, cert := selfSigned(t, "*.example.com")
	imp := must(acmc.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM}))

	// Backup: a plan whose selection names nodes 0 and 1 by ARN.
	env.planName = uniq("appliance-daily")
	plan := must(bk.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &backuptypes.BackupPlanInput{
		BackupPlanName: aws.String(env.planName),
		Rules:          []backuptypes.BackupRuleInput{{RuleName: aws.String("daily"), TargetBackupVaultName: aws.String("Default"), ScheduleExpression: aws.String("cron(0 5 * * ? *)")}},
	}}))
	var arns []string
	for _, id := range env.ids[:2] {
		arns = append(arns, "arn:aws:ec2:us-east-1:123456789012:instance/"+id)
	}
	must(bk.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: &backuptypes.BackupSelection{
		SelectionName: aws.String(uniq("nodes")), IamRoleArn: aws.String("arn:aws:iam::123456789012:role/backup"), Resources: arns,
	}}))

	// DLM: a snapshot policy targeting the nodes' tag covers node 2 too.
	pol := must(dl.CreateLifecyclePolicy(ctx, &dlm.CreateLifecyclePolicyInput{
		Description: aws.String("appliance snapshots"), ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/dlm"), State: dlmtypes.SettablePolicyStateValuesEnabled,
		PolicyDetails: &dlmtypes.PolicyDetails{
			PolicyType: dlmtypes.PolicyTypeValuesEbsSnapshotManagement, ResourceTypes: []dlmtypes.ResourceTypeValues{dlmtypes.ResourceTypeValuesInstance},
			TargetTags: []dlmtypes.Tag{{Key: aws.String("appliance-node"), Value: aws.String(tag)}},
			Schedules: []dlmtypes.Schedule{{Name: aws.String("daily"), CreateRule: &dlmtypes.CreateRule{Interval: aws.Int32(24), IntervalUnit: dlmtypes.IntervalUnitValuesHours},
				RetainRule: &dlmtypes.RetainRule{Count: aws.Int32(7)}}},
		},
	}))
	env.policyID = aws.ToString(pol.PolicyId)

	// Alarms: status checks on node 0, plus alarms the collector must drop.
	alarm := func(name, metric, instance string) {
		must(cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: aws.String(name), Namespace: aws.String("AWS/EC2"), MetricName: aws.String(metric),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(instance)}},
			Statistic:  cwtypes.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(1),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
			AlarmActions:       []string{"arn:aws:automate:us-east-1:ec2:recover"},
		}))
	}
	alarm(uniq("status-"+env.ids[0]), "StatusCheckFailed_System", env.ids[0])
	alarm(uniq("cpu"), "CPUUtilization", env.ids[0])
	env.otherAlarm = uniq("status-other")
	alarm(env.otherAlarm, "StatusCheckFailed", "i-someoneelse")

	env.clients = Clients{
		EC2: kec2, ELBv2: &kumoELB{Client: lbc, unhealthy: map[string]bool{env.ids[2]: true}}, ACM: &kumoACM{Client: acmc, cert: cert},
		Backup: awsrest.NewBackup(cfg), DLM: awsrest.NewDLM(cfg), CloudWatch: cw,
	}
	env.scope = Scope{
		Environment: "prod", AccountID: "123456789012", Region: "us-east-1", VpcID: vpcID, AmiID: ami,
		InstanceIDs: env.ids, LoadBalancerArn: aws.ToString(lb.LoadBalancerArn), AcmArn: aws.ToString(imp.CertificateArn), OtherVpcID: otherID,
	}
	return env
}

func TestCollectAgainstKumo(t *testing.T) {
	ctx := context.Background()
	env := buildKumoEnv(t, ctx)
	inv := Collect(ctx, env.clients, env.scope, Options{Timeout: 20 * time.Second})

	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if len(inv.Instances) != 3 {
		t.Fatalf("instances: %v", sortedKeys(inv.Instances))
	}
	for i, id := range env.ids {
		inst := inv.Instances[id]
		if inst.State != "running" || inst.Type != "m5.xlarge" || inst.ImageID != env.scope.AmiID || inst.SubnetID != env.subnets[i%3] ||
			!reflect.DeepEqual(inst.SecurityGroupIDs, []string{env.sg}) || len(inst.VolumeIDs) != 4 || len(inst.Interfaces) != 1 {
			t.Errorf("instance %s: %+v", id, inst)
		}
	}
	if len(inv.Volumes) != 12 {
		t.Errorf("volumes: %d", len(inv.Volumes))
	}
	if len(inv.Subnets) != 3 || inv.Subnets[env.subnets[1]].AvailabilityZone != "us-east-1b" || inv.Subnets[env.subnets[1]].CidrBlock != "10.42.1.0/24" {
		t.Errorf("subnets: %+v", inv.Subnets)
	}
	if len(inv.RouteTables) != 1 {
		t.Fatalf("route tables (only the declared VPC's): %+v", inv.RouteTables)
	}
	rt := inv.RouteTables[0]
	if len(rt.SubnetIDs) != 3 || len(rt.Routes) == 0 {
		t.Errorf("route table: %+v", rt)
	}
	var internet bool
	for _, r := range rt.Routes {
		internet = internet || (r.Destination == "0.0.0.0/0" && strings.HasPrefix(r.GatewayID, "igw-"))
	}
	if !internet {
		t.Errorf("no internet route: %+v", rt.Routes)
	}
	sg := inv.SecurityGroups[env.sg]
	if len(sg.Ingress) != 3 || sg.Ingress[1].FromPort != 22 || !reflect.DeepEqual(sg.Ingress[1].CIDRs, []string{"203.0.113.10/32"}) {
		t.Errorf("security group: %+v", sg)
	}
	if it := inv.InstanceTypes["m5.xlarge"]; it.VCPUs != 4 || it.MemoryMiB != 16384 || len(inv.InstanceTypes) != 1 {
		t.Errorf("instance types: %+v", inv.InstanceTypes)
	}
	if inv.Image == nil || inv.Image.ID != env.scope.AmiID {
		t.Errorf("image: %+v", inv.Image)
	}
	if len(inv.Peerings) != 1 || inv.Peerings[0].AccepterVpc != env.scope.OtherVpcID {
		t.Errorf("peerings: %+v", inv.Peerings)
	}

	lb := inv.LoadBalancer
	if lb == nil || lb.Arn != env.scope.LoadBalancerArn || lb.Type != "network" || lb.DNSName == "" {
		t.Fatalf("load balancer: %+v", lb)
	}
	if len(lb.Listeners) != 1 || lb.Listeners[0].Port != 443 || lb.Listeners[0].Protocol != "TCP" || len(lb.TargetGroups) != 1 ||
		!reflect.DeepEqual(lb.Listeners[0].TargetGroupArns, []string{lb.TargetGroups[0].Arn}) {
		t.Fatalf("listeners %+v target groups %+v", lb.Listeners, lb.TargetGroups)
	}
	tg := lb.TargetGroups[0]
	if tg.HealthCheckPath != "/testall" || tg.HealthCheckProtocol != "HTTP" || tg.Protocol != "TCP" || len(tg.Targets) != 3 {
		t.Errorf("target group: %+v", tg)
	}
	health := map[string]string{}
	for _, tgt := range tg.Targets {
		health[tgt.ID] = tgt.Health
	}
	if health[env.ids[0]] != "healthy" || health[env.ids[2]] != "unhealthy" {
		t.Errorf("target health: %v", health)
	}

	c := inv.Certificate
	if c == nil || c.DomainName != "*.example.com" || len(c.SANs) != 2 || c.NotAfter.IsZero() || !strings.Contains(c.Chain, "BEGIN CERTIFICATE") {
		t.Errorf("certificate: %+v", c)
	}

	want := map[string][]string{
		env.ids[0]: {"backup:" + env.planName, "dlm:" + env.policyID},
		env.ids[1]: {"backup:" + env.planName, "dlm:" + env.policyID},
		env.ids[2]: {"dlm:" + env.policyID},
	}
	if !reflect.DeepEqual(inv.Backup, want) {
		t.Errorf("backup:\n got %v\nwant %v", inv.Backup, want)
	}
	if len(inv.Alarms) != 1 || inv.Alarms[0].MetricName != "StatusCheckFailed_System" || inv.Alarms[0].Dimensions["InstanceId"] != env.ids[0] || inv.Alarms[0].Actions != 1 {
		t.Errorf("alarms: %+v", inv.Alarms)
	}

	for src, n := range map[Source]int{
		SrcInstances: 1, SrcVolumes: 1, SrcSubnets: 1, SrcRouteTables: 1, SrcSecurityGroups: 1, SrcInstanceTypes: 1, SrcImages: 1, SrcPeerings: 2,
		SrcLoadBalancers: 1, SrcListeners: 1, SrcTargetGroups: 1, SrcTargetHealth: 1, SrcCertificate: 1, SrcCertChain: 1, SrcBackupPlans: 1, SrcDLM: 1, SrcAlarms: 1,
	} {
		if inv.Calls[src] != n {
			t.Errorf("%s: %d calls, want %d", src, inv.Calls[src], n)
		}
	}
	t.Logf("%d calls: %v", inv.APICalls, inv.Calls)
}

// kumo, like AWS, rejects a DescribeInstances naming an instance that does
// not exist; the collector drops it and asks again.
func TestKumoMissingInstance(t *testing.T) {
	ctx := context.Background()
	env := buildKumoEnv(t, ctx)
	sc := env.scope
	sc.InstanceIDs = append([]string{"i-0000000000000dead"}, sc.InstanceIDs...)
	sc.LoadBalancerArn = strings.Replace(sc.LoadBalancerArn, "/net/", "/net/missing-", 1)
	sc.AcmArn += "-missing"
	inv := Collect(ctx, env.clients, sc, Options{Timeout: 20 * time.Second})
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if len(inv.Instances) != 3 || inv.Calls[SrcInstances] != 2 {
		t.Errorf("instances %v after %d calls", sortedKeys(inv.Instances), inv.Calls[SrcInstances])
	}
	if inv.LoadBalancer != nil || inv.Certificate != nil {
		t.Errorf("lb %+v cert %+v", inv.LoadBalancer, inv.Certificate)
	}
}

func TestAssumeRoleAgainstKumo(t *testing.T) {
	srv := kumo.NewServer()
	defer srv.Close()
	cfg := AssumeRoleConfig(context.Background(), staticConfig(srv.URL), "arn:aws:iam::123456789012:role/psaas-verify", "ext-1", "")
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID == "" || creds.AccessKeyID == "local" || creds.SessionToken == "" {
		t.Errorf("credentials: %+v", creds)
	}
}
