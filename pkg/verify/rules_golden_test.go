package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// TestReportsGolden is a differential check for performance work on the
// rules: with VERIFY_GOLDEN_DIR set, it writes the report (JSON) of each of
// ~1,500 seeded random scenarios — correct environments of 1 to 300 nodes
// broken in one to five random ways — into that directory, or, when the
// directory already holds them, compares against them. Run it once on the
// code before a change and once after: any difference in any report
// fails. Without the variable it is skipped (the fixture's certificates
// are made afresh per test binary, so the files hold a run's reports, not
// a committed golden). With VERIFY_GOLDEN_SHUFFLE=1 as well, each
// scenario declares its instance ids in a random order, as customers do
// (the fixture declares them sorted): record and compare those in a
// directory of their own.
func TestReportsGolden(t *testing.T) {
	dir := os.Getenv("VERIFY_GOLDEN_DIR")
	if dir == "" {
		t.Skip("set VERIFY_GOLDEN_DIR to write or compare the reports")
	}
	shuffle := os.Getenv("VERIFY_GOLDEN_SHUFFLE") == "1"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Fingerprints and serials differ per test binary: mask long hex.
	hexRun := regexp.MustCompile(`[0-9a-f]{64}`)
	written, compared := 0, 0
	for seed := range 1500 {
		name, r := goldenScenario(t, uint64(seed), shuffle)
		b, err := json.MarshalIndent(r, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		b = hexRun.ReplaceAll(b, []byte("<hex>"))
		path := filepath.Join(dir, fmt.Sprintf("%04d.json", seed))
		old, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			written++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		compared++
		if string(old) != string(b) {
			sum := sha256.Sum256(b)
			t.Errorf("seed %d (%s): report differs (new sha %s); diff %s %s.new", seed, name, hex.EncodeToString(sum[:8]), path, path)
			_ = os.WriteFile(path+".new", b, 0o644)
		}
	}
	t.Logf("%d reports written, %d compared", written, compared)
}

// goldenScenario builds one seeded scenario, with its ids shuffled if
// asked, and verifies it.
func goldenScenario(t *testing.T, seed uint64, shuffle bool) (string, Report) {
	name, doc, env, inv, cfg := goldenInput(t, seed, rand.New(rand.NewPCG(seed, 99)), shuffle)
	return name, Verify(doc, env, inv, testNow, cfg)
}

// goldenInput builds one random scenario: a correct environment of 1 to
// 300 nodes (300 when seed%100 is 7) broken in up to five random ways,
// with its instance ids then shuffled if asked.
func goldenInput(t *testing.T, seed uint64, rnd *rand.Rand, shuffle bool) (string, *checklist.Document, string, *inventory.Inventory, Config) {
	env := checklist.EnvProd
	if rnd.IntN(4) == 0 {
		env = checklist.EnvDev
	}
	acm := env == checklist.EnvProd && rnd.IntN(5) == 0
	var doc *checklist.Document
	var inv *inventory.Inventory
	n := 3
	switch {
	case env == checklist.EnvDev:
		doc, inv = fixture(t, env, false)
		n = 1
	default:
		sizes := []int{3, 3, 4, 5, 8, 13, 40}
		n = sizes[rnd.IntN(len(sizes))]
		if seed%100 == 7 {
			n = 300
		}
		doc, inv = scaledProd(t, n)
		if acm {
			doc.Environments.Prod.Certificate = checklist.Certificate{AcmArn: fxACM}
			inv.Certificate = acmCertificateFor(t, fxProdHosts)
		}
	}
	cfg := DefaultConfig()
	ids := slices.Clone(doc.Env(env).InstanceIDs)
	pick := func() string {
		if len(ids) == 0 {
			return "i-0none"
		}
		return ids[rnd.IntN(len(ids))]
	}
	k := rnd.IntN(6) // 0: the correct environment
	name := fmt.Sprintf("%s n=%d acm=%v", env, n, acm)
	for range k {
		m := rnd.IntN(len(goldenMutations))
		name += fmt.Sprintf(" m%d", m)
		e := doc.Env(env)
		if e == nil {
			e = &checklist.Environment{} // the environment was dropped
		}
		goldenMutations[m](rnd, pick, doc, e, inv, &cfg)
	}
	if e := doc.Env(env); shuffle && e != nil {
		rnd.Shuffle(len(e.InstanceIDs), func(i, j int) { e.InstanceIDs[i], e.InstanceIDs[j] = e.InstanceIDs[j], e.InstanceIDs[i] })
	}
	return name, doc, env, inv, cfg
}

type goldenMutation func(rnd *rand.Rand, pick func() string, doc *checklist.Document, e *checklist.Environment, inv *inventory.Inventory, cfg *Config)

func editInst(inv *inventory.Inventory, id string, f func(i *inventory.Instance)) {
	i, ok := inv.Instances[id]
	if !ok {
		return
	}
	i.Interfaces = slices.Clone(i.Interfaces)
	i.SecurityGroupIDs = slices.Clone(i.SecurityGroupIDs)
	i.VolumeIDs = slices.Clone(i.VolumeIDs)
	f(&i)
	inv.Instances[id] = i
}

func editSG(inv *inventory.Inventory, id string, f func(g *inventory.SecurityGroup)) {
	g, ok := inv.SecurityGroups[id]
	if !ok {
		return
	}
	g.Ingress = slices.Clone(g.Ingress)
	f(&g)
	inv.SecurityGroups[id] = g
}

var goldenStates = []string{"stopped", "pending", "terminated", "shutting-down", "", "Running", "stopping"}

var goldenMutations = []goldenMutation{
	// Instances.
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		editInst(inv, pick(), func(i *inventory.Instance) { i.State = goldenStates[rnd.IntN(len(goldenStates))] })
	},
	func(_ *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		delete(inv.Instances, pick())
	},
	func(_ *rand.Rand, pick func() string, _ *checklist.Document, e *checklist.Environment, _ *inventory.Inventory, _ *Config) {
		e.InstanceIDs = append(slices.Clone(e.InstanceIDs), pick(), " ", "i-0notthere")
	},
	func(_ *rand.Rand, _ func() string, _ *checklist.Document, e *checklist.Environment, _ *inventory.Inventory, _ *Config) {
		e.InstanceIDs = nil
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		amis := []string{"ami-0fffffffffffffff0", "", "AMI-0123456789ABCDEF0"}
		editInst(inv, pick(), func(i *inventory.Instance) { i.ImageID = amis[rnd.IntN(len(amis))] })
	},
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, e *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		switch rnd.IntN(4) {
		case 0:
			inv.Image = nil
		case 1:
			inv.Image.State = "deregistered"
		case 2:
			e.AmiID = ""
		default:
			inv.Image.Name = ""
		}
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		types := []inventory.InstanceType{{Name: "m4.large", VCPUs: 2, MemoryMiB: 8192}, {Name: "t3.medium", VCPUs: 2, MemoryMiB: 4096},
			{Name: "t2.small", VCPUs: 1, MemoryMiB: 2048}, {Name: "odd.large", VCPUs: 4, MemoryMiB: 15872}, {Name: "m5.4xlarge", VCPUs: 16, MemoryMiB: 65536}}
		ty := types[rnd.IntN(len(types))]
		inv.InstanceTypes[ty.Name] = ty
		editInst(inv, pick(), func(i *inventory.Instance) { i.Type = ty.Name })
	},
	func(_ *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		editInst(inv, pick(), func(i *inventory.Instance) { i.Type = "x9.huge" })
	},
	// Volumes.
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		i, ok := inv.Instances[pick()]
		if !ok || len(i.VolumeIDs) == 0 {
			return
		}
		v := inv.Volumes[i.VolumeIDs[rnd.IntN(len(i.VolumeIDs))]]
		v.SizeGiB = []int32{20, 30, 50, 80, 100, 500}[rnd.IntN(6)]
		inv.Volumes[v.ID] = v
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		id := pick()
		i, ok := inv.Instances[id]
		if !ok || len(i.VolumeIDs) == 0 {
			return
		}
		vid := i.VolumeIDs[rnd.IntN(len(i.VolumeIDs))]
		switch rnd.IntN(3) {
		case 0: // dropped
			delete(inv.Volumes, vid)
			editInst(inv, id, func(i *inventory.Instance) {
				i.VolumeIDs = slices.DeleteFunc(i.VolumeIDs, func(x string) bool { return x == vid })
			})
		case 1: // not described
			delete(inv.Volumes, vid)
		default: // listed by attachment only
			editInst(inv, id, func(i *inventory.Instance) { i.VolumeIDs = nil })
		}
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		id := pick()
		vid := fmt.Sprintf("vol-0extra%06d", rnd.IntN(1000000))
		inv.Volumes[vid] = inventory.Volume{ID: vid, SizeGiB: []int32{40, 50, 100, 200}[rnd.IntN(4)], InstanceID: id, Type: "gp3"}
		if rnd.IntN(2) == 0 {
			editInst(inv, id, func(i *inventory.Instance) { i.VolumeIDs = append(i.VolumeIDs, vid, vid) })
		}
	},
	// Interfaces and addresses.
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		editInst(inv, pick(), func(i *inventory.Instance) {
			switch rnd.IntN(5) {
			case 0:
				i.Interfaces = append(i.Interfaces, inventory.Interface{ID: "eni-0second", PrivateIP: "10.20.1.199", SubnetID: fxProdSubnetA})
			case 1:
				i.Interfaces = nil
			case 2:
				i.PrivateIP, i.Interfaces = "", []inventory.Interface{{ID: "", SubnetID: i.SubnetID}}
			case 3:
				i.PublicIP = "54.20.0.1"
			default:
				i.Interfaces = append(i.Interfaces, inventory.Interface{ID: "eni-0third", PrivateIP: " 10.99.0.5 ", PublicIP: "3.3.3.3", SubnetID: "subnet-0elsewhere"})
			}
		})
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		editInst(inv, pick(), func(i *inventory.Instance) {
			switch rnd.IntN(4) {
			case 0:
				i.VpcID = ""
			case 1:
				i.VpcID = fxDevVPC
			case 2:
				i.VpcID = "vpc-0ddddddddddddddd"
			default:
				i.AvailabilityZone = ""
			}
		})
	},
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		for _, id := range slices.Sorted(maps.Keys(inv.Instances)) { // not map order: seeded
			i := inv.Instances[id]
			if rnd.IntN(2) == 0 {
				i.AvailabilityZone = "us-east-1a"
			} else {
				i.AvailabilityZone = ""
			}
			inv.Instances[id] = i
		}
		if rnd.IntN(2) == 0 {
			inv.Subnets = nil
		}
	},
	// Routes.
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		routes := []inventory.Route{{GatewayID: fxProdIGW}, {TransitGatewayID: "tgw-0abc"}, {NetworkInterface: "eni-0proxy"},
			{NatGatewayID: fxProdNAT, State: "blackhole"}, {VpcPeeringID: "pcx-0abc"}, {GatewayID: "vgw-0abc"}, {InstanceID: "i-0proxy"},
			{GatewayID: "local"}, {GatewayID: "weird-1"}, {}, {GatewayID: "nat-0gw"}}
		if len(inv.RouteTables) == 0 {
			return
		}
		rt := rnd.IntN(len(inv.RouteTables))
		inv.RouteTables = slices.Clone(inv.RouteTables)
		rs := slices.Clone(inv.RouteTables[rt].Routes)
		for j := range rs {
			if rs[j].Destination == "0.0.0.0/0" {
				rs[j] = routes[rnd.IntN(len(routes))]
				rs[j].Destination = "0.0.0.0/0"
			}
		}
		if rnd.IntN(4) == 0 {
			rs = rs[:1]
		}
		inv.RouteTables[rt].Routes = rs
	},
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		if len(inv.RouteTables) == 0 {
			return
		}
		inv.RouteTables = slices.Clone(inv.RouteTables)
		switch rnd.IntN(3) {
		case 0:
			inv.RouteTables[len(inv.RouteTables)-1].SubnetIDs = nil
		case 1:
			inv.RouteTables = nil
		default:
			inv.RouteTables[0].Main, inv.RouteTables[0].VpcID = false, ""
			inv.RouteTables = append(inv.RouteTables, inventory.RouteTable{ID: "rtb-0extra", SubnetIDs: []string{fxProdSubnetB, fxDevSubnet},
				Routes: []inventory.Route{{Destination: "0.0.0.0/0", NatGatewayID: "nat-0extra"}}})
		}
	},
	// Security groups.
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		ports := []int32{27017, 7777, 8721, 8701, 9200, 9300}
		port := ports[rnd.IntN(len(ports))]
		editSG(inv, fxClusterSG, func(g *inventory.SecurityGroup) {
			switch rnd.IntN(5) {
			case 0:
				replaceRule(port)(g)
			case 1:
				replaceRule(9300, tcpFromGroup(9300, 9350, fxClusterSG))(g)
			case 2:
				replaceRule(port, inventory.IngressRule{Protocol: "udp", FromPort: port, ToPort: port, SourceGroups: []string{fxClusterSG}})(g)
			case 3:
				for i := range g.Ingress {
					g.Ingress[i].SourceGroups, g.Ingress[i].CIDRs = nil, []string{[]string{"10.20.0.0/16", "10.99.0.0/16", "10.20.1.0/24", "bogus"}[rnd.IntN(4)]}
				}
			default:
				g.Ingress = []inventory.IngressRule{{Protocol: "-1", FromPort: -1, ToPort: -1, SourceGroups: []string{fxClusterSG}}}
			}
		})
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		// Nodes with other sets of groups (a cluster of several shapes).
		for range 1 + rnd.IntN(4) {
			editInst(inv, pick(), func(i *inventory.Instance) {
				switch rnd.IntN(4) {
				case 0:
					i.SecurityGroupIDs = []string{fxWebSG}
				case 1:
					i.SecurityGroupIDs = []string{fxClusterSG, fxWebSG, "sg-0missing"}
				case 2:
					i.SecurityGroupIDs = nil
				default:
					i.SecurityGroupIDs = []string{fxWebSG, fxClusterSG, fxClusterSG}
				}
			})
		}
	},
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, e *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		sg := fxWebSG
		if _, ok := inv.SecurityGroups[fxDevSG]; ok {
			sg = fxDevSG
		}
		editSG(inv, sg, func(g *inventory.SecurityGroup) {
			switch rnd.IntN(8) {
			case 0:
				replaceRule(22, tcpFrom(22, 22, "0.0.0.0/0"))(g)
			case 1:
				addRule(tcpFrom(22, 22, "::/0"))(g)
			case 2:
				replaceRule(22)(g)
			case 3:
				replaceRule(22, tcpFromGroup(22, 22, "sg-0bastion"))(g)
			case 4:
				replaceRule(443)(g)
			case 5:
				replaceRule(80)(g)
			case 6:
				addRule(inventory.IngressRule{Protocol: "-1", FromPort: -1, ToPort: -1, CIDRs: []string{"10.0.0.0/8"}})(g)
			default:
				e.JumpHostCidr = []string{"", "10.20.5.10/32", "bogus", "203.0.113.10"}[rnd.IntN(4)]
			}
		})
		if rnd.IntN(3) == 0 {
			editSG(inv, fxClusterSG, addRule(tcpFrom(0, 65535, "10.20.0.0/16")))
		}
	},
	// Peering.
	func(rnd *rand.Rand, _ func() string, doc *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		st := []string{"active", "pending-acceptance", "deleted", "provisioning", ""}[rnd.IntN(5)]
		inv.Peerings = append(slices.Clone(inv.Peerings), inventory.Peering{ID: fmt.Sprintf("pcx-0feed%d", rnd.IntN(9)), RequesterVpc: fxProdVPC, AccepterVpc: fxDevVPC, Status: st})
		if rnd.IntN(4) == 0 && doc.Environments.Dev != nil {
			doc.Environments.Dev.VpcID = []string{"", fxProdVPC}[rnd.IntN(2)]
		}
	},
	// Load balancer.
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, e *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		if inv.LoadBalancer == nil {
			return
		}
		lb := *inv.LoadBalancer
		lb.Listeners = slices.Clone(lb.Listeners)
		lb.TargetGroups = slices.Clone(lb.TargetGroups)
		inv.LoadBalancer = &lb
		switch rnd.IntN(9) {
		case 0:
			lb.Type = []string{"application", "gateway", "", "classic"}[rnd.IntN(4)]
		case 1:
			inv.LoadBalancer = nil
		case 2:
			lb.State = []string{"provisioning", "failed", "active_impaired", ""}[rnd.IntN(4)]
		case 3:
			if len(lb.Listeners) == 0 {
				return
			}
			lb.Listeners[rnd.IntN(len(lb.Listeners))].Protocol = []string{"TLS", "HTTPS", "TCP_UDP", "", "HTTP"}[rnd.IntN(5)]
		case 4:
			if len(lb.Listeners) == 0 {
				return
			}
			i := rnd.IntN(len(lb.Listeners))
			lb.Listeners = slices.Delete(lb.Listeners, i, i+1)
		case 5:
			g := rnd.IntN(len(lb.TargetGroups))
			lb.TargetGroups[g].HealthCheckProtocol, lb.TargetGroups[g].HealthCheckPath = []string{"TCP", "HTTP", ""}[rnd.IntN(3)], []string{"", "/", "/testall"}[rnd.IntN(3)]
		case 6:
			lb.Listeners = nil
		case 7:
			e.LoadBalancerArn = ""
			inv.LoadBalancer = nil
		default:
			for i := range lb.Listeners {
				lb.Listeners[i].TargetGroupArns = nil
			}
		}
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		if inv.LoadBalancer == nil {
			return
		}
		lb := *inv.LoadBalancer
		lb.TargetGroups = slices.Clone(lb.TargetGroups)
		inv.LoadBalancer = &lb
		g := rnd.IntN(len(lb.TargetGroups))
		ts := slices.Clone(lb.TargetGroups[g].Targets)
		lb.TargetGroups[g].Targets = ts
		if len(ts) == 0 {
			return
		}
		id := pick()
		ip := inv.Instances[id].PrivateIP
		switch rnd.IntN(5) {
		case 0:
			lb.TargetGroups[g].Targets = slices.DeleteFunc(ts, func(x inventory.Target) bool { return x.ID == id || x.ID == ip })
		case 1:
			ts[rnd.IntN(len(ts))].Health, ts[0].Reason = "unhealthy", "Target.FailedHealthChecks"
		case 2:
			ts[rnd.IntN(len(ts))].Health = ""
		case 3:
			ts[0].ID = id
		default:
			lb.TargetGroups[g].Targets = append(ts, inventory.Target{ID: id, Health: "draining"}, inventory.Target{ID: ip, Health: "unused"})
		}
	},
	// Backup and alarms.
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		b := map[string][]string{}
		for k, v := range inv.Backup {
			b[k] = v
		}
		inv.Backup = b
		switch id := pick(); rnd.IntN(4) {
		case 0:
			delete(b, id)
		case 1:
			b[id] = []string{"", "plan-b", "plan-a", "plan-b"}
		case 2:
			b[id] = []string{""}
		default:
			inv.Backup = nil
		}
	},
	func(rnd *rand.Rand, pick func() string, _ *checklist.Document, _ *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		id := pick()
		as := slices.Clone(inv.Alarms)
		for i := range as {
			if as[i].Dimensions["InstanceId"] != id {
				continue
			}
			switch rnd.IntN(6) {
			case 0:
				as[i].Actions = 0
			case 1:
				as[i].MetricName = "StatusCheckFailed_System"
			case 2:
				as[i].MetricName = "CPUUtilization"
			case 3:
				as[i].Dimensions = map[string]string{"InstanceId": "i-0other"}
			case 4:
				as[i].Namespace = "Custom/Appliance"
			default:
				as = append(as, inventory.Alarm{Name: "b-" + id, Namespace: "AWS/EC2", MetricName: "StatusCheckFailed_Instance", Dimensions: map[string]string{"InstanceId": id}})
			}
			break
		}
		inv.Alarms = as
	},
	// Sources that failed.
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, e *checklist.Environment, inv *inventory.Inventory, _ *Config) {
		errs := map[inventory.Source]inventory.SourceError{}
		for k, v := range inv.Errors {
			errs[k] = v
		}
		inv.Errors = errs
		s := inventory.Sources[rnd.IntN(len(inventory.Sources))]
		codes := []string{"AccessDenied", "UnauthorizedOperation", "Throttling", "", "InternalError"}
		errs[s] = inventory.SourceError{Source: s, Code: codes[rnd.IntN(len(codes))], Err: "boom"}
		if rnd.IntN(3) == 0 {
			e.RoleArn = ""
		}
	},
	// Configuration.
	func(rnd *rand.Rand, _ func() string, _ *checklist.Document, _ *checklist.Environment, _ *inventory.Inventory, cfg *Config) {
		switch rnd.IntN(7) {
		case 0:
			cfg.MinVCPU, cfg.RecommendedVCPU = 8, 8
		case 1:
			cfg.DevDriveSizesGB = []int{40, 60, 50, 50}
		case 2:
			cfg.ProdDriveSizesGB = []int{100, 40, 100}
		case 3:
			cfg.HealthCheckPath = "/health"
		case 4:
			cfg.ClusterPorts = append(slices.Clone(cfg.ClusterPorts), PortRange{Protocol: "tcp", From: 9001, To: 9001, Required: true})
		case 5:
			cfg.NetworkInterfaces = 2
		default:
			cfg.ProdNodes = 5
		}
	},
	// The checklist.
	func(rnd *rand.Rand, _ func() string, doc *checklist.Document, e *checklist.Environment, _ *inventory.Inventory, _ *Config) {
		switch rnd.IntN(5) {
		case 0:
			e.VpcID = ""
		case 1:
			e.AccountID, e.Region = "", ""
		case 2:
			doc.Environments.Dev = nil
		case 3:
			e.Hostnames.Apps = append(slices.Clone(e.Hostnames.Apps), "api-acme.example.com", "x_y.example.org")
		default:
			e.Certificate = checklist.Certificate{}
		}
	},
}
