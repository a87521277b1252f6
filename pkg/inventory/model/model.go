// Package model is the data of an inventory: what one collection found in
// one environment (pkg/inventory collects it). It imports no AWS SDK
// package, so that the verification rules (pkg/verify) and everything
// that only carries a report link no SDK service client: pkg/inventory
// re-exports every name here, and code that also collects keeps using it.
package model

import "time"

// Source names one AWS API the collector reads, as IAM names the action
// ("ec2:DescribeVolumes"). A rule that needs a source whose read failed
// reports an error naming it instead of passing silently.
type Source string

const (
	SrcInstances      Source = "ec2:DescribeInstances"
	SrcVolumes        Source = "ec2:DescribeVolumes"
	SrcSubnets        Source = "ec2:DescribeSubnets"
	SrcRouteTables    Source = "ec2:DescribeRouteTables"
	SrcSecurityGroups Source = "ec2:DescribeSecurityGroups"
	SrcImages         Source = "ec2:DescribeImages"
	SrcInstanceTypes  Source = "ec2:DescribeInstanceTypes"
	SrcPeerings       Source = "ec2:DescribeVpcPeeringConnections"
	SrcLoadBalancers  Source = "elasticloadbalancing:DescribeLoadBalancers"
	SrcListeners      Source = "elasticloadbalancing:DescribeListeners"
	SrcTargetGroups   Source = "elasticloadbalancing:DescribeTargetGroups"
	SrcTargetHealth   Source = "elasticloadbalancing:DescribeTargetHealth"
	SrcCertificate    Source = "acm:DescribeCertificate"
	SrcCertChain      Source = "acm:GetCertificate"
	SrcBackupPlans    Source = "backup:ListBackupPlans"
	SrcBackupSel      Source = "backup:ListBackupSelections"
	SrcBackupSelGet   Source = "backup:GetBackupSelection"
	SrcDLM            Source = "dlm:GetLifecyclePolicies"
	SrcDLMPolicy      Source = "dlm:GetLifecyclePolicy"
	SrcAlarms         Source = "cloudwatch:DescribeAlarms"
)

// Sources lists every API the collector may call: the verifier role the
// customer deploys must allow each of them (infra tests hold it to that).
var Sources = []Source{
	SrcInstances,
	SrcVolumes,
	SrcSubnets,
	SrcRouteTables,
	SrcSecurityGroups,
	SrcImages,
	SrcInstanceTypes,
	SrcPeerings,
	SrcLoadBalancers,
	SrcListeners,
	SrcTargetGroups,
	SrcTargetHealth,
	SrcCertificate,
	SrcCertChain,
	SrcBackupPlans,
	SrcBackupSel,
	SrcBackupSelGet,
	SrcDLM,
	SrcDLMPolicy,
	SrcAlarms,
}

// SourceError is a failed read: which API, and why (e.g. AccessDenied).
type SourceError struct {
	Source Source `json:"source"`
	Code   string `json:"code"` // the AWS error code, e.g. "UnauthorizedOperation"
	Err    string `json:"message"`
}

