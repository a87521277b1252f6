package verify

import (
	"cmp"
	"crypto/x509"
	"slices"
	"strings"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// awsCase breaks one thing in a correct environment and names the one rule
// expected to change. Every other rule must keep its statuses (pass counts
// aside: a check may move between resources), unless listed in also.
type awsCase struct {
	name   string
	env    string // default prod
	acm    bool   // PROD declares its certificate by ACM ARN
	mutate func(t testing.TB, d *checklist.Document, inv *inventory.Inventory)
	cfg    func(c *Config)
	id     string
	// want is the status of the changed checks of id, count of them
	// (default 1). StatusPass means the edge case must change nothing.
	want     Status
	count    int
	resource string // in the resources of one changed check
	message  string // in the message of that check
	// also lists other rules that change with it: their statuses other
	// than pass, sorted.
	also map[string][]Status
	// skipsOK lets other rules skip the checks of a missing instance.
	skipsOK bool
}

// seenAWS records which statuses the cases produced per rule id.
var seenAWS = map[string]map[Status]bool{}

func (tc awsCase) run(t *testing.T) Report {
	t.Helper()
	env := cmp.Or(tc.env, checklist.EnvProd)
	baseDoc, baseInv := fixture(t, env, tc.acm)
	base := Verify(baseDoc, env, baseInv, testNow, DefaultConfig())
	doc, inv := fixture(t, env, tc.acm)
	if tc.mutate != nil {
		tc.mutate(t, doc, inv)
	}
	cfg := DefaultConfig()
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	r := Verify(doc, env, inv, testNow, cfg)
	for _, c := range r.Checks {
		assertComplete(t, tc.name, c)
		if seenAWS[c.ID] == nil {
			seenAWS[c.ID] = map[Status]bool{}
		}
		seenAWS[c.ID][c.Status] = true
	}
	if r.Passed != !slices.ContainsFunc(r.Checks, func(c Check) bool {
		return c.Severity == SeverityRequired && (c.Status == StatusFail || c.Status == StatusError)
	}) {
		t.Errorf("passed = %v disagrees with the checks", r.Passed)
	}

	mine := checksOf(r, tc.id)
	if len(mine) == 0 {
		t.Fatalf("no %s check", tc.id)
	}
	var hits []Check
	if tc.want == StatusPass {
		if got, was := otherStatuses(mine, false), otherStatuses(checksOf(base, tc.id), false); !slices.Equal(got, was) {
			t.Errorf("%s changed: %v, was %v\n%s", tc.id, got, was, dump(mine))
		}
		for _, c := range mine {
			if c.Status == StatusPass {
				hits = append(hits, c)
			}
		}
	} else {
		for _, c := range mine {
			switch c.Status {
			case tc.want:
				hits = append(hits, c)
			case StatusPass, StatusSkip:
			default:
				t.Errorf("%s has an unexpected %s check: %s", tc.id, c.Status, c.Message)
			}
		}
		if want := max(tc.count, 1); len(hits) != want {
			t.Fatalf("%s: %d %s checks, want %d\n%s", tc.id, len(hits), tc.want, want, dump(mine))
		}
	}
	if tc.resource != "" || tc.message != "" {
		if !slices.ContainsFunc(hits, func(c Check) bool {
			return (tc.resource == "" || slices.Contains(c.Resources, tc.resource)) && strings.Contains(c.Message, tc.message)
		}) {
			t.Errorf("no %s %s check with resource %q and message %q\n%s", tc.id, tc.want, tc.resource, tc.message, dump(hits))
		}
	}

	ids := map[string]bool{}
	for _, c := range append(slices.Clone(base.Checks), r.Checks...) {
		ids[c.ID] = true
	}
	for id := range ids {
		if id == tc.id {
			continue
		}
		got := otherStatuses(checksOf(r, id), tc.skipsOK)
		want := otherStatuses(checksOf(base, id), tc.skipsOK)
		if also, ok := tc.also[id]; ok {
			want = also
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s changed too: %v, want %v\n%s", id, got, want, dump(checksOf(r, id)))
		}
	}
	return r
}

// otherStatuses returns the statuses other than pass (and skip, if told),
// sorted.
func otherStatuses(checks []Check, ignoreSkip bool) []Status {
	out := []Status{}
	for _, c := range checks {
		if c.Status == StatusPass || (ignoreSkip && c.Status == StatusSkip) {
			continue
		}
		out = append(out, c.Status)
	}
	slices.Sort(out)
	return out
}

func dump(checks []Check) string {
	var b strings.Builder
	for _, c := range checks {
		b.WriteString("  " + string(c.Status) + " " + c.ID + " " + strings.Join(c.Resources, ",") + ": " + c.Message + "\n")
	}
	return b.String()
}

func runAWS(t *testing.T, cases []awsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

// Mutations.

type mutation = func(t testing.TB, d *checklist.Document, inv *inventory.Inventory)

func onInv(f func(inv *inventory.Inventory)) mutation {
	return func(_ testing.TB, _ *checklist.Document, inv *inventory.Inventory) { f(inv) }
}

func onInst(id string, f func(i *inventory.Instance)) mutation {
	return onInv(func(inv *inventory.Inventory) {
		i := inv.Instances[id]
		f(&i)
		inv.Instances[id] = i
	})
}

func onSG(id string, f func(g *inventory.SecurityGroup)) mutation {
	return onInv(func(inv *inventory.Inventory) {
		g := inv.SecurityGroups[id]
		f(&g)
		inv.SecurityGroups[id] = g
	})
}

func onLB(f func(lb *inventory.LoadBalancer)) mutation {
	return onInv(func(inv *inventory.Inventory) { f(inv.LoadBalancer) })
}

func onCert(f func(t testing.TB, c *inventory.Certificate)) mutation {
	return func(t testing.TB, _ *checklist.Document, inv *inventory.Inventory) { f(t, inv.Certificate) }
}

func all(ms ...mutation) mutation {
	return func(t testing.TB, d *checklist.Document, inv *inventory.Inventory) {
		for _, m := range ms {
			m(t, d, inv)
		}
	}
}

// replaceRule swaps the ingress rule matching port from for r.
func replaceRule(port int32, r ...inventory.IngressRule) func(g *inventory.SecurityGroup) {
	return func(g *inventory.SecurityGroup) {
		var out []inventory.IngressRule
		for _, x := range g.Ingress {
			if x.FromPort == port {
				out = append(out, r...)
				continue
			}
			out = append(out, x)
		}
		g.Ingress = out
	}
}

func addRule(r inventory.IngressRule) func(g *inventory.SecurityGroup) {
	return func(g *inventory.SecurityGroup) { g.Ingress = append(g.Ingress, r) }
}

func defaultRouteOf(rtb string, route inventory.Route) mutation {
	return onInv(func(inv *inventory.Inventory) {
		for i, rt := range inv.RouteTables {
			if rt.ID != rtb {
				continue
			}
			for j, r := range rt.Routes {
				if r.Destination == "0.0.0.0/0" {
					route.Destination = r.Destination
					inv.RouteTables[i].Routes[j] = route
				}
			}
		}
	})
}

func dropVolume(id string) mutation {
	return onInv(func(inv *inventory.Inventory) {
		v := inv.Volumes[id]
		delete(inv.Volumes, id)
		i := inv.Instances[v.InstanceID]
		i.VolumeIDs = slices.DeleteFunc(slices.Clone(i.VolumeIDs), func(x string) bool { return x == id })
		inv.Instances[v.InstanceID] = i
	})
}

func addVolume(instance, id string, size int32) mutation {
	return onInv(func(inv *inventory.Inventory) {
		inv.Volumes[id] = inventory.Volume{ID: id, SizeGiB: size, InstanceID: instance, Type: "gp3"}
		i := inv.Instances[instance]
		i.VolumeIDs = append(slices.Clone(i.VolumeIDs), id)
		inv.Instances[instance] = i
	})
}

func resizeVolume(id string, size int32) mutation {
	return onInv(func(inv *inventory.Inventory) {
		v := inv.Volumes[id]
		v.SizeGiB = size
		inv.Volumes[id] = v
	})
}

func withType(id, typ string, vcpu int32, mib int64) mutation {
	return all(
		onInst(id, func(i *inventory.Instance) { i.Type = typ }),
		onInv(func(inv *inventory.Inventory) {
			inv.InstanceTypes[typ] = inventory.InstanceType{Name: typ, VCPUs: vcpu, MemoryMiB: mib}
		}))
}

func peering(id, requester, accepter, status string) mutation {
	return onInv(func(inv *inventory.Inventory) {
		inv.Peerings = append(inv.Peerings, inventory.Peering{ID: id, RequesterVpc: requester, AccepterVpc: accepter, Status: status})
	})
}

func targets(tg string, f func(ts []inventory.Target) []inventory.Target) mutation {
	return onLB(func(lb *inventory.LoadBalancer) {
		for i := range lb.TargetGroups {
			if lb.TargetGroups[i].Arn == tg {
				lb.TargetGroups[i].Targets = f(slices.Clone(lb.TargetGroups[i].Targets))
			}
		}
	})
}

func healthCheck(tg, proto, path string) mutation {
	return onLB(func(lb *inventory.LoadBalancer) {
		for i := range lb.TargetGroups {
			if lb.TargetGroups[i].Arn == tg {
				lb.TargetGroups[i].HealthCheckProtocol, lb.TargetGroups[i].HealthCheckPath = proto, path
			}
		}
	})
}

func listener(port int32, f func(ls []inventory.Listener, i int) []inventory.Listener) mutation {
	return onLB(func(lb *inventory.LoadBalancer) {
		ls := slices.Clone(lb.Listeners)
		for i := range ls {
			if ls[i].Port == port {
				lb.Listeners = f(ls, i)
				return
			}
		}
	})
}

func denied(s inventory.Source) mutation {
	return onInv(func(inv *inventory.Inventory) {
		if inv.Errors == nil {
			inv.Errors = map[inventory.Source]inventory.SourceError{}
		}
		inv.Errors[s] = inventory.SourceError{Source: s, Code: "AccessDenied", Err: "User is not authorized to perform: " + string(s)}
	})
}

// acmChain replaces the ACM certificate's body with the given chain.
func acmChain(chain func(t testing.TB) []*x509.Certificate) mutation {
	return onCert(func(t testing.TB, c *inventory.Certificate) {
		certs := chain(t)
		c.Chain = pemOf(certs...)
		c.NotBefore, c.NotAfter = certs[0].NotBefore, certs[0].NotAfter
	})
}

func prodLeaf(t testing.TB, mod func(c *x509.Certificate)) *x509.Certificate {
	hosts := fxProdHosts.All()
	tmpl := leafTemplate(hosts[0], hosts...)
	mod(tmpl)
	return issued(t, tmpl)
}

const fails = StatusFail

func TestVMExists(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "prod node stopped", mutate: onInst(fxProd2, func(i *inventory.Instance) { i.State = "stopped" }),
			id: "VM-EXISTS", want: fails, resource: fxProd2, message: "is stopped"},
		{name: "dev node stopped", env: "dev", mutate: onInst(fxDev1, func(i *inventory.Instance) { i.State = "stopped" }),
			id: "VM-EXISTS", want: fails, resource: fxDev1},
		{name: "dev node stopped, its public IP released", env: "dev",
			mutate: onInst(fxDev1, func(i *inventory.Instance) {
				i.State, i.PublicIP, i.Interfaces = "stopped", "", []inventory.Interface{{ID: "eni-1", PrivateIP: i.PrivateIP}}
			}),
			id: "VM-EXISTS", want: fails, resource: fxDev1, also: map[string][]Status{"NET-EGRESS": {StatusSkip}}},
		{name: "pending warns", mutate: onInst(fxProd1, func(i *inventory.Instance) { i.State = "pending" }),
			id: "VM-EXISTS", want: StatusWarn, resource: fxProd1},
		{name: "terminated", mutate: onInst(fxProd1, func(i *inventory.Instance) { i.State = "terminated" }),
			id: "VM-EXISTS", want: fails, resource: fxProd1, message: "terminated", skipsOK: true},
		{name: "missing prod node: VM-EXISTS only", mutate: onInv(func(inv *inventory.Inventory) { delete(inv.Instances, fxProd3) }),
			id: "VM-EXISTS", want: fails, resource: fxProd3, message: "does not exist in account 222222222222 (us-east-1)", skipsOK: true},
		{name: "missing dev node: VM-EXISTS only", env: "dev", mutate: onInv(func(inv *inventory.Inventory) { delete(inv.Instances, fxDev1) }),
			id: "VM-EXISTS", want: fails, resource: fxDev1, skipsOK: true},
	})
}

