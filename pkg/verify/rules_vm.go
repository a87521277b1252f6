package verify

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

var vmExistsRule = awsRule{
	ID:          "VM-EXISTS",
	Requirement: reqProdCluster,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances},
	eval: func(a *awsInput) []Check {
		ids := a.declaredIDs()
		if len(ids) == 0 {
			return []Check{noNodes()}
		}
		checks := a.Input.reserve(len(ids))
		ns := a.nodeSet()
		for k, id := range ids {
			var c Check
			if j := ns.liveIdx[k]; j >= 0 {
				// A live node: the node set has looked it up already.
				a.cur = &ns.factsSlab[j]
				c = a.stateOf(id, ns.live[j])
				a.cur = nil
			} else {
				c = a.instanceState(id)
			}
			if a.Env == checklist.EnvDev {
				c.Requirement = reqDevInstance
			}
			checks = append(checks, c)
		}
		return checks
	},
}

func (a *awsInput) instanceState(id string) Check {
	inst, ok := a.inv.Instances[id]
	if !ok {
		return fail(
			fmt.Sprintf("%s does not exist in %s.", id, a.where()),
			fmt.Sprintf("Check the instance id in the checklist: declare the %s instances as they are listed in EC2 in %s.", a.name(), a.where()),
			id)
	}
	return a.stateOf(id, inst)
}

// stateOf is instanceState of the existing instance inst, declared as id.
func (a *awsInput) stateOf(id string, inst inventory.Instance) Check {
	state := strings.ToLower(strings.TrimSpace(inst.State))
	what := strings.TrimSpace(inst.Type)
	if state == "running" {
		// The common case, worded without intermediate strings.
		if az := a.azOf(&inst); what != "" && az != "" && az == strings.TrimSpace(az) {
			t := &a.text
			t.start()
			t.s(id).s(" (").s(what).s(" in ").s(az).s(") is running.")
			return Check{Status: StatusPass, Message: t.end(), Resources: a.resOf(id)}
		}
	}
	if az := a.azOf(&inst); az != "" {
		what = strings.TrimSpace(what + " in " + az)
	}
	if what != "" {
		what = " (" + what + ")"
	}
	switch state {
	case "running":
		return pass(id+what+" is running.", id)
	case "pending":
		return warn(fmt.Sprintf("%s%s is still starting (pending).", id, what),
			"Wait until the instance is running, then run the verification again.", id)
	case "terminated", "shutting-down":
		return fail(fmt.Sprintf("%s%s is %s.", id, what, state),
			fmt.Sprintf("Launch a replacement from the AMI Auth0 shared and declare its id instead of %s.", id), id)
	case "":
		return fail(fmt.Sprintf("%s%s exists but EC2 reports no state for it; the appliance nodes must be running.", id, what),
			"Check the instance in the EC2 console and start it if it is stopped.", id)
	}
	return fail(fmt.Sprintf("%s%s is %s; the appliance nodes must be running.", id, what, state),
		fmt.Sprintf("Start %s (and find out why it stopped), then run the verification again.", id), id)
}

var vmAMIRule = awsRule{
	ID:          "VM-AMI",
	Requirement: reqAMI,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcImages},
	eval: func(a *awsInput) []Check {
		ami := strings.TrimSpace(a.env.AmiID)
		if ami == "" {
			return []Check{skip(fmt.Sprintf("Not checked: %s declares no AMI.", a.name()))}
		}
		var checks []Check
		img := a.inv.Image
		switch {
		case img == nil:
			checks = append(checks, fail(
				fmt.Sprintf("The AMI %s that Auth0 shared is not visible to %s.", ami, a.where()),
				fmt.Sprintf("Ask Auth0 to share %s with %s (give them the account number and region), or correct amiId in the checklist if Auth0 shared another AMI.", ami, a.where()),
				ami))
		case img.State != "" && !strings.EqualFold(img.State, "available"):
			checks = append(checks, warn(
				fmt.Sprintf("The AMI %s%s is %s: nodes cannot be launched from it again.", ami, amiName(img), img.State),
				"Ask Auth0 for the current appliance AMI before you replace or add a node.", ami))
		default:
			checks = append(checks, pass(fmt.Sprintf("The AMI %s%s that Auth0 shared is visible to %s.", ami, amiName(img), a.where()), ami))
		}
		nodes := a.perNode(func(inst *inventory.Instance) Check {
			got := strings.TrimSpace(inst.ImageID)
			switch {
			case strings.EqualFold(got, ami):
				return a.passNode(inst.ID, inst.ID, " was launched from the declared AMI ", ami, ".")
			case got == "":
				return fail(fmt.Sprintf("EC2 reports no AMI for %s; it must be launched from %s.", inst.ID, ami),
					fmt.Sprintf("Launch the node from the AMI Auth0 shared (%s).", ami), inst.ID)
			}
			return fail(fmt.Sprintf("%s was launched from %s, not from the declared AMI %s that Auth0 shared.", inst.ID, got, ami),
				fmt.Sprintf("Replace %s with an instance launched from %s, or correct amiId in the checklist if %s is the AMI Auth0 shared.", inst.ID, ami, got),
				inst.ID)
		})
		// The AMI's check first, then the nodes' (in their room, which
		// has a spare).
		nodes = append(nodes, Check{})
		copy(nodes[1:], nodes)
		nodes[0] = checks[0]
		return nodes
	},
}