// Inventory is what one collection found in one environment.
type Inventory struct {
	Environment string    `json:"environment"`
	AccountID   string    `json:"accountId"`
	Region      string    `json:"region"`
	CollectedAt time.Time `json:"collectedAt"`

	// Instances found, by id. A declared id absent here does not exist.
	Instances map[string]Instance `json:"instances"`
	// Volumes attached to the instances, by volume id.
	Volumes map[string]Volume `json:"volumes"`
	// Subnets of the instances, by subnet id.
	Subnets map[string]Subnet `json:"subnets"`
	// RouteTables of the instances' VPC(s).
	RouteTables []RouteTable `json:"routeTables"`
	// SecurityGroups attached to the instances, by group id.
	SecurityGroups map[string]SecurityGroup `json:"securityGroups"`
	// Image is the declared AMI, nil when it is not visible to the account.
	Image *Image `json:"image,omitempty"`
	// InstanceTypes of the instances, by type name.
	InstanceTypes map[string]InstanceType `json:"instanceTypes"`
	// Peerings are the VPC peering connections touching the declared VPC.
	Peerings []Peering `json:"peerings"`
	// LoadBalancer is the declared load balancer (prod), nil when absent.
	LoadBalancer *LoadBalancer `json:"loadBalancer,omitempty"`
	// Certificate is the declared ACM certificate, nil when absent or when
	// the checklist gave a PEM chain instead.
	Certificate *Certificate `json:"certificate,omitempty"`
	// Backup maps each instance id to the backup plans or DLM policies
	// covering it (by instance ARN or by one of its volumes), as
	// "backup:<plan name>" and "dlm:<policy id>", sorted. An instance
	// covered by nothing has no entry.
	Backup map[string][]string `json:"backup"`
	// Alarms are the CloudWatch metric alarms on the instances' status checks.
	Alarms []Alarm `json:"alarms"`

	// Errors are the reads that failed, by source.
	Errors map[Source]SourceError `json:"errors,omitempty"`
	// Calls counts API calls by source; APICalls is their sum.
	Calls    map[Source]int `json:"calls"`
	APICalls int            `json:"apiCalls"`
}

// Failed returns the error of the first failed source among those given.
func (inv *Inventory) Failed(sources ...Source) (SourceError, bool) {
	for _, s := range sources {
		if e, ok := inv.Errors[s]; ok {
			return e, true
		}
	}
	return SourceError{}, false
}

// Instance is one EC2 instance.
type Instance struct {
	ID               string            `json:"id"`
	State            string            `json:"state"` // pending | running | stopping | stopped | ...
	Type             string            `json:"type"`
	ImageID          string            `json:"imageId"`
	VpcID            string            `json:"vpcId"`
	SubnetID         string            `json:"subnetId"`
	AvailabilityZone string            `json:"availabilityZone"`
	PrivateIP        string            `json:"privateIp"`
	PublicIP         string            `json:"publicIp,omitempty"`
	Interfaces       []Interface       `json:"interfaces"`
	SecurityGroupIDs []string          `json:"securityGroupIds"`
	VolumeIDs        []string          `json:"volumeIds"`
	Tags             map[string]string `json:"tags,omitempty"`
}

// Interface is one network interface attached to an instance.
type Interface struct {
	ID        string `json:"id"`
	PrivateIP string `json:"privateIp"`
	PublicIP  string `json:"publicIp,omitempty"`
	SubnetID  string `json:"subnetId"`
}

// Volume is one EBS volume.
type Volume struct {
	ID         string `json:"id"`
	SizeGiB    int32  `json:"sizeGiB"`
	InstanceID string `json:"instanceId"`
	Device     string `json:"device"`
	Type       string `json:"type"`
	// Tags are the volume's tags (backup selections and DLM policies can
	// target volumes by tag).
	Tags map[string]string `json:"tags,omitempty"`
}

// Subnet is one subnet.
type Subnet struct {
	ID               string `json:"id"`
	VpcID            string `json:"vpcId"`
	AvailabilityZone string `json:"availabilityZone"`
	CidrBlock        string `json:"cidrBlock"`
}

// RouteTable is one route table and the subnets explicitly associated
// with it; Main is the VPC's main table (used by unassociated subnets).
type RouteTable struct {
	ID        string   `json:"id"`
	VpcID     string   `json:"vpcId"`
	Main      bool     `json:"main"`
	SubnetIDs []string `json:"subnetIds"`
	Routes    []Route  `json:"routes"`
}

// Route is one route; exactly one target is set.
type Route struct {
	Destination      string `json:"destination"` // CIDR
	GatewayID        string `json:"gatewayId,omitempty"`
	NatGatewayID     string `json:"natGatewayId,omitempty"`
	InstanceID       string `json:"instanceId,omitempty"`
	NetworkInterface string `json:"networkInterfaceId,omitempty"`
	TransitGatewayID string `json:"transitGatewayId,omitempty"`
	VpcPeeringID     string `json:"vpcPeeringConnectionId,omitempty"`
	State            string `json:"state,omitempty"`
}