func TestMissingInstanceSkipsOtherRules(t *testing.T) {
	doc, inv := fixture(t, "prod", false)
	delete(inv.Instances, fxProd1)
	r := Verify(doc, "prod", inv, testNow, DefaultConfig())
	for _, id := range []string{"VM-AMI", "VM-SIZE", "VM-STORAGE", "VM-NIC", "NET-EGRESS", "NET-ISOLATION", "NET-LB-PORTS", "LB-TARGETS", "OPS-BACKUP", "OPS-ALARM", "NET-CLUSTER-PORTS"} {
		if !slices.ContainsFunc(checksOf(r, id), func(c Check) bool {
			return c.Status == StatusSkip && slices.Equal(c.Resources, []string{fxProd1}) && strings.Contains(c.Message, "see VM-EXISTS")
		}) {
			t.Errorf("%s does not skip the missing instance:\n%s", id, dump(checksOf(r, id)))
		}
	}
}

func TestVMAMI(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "launched from another AMI", mutate: onInst(fxProd2, func(i *inventory.Instance) { i.ImageID = "ami-0fffffffffffffff0" }),
			id: "VM-AMI", want: fails, resource: fxProd2, message: "launched from ami-0fffffffffffffff0, not from the declared AMI"},
		{name: "AMI not visible", mutate: onInv(func(inv *inventory.Inventory) { inv.Image = nil }),
			id: "VM-AMI", want: fails, resource: fxAMI, message: "that Auth0 shared is not visible to account 222222222222"},
		{name: "AMI deregistered", env: "dev", mutate: onInv(func(inv *inventory.Inventory) { inv.Image.State = "deregistered" }),
			id: "VM-AMI", want: StatusWarn, resource: fxAMI},
		{name: "AMI id in another case", mutate: onInst(fxProd1, func(i *inventory.Instance) { i.ImageID = strings.ToUpper(fxAMI) }),
			id: "VM-AMI", want: StatusPass},
	})
}

