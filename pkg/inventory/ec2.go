package inventory

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// maxInstanceTypesPerCall is DescribeInstanceTypes' limit on InstanceTypes.
const maxInstanceTypesPerCall = 100

// Error codes meaning "the declared thing does not exist".
var (
	instanceNotFoundCodes = []string{"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"}
	amiNotFoundCodes      = []string{"InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"}
)

// readInstances reads the declared instances, then launches the reads that
// need them.
func (col *collector) readInstances() {
	var (
		found []ec2types.Instance
		owner string
		ok    = true
	)
	for _, chunk := range chunks(col.ids, maxIDsPerCall) {
		insts, own, err := col.describeInstances(chunk)
		found = append(found, insts...)
		if owner == "" {
			owner = own
		}
		if err != nil {
			col.fail(SrcInstances, err)
			ok = false
		}
	}

	declared := make(map[string]bool, len(col.ids))
	for _, id := range col.ids {
		declared[id] = true
	}
	instances := map[string]Instance{}
	for _, in := range found {
		inst := convertInstance(in)
		if declared[inst.ID] { // client side: only what was asked for
			instances[inst.ID] = inst
		}
	}
	col.commit(func(inv *Inventory) {
		for id, inst := range instances {
			inv.Instances[id] = inst
		}
		if inv.AccountID == "" {
			inv.AccountID = owner
		}
		col.instancesRead = ok
	})
	if ok {
		col.done(SrcInstances)
	}

	if len(instances) == 0 {
		if ok { // none of them exists: nothing depends on them
			col.done(SrcVolumes, SrcSubnets, SrcSecurityGroups, SrcInstanceTypes)
		} else {
			col.skip(SrcInstances, SrcVolumes, SrcSubnets, SrcSecurityGroups, SrcInstanceTypes)
		}
		if col.target.VpcID != "" {
			col.readRouteTables(nil)
		} else if ok {
			col.done(SrcRouteTables)
		} else {
			col.skip(SrcInstances, SrcRouteTables)
		}
		return
	}

	var instIDs, subnets, groups, types, vpcs []string
	for id, inst := range instances {
		instIDs = append(instIDs, id)
		subnets = append(subnets, inst.SubnetID)
		for _, ni := range inst.Interfaces {
			subnets = append(subnets, ni.SubnetID)
		}
		groups = append(groups, inst.SecurityGroupIDs...)
		types = append(types, inst.Type)
		vpcs = append(vpcs, inst.VpcID)
	}
	sort.Strings(instIDs)
	col.spawn(func() { col.readVolumes(instIDs) })
	col.spawn(func() { col.readSubnets(sortedSet(subnets)) })
	col.spawn(func() { col.readSecurityGroups(sortedSet(groups)) })
	col.spawn(func() { col.readInstanceTypes(sortedSet(types)) })
	col.spawn(func() { col.readRouteTables(vpcs) })
}

// describeInstances reads one chunk of ids. AWS fails the whole call when
// one id does not exist (or is malformed) and names the culprits in the
// message ("The instance IDs 'i-1, i-2' do not exist"); those are dropped
// as absent and the rest is asked for again. Some endpoints name only the
// first culprit, so this repeats while each answer names a new one: extra
// calls happen only for ids that are missing, never for ones that exist.
func (col *collector) describeInstances(ids []string) ([]ec2types.Instance, string, error) {
	rest := ids
	for {
		insts, owner, err := col.describeInstancesOnce(rest)
		if err == nil || !hasCode(err, instanceNotFoundCodes...) {
			return insts, owner, err
		}
		missing := idsInMessage(err, rest)
		if len(missing) == 0 {
			return nil, "", err
		}
		var next []string
		for _, id := range rest {
			if !missing[id] {
				next = append(next, id)
			}
		}
		if len(next) == 0 {
			return nil, "", nil
		}
		rest = next
	}
}

func (col *collector) describeInstancesOnce(ids []string) ([]ec2types.Instance, string, error) {
	p := ec2.NewDescribeInstancesPaginator(col.clients.EC2, &ec2.DescribeInstancesInput{InstanceIds: ids})
	var (
		out   []ec2types.Instance
		owner string
	)
	for p.HasMorePages() {
		page, err := call(col, SrcInstances, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return out, owner, err
		}
		for _, r := range page.Reservations {
			if owner == "" {
				owner = str(r.OwnerId)
			}
			out = append(out, r.Instances...)
		}
	}
	return out, owner, nil
}

var quoted = regexp.MustCompile(`'([^']*)'|"([^"]*)"`)

