package verify

import (
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// The fixture mirrors events/checklist.json: the same accounts, region,
// VPCs, instance ids, AMI, load balancer, jump host and hostnames. Its
// certificates come from the test PKI, so that the test controls them.
const (
	fxDevAccount  = "111111111111"
	fxProdAccount = "222222222222"
	fxRegion      = "us-east-1"
	fxAMI         = "ami-0123456789abcdef0"
	fxDevVPC      = "vpc-0aaaaaaaaaaaaaaaa"
	fxProdVPC     = "vpc-0bbbbbbbbbbbbbbbb"
	fxSharedVPC   = "vpc-0cccccccccccccccc"
	fxDev1        = "i-0aaaaaaaaaaaaaaa1"
	fxProd1       = "i-0bbbbbbbbbbbbbbb1"
	fxProd2       = "i-0bbbbbbbbbbbbbbb2"
	fxProd3       = "i-0bbbbbbbbbbbbbbb3"
	fxLB          = "arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/net/appliance/0123456789abcdef"
	fxTG443       = "arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/appliance-443/0123456789abcde1"
	fxTG80        = "arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/appliance-80/0123456789abcde2"
	fxACM         = "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000000"
	fxJump        = "203.0.113.10/32"

	fxDevSubnet   = "subnet-0aaaaaaaaaaaaaa01"
	fxDevRTB      = "rtb-0aaaaaaaaaaaaaa01"
	fxDevIGW      = "igw-0aaaaaaaaaaaaaa01"
	fxDevSG       = "sg-0aaaaaaaaaaaaaa01"
	fxProdSubnetA = "subnet-0bbbbbbbbbbbbbb0a"
	fxProdSubnetB = "subnet-0bbbbbbbbbbbbbb0b"
	fxProdSubnetC = "subnet-0bbbbbbbbbbbbbb0c"
	fxProdRTBMain = "rtb-0bbbbbbbbbbbbbb01"
	fxProdRTBPriv = "rtb-0bbbbbbbbbbbbbb02"
	fxProdIGW     = "igw-0bbbbbbbbbbbbbb01"
	fxProdNAT     = "nat-0bbbbbbbbbbbbbb01"
	fxClusterSG   = "sg-0bbbbbbbbbbbbbb01"
	fxWebSG       = "sg-0bbbbbbbbbbbbbb02"
)

var (
	fxDevHosts = checklist.Hostnames{
		Manage: "manage-dev-acme.example.com", Rta: "rta-dev-acme.example.com",
		Webtask: "webtask-dev.example.com", Apps: []string{"app1-dev-acme.example.com"},
	}
	fxProdHosts = checklist.Hostnames{
		Manage: "manage-acme.example.com", Rta: "rta-acme.example.com",
		Webtask: "webtask.example.com", Apps: []string{"app1-acme.example.com"},
	}
	fxProdIPs = map[string]string{fxProd1: "10.20.1.11", fxProd2: "10.20.2.12", fxProd3: "10.20.3.13"}
)

// awsDoc is the sample checklist with PEM certificates; acm declares the
// PROD certificate by its ACM ARN instead, as events/checklist-acm.json.
func awsDoc(t testing.TB, acm bool) *checklist.Document {
	t.Helper()
	doc := &checklist.Document{
		Customer: checklist.Customer{Name: "Example Corp"},
		Environments: checklist.Environments{
			Dev: &checklist.Environment{
				AccountID:    fxDevAccount,
				Region:       fxRegion,
				RoleArn:      "arn:aws:iam::111111111111:role/ApplianceIntakeVerifier",
				AmiID:        fxAMI,
				VpcID:        fxDevVPC,
				InstanceIDs:  []string{fxDev1},
				JumpHostCidr: fxJump,
				Hostnames:    cloneHosts(fxDevHosts),
				Certificate:  checklist.Certificate{PEM: pemOf(goodChain(t, fxDevHosts.All()...)...)},
			},
			Prod: &checklist.Environment{
				AccountID:       fxProdAccount,
				Region:          fxRegion,
				RoleArn:         "arn:aws:iam::222222222222:role/ApplianceIntakeVerifier",
				AmiID:           fxAMI,
				VpcID:           fxProdVPC,
				InstanceIDs:     []string{fxProd1, fxProd2, fxProd3},
				LoadBalancerArn: fxLB,
				JumpHostCidr:    fxJump,
				Hostnames:       cloneHosts(fxProdHosts),
				Certificate:     checklist.Certificate{PEM: pemOf(goodChain(t, fxProdHosts.All()...)...)},
			},
		},
	}
	if acm {
		doc.Environments.Prod.Certificate = checklist.Certificate{AcmArn: fxACM}
	}
	return doc
}

func tcpFrom(from, to int32, cidrs ...string) inventory.IngressRule {
	return inventory.IngressRule{Protocol: "tcp", FromPort: from, ToPort: to, CIDRs: cidrs}
}

func tcpFromGroup(from, to int32, groups ...string) inventory.IngressRule {
	return inventory.IngressRule{Protocol: "tcp", FromPort: from, ToPort: to, SourceGroups: groups}
}

func fxImage() *inventory.Image {
	return &inventory.Image{ID: fxAMI, Name: "auth0-psaas-appliance-2026.02", OwnerID: "000000000000", State: "available"}
}

func fxTypes() map[string]inventory.InstanceType {
	return map[string]inventory.InstanceType{"m4.xlarge": {Name: "m4.xlarge", VCPUs: 4, MemoryMiB: 16384}}
}

func statusAlarm(id string) inventory.Alarm {
	return inventory.Alarm{Name: "appliance-" + id + "-status", Namespace: "AWS/EC2", MetricName: "StatusCheckFailed",
		Dimensions: map[string]string{"InstanceId": id}, Actions: 1}
}

// devInventory is a correct DEV: one m4.xlarge node in a public subnet with
// an Elastic IP, 40/50/50/50 GB drives, 80/443 open, 22 to the jump host.
func devInventory() *inventory.Inventory {
	return &inventory.Inventory{
		Environment: "dev", AccountID: fxDevAccount, Region: fxRegion, CollectedAt: testNow,
		Instances: map[string]inventory.Instance{
			fxDev1: {
				ID: fxDev1, State: "running", Type: "m4.xlarge", ImageID: fxAMI, VpcID: fxDevVPC, SubnetID: fxDevSubnet,
				AvailabilityZone: "us-east-1a", PrivateIP: "10.10.1.10", PublicIP: "54.10.0.10",
				Interfaces:       []inventory.Interface{{ID: "eni-0aaaaaaaaaaaaaa01", PrivateIP: "10.10.1.10", PublicIP: "54.10.0.10", SubnetID: fxDevSubnet}},
				SecurityGroupIDs: []string{fxDevSG},
				VolumeIDs:        []string{"vol-0aaaaaaaaaaaaaa01", "vol-0aaaaaaaaaaaaaa02", "vol-0aaaaaaaaaaaaaa03", "vol-0aaaaaaaaaaaaaa04"},
			},
		},
		Volumes: map[string]inventory.Volume{
			"vol-0aaaaaaaaaaaaaa01": {ID: "vol-0aaaaaaaaaaaaaa01", SizeGiB: 40, InstanceID: fxDev1, Device: "/dev/xvda", Type: "gp3"},
			"vol-0aaaaaaaaaaaaaa02": {ID: "vol-0aaaaaaaaaaaaaa02", SizeGiB: 50, InstanceID: fxDev1, Device: "/dev/xvdb", Type: "gp3"},
			"vol-0aaaaaaaaaaaaaa03": {ID: "vol-0aaaaaaaaaaaaaa03", SizeGiB: 50, InstanceID: fxDev1, Device: "/dev/xvdc", Type: "gp3"},
			"vol-0aaaaaaaaaaaaaa04": {ID: "vol-0aaaaaaaaaaaaaa04", SizeGiB: 50, InstanceID: fxDev1, Device: "/dev/xvdd", Type: "gp3"},
		},
		Subnets: map[string]inventory.Subnet{
			fxDevSubnet: {ID: fxDevSubnet, VpcID: fxDevVPC, AvailabilityZone: "us-east-1a", CidrBlock: "10.10.1.0/24"},
		},
		RouteTables: []inventory.RouteTable{{
			ID: fxDevRTB, VpcID: fxDevVPC, Main: true,
			Routes: []inventory.Route{
				{Destination: "10.10.0.0/16", GatewayID: "local", State: "active"},
				{Destination: "0.0.0.0/0", GatewayID: fxDevIGW, State: "active"},
			},
		}},
		SecurityGroups: map[string]inventory.SecurityGroup{
			fxDevSG: {ID: fxDevSG, Name: "appliance-dev", VpcID: fxDevVPC, Ingress: []inventory.IngressRule{
				tcpFrom(80, 80, "0.0.0.0/0"), tcpFrom(443, 443, "0.0.0.0/0"), tcpFrom(22, 22, fxJump),
			}},
		},
		Image:         fxImage(),
		InstanceTypes: fxTypes(),
		// A peering with a shared-services VPC is fine: it is not PROD's.
		Peerings: []inventory.Peering{{ID: "pcx-0aaaaaaaaaaaaaa01", RequesterVpc: fxDevVPC, AccepterVpc: fxSharedVPC, Status: "active"}},
		Backup:   map[string][]string{fxDev1: {"appliance-daily"}},
		Alarms:   []inventory.Alarm{statusAlarm(fxDev1)},
		Calls:    map[inventory.Source]int{inventory.SrcInstances: 1, inventory.SrcVolumes: 1, inventory.SrcAlarms: 1},
		APICalls: 11,
	}
}

// prodInventory is a correct PROD: three m4.xlarge nodes in private subnets
// of three zones behind a NAT gateway, a self-referencing cluster group, a
// Network Load Balancer with TCP listeners (instance targets on 443, ip
// targets on 80) and HTTP(S) health checks on /testall.
func prodInventory() *inventory.Inventory {
	inv := &inventory.Inventory{
		Environment: "prod", AccountID: fxProdAccount, Region: fxRegion, CollectedAt: testNow,
		Instances: map[string]inventory.Instance{},
		Volumes:   map[string]inventory.Volume{},
		Subnets: map[string]inventory.Subnet{
			fxProdSubnetA: {ID: fxProdSubnetA, VpcID: fxProdVPC, AvailabilityZone: "us-east-1a", CidrBlock: "10.20.1.0/24"},
			fxProdSubnetB: {ID: fxProdSubnetB, VpcID: fxProdVPC, AvailabilityZone: "us-east-1b", CidrBlock: "10.20.2.0/24"},
			fxProdSubnetC: {ID: fxProdSubnetC, VpcID: fxProdVPC, AvailabilityZone: "us-east-1c", CidrBlock: "10.20.3.0/24"},
		},
		RouteTables: []inventory.RouteTable{
			{ID: fxProdRTBMain, VpcID: fxProdVPC, Main: true, Routes: []inventory.Route{
				{Destination: "10.20.0.0/16", GatewayID: "local", State: "active"},
				{Destination: "0.0.0.0/0", GatewayID: fxProdIGW, State: "active"},
			}},
			{ID: fxProdRTBPriv, VpcID: fxProdVPC, SubnetIDs: []string{fxProdSubnetA, fxProdSubnetB, fxProdSubnetC}, Routes: []inventory.Route{
				{Destination: "10.20.0.0/16", GatewayID: "local", State: "active"},
				{Destination: "0.0.0.0/0", NatGatewayID: fxProdNAT, State: "active"},
			}},
		},
		SecurityGroups: map[string]inventory.SecurityGroup{
			fxClusterSG: {ID: fxClusterSG, Name: "appliance-cluster", VpcID: fxProdVPC, Ingress: []inventory.IngressRule{
				tcpFromGroup(27017, 27017, fxClusterSG), tcpFromGroup(7777, 7777, fxClusterSG),
				tcpFromGroup(8721, 8721, fxClusterSG), tcpFromGroup(8701, 8701, fxClusterSG),
				tcpFromGroup(9200, 9200, fxClusterSG), tcpFromGroup(9300, 9400, fxClusterSG),
			}},
			fxWebSG: {ID: fxWebSG, Name: "appliance-web", VpcID: fxProdVPC, Ingress: []inventory.IngressRule{
				tcpFrom(80, 80, "0.0.0.0/0"), tcpFrom(443, 443, "0.0.0.0/0"), tcpFrom(22, 22, fxJump),
			}},
		},
		Image:         fxImage(),
		InstanceTypes: fxTypes(),
		Peerings:      []inventory.Peering{{ID: "pcx-0bbbbbbbbbbbbbb01", RequesterVpc: fxSharedVPC, AccepterVpc: fxProdVPC, Status: "active"}},
		LoadBalancer: &inventory.LoadBalancer{
			Arn: fxLB, Type: "network", Scheme: "internet-facing", State: "active", VpcID: fxProdVPC,
			DNSName: "appliance-0123456789abcdef.elb.us-east-1.amazonaws.com",
			Listeners: []inventory.Listener{
				{Arn: fxLB + "/listener-443", Port: 443, Protocol: "TCP", TargetGroupArns: []string{fxTG443}},
				{Arn: fxLB + "/listener-80", Port: 80, Protocol: "TCP", TargetGroupArns: []string{fxTG80}},
			},
			TargetGroups: []inventory.TargetGroup{
				{Arn: fxTG443, Name: "appliance-443", Protocol: "TCP", Port: 443, TargetType: "instance",
					HealthCheckProtocol: "HTTP", HealthCheckPath: "/testall"},
				{Arn: fxTG80, Name: "appliance-80", Protocol: "TCP", Port: 80, TargetType: "ip",
					HealthCheckProtocol: "HTTPS", HealthCheckPath: "/testall"},
			},
		},
		Backup:   map[string][]string{},
		Calls:    map[inventory.Source]int{inventory.SrcInstances: 1, inventory.SrcLoadBalancers: 1},
		APICalls: 19,
	}
	subnets := map[string]string{fxProd1: fxProdSubnetA, fxProd2: fxProdSubnetB, fxProd3: fxProdSubnetC}
	for n, id := range []string{fxProd1, fxProd2, fxProd3} {
		sn := inv.Subnets[subnets[id]]
		ip := fxProdIPs[id]
		sizes := []int32{40, 100, 100}
		if id == fxProd3 {
			sizes = append(sizes, 100) // the backup drive
		}
		var vols []string
		for i, size := range sizes {
			vid := volID(n+1, i+1)
			vols = append(vols, vid)
			inv.Volumes[vid] = inventory.Volume{ID: vid, SizeGiB: size, InstanceID: id, Device: "/dev/xvd" + string(rune('a'+i)), Type: "gp3"}
		}
		inv.Instances[id] = inventory.Instance{
			ID: id, State: "running", Type: "m4.xlarge", ImageID: fxAMI, VpcID: fxProdVPC, SubnetID: sn.ID,
			AvailabilityZone: sn.AvailabilityZone, PrivateIP: ip,
			Interfaces:       []inventory.Interface{{ID: "eni-" + id[2:], PrivateIP: ip, SubnetID: sn.ID}},
			SecurityGroupIDs: []string{fxClusterSG, fxWebSG},
			VolumeIDs:        vols,
		}
		lb := inv.LoadBalancer
		lb.TargetGroups[0].Targets = append(lb.TargetGroups[0].Targets, inventory.Target{ID: id, Port: 443, Health: "healthy"})
		lb.TargetGroups[1].Targets = append(lb.TargetGroups[1].Targets, inventory.Target{ID: ip, Port: 80, Health: "healthy"})
		inv.Backup[id] = []string{"appliance-daily"}
		inv.Alarms = append(inv.Alarms, statusAlarm(id))
	}
	return inv
}

func volID(node, drive int) string {
	return "vol-0bbbbbbbbbbbbb" + string(rune('0'+node)) + string(rune('0'+drive))
}

// acmCertificateFor is an issued public ACM certificate for the hosts,
// with its chain as acm:GetCertificate returns it.
func acmCertificateFor(t testing.TB, hosts checklist.Hostnames) *inventory.Certificate {
	t.Helper()
	chain := goodChain(t, hosts.All()...)
	return &inventory.Certificate{
		Arn: fxACM, DomainName: hosts.Manage, SANs: hosts.All(), Status: "ISSUED", Type: "IMPORTED",
		KeyAlgorithm: "RSA_2048", NotBefore: chain[0].NotBefore, NotAfter: chain[0].NotAfter,
		Chain: pemOf(chain...),
	}
}

// fixture returns the correct checklist and the inventory of env.
func fixture(t testing.TB, env string, acm bool) (*checklist.Document, *inventory.Inventory) {
	t.Helper()
	doc := awsDoc(t, acm)
	if env == checklist.EnvDev {
		return doc, devInventory()
	}
	inv := prodInventory()
	if acm {
		inv.Certificate = acmCertificateFor(t, fxProdHosts)
	}
	return doc, inv
}