func TestVMSize(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "m4.large meets the minimum, warns", mutate: withType(fxProd1, "m4.large", 2, 8192),
			id: "VM-SIZE", want: StatusWarn, resource: fxProd1, message: "m4.large has 2 vCPU, 8 GiB — meets the minimum; 4 vCPU/16 GiB recommended"},
		{name: "memory below the minimum", env: "dev", mutate: withType(fxDev1, "t3.medium", 2, 4096),
			id: "VM-SIZE", want: fails, resource: fxDev1, message: "below the minimum of 8 GiB"},
		{name: "both below the minimum", mutate: withType(fxProd3, "t2.small", 1, 2048),
			id: "VM-SIZE", want: fails, resource: fxProd3, message: "below the minimum of 2 vCPU and 8 GiB"},
		{name: "fractional memory", mutate: withType(fxProd3, "odd.large", 4, 15872),
			id: "VM-SIZE", want: StatusWarn, message: "15.5 GiB"},
		{name: "larger is fine", mutate: withType(fxProd2, "m5.4xlarge", 16, 65536), id: "VM-SIZE", want: StatusPass},
		{name: "type not described", mutate: onInst(fxProd2, func(i *inventory.Instance) { i.Type = "x9.huge" }),
			id: "VM-SIZE", want: StatusError, resource: fxProd2, message: "x9.huge"},
		{name: "thresholds from config", cfg: func(c *Config) { c.MinVCPU, c.RecommendedVCPU = 8, 8 },
			id: "VM-SIZE", want: fails, count: 3, message: "below the minimum of 8 vCPU"},
	})
}

func TestVMStorage(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "dev drive too small", env: "dev", mutate: resizeVolume("vol-0aaaaaaaaaaaaaa03", 30),
			id: "VM-STORAGE", want: fails, resource: "vol-0aaaaaaaaaaaaaa03", message: "vol-0aaaaaaaaaaaaaa03 is 30 GB where 50 GB is needed"},
		{name: "dev system drive too small", env: "dev", mutate: resizeVolume("vol-0aaaaaaaaaaaaaa01", 20),
			id: "VM-STORAGE", want: fails, resource: fxDev1, message: "vol-0aaaaaaaaaaaaaa01 is 20 GB where 40 GB is needed"},
		{name: "dev three drives", env: "dev", mutate: dropVolume("vol-0aaaaaaaaaaaaaa04"),
			id: "VM-STORAGE", want: fails, resource: fxDev1, message: "has 3 drives (40, 50, 50 GB); the DEV node has 4 drives"},
		{name: "dev five drives", env: "dev", mutate: addVolume(fxDev1, "vol-0aaaaaaaaaaaaaa05", 50),
			id: "VM-STORAGE", want: fails, resource: fxDev1},
		{name: "dev larger drives are fine", env: "dev",
			mutate: all(resizeVolume("vol-0aaaaaaaaaaaaaa02", 100), resizeVolume("vol-0aaaaaaaaaaaaaa03", 500)),
			id:     "VM-STORAGE", want: StatusPass},
		{name: "prod backup drive missing", mutate: dropVolume(volID(3, 4)),
			id: "VM-STORAGE", want: fails, resource: fxProd1, message: "None of the PROD nodes"},
		{name: "prod two backup drives", mutate: addVolume(fxProd1, "vol-0bbbbbbbbbbbbbb15", 100),
			id: "VM-STORAGE", want: fails, resource: fxProd1, message: "exactly one PROD node carries the 100 GB backup drive"},
		{name: "prod node with two drives", mutate: dropVolume(volID(2, 3)),
			id: "VM-STORAGE", want: fails, resource: fxProd2, message: "a PROD node has 3 drives"},
		{name: "prod data drive too small", mutate: resizeVolume(volID(1, 2), 80),
			id: "VM-STORAGE", want: fails, resource: fxProd1, message: "is 80 GB where 100 GB is needed"},
		{name: "prod backup drive too small", mutate: resizeVolume(volID(3, 4), 50),
			id: "VM-STORAGE", want: fails, resource: fxProd3, message: "the PROD node with the backup drive"},
		{name: "attached volume not described", mutate: onInv(func(inv *inventory.Inventory) { delete(inv.Volumes, volID(2, 1)) }),
			id: "VM-STORAGE", want: StatusError, resource: fxProd2, message: volID(2, 1)},
		{name: "volumes found by attachment only",
			mutate: onInst(fxProd1, func(i *inventory.Instance) { i.VolumeIDs = nil }), id: "VM-STORAGE", want: StatusPass},
		{name: "sizes from config", env: "dev", cfg: func(c *Config) { c.DevDriveSizesGB = []int{40, 60, 50, 50} },
			id: "VM-STORAGE", want: fails, resource: fxDev1, message: "where 60 GB is needed"},
	})
}

