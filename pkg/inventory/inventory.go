// Package inventory collects, with as few AWS calls as possible, everything
// the verification rules need to know about one environment of one
// customer account: instances, their volumes, network interfaces, subnets,
// routes and security groups, the AMI, instance types, VPC peerings, the
// load balancer, the certificate, backup coverage and alarms. Rules never
// call AWS; they read an Inventory.
package inventory

import "github.com/psaas/appliance-intake/pkg/inventory/model"

// The inventory's data lives in pkg/inventory/model, which imports no AWS
// SDK package: the rules read it, and a function that only verifies
// documents or shows reports does not link the collector's SDK clients.
// These are the same types and values under their usual names.

type (
	Source        = model.Source
	SourceError   = model.SourceError
	Inventory     = model.Inventory
	Instance      = model.Instance
	Interface     = model.Interface
	Volume        = model.Volume
	Subnet        = model.Subnet
	RouteTable    = model.RouteTable
	Route         = model.Route
	SecurityGroup = model.SecurityGroup
	IngressRule   = model.IngressRule
	Image         = model.Image
	InstanceType  = model.InstanceType
	Peering       = model.Peering
	LoadBalancer  = model.LoadBalancer
	Listener      = model.Listener
	TargetGroup   = model.TargetGroup
	Target        = model.Target
	Certificate   = model.Certificate
	Alarm         = model.Alarm
)

// Sources of the collector, as IAM names the action.
const (
	SrcInstances      = model.SrcInstances
	SrcVolumes        = model.SrcVolumes
	SrcSubnets        = model.SrcSubnets
	SrcRouteTables    = model.SrcRouteTables
	SrcSecurityGroups = model.SrcSecurityGroups
	SrcImages         = model.SrcImages
	SrcInstanceTypes  = model.SrcInstanceTypes
	SrcPeerings       = model.SrcPeerings
	SrcLoadBalancers  = model.SrcLoadBalancers
	SrcListeners      = model.SrcListeners
	SrcTargetGroups   = model.SrcTargetGroups
	SrcTargetHealth   = model.SrcTargetHealth
	SrcCertificate    = model.SrcCertificate
	SrcCertChain      = model.SrcCertChain
	SrcBackupPlans    = model.SrcBackupPlans
	SrcBackupSel      = model.SrcBackupSel
	SrcBackupSelGet   = model.SrcBackupSelGet
	SrcDLM            = model.SrcDLM
	SrcDLMPolicy      = model.SrcDLMPolicy
	SrcAlarms         = model.SrcAlarms
)

// Sources lists every API the collector may call: the verifier role the
// customer deploys must allow each of them (infra tests hold it to that).
var Sources = model.Sources