func amiName(img *inventory.Image) string {
	if img == nil || img.Name == "" {
		return ""
	}
	return " (" + img.Name + ")"
}

var vmSizeRule = awsRule{
	ID:          "VM-SIZE",
	Requirement: reqVMSize,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcInstanceTypes},
	eval: func(a *awsInput) []Check {
		cfg := a.Config
		sizes := map[string]string{} // instance type → " has 4 vCPU, 16 GiB"
		return a.perNode(func(inst *inventory.Instance) Check {
			t, ok := a.inv.InstanceTypes[inst.Type]
			if !ok || (t.VCPUs == 0 && t.MemoryMiB == 0) {
				return Check{
					Status:      StatusError,
					Message:     fmt.Sprintf("The size of %s's instance type %q is unknown: ec2:DescribeInstanceTypes did not return it. This requirement is not verified.", inst.ID, inst.Type),
					Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
					Resources:   []string{inst.ID},
				}
			}
			size, ok := sizes[inst.Type]
			if !ok {
				size = ": " + inst.Type + " has " + strconv.Itoa(int(t.VCPUs)) + " vCPU, " + gib(t.MemoryMiB) + " GiB"
				sizes[inst.Type] = size
			}
			if int(t.VCPUs) >= cfg.RecommendedVCPU && t.MemoryMiB >= int64(cfg.RecommendedMemoryGiB)*1024 &&
				int(t.VCPUs) >= cfg.MinVCPU && t.MemoryMiB >= int64(cfg.MinMemoryGiB)*1024 {
				return a.passNode(inst.ID, inst.ID, size, ".")
			}
			has := inst.ID + size
			remedy := fmt.Sprintf("Change the instance type of %s (stop it, then Actions › Instance settings › Change instance type) to one with at least %d vCPU and %d GiB, such as m4.xlarge; %d vCPU and %d GiB (m4.large) at the very least.",
				inst.ID, cfg.RecommendedVCPU, cfg.RecommendedMemoryGiB, cfg.MinVCPU, cfg.MinMemoryGiB)
			var below []string
			if int(t.VCPUs) < cfg.MinVCPU {
				below = append(below, fmt.Sprintf("%d vCPU", cfg.MinVCPU))
			}
			if t.MemoryMiB < int64(cfg.MinMemoryGiB)*1024 {
				below = append(below, fmt.Sprintf("%d GiB", cfg.MinMemoryGiB))
			}
			if len(below) > 0 {
				return fail(fmt.Sprintf("%s — below the minimum of %s.", has, andList(below)), remedy, inst.ID)
			}
			if int(t.VCPUs) < cfg.RecommendedVCPU || t.MemoryMiB < int64(cfg.RecommendedMemoryGiB)*1024 {
				c := warn(fmt.Sprintf("%s — meets the minimum; %d vCPU/%d GiB recommended.", has, cfg.RecommendedVCPU, cfg.RecommendedMemoryGiB), remedy, inst.ID)
				c.Severity, c.Requirement = SeverityRecommended, reqVMSizeRec
				return c
			}
			return pass(has+".", inst.ID)
		})
	},
}

// gib renders MiB as GiB, with one decimal when it is not whole.
func gib(mib int64) string {
	if mib%1024 == 0 {
		return strconv.FormatInt(mib/1024, 10)
	}
	return strconv.FormatFloat(float64(mib)/1024, 'f', 1, 64)
}