func TestVMNIC(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "two interfaces", mutate: onInst(fxProd1, func(i *inventory.Instance) {
			i.Interfaces = append(slices.Clone(i.Interfaces), inventory.Interface{ID: "eni-0second", PrivateIP: "10.20.1.99", SubnetID: fxProdSubnetA})
		}), id: "VM-NIC", want: fails, resource: fxProd1, message: "has 2 network interfaces"},
		{name: "interfaces not listed, address known", env: "dev",
			mutate: onInst(fxDev1, func(i *inventory.Instance) { i.Interfaces = nil }), id: "VM-NIC", want: StatusPass},
	})
}

func TestNetEgress(t *testing.T) {
	noPublic := func(id string) mutation {
		return onInst(id, func(i *inventory.Instance) {
			i.PublicIP = ""
			i.Interfaces = []inventory.Interface{{ID: "eni-1", PrivateIP: i.PrivateIP, SubnetID: i.SubnetID}}
		})
	}
	runAWS(t, []awsCase{
		{name: "dev without public IP behind an internet gateway", env: "dev", mutate: noPublic(fxDev1),
			id: "NET-EGRESS", want: fails, resource: fxDev1, message: "has no public IP"},
		{name: "dev without default route", env: "dev", mutate: onInv(func(inv *inventory.Inventory) {
			inv.RouteTables[0].Routes = inv.RouteTables[0].Routes[:1]
		}), id: "NET-EGRESS", want: fails, resource: fxDevRTB, message: "no default route"},
		{name: "dev behind NAT through an associated table", env: "dev", mutate: all(noPublic(fxDev1), onInv(func(inv *inventory.Inventory) {
			inv.RouteTables = append(inv.RouteTables, inventory.RouteTable{ID: "rtb-nat", VpcID: fxDevVPC, SubnetIDs: []string{fxDevSubnet},
				Routes: []inventory.Route{{Destination: "0.0.0.0/0", NatGatewayID: "nat-0dev"}}})
		})), id: "NET-EGRESS", want: StatusPass, resource: "rtb-nat", message: "NAT gateway nat-0dev"},
		{name: "prod private subnets routed to the internet gateway", mutate: defaultRouteOf(fxProdRTBPriv, inventory.Route{GatewayID: fxProdIGW}),
			id: "NET-EGRESS", want: fails, count: 3, resource: fxProd2, message: "has no public IP"},
		{name: "prod subnets fall back to the main table", mutate: onInv(func(inv *inventory.Inventory) { inv.RouteTables[1].SubnetIDs = nil }),
			id: "NET-EGRESS", want: fails, count: 3, resource: fxProdRTBMain},
		{name: "prod through a transit gateway", mutate: defaultRouteOf(fxProdRTBPriv, inventory.Route{TransitGatewayID: "tgw-0abc"}),
			id: "NET-EGRESS", want: StatusPass, message: "transit gateway tgw-0abc"},
		{name: "prod through a proxy interface", mutate: defaultRouteOf(fxProdRTBPriv, inventory.Route{NetworkInterface: "eni-0proxy"}),
			id: "NET-EGRESS", want: StatusPass, message: "eni-0proxy"},
		{name: "prod NAT gateway deleted", mutate: defaultRouteOf(fxProdRTBPriv, inventory.Route{NatGatewayID: fxProdNAT, State: "blackhole"}),
			id: "NET-EGRESS", want: fails, count: 3, message: "blackhole"},
		{name: "prod default route over a peering", mutate: defaultRouteOf(fxProdRTBPriv, inventory.Route{VpcPeeringID: "pcx-0abc"}),
			id: "NET-EGRESS", want: fails, count: 3, message: "does not lead to the internet"},
		{name: "prod node with a public IP behind NAT", mutate: onInst(fxProd1, func(i *inventory.Instance) { i.PublicIP = "54.20.0.1" }),
			id: "NET-EGRESS", want: StatusPass},
		{name: "no private IP", mutate: onInst(fxProd1, func(i *inventory.Instance) {
			i.PrivateIP, i.Interfaces = "", []inventory.Interface{{ID: "eni-1", SubnetID: i.SubnetID}}
		}), id: "NET-EGRESS", want: fails, resource: fxProd1, message: "no private IP",
			// The ip target group knows the node only by its address.
			also: map[string][]Status{"LB-TARGETS": {StatusFail}}},
	})
}

func TestNetNodes(t *testing.T) {
	sameAZ := onInv(func(inv *inventory.Inventory) {
		for id, i := range inv.Instances {
			i.AvailabilityZone = "us-east-1a"
			inv.Instances[id] = i
		}
	})
	runAWS(t, []awsCase{
		{name: "three nodes in one zone", mutate: sameAZ,
			id: "NET-NODES", want: fails, resource: fxProd3, message: "are in one availability zone, us-east-1a"},
		{name: "two zones are enough", mutate: onInst(fxProd3, func(i *inventory.Instance) { i.AvailabilityZone = "us-east-1a" }),
			id: "NET-NODES", want: StatusPass, message: "2 availability zones"},
		{name: "zones from the subnets", mutate: onInv(func(inv *inventory.Inventory) {
			for id, i := range inv.Instances {
				i.AvailabilityZone = ""
				inv.Instances[id] = i
			}
		}), id: "NET-NODES", want: StatusPass, message: "3 availability zones"},
		{name: "zones unknown", mutate: onInv(func(inv *inventory.Inventory) {
			inv.Subnets = nil
			for id, i := range inv.Instances {
				i.AvailabilityZone = ""
				inv.Instances[id] = i
			}
		}), id: "NET-NODES", want: StatusError},
		{name: "dev single node", env: "dev", id: "NET-NODES", want: StatusPass, resource: fxDev1, message: "DEV is a single node"},
	})
}