// idsInMessage returns the requested ids an EC2 error message names,
// reading quoted lists such as 'i-1, i-2' or "i-1".
func idsInMessage(err error, requested []string) map[string]bool {
	msg := err.Error()
	want := make(map[string]bool, len(requested))
	for _, id := range requested {
		want[id] = true
	}
	named := map[string]bool{}
	for _, m := range quoted.FindAllStringSubmatch(msg, -1) {
		list := m[1] + m[2]
		for _, tok := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
			if want[tok] {
				named[tok] = true
			}
		}
	}
	return named
}

func convertInstance(in ec2types.Instance) Instance {
	inst := Instance{
		ID:        str(in.InstanceId),
		Type:      string(in.InstanceType),
		ImageID:   str(in.ImageId),
		VpcID:     str(in.VpcId),
		SubnetID:  str(in.SubnetId),
		PrivateIP: str(in.PrivateIpAddress),
		PublicIP:  str(in.PublicIpAddress),
		Tags:      tagMap(in.Tags),
	}
	if in.State != nil {
		inst.State = string(in.State.Name)
	}
	if in.Placement != nil {
		inst.AvailabilityZone = str(in.Placement.AvailabilityZone)
	}
	var groups []string
	for _, g := range in.SecurityGroups {
		groups = append(groups, str(g.GroupId))
	}
	inst.Interfaces = []Interface{}
	for _, ni := range in.NetworkInterfaces {
		itf := Interface{ID: str(ni.NetworkInterfaceId), PrivateIP: str(ni.PrivateIpAddress), SubnetID: str(ni.SubnetId)}
		if ni.Association != nil {
			itf.PublicIP = str(ni.Association.PublicIp)
		}
		inst.Interfaces = append(inst.Interfaces, itf)
		for _, g := range ni.Groups {
			groups = append(groups, str(g.GroupId))
		}
		if inst.VpcID == "" {
			inst.VpcID = str(ni.VpcId)
		}
	}
	inst.SecurityGroupIDs = dedupe(groups)
	inst.VolumeIDs = []string{}
	for _, bdm := range in.BlockDeviceMappings {
		if bdm.Ebs != nil && bdm.Ebs.VolumeId != nil {
			inst.VolumeIDs = append(inst.VolumeIDs, *bdm.Ebs.VolumeId)
		}
	}
	return inst
}