var vmStorageRule = awsRule{
	ID:          "VM-STORAGE",
	Requirement: reqProdStorage,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances, inventory.SrcVolumes},
	eval: func(a *awsInput) []Check {
		cfg := a.Config
		dev := a.Env == checklist.EnvDev
		base := slices.Clone(cfg.ProdDriveSizesGB)
		withBackup := append(slices.Clone(cfg.ProdDriveSizesGB), cfg.ProdBackupDriveGB)
		if dev {
			base = slices.Clone(cfg.DevDriveSizesGB)
		}
		var backupNodes []string
		// Volumes attached to a node (by their InstanceID) that it does not
		// list: found only when some volume is not listed by its node (owned
		// counts the volumes that are), which is rare, so as not to index
		// every volume first.
		var extra map[string][]string
		owned := 0
		drives := driveChecker{}
		var vols []inventory.Volume // scratch, reused node after node
		var unknown []string
		judge := func(inst *inventory.Instance) Check {
			vols, unknown = a.nodeVolumes(inst, extra[inst.ID], vols[:0], unknown[:0])
			for _, v := range vols {
				if v.InstanceID == inst.ID {
					owned++
				}
			}
			if len(unknown) > 0 {
				return Check{
					Status: StatusError,
					Message: fmt.Sprintf("%s has %s that ec2:DescribeVolumes did not return (%s), so its drives cannot be checked. This requirement is not verified.",
						inst.ID, plural(len(unknown), "attached volume"), strings.Join(unknown, ", ")),
					Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
					Resources:   append([]string{inst.ID}, unknown...),
				}
			}
			want := base
			role := "the DEV node"
			if !dev {
				role = "a PROD node"
				if len(vols) == len(withBackup) {
					want, role = withBackup, "the PROD node with the backup drive"
				}
			}
			c := drives.check(a, inst.ID, vols, want, role)
			if !dev {
				if len(vols) == len(withBackup) {
					backupNodes = append(backupNodes, inst.ID)
				}
				if c.Status == StatusFail && len(vols) != len(base) && len(vols) != len(withBackup) {
					c.Message = fmt.Sprintf("%s has %s (%s GB); a PROD node has %d drives (at least %s GB), or %d on the one node with the %d GB backup drive.",
						inst.ID, plural(len(vols), "drive"), sizesOf(vols), len(base), joinInts(base), len(withBackup), cfg.ProdBackupDriveGB)
				}
			}
			return c
		}
		checks := a.perNode(judge)
		if owned != len(a.inv.Volumes) {
			if extra = a.attachedExtra(); len(extra) > 0 {
				backupNodes = nil
				checks = a.perNode(judge)
			}
		}
		if dev {
			for i := range checks {
				checks[i].Requirement = reqDevStorage
			}
			return checks
		}
		if len(a.declaredIDs()) == 0 {
			return checks
		}
		ns := a.nodeSet()
		live, missing := ns.live, ns.skips
		ids := make([]string, 0, len(live))
		for _, inst := range live {
			ids = append(ids, inst.ID)
		}
		switch {
		case len(backupNodes) == 1:
			checks = append(checks, pass(fmt.Sprintf("Exactly one PROD node, %s, carries the %d GB backup drive.", backupNodes[0], cfg.ProdBackupDriveGB), ids...))
		case len(backupNodes) > 1:
			checks = append(checks, fail(
				fmt.Sprintf("%s each have %d drives; exactly one PROD node carries the %d GB backup drive, the others have %d drives.", andList(backupNodes), len(withBackup), cfg.ProdBackupDriveGB, len(base)),
				fmt.Sprintf("Keep the backup drive on one node and detach it from the others (%s).", strings.Join(backupNodes[1:], ", ")),
				backupNodes...))
		case len(missing) > 0:
			checks = append(checks, skip("Not checked which node carries the backup drive: a PROD node does not exist (see VM-EXISTS).", ids...))
		case len(ids) > 0:
			checks = append(checks, fail(
				fmt.Sprintf("None of the PROD nodes (%s) has the %d GB backup drive; exactly one of them has %d drives.", strings.Join(ids, ", "), cfg.ProdBackupDriveGB, len(withBackup)),
				fmt.Sprintf("Attach a %d GB EBS volume to one PROD node as its backup drive.", cfg.ProdBackupDriveGB),
				ids...))
		}
		return checks
	},
}