func TestNetIsolation(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "node in another VPC", mutate: onInst(fxProd2, func(i *inventory.Instance) { i.VpcID = "vpc-0ddddddddddddddd" }),
			id: "NET-ISOLATION", want: fails, resource: fxProd2, message: "not in the declared VPC vpc-0bbbbbbbbbbbbbbbb"},
		{name: "node in the DEV VPC", mutate: onInst(fxProd2, func(i *inventory.Instance) { i.VpcID = fxDevVPC }),
			id: "NET-ISOLATION", want: fails, resource: fxProd2, message: "completely isolated"},
		{name: "active peering with DEV", mutate: peering("pcx-0feedfeedfeedfee", fxProdVPC, fxDevVPC, "active"),
			id: "NET-ISOLATION", want: fails, resource: "pcx-0feedfeedfeedfee", message: "connects PROD's VPC"},
		{name: "peering pending acceptance", mutate: peering("pcx-0feedfeedfeedfee", fxProdVPC, fxDevVPC, "pending-acceptance"),
			id: "NET-ISOLATION", want: StatusPass, message: "pcx-0feedfeedfeedfee is pending-acceptance, not active"},
		{name: "peering deleted", mutate: peering("pcx-0feedfeedfeedfee", fxDevVPC, fxProdVPC, "deleted"), id: "NET-ISOLATION", want: StatusPass},
		{name: "active peering seen from DEV", env: "dev", mutate: peering("pcx-0feedfeedfeedfee", fxProdVPC, fxDevVPC, "active"),
			id: "NET-ISOLATION", want: fails, resource: "pcx-0feedfeedfeedfee"},
		{name: "VPC from the subnet", mutate: onInst(fxProd1, func(i *inventory.Instance) { i.VpcID = "" }), id: "NET-ISOLATION", want: StatusPass},
	})
}

func TestNetClusterPorts(t *testing.T) {
	cluster := func(f func(g *inventory.SecurityGroup)) mutation { return onSG(fxClusterSG, f) }
	runAWS(t, []awsCase{
		{name: "database port closed", mutate: cluster(replaceRule(27017)),
			id: "NET-CLUSTER-PORTS", want: fails, count: 3, resource: fxClusterSG, message: "tcp 27017 (database) from"},
		{name: "9300–9400 partly open", mutate: cluster(replaceRule(9300, tcpFromGroup(9300, 9350, fxClusterSG))),
			id: "NET-CLUSTER-PORTS", want: fails, count: 3, resource: fxProd1, message: "tcp 9351–9400 of tcp 9300–9400 (Elasticsearch)"},
		{name: "9300–9400 over two rules", mutate: cluster(replaceRule(9300, tcpFromGroup(9300, 9350, fxClusterSG), tcpFromGroup(9351, 9400, fxClusterSG))),
			id: "NET-CLUSTER-PORTS", want: StatusPass},
		{name: "all traffic from the cluster group", mutate: cluster(func(g *inventory.SecurityGroup) {
			g.Ingress = []inventory.IngressRule{{Protocol: "-1", FromPort: -1, ToPort: -1, SourceGroups: []string{fxClusterSG}}}
		}), id: "NET-CLUSTER-PORTS", want: StatusPass},
		{name: "ports from the VPC range", mutate: cluster(func(g *inventory.SecurityGroup) {
			for i := range g.Ingress {
				g.Ingress[i].SourceGroups, g.Ingress[i].CIDRs = nil, []string{"10.20.0.0/16"}
			}
		}), id: "NET-CLUSTER-PORTS", want: StatusPass},
		{name: "ports from a range without the nodes", mutate: cluster(func(g *inventory.SecurityGroup) {
			for i := range g.Ingress {
				g.Ingress[i].SourceGroups, g.Ingress[i].CIDRs = nil, []string{"10.99.0.0/16"}
			}
		}), id: "NET-CLUSTER-PORTS", want: fails, count: 3},
		{name: "udp instead of tcp", mutate: cluster(replaceRule(7777, inventory.IngressRule{Protocol: "udp", FromPort: 7777, ToPort: 7777, SourceGroups: []string{fxClusterSG}})),
			id: "NET-CLUSTER-PORTS", want: fails, count: 3, message: "7777"},
		{name: "rate limiting port not required", cfg: func(c *Config) {
			c.ClusterPorts = append(c.ClusterPorts, PortRange{Protocol: "tcp", From: 9001, To: 9001})
		},
			id: "NET-CLUSTER-PORTS", want: StatusPass},
		{name: "dev has no cluster", env: "dev", id: "NET-CLUSTER-PORTS", want: StatusSkip, count: 1,
			mutate: onSG(fxDevSG, func(g *inventory.SecurityGroup) {}), message: "single-node DEV"},
	})
}

func TestNetLBPorts(t *testing.T) {
	runAWS(t, []awsCase{
		{name: "prod 443 closed", mutate: onSG(fxWebSG, replaceRule(443)),
			id: "NET-LB-PORTS", want: fails, count: 3, resource: fxWebSG, message: "does not accept tcp 443"},
		{name: "dev 80 closed", env: "dev", mutate: onSG(fxDevSG, replaceRule(80)),
			id: "NET-LB-PORTS", want: fails, resource: fxDev1, message: "tcp 80"},
		{name: "prod 443 from the load balancer's group", mutate: onSG(fxWebSG, replaceRule(443, tcpFromGroup(443, 443, "sg-0nlb"))),
			id: "NET-LB-PORTS", want: StatusPass},
		{name: "prod 80 and 443 from the VPC only", mutate: onSG(fxWebSG, func(g *inventory.SecurityGroup) {
			g.Ingress[0].CIDRs, g.Ingress[1].CIDRs = []string{"10.20.0.0/16"}, []string{"10.20.0.0/16"}
		}), id: "NET-LB-PORTS", want: StatusPass},
		{name: "one rule for 80–443", env: "dev", mutate: onSG(fxDevSG, func(g *inventory.SecurityGroup) {
			g.Ingress = []inventory.IngressRule{tcpFrom(80, 443, "0.0.0.0/0"), tcpFrom(22, 22, fxJump)}
		}), id: "NET-LB-PORTS", want: StatusPass},
	})
}