// SecurityGroup is one security group's inbound rules.
type SecurityGroup struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	VpcID   string        `json:"vpcId"`
	Ingress []IngressRule `json:"ingress"`
	// Egress are the outbound rules, in the same shape as Ingress (CIDRs,
	// SourceGroups and PrefixLists then name destinations).
	Egress []IngressRule `json:"egress,omitempty"`
}

// IngressRule is one inbound permission. Protocol "-1" is all traffic,
// in which case the port range is irrelevant.
type IngressRule struct {
	Protocol     string   `json:"protocol"` // tcp | udp | icmp | -1
	FromPort     int32    `json:"fromPort"`
	ToPort       int32    `json:"toPort"`
	CIDRs        []string `json:"cidrs,omitempty"`
	SourceGroups []string `json:"sourceGroups,omitempty"`
	// PrefixLists are managed prefix list ids (pl-...) used as peers.
	PrefixLists []string `json:"prefixLists,omitempty"`
}

// Image is one AMI.
type Image struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	OwnerID string `json:"ownerId"`
	State   string `json:"state"`
}

// InstanceType is one instance type's size.
type InstanceType struct {
	Name      string `json:"name"`
	VCPUs     int32  `json:"vcpus"`
	MemoryMiB int64  `json:"memoryMiB"`
}

// Peering is one VPC peering connection.
type Peering struct {
	ID           string `json:"id"`
	RequesterVpc string `json:"requesterVpc"`
	AccepterVpc  string `json:"accepterVpc"`
	Status       string `json:"status"` // active | pending-acceptance | deleted | ...
}

// LoadBalancer is the environment's load balancer and what sits behind it.
type LoadBalancer struct {
	Arn          string        `json:"arn"`
	Type         string        `json:"type"` // network | application | gateway
	Scheme       string        `json:"scheme"`
	State        string        `json:"state"`
	VpcID        string        `json:"vpcId"`
	DNSName      string        `json:"dnsName"`
	Listeners    []Listener    `json:"listeners"`
	TargetGroups []TargetGroup `json:"targetGroups"`
}

// Listener is one load balancer listener.
type Listener struct {
	Arn      string `json:"arn"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"` // TCP | TLS | UDP | HTTP | HTTPS
	// TargetGroupArns are the groups its default actions forward to.
	TargetGroupArns []string `json:"targetGroupArns"`
}

// TargetGroup is one target group with its health check and targets.
type TargetGroup struct {
	Arn                 string   `json:"arn"`
	Name                string   `json:"name"`
	Protocol            string   `json:"protocol"`
	Port                int32    `json:"port"`
	TargetType          string   `json:"targetType"` // instance | ip
	HealthCheckProtocol string   `json:"healthCheckProtocol"`
	HealthCheckPath     string   `json:"healthCheckPath"`
	Targets             []Target `json:"targets"`
}

// Target is one registered target and its health.
type Target struct {
	ID     string `json:"id"` // instance id or IP
	Port   int32  `json:"port"`
	Health string `json:"health"` // healthy | unhealthy | initial | unused | draining | unavailable
	Reason string `json:"reason,omitempty"`
}

// Certificate is an ACM certificate's public facts.
type Certificate struct {
	Arn          string    `json:"arn"`
	DomainName   string    `json:"domainName"`
	SANs         []string  `json:"subjectAlternativeNames"`
	Status       string    `json:"status"` // ISSUED | PENDING_VALIDATION | EXPIRED | ...
	Type         string    `json:"type"`   // AMAZON_ISSUED | IMPORTED | PRIVATE
	KeyAlgorithm string    `json:"keyAlgorithm"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	// Chain is the PEM of the certificate and its chain from GetCertificate,
	// when readable; rules prefer parsing it over ACM's summary fields.
	Chain string `json:"chain,omitempty"`
}

// Alarm is one CloudWatch metric alarm.
type Alarm struct {
	Name       string            `json:"name"`
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metricName"`
	Dimensions map[string]string `json:"dimensions"`
	Actions    int               `json:"actions"` // alarm actions configured
	// ActionsEnabled is false when the alarm's actions are switched off,
	// in which case it notifies nobody whatever Actions says.
	ActionsEnabled bool `json:"actionsEnabled"`
}