// readVolumes reads the volumes attached to the instances, in one call
// filtered on attachment.instance-id (per 1000 instances).
func (col *collector) readVolumes(instIDs []string) {
	ours := make(map[string]bool, len(instIDs))
	for _, id := range instIDs {
		ours[id] = true
	}
	vols := map[string]Volume{}
	attached := map[string][]string{} // instance id -> volume ids
	for _, chunk := range chunks(instIDs, maxIDsPerCall) {
		p := ec2.NewDescribeVolumesPaginator(col.clients.EC2, &ec2.DescribeVolumesInput{
			Filters: []ec2types.Filter{{Name: aws.String("attachment.instance-id"), Values: chunk}},
		})
		for p.HasMorePages() {
			page, err := call(col, SrcVolumes, func(ctx context.Context) (*ec2.DescribeVolumesOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				col.fail(SrcVolumes, err)
				return
			}
			for _, v := range page.Volumes {
				vol := Volume{ID: str(v.VolumeId), SizeGiB: i32(v.Size), Type: string(v.VolumeType), Tags: tagMap(v.Tags)}
				for _, a := range v.Attachments { // client side: only ours
					iid := str(a.InstanceId)
					if !ours[iid] {
						continue
					}
					if vol.InstanceID == "" {
						vol.InstanceID, vol.Device = iid, str(a.Device)
					}
					attached[iid] = append(attached[iid], vol.ID)
				}
				if vol.InstanceID != "" {
					vols[vol.ID] = vol
				}
			}
		}
	}
	col.commit(func(inv *Inventory) {
		for id, v := range vols {
			inv.Volumes[id] = v
		}
		for iid, vids := range attached {
			inst, ok := inv.Instances[iid]
			if !ok {
				continue
			}
			inst.VolumeIDs = sortedSet(append(inst.VolumeIDs, vids...))
			inv.Instances[iid] = inst
		}
	})
	col.done(SrcVolumes)
}

func (col *collector) readSubnets(ids []string) {
	want := setOf(ids)
	got := map[string]Subnet{}
	for _, chunk := range chunks(ids, maxIDsPerCall) {
		p := ec2.NewDescribeSubnetsPaginator(col.clients.EC2, &ec2.DescribeSubnetsInput{SubnetIds: chunk})
		for p.HasMorePages() {
			page, err := call(col, SrcSubnets, func(ctx context.Context) (*ec2.DescribeSubnetsOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				col.fail(SrcSubnets, err)
				return
			}
			for _, s := range page.Subnets {
				if id := str(s.SubnetId); want[id] {
					got[id] = Subnet{ID: id, VpcID: str(s.VpcId), AvailabilityZone: str(s.AvailabilityZone), CidrBlock: str(s.CidrBlock)}
				}
			}
		}
	}
	col.commit(func(inv *Inventory) {
		for id, s := range got {
			inv.Subnets[id] = s
		}
	})
	col.done(SrcSubnets)
}

// readRouteTables reads the route tables of the declared VPC and of the
// instances' VPCs, in one call filtered on vpc-id.
func (col *collector) readRouteTables(instanceVpcs []string) {
	vpcs := sortedSet(append([]string{col.target.VpcID}, instanceVpcs...))
	if len(vpcs) == 0 {
		col.done(SrcRouteTables)
		return
	}
	want := setOf(vpcs)
	var got []RouteTable
	for _, chunk := range chunks(vpcs, maxIDsPerCall) {
		p := ec2.NewDescribeRouteTablesPaginator(col.clients.EC2, &ec2.DescribeRouteTablesInput{
			Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: chunk}},
		})
		for p.HasMorePages() {
			page, err := call(col, SrcRouteTables, func(ctx context.Context) (*ec2.DescribeRouteTablesOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				col.fail(SrcRouteTables, err)
				return
			}
			for _, rt := range page.RouteTables {
				if want[str(rt.VpcId)] {
					got = append(got, convertRouteTable(rt))
				}
			}
		}
	}
	col.commit(func(inv *Inventory) { inv.RouteTables = append(inv.RouteTables, got...) })
	col.done(SrcRouteTables)
}

func convertRouteTable(rt ec2types.RouteTable) RouteTable {
	out := RouteTable{ID: str(rt.RouteTableId), VpcID: str(rt.VpcId), SubnetIDs: []string{}, Routes: []Route{}}
	for _, a := range rt.Associations {
		if a.Main != nil && *a.Main {
			out.Main = true
		}
		if a.SubnetId != nil {
			out.SubnetIDs = append(out.SubnetIDs, *a.SubnetId)
		}
	}
	for _, r := range rt.Routes {
		dest := str(r.DestinationCidrBlock)
		if dest == "" {
			dest = str(r.DestinationIpv6CidrBlock)
		}
		if dest == "" {
			dest = str(r.DestinationPrefixListId)
		}
		gw := str(r.GatewayId)
		for _, alt := range []*string{r.EgressOnlyInternetGatewayId, r.LocalGatewayId, r.CarrierGatewayId, r.CoreNetworkArn} {
			if gw == "" {
				gw = str(alt)
			}
		}
		out.Routes = append(out.Routes, Route{
			Destination:      dest,
			GatewayID:        gw,
			NatGatewayID:     str(r.NatGatewayId),
			InstanceID:       str(r.InstanceId),
			NetworkInterface: str(r.NetworkInterfaceId),
			TransitGatewayID: str(r.TransitGatewayId),
			VpcPeeringID:     str(r.VpcPeeringConnectionId),
			State:            string(r.State),
		})
	}
	return out
}

func (col *collector) readSecurityGroups(ids []string) {
	if len(ids) == 0 {
		col.done(SrcSecurityGroups)
		return
	}
	want := setOf(ids)
	got := map[string]SecurityGroup{}
	for _, chunk := range chunks(ids, maxIDsPerCall) {
		p := ec2.NewDescribeSecurityGroupsPaginator(col.clients.EC2, &ec2.DescribeSecurityGroupsInput{GroupIds: chunk})
		for p.HasMorePages() {
			page, err := call(col, SrcSecurityGroups, func(ctx context.Context) (*ec2.DescribeSecurityGroupsOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				col.fail(SrcSecurityGroups, err)
				return
			}
			for _, g := range page.SecurityGroups {
				if id := str(g.GroupId); want[id] {
					got[id] = SecurityGroup{
						ID: id, Name: str(g.GroupName), VpcID: str(g.VpcId),
						Ingress: convertPermissions(g.IpPermissions),
						Egress:  convertPermissions(g.IpPermissionsEgress),
					}
				}
			}
		}
	}
	col.commit(func(inv *Inventory) {
		for id, g := range got {
			inv.SecurityGroups[id] = g
		}
	})
	col.done(SrcSecurityGroups)
}

func convertPermissions(perms []ec2types.IpPermission) []IngressRule {
	out := []IngressRule{}
	for _, p := range perms {
		r := IngressRule{Protocol: str(p.IpProtocol), FromPort: i32(p.FromPort), ToPort: i32(p.ToPort)}
		for _, ip := range p.IpRanges {
			r.CIDRs = append(r.CIDRs, str(ip.CidrIp))
		}
		for _, ip := range p.Ipv6Ranges {
			r.CIDRs = append(r.CIDRs, str(ip.CidrIpv6))
		}
		for _, g := range p.UserIdGroupPairs {
			r.SourceGroups = append(r.SourceGroups, str(g.GroupId))
		}
		for _, pl := range p.PrefixListIds {
			r.PrefixLists = append(r.PrefixLists, str(pl.PrefixListId))
		}
		out = append(out, r)
	}
	return out
}

func (col *collector) readInstanceTypes(names []string) {
	if len(names) == 0 {
		col.done(SrcInstanceTypes)
		return
	}
	want := setOf(names)
	got := map[string]InstanceType{}
	for _, chunk := range chunks(names, maxInstanceTypesPerCall) {
		types := make([]ec2types.InstanceType, len(chunk))
		for i, n := range chunk {
			types[i] = ec2types.InstanceType(n)
		}
		p := ec2.NewDescribeInstanceTypesPaginator(col.clients.EC2, &ec2.DescribeInstanceTypesInput{InstanceTypes: types})
		for p.HasMorePages() {
			page, err := call(col, SrcInstanceTypes, func(ctx context.Context) (*ec2.DescribeInstanceTypesOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				col.fail(SrcInstanceTypes, err)
				return
			}
			for _, it := range page.InstanceTypes {
				name := string(it.InstanceType)
				if !want[name] {
					continue
				}
				t := InstanceType{Name: name}
				if it.VCpuInfo != nil {
					t.VCPUs = i32(it.VCpuInfo.DefaultVCpus)
				}
				if it.MemoryInfo != nil && it.MemoryInfo.SizeInMiB != nil {
					t.MemoryMiB = *it.MemoryInfo.SizeInMiB
				}
				got[name] = t
			}
		}
	}
	col.commit(func(inv *Inventory) {
		for n, t := range got {
			inv.InstanceTypes[n] = t
		}
	})
	col.done(SrcInstanceTypes)
}

// readImage reads the declared AMI; one that does not exist (or is not
// shared with the account) leaves Image nil without an error.
func (col *collector) readImage() {
	ami := col.target.AmiID
	p := ec2.NewDescribeImagesPaginator(col.clients.EC2, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	var img *Image
	for p.HasMorePages() {
		page, err := call(col, SrcImages, func(ctx context.Context) (*ec2.DescribeImagesOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			if hasCode(err, amiNotFoundCodes...) {
				break
			}
			col.fail(SrcImages, err)
			return
		}
		for _, im := range page.Images {
			if str(im.ImageId) == ami {
				img = &Image{ID: ami, Name: str(im.Name), OwnerID: str(im.OwnerId), State: string(im.State)}
			}
		}
	}
	col.commit(func(inv *Inventory) { inv.Image = img })
	col.done(SrcImages)
}

// readPeerings reads the peering connections touching the declared VPC
// (or, when none is declared, the other environment's VPC): one call
// filtered on each side, run in parallel.
func (col *collector) readPeerings() {
	vpc := col.target.VpcID
	if vpc == "" {
		vpc = col.target.OtherVpcID
	}
	var (
		mu   sync.Mutex
		got  = map[string]Peering{}
		wg   sync.WaitGroup
		fail bool
	)
	for _, side := range []string{"requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := ec2.NewDescribeVpcPeeringConnectionsPaginator(col.clients.EC2, &ec2.DescribeVpcPeeringConnectionsInput{
				Filters: []ec2types.Filter{{Name: aws.String(side), Values: []string{vpc}}},
			})
			for p.HasMorePages() {
				page, err := call(col, SrcPeerings, func(ctx context.Context) (*ec2.DescribeVpcPeeringConnectionsOutput, error) {
					return p.NextPage(ctx)
				})
				if err != nil {
					col.fail(SrcPeerings, err)
					mu.Lock()
					fail = true
					mu.Unlock()
					return
				}
				mu.Lock()
				for _, pc := range page.VpcPeeringConnections {
					pr := Peering{ID: str(pc.VpcPeeringConnectionId)}
					if pc.RequesterVpcInfo != nil {
						pr.RequesterVpc = str(pc.RequesterVpcInfo.VpcId)
					}
					if pc.AccepterVpcInfo != nil {
						pr.AccepterVpc = str(pc.AccepterVpcInfo.VpcId)
					}
					if pc.Status != nil {
						pr.Status = string(pc.Status.Code)
					}
					if pr.RequesterVpc == vpc || pr.AccepterVpc == vpc { // client side
						got[pr.ID] = pr
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	col.commit(func(inv *Inventory) {
		for _, pr := range got {
			inv.Peerings = append(inv.Peerings, pr)
		}
	})
	if !fail {
		col.done(SrcPeerings)
	}
}

func tagMap(tags []ec2types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[str(t.Key)] = str(t.Value)
	}
	return m
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// sortedSet returns the distinct non-empty strings of ss, sorted.
func sortedSet(ss []string) []string {
	out := dedupe(ss)
	sort.Strings(out)
	return out
}