func TestNetSSH(t *testing.T) {
	web := func(f func(g *inventory.SecurityGroup)) mutation { return onSG(fxWebSG, f) }
	runAWS(t, []awsCase{
		{name: "open to the world", mutate: web(replaceRule(22, tcpFrom(22, 22, "0.0.0.0/0"))),
			id: "NET-SSH", want: fails, resource: fxWebSG, message: "opens port 22 to 0.0.0.0/0 (tcp 22), beyond the jump host 203.0.113.10/32"},
		{name: "a /24 holding the jump host", mutate: web(replaceRule(22, tcpFrom(22, 22, "203.0.113.0/24"))),
			id: "NET-SSH", want: fails, resource: "203.0.113.0/24"},
		{name: "exactly the jump host", mutate: web(replaceRule(22, tcpFrom(22, 22, "203.0.113.10/32"))),
			id: "NET-SSH", want: StatusPass, message: "only to the jump host 203.0.113.10/32"},
		{name: "all traffic from anywhere", mutate: onSG(fxClusterSG, addRule(inventory.IngressRule{Protocol: "-1", FromPort: -1, ToPort: -1, CIDRs: []string{"0.0.0.0/0"}})),
			id: "NET-SSH", want: fails, resource: fxClusterSG, message: "0.0.0.0/0 (all traffic)"},
		{name: "a port range holding 22", mutate: web(addRule(tcpFrom(20, 30, "198.51.100.0/24"))),
			id: "NET-SSH", want: fails, resource: "198.51.100.0/24", message: "tcp 20–30"},
		{name: "IPv6 world", mutate: web(addRule(tcpFrom(22, 22, "::/0"))), id: "NET-SSH", want: fails, resource: "::/0"},
		{name: "no port 22 at all", mutate: web(replaceRule(22)), id: "NET-SSH", want: StatusPass, message: "not open to any address range"},
		{name: "from a bastion's group", mutate: web(replaceRule(22, tcpFromGroup(22, 22, "sg-0bastion"))), id: "NET-SSH", want: StatusPass},
		{name: "node to node inside the VPC", mutate: onSG(fxClusterSG, addRule(tcpFrom(0, 65535, "10.20.0.0/16"))),
			id: "NET-SSH", want: StatusPass, message: "inside the VPC"},
		{name: "jump host inside the VPC, whole VPC open", mutate: func(t testing.TB, d *checklist.Document, inv *inventory.Inventory) {
			d.Environments.Prod.JumpHostCidr = "10.20.5.10/32"
			web(replaceRule(22, tcpFrom(22, 22, "10.20.5.10/32")))(t, d, inv)
			onSG(fxClusterSG, addRule(tcpFrom(0, 65535, "10.20.0.0/16")))(t, d, inv)
		}, id: "NET-SSH", want: fails, resource: "10.20.0.0/16"},
		{name: "dev open to the world", env: "dev", mutate: onSG(fxDevSG, replaceRule(22, tcpFrom(22, 22, "0.0.0.0/0"))),
			id: "NET-SSH", want: fails, resource: fxDevSG},
	})
}

func TestLB(t *testing.T) {
	lbSkips := map[string][]Status{"LB-LISTENERS": {StatusSkip}, "LB-TARGETS": {StatusSkip}, "LB-HEALTHCHECK": {StatusSkip}}
	runAWS(t, []awsCase{
		{name: "application load balancer", mutate: onLB(func(lb *inventory.LoadBalancer) { lb.Type = "application" }),
			id: "LB-TYPE", want: fails, resource: fxLB, message: "Application load balancer",
			also: map[string][]Status{"LB-LISTENERS": {StatusSkip}}},
		{name: "load balancer missing", mutate: onInv(func(inv *inventory.Inventory) { inv.LoadBalancer = nil }),
			id: "LB-TYPE", want: fails, resource: fxLB, message: "does not exist", also: lbSkips},
		{name: "provisioning", mutate: onLB(func(lb *inventory.LoadBalancer) { lb.State = "provisioning" }), id: "LB-TYPE", want: StatusWarn},
		{name: "failed", mutate: onLB(func(lb *inventory.LoadBalancer) { lb.State = "failed" }), id: "LB-TYPE", want: fails},

		{name: "TLS listener", mutate: listener(443, func(ls []inventory.Listener, i int) []inventory.Listener { ls[i].Protocol = "TLS"; return ls }),
			id: "LB-LISTENERS", want: fails, resource: fxLB + "/listener-443", message: "TLS must terminate on the nodes"},
		{name: "HTTPS listener", mutate: listener(443, func(ls []inventory.Listener, i int) []inventory.Listener { ls[i].Protocol = "HTTPS"; return ls }),
			id: "LB-LISTENERS", want: fails},
		{name: "no listener on 80 warns", mutate: listener(80, func(ls []inventory.Listener, i int) []inventory.Listener { return slices.Delete(ls, i, i+1) }),
			id: "LB-LISTENERS", want: StatusWarn, resource: fxLB, message: "no listener on port 80"},
		{name: "no listener on 443", mutate: listener(443, func(ls []inventory.Listener, i int) []inventory.Listener { return slices.Delete(ls, i, i+1) }),
			id: "LB-LISTENERS", want: fails, resource: fxLB, message: "no listener on port 443"},
		{name: "TCP_UDP listener", mutate: listener(443, func(ls []inventory.Listener, i int) []inventory.Listener { ls[i].Protocol = "TCP_UDP"; return ls }),
			id: "LB-LISTENERS", want: StatusPass},

		{name: "node not registered", mutate: targets(fxTG443, func(ts []inventory.Target) []inventory.Target {
			return slices.DeleteFunc(ts, func(x inventory.Target) bool { return x.ID == fxProd2 })
		}), id: "LB-TARGETS", want: fails, resource: fxProd2, message: "not registered in the target group appliance-443"},
		{name: "node's address not registered in the ip group", mutate: targets(fxTG80, func(ts []inventory.Target) []inventory.Target {
			return slices.DeleteFunc(ts, func(x inventory.Target) bool { return x.ID == fxProdIPs[fxProd3] })
		}), id: "LB-TARGETS", want: fails, resource: fxProd3},
		{name: "instance id in an ip group does not count", mutate: targets(fxTG80, func(ts []inventory.Target) []inventory.Target {
			ts[0].ID = fxProd1
			return ts
		}), id: "LB-TARGETS", want: fails, resource: fxProd1},
		{name: "unhealthy target warns", mutate: targets(fxTG443, func(ts []inventory.Target) []inventory.Target {
			ts[0].Health, ts[0].Reason = "unhealthy", "Target.FailedHealthChecks"
			return ts
		}), id: "LB-TARGETS", want: StatusWarn, resource: fxProd1, message: "Target.FailedHealthChecks"},
		{name: "health not reported", mutate: targets(fxTG443, func(ts []inventory.Target) []inventory.Target {
			ts[1].Health = ""
			return ts
		}), id: "LB-TARGETS", want: StatusPass},

		{name: "TCP health check", mutate: healthCheck(fxTG443, "TCP", ""),
			id: "LB-HEALTHCHECK", want: fails, resource: fxTG443, message: "over TCP"},
		{name: "health check on /", mutate: healthCheck(fxTG80, "HTTP", "/"),
			id: "LB-HEALTHCHECK", want: fails, resource: fxTG80, message: "on /, not on /testall"},
		{name: "health check path from config", cfg: func(c *Config) { c.HealthCheckPath = "/health" },
			id: "LB-HEALTHCHECK", want: fails, count: 2},

		{name: "dev has no load balancer", env: "dev", id: "LB-TYPE", want: StatusSkip, count: 1, message: "reached directly",
			mutate: onInv(func(*inventory.Inventory) {})},
	})
}