// attachedExtra indexes, by live node, the volumes attached to it (by the
// volumes' InstanceID) that its VolumeIDs do not list: usually none, so
// that finding a node's volumes neither scans every volume nor indexes
// them all.
func (a *awsInput) attachedExtra() map[string][]string {
	ns := a.nodeSet()
	var out map[string][]string
	for id, v := range a.inv.Volumes {
		f := ns.factsOf(v.InstanceID)
		if f == nil || (id != "" && slices.Contains(ns.live[f.idx].VolumeIDs, id)) {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[v.InstanceID] = append(out[v.InstanceID], id)
	}
	return out
}

// nodeVolumes returns, appended to vols and unknown, the volumes attached
// to the instance (by its VolumeIDs, or extra: those attached by the
// volumes' InstanceID that VolumeIDs lacks), smallest first, and the ids
// of attached volumes the inventory lacks.
func (a *awsInput) nodeVolumes(inst *inventory.Instance, extra []string, vols []inventory.Volume, unknown []string) ([]inventory.Volume, []string) {
	for i, id := range inst.VolumeIDs {
		// A node has a handful of volumes: a scan is cheaper than a set.
		if id == "" || slices.Contains(inst.VolumeIDs[:i], id) {
			continue
		}
		if v, ok := a.inv.Volumes[id]; ok {
			vols = append(vols, v)
		} else {
			unknown = append(unknown, id)
		}
	}
	for _, id := range extra {
		vols = append(vols, a.inv.Volumes[id])
	}
	if len(vols) > 1 {
		slices.SortFunc(vols, func(x, y inventory.Volume) int {
			if x.SizeGiB != y.SizeGiB {
				return int(x.SizeGiB - y.SizeGiB)
			}
			return strings.Compare(x.ID, y.ID)
		})
	}
	return vols, unknown
}

// driveCheck compares a node's drives with the sizes its role needs: the
// count exactly, each size as a minimum. Drives and sizes are matched
// smallest first, which matches as many as any assignment can; the drives
// left over are the ones too small, blamed against the sizes left over.
func driveCheck(id string, vols []inventory.Volume, want []int, role string) Check {
	want = slices.Clone(want)
	slices.Sort(want)
	return driveCheckSorted(id, vols, want, role+" has "+plural(len(want), "drive")+" of at least "+joinInts(want)+" GB")
}

// driveChecker is driveCheck for many nodes of a few roles: each role's
// sizes are sorted and worded once (last is the previous node's role).
type driveChecker struct {
	needs map[string]driveNeed
	last  driveNeed
	role  string // of last; "" before the first node
}

type driveNeed struct {
	want, sorted []int
	need         string
}

func (d *driveChecker) check(a *awsInput, id string, vols []inventory.Volume, want []int, role string) Check {
	n := d.last
	if d.role == "" || d.role != role || !slices.Equal(n.want, want) {
		var ok bool
		n, ok = d.needs[role]
		if !ok || !slices.Equal(n.want, want) {
			sorted := slices.Clone(want)
			slices.Sort(sorted)
			n = driveNeed{want: want, sorted: sorted, need: role + " has " + plural(len(sorted), "drive") + " of at least " + joinInts(sorted) + " GB"}
			if d.needs == nil {
				d.needs = map[string]driveNeed{}
			}
			d.needs[role] = n
		}
		d.last, d.role = n, role
	}
	if drivesFit(vols, n.sorted) {
		// The common case, worded as driveCheckSorted does, in the arena.
		t := &a.text
		t.start()
		t.s(id).s(" has ")
		if len(vols) == 1 {
			t.s("1 drive")
		} else {
			t.int(len(vols)).s(" drives")
		}
		t.s(" (")
		if len(vols) == 0 {
			t.s("none")
		}
		for i, v := range vols {
			if i > 0 {
				t.s(", ")
			}
			t.int(int(v.SizeGiB))
		}
		t.s(" GB); ").s(n.need).s(".")
		return Check{Status: StatusPass, Message: t.end(), Resources: a.resOf(id)}
	}
	return driveCheckSorted(id, vols, n.sorted, n.need)
}

// drivesFit reports whether driveCheckSorted passes: as many drives as
// sizes, each (smallest first) at least its size.
func drivesFit(vols []inventory.Volume, want []int) bool {
	if len(vols) != len(want) {
		return false
	}
	j := 0
	for _, v := range vols {
		if j < len(want) && int(v.SizeGiB) >= want[j] {
			j++
		}
	}
	return j == len(vols)
}

// driveCheckSorted is driveCheck with want sorted and need worded.
func driveCheckSorted(id string, vols []inventory.Volume, want []int, need string) Check {
	has := id + " has " + plural(len(vols), "drive") + " (" + sizesOf(vols) + " GB)"
	if len(vols) != len(want) {
		return fail(fmt.Sprintf("%s; %s.", has, need),
			fmt.Sprintf("Give %s exactly %s: %s GB (EBS sizes are in GiB; a larger drive is fine).", id, plural(len(want), "drive"), joinInts(want)),
			id)
	}
	// Most nodes have every drive they need: find out before copying any.
	j := 0
	for _, v := range vols {
		if j < len(want) && int(v.SizeGiB) >= want[j] {
			j++
		}
	}
	if j == len(vols) {
		return pass(has+"; "+need+".", id)
	}
	var small, fit []inventory.Volume
	j = 0
	for _, v := range vols {
		if j < len(want) && int(v.SizeGiB) >= want[j] {
			j++
			fit = append(fit, v)
			continue
		}
		small = append(small, v)
	}
	if len(small) > 0 {
		targets := smallestLeftover(fit, want)
		var blame, ids []string
		for i, v := range small {
			blame = append(blame, fmt.Sprintf("%s is %d GB where %d GB is needed", v.ID, v.SizeGiB, targets[i]))
			ids = append(ids, v.ID)
		}
		return fail(fmt.Sprintf("%s; %s: %s.", has, need, andList(blame)),
			"Enlarge the small volumes (EC2 › Volumes › Modify volume, then grow the file system) to the sizes needed.",
			append([]string{id}, ids...)...)
	}
	return pass(has+"; "+need+".", id)
}

// smallestLeftover returns, ascending, the sizes left for the too-small
// drives once the drives that fit take the largest sizes they can: the
// least each small drive must grow to.
func smallestLeftover(fit []inventory.Volume, want []int) []int {
	k := len(fit)
	best, bestSum := want[k:], -1 // greedy's leftover, a valid fallback
	if len(want) <= 16 {
		for mask := 0; mask < 1<<len(want); mask++ {
			if bits.OnesCount(uint(mask)) != k {
				continue
			}
			var taken, left []int
			sum := 0
			for i, w := range want {
				if mask&(1<<i) != 0 {
					taken = append(taken, w)
				} else {
					left = append(left, w)
					sum += w
				}
			}
			ok := true
			for i, v := range fit { // both ascending
				ok = ok && int(v.SizeGiB) >= taken[i]
			}
			if ok && (bestSum < 0 || sum < bestSum) {
				best, bestSum = left, sum
			}
		}
	}
	return best
}

func sizesOf(vols []inventory.Volume) string {
	if len(vols) == 0 {
		return "none"
	}
	b := make([]byte, 0, 5*len(vols))
	for i, v := range vols {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(v.SizeGiB), 10)
	}
	return string(b)
}