func TestOps(t *testing.T) {
	alarms := func(f func(as []inventory.Alarm) []inventory.Alarm) mutation {
		return onInv(func(inv *inventory.Inventory) { inv.Alarms = f(slices.Clone(inv.Alarms)) })
	}
	forNode := func(id string) func(a inventory.Alarm) bool {
		return func(a inventory.Alarm) bool { return a.Dimensions["InstanceId"] == id }
	}
	runAWS(t, []awsCase{
		{name: "node without backup", mutate: onInv(func(inv *inventory.Inventory) { delete(inv.Backup, fxProd1) }),
			id: "OPS-BACKUP", want: fails, resource: fxProd1, message: "no AWS Backup plan"},
		{name: "dev without backup", env: "dev", mutate: onInv(func(inv *inventory.Inventory) { inv.Backup = nil }),
			id: "OPS-BACKUP", want: fails, resource: fxDev1},
		{name: "node without backup, DLM unreadable", mutate: all(denied(inventory.SrcDLM), onInv(func(inv *inventory.Inventory) { delete(inv.Backup, fxProd1) })),
			id: "OPS-BACKUP", want: StatusError, resource: fxProd1, message: "dlm:GetLifecyclePolicies (AccessDenied)"},
		{name: "DLM unreadable, every node covered", mutate: denied(inventory.SrcDLM), id: "OPS-BACKUP", want: StatusPass},

		{name: "node without alarm", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm { return slices.DeleteFunc(as, forNode(fxProd2)) }),
			id: "OPS-ALARM", want: fails, resource: fxProd2, message: "no CloudWatch alarm on its status checks"},
		{name: "alarm without actions", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm {
			as[slices.IndexFunc(as, forNode(fxProd2))].Actions = 0
			return as
		}), id: "OPS-ALARM", want: StatusWarn, resource: fxProd2, message: "notifies no one"},
		{name: "system status check alarm", env: "dev", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm {
			as[0].MetricName = "StatusCheckFailed_System"
			return as
		}), id: "OPS-ALARM", want: StatusPass},
		{name: "CPU alarm only", env: "dev", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm {
			as[0].MetricName = "CPUUtilization"
			return as
		}), id: "OPS-ALARM", want: fails, resource: fxDev1},
		{name: "alarm on another instance", env: "dev", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm {
			as[0].Dimensions = map[string]string{"InstanceId": "i-0other"}
			return as
		}), id: "OPS-ALARM", want: fails},
		{name: "alarm in another namespace", env: "dev", mutate: alarms(func(as []inventory.Alarm) []inventory.Alarm {
			as[0].Namespace = "Custom/Appliance"
			return as
		}), id: "OPS-ALARM", want: fails},
	})
}