func joinInts(v []int) string {
	b := make([]byte, 0, 5*len(v))
	for i, n := range v {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

var vmNICRule = awsRule{
	ID:          "VM-NIC",
	Requirement: reqNIC,
	Severity:    SeverityRequired,
	Sources:     []inventory.Source{inventory.SrcInstances},
	eval: func(a *awsInput) []Check {
		want := a.Config.NetworkInterfaces
		return a.perNode(func(inst *inventory.Instance) Check {
			n := len(inst.Interfaces)
			if n == 0 && strings.TrimSpace(inst.PrivateIP) != "" {
				// Every VPC instance has its primary interface; an endpoint
				// that lists none still reports its address.
				n = 1
			}
			if n == want {
				t := &a.text
				t.start()
				t.s(inst.ID).s(" has ")
				if n == 1 {
					t.s("1 network interface")
				} else {
					t.int(n).s(" network interfaces")
				}
				if len(inst.Interfaces) > 0 {
					t.s(" (")
					for i, ni := range inst.Interfaces {
						if i > 0 {
							t.s(", ")
						}
						t.s(cmpOrDefault(ni.ID, "an interface"))
					}
					t.s(")")
				}
				t.s(".")
				return Check{Status: StatusPass, Message: t.end(), Resources: a.resOf(inst.ID)}
			}
			enis := make([]string, 0, len(inst.Interfaces))
			for _, ni := range inst.Interfaces {
				enis = append(enis, cmpOrDefault(ni.ID, "an interface"))
			}
			list := ""
			if len(enis) > 0 {
				list = ": " + strings.Join(enis, ", ")
			}
			remedy := fmt.Sprintf("Detach the secondary network interfaces from %s, keeping the primary one.", inst.ID)
			if n < want {
				remedy = fmt.Sprintf("Relaunch %s in a subnet of the declared VPC so that it has its network interface.", inst.ID)
			}
			return fail(fmt.Sprintf("%s has %s%s; the appliance needs exactly %d.", inst.ID, plural(n, "network interface"), list, want),
				remedy, inst.ID)
		})
	},
}

func cmpOrDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