func TestTLSFromACM(t *testing.T) {
	certSkips := map[string][]Status{
		"TLS-SELF-SIGNED": {StatusSkip}, "TLS-CHAIN": {StatusSkip}, "TLS-KEY": {StatusSkip},
		"TLS-NAMES": {StatusSkip}, "TLS-EXPIRY": {StatusSkip}, "TLS-DISTINCT": {StatusSkip},
	}
	summaryOnly := onCert(func(_ testing.TB, c *inventory.Certificate) { c.Chain, c.Type = "", "AMAZON_ISSUED" })
	noDistinct := map[string][]Status{"TLS-DISTINCT": {StatusSkip}}
	runAWS(t, []awsCase{
		{name: "certificate not in ACM", acm: true, mutate: onInv(func(inv *inventory.Inventory) { inv.Certificate = nil }),
			id: "TLS-ACM", want: fails, resource: fxACM, message: "does not exist in account 222222222222 (us-east-1)", also: certSkips},
		{name: "pending validation", acm: true, mutate: onCert(func(_ testing.TB, c *inventory.Certificate) { c.Status, c.Chain = "PENDING_VALIDATION", "" }),
			id: "TLS-ACM", want: fails, resource: fxACM, message: "pending validation", also: certSkips},
		{name: "revoked", acm: true, mutate: onCert(func(_ testing.TB, c *inventory.Certificate) { c.Status = "REVOKED" }),
			id: "TLS-ACM", want: fails, message: "is revoked", also: certSkips},
		{name: "private CA", acm: true, mutate: onCert(func(_ testing.TB, c *inventory.Certificate) { c.Type = "PRIVATE" }),
			id: "TLS-ACM", want: fails, message: "private CA",
			also: map[string][]Status{"TLS-SELF-SIGNED": {StatusSkip}, "TLS-CHAIN": {StatusSkip}}},

		{name: "self-signed chain", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return []*x509.Certificate{selfSignedLeaf(t, fxProdHosts.All()...)}
		}), id: "TLS-SELF-SIGNED", want: fails, resource: fxACM, message: "self-signed",
			also: map[string][]Status{"TLS-CHAIN": {StatusSkip}}},
		{name: "leaf without intermediates", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return []*x509.Certificate{prodLeaf(t, func(*x509.Certificate) {})}
		}), id: "TLS-CHAIN", want: fails, resource: fxACM, message: "include the intermediate certificates"},
		{name: "expiring in 45 days warns", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return []*x509.Certificate{prodLeaf(t, func(c *x509.Certificate) { c.NotAfter = testNow.Add(45 * day24) }), pkiOnce().inter}
		}), id: "TLS-EXPIRY", want: StatusWarn, resource: fxACM, message: "in 45 days"},
		{name: "expiring in 10 days fails", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return []*x509.Certificate{prodLeaf(t, func(c *x509.Certificate) { c.NotAfter = testNow.Add(10 * day24) }), pkiOnce().inter}
		}), id: "TLS-EXPIRY", want: fails, message: "in 10 days"},
		{name: "expired in ACM", acm: true, mutate: all(onCert(func(_ testing.TB, c *inventory.Certificate) { c.Status = "EXPIRED" }),
			acmChain(func(t testing.TB) []*x509.Certificate {
				return []*x509.Certificate{prodLeaf(t, func(c *x509.Certificate) { c.NotAfter = testNow.Add(-day24) }), pkiOnce().inter}
			})), id: "TLS-EXPIRY", want: fails, message: "expired on"},
		{name: "wildcard chain", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return []*x509.Certificate{issued(t, leafTemplate("*.example.com", "*.example.com")), pkiOnce().inter}
		}), id: "TLS-NAMES", want: StatusPass},
		{name: "name missing", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			return goodChain(t, fxProdHosts.Manage, fxProdHosts.Rta, fxProdHosts.Webtask)
		}), id: "TLS-NAMES", want: fails, resource: "app1-acme.example.com"},
		{name: "ECDSA key", acm: true, mutate: acmChain(func(t testing.TB) []*x509.Certificate {
			p := pkiOnce()
			hosts := fxProdHosts.All()
			return []*x509.Certificate{mustCreate(leafTemplate(hosts[0], hosts...), p.inter, &p.ecKey.PublicKey, p.interKey), p.inter}
		}), id: "TLS-KEY", want: fails, message: "ECDSA"},

		{name: "summary: wildcard", acm: true, mutate: all(summaryOnly, onCert(func(_ testing.TB, c *inventory.Certificate) {
			c.DomainName, c.SANs = "*.example.com", []string{"*.example.com"}
		})), id: "TLS-NAMES", want: StatusPass, resource: fxACM, also: noDistinct},
		{name: "summary: wildcard does not cover four parts", acm: true, mutate: func(t testing.TB, d *checklist.Document, inv *inventory.Inventory) {
			summaryOnly(t, d, inv)
			inv.Certificate.DomainName, inv.Certificate.SANs = "*.example.com", nil
			d.Environments.Prod.Hostnames = checklist.Hostnames{Manage: "manage.acme.example.com", Rta: "rta.acme.example.com",
				Webtask: "webtask.acme.example.com", Apps: []string{"app1.acme.example.com"}}
		}, id: "TLS-NAMES", want: fails, resource: "app1.acme.example.com", also: noDistinct},
		{name: "summary: expiring in 45 days", acm: true, mutate: all(summaryOnly, onCert(func(_ testing.TB, c *inventory.Certificate) {
			c.NotAfter = testNow.Add(45 * day24)
		})), id: "TLS-EXPIRY", want: StatusWarn, message: "in 45 days", also: noDistinct},
		{name: "summary: EC key", acm: true, mutate: all(summaryOnly, onCert(func(_ testing.TB, c *inventory.Certificate) { c.KeyAlgorithm = "EC_prime256v1" })),
			id: "TLS-KEY", want: fails, message: "EC_PRIME256V1", also: noDistinct},
		{name: "summary: 1024-bit RSA", acm: true, mutate: all(summaryOnly, onCert(func(_ testing.TB, c *inventory.Certificate) { c.KeyAlgorithm = "RSA_1024" })),
			id: "TLS-KEY", want: fails, message: "1024-bit", also: noDistinct},
		{name: "summary: imported, chain unreadable", acm: true, mutate: all(denied(inventory.SrcCertChain), onCert(func(_ testing.TB, c *inventory.Certificate) { c.Chain = "" })),
			id: "TLS-SELF-SIGNED", want: StatusError, resource: "acm:GetCertificate", message: "Could not read acm:GetCertificate (AccessDenied)",
			also: map[string][]Status{"TLS-CHAIN": {StatusError}, "TLS-DISTINCT": {StatusSkip}}},

		{name: "same certificate as DEV", acm: true, mutate: func(t testing.TB, d *checklist.Document, inv *inventory.Inventory) {
			chain := goodChain(t, append(fxProdHosts.All(), fxDevHosts.All()...)...)
			inv.Certificate.Chain = pemOf(chain...)
			d.Environments.Dev.Certificate.PEM = pemOf(chain...)
		}, id: "TLS-DISTINCT", want: fails, resource: fxACM, message: "same certificate"},
		{name: "same wildcard as DEV", acm: true, mutate: func(t testing.TB, d *checklist.Document, inv *inventory.Inventory) {
			inv.Certificate.Chain = pemOf(issued(t, leafTemplate("prod", "*.example.com")), pkiOnce().inter)
			d.Environments.Dev.Certificate.PEM = pemOf(issued(t, leafTemplate("dev", "*.example.com")), pkiOnce().inter)
		}, id: "TLS-DISTINCT", want: StatusWarn, message: "*.example.com"},
		{name: "DEV compares with PROD's ACM later", env: "dev", acm: true, id: "TLS-DISTINCT", want: StatusSkip, count: 1,
			mutate: onInv(func(*inventory.Inventory) {}), message: "compared when PROD is verified"},
	})
}

func TestAWSRulesEachFail(t *testing.T) {
	// Run after the tables above (same file order): every AWS rule and
	// every certificate rule has a case that makes it fail.
	if len(seenAWS) == 0 {
		t.Skip("run with the table tests")
	}
	for _, r := range AWSRules() {
		if !seenAWS[r.ID][StatusFail] {
			t.Errorf("no case makes %s fail: %v", r.ID, seenAWS[r.ID])
		}
	}
	for _, cc := range chainChecks {
		if !seenAWS[cc.ID][StatusFail] {
			t.Errorf("no ACM case makes %s fail: %v", cc.ID, seenAWS[cc.ID])
		}
	}
	for _, id := range []string{"VM-SIZE", "VM-EXISTS", "LB-LISTENERS", "LB-TARGETS", "OPS-ALARM", "TLS-EXPIRY"} {
		if !seenAWS[id][StatusWarn] {
			t.Errorf("no case makes %s warn", id)
		}
	}
}
