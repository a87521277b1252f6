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

// vmShapes is how many distinct instance types (VM-SIZE) or lists of drive
// sizes (VM-STORAGE) a rule judges once for all the nodes that share them;
// any more are judged node by node.
const vmShapes = 8

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
		ns := a.nodeSet()
		checks, room := a.declaredRoom() // room[k]: ids[k]'s, zeroed
		var running vmRunning
		for k, id := range ids {
			c := &room[k]
			if j := ns.liveIdx[k]; j >= 0 {
				// A live node: the node set has looked it up already.
				a.liveState(c, id, &ns.live[j], &ns.factsSlab[j], &running)
			} else {
				*c = a.instanceState(id)
			}
			if a.Env == checklist.EnvDev {
				c.Requirement = reqDevInstance
			}
		}
		return checks
	},
}

// liveState makes c, a zeroed check, stateOf the live node inst (facts f),
// declared as id: the common case (running, of a known type in a known
// zone) worded in place.
func (a *awsInput) liveState(c *Check, id string, inst *inventory.Instance, f *nodeFacts, running *vmRunning) {
	words := ""
	if inst.State == "running" {
		words = running.words(&a.text, inst.Type, f.az)
	}
	if words == "" {
		*c = a.stateOf(id, inst, f.az)
		return
	}
	t := &a.text
	t.start()
	t.s(id).s(words)
	passIn(c, t.end(), f.res)
}

// vmRunning holds the words after the id of a running node, by its type
// and zone: " (m4.xlarge in us-east-1a) is running." A cluster's nodes
// share a type and a few zones, so each pair is worded once (the first
// vmShapes pairs; any other, node by node).
type vmRunning struct {
	n     int
	pairs [vmShapes]struct{ typ, az, words string }
}

// words returns the words for a running node of type typ in zone az, or
// "" when stateOf words it otherwise (no type or zone, or an untrimmed
// zone).
func (r *vmRunning) words(t *textArena, typ, az string) string {
	if az == "" {
		return ""
	}
	for i := range r.n {
		p := &r.pairs[i]
		if p.az == az && p.typ == typ {
			return p.words
		}
	}
	what := strings.TrimSpace(typ)
	if what == "" || az != strings.TrimSpace(az) {
		return ""
	}
	// In the message arena, as immutable as the messages.
	t.start()
	t.s(" (").s(what).s(" in ").s(az).s(") is running.")
	words := t.end()
	if r.n < len(r.pairs) {
		r.pairs[r.n].typ, r.pairs[r.n].az, r.pairs[r.n].words = typ, az, words
		r.n++
	}
	return words
}

func (a *awsInput) instanceState(id string) Check {
	inst, ok := a.inv.Instances[id]
	if !ok {
		return fail(
			fmt.Sprintf("%s does not exist in %s.", id, a.where()),
			fmt.Sprintf("Check the instance id in the checklist: declare the %s instances as they are listed in EC2 in %s.", a.name(), a.where()),
			id)
	}
	return a.stateOf(id, &inst, a.azOf(&inst))
}

// stateOf is instanceState of the existing instance inst, declared as id,
// in the availability zone az (azOf).
func (a *awsInput) stateOf(id string, inst *inventory.Instance, az string) Check {
	state := strings.ToLower(strings.TrimSpace(inst.State))
	what := strings.TrimSpace(inst.Type)
	if az != "" {
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
		var head Check // the AMI's own check, before the nodes'
		img := a.inv.Image
		switch {
		case img == nil:
			head = fail(
				fmt.Sprintf("The AMI %s that Auth0 shared is not visible to %s.", ami, a.where()),
				fmt.Sprintf("Ask Auth0 to share %s with %s (give them the account number and region), or correct amiId in the checklist if Auth0 shared another AMI.", ami, a.where()),
				ami)
		case img.State != "" && !strings.EqualFold(img.State, "available"):
			head = warn(
				fmt.Sprintf("The AMI %s%s is %s: nodes cannot be launched from it again.", ami, amiName(img), img.State),
				"Ask Auth0 for the current appliance AMI before you replace or add a node.", ami)
		default:
			head = pass(fmt.Sprintf("The AMI %s%s that Auth0 shared is visible to %s.", ami, amiName(img), a.where()), ami)
		}
		if len(a.declaredIDs()) == 0 {
			return []Check{head, noNodes()}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(1)
		checks[0] = head
		// Every passing node's message ends alike: worded once, in the
		// message arena (as immutable as the messages).
		t := &a.text
		t.start()
		t.s(" was launched from the declared AMI ").s(ami).s(".")
		launched := t.end()
		for i := range ns.live {
			inst := &ns.live[i]
			got := inst.ImageID
			if got == ami || strings.EqualFold(strings.TrimSpace(got), ami) {
				t.start()
				t.s(inst.ID).s(launched)
				passIn(&room[i], t.end(), ns.factsSlab[i].res)
				continue
			}
			got = strings.TrimSpace(got)
			if got == "" {
				room[i] = fail(fmt.Sprintf("EC2 reports no AMI for %s; it must be launched from %s.", inst.ID, ami),
					fmt.Sprintf("Launch the node from the AMI Auth0 shared (%s).", ami), inst.ID)
				continue
			}
			room[i] = fail(fmt.Sprintf("%s was launched from %s, not from the declared AMI %s that Auth0 shared.", inst.ID, got, ami),
				fmt.Sprintf("Replace %s with an instance launched from %s, or correct amiId in the checklist if %s is the AMI Auth0 shared.", inst.ID, ami, got),
				inst.ID)
		}
		return checks
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
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0)
		// The nodes of a cluster share one instance type, or a few: each
		// type is looked up and judged once, for every node of that type.
		var types [vmShapes]vmSizeShape
		var spare vmSizeShape // past vmShapes types: judged per node
		n := 0
		t := &a.text
		for i := range ns.live {
			inst := &ns.live[i]
			var sh *vmSizeShape
			for k := range n {
				if types[k].typ == inst.Type {
					sh = &types[k]
					break
				}
			}
			if sh == nil {
				if n < len(types) {
					sh = &types[n]
					n++
				} else {
					sh = &spare
				}
				a.judgeSize(sh, inst.Type)
			}
			if sh.pass {
				t.start()
				t.s(inst.ID).s(sh.sizeDot)
				passIn(&room[i], t.end(), ns.factsSlab[i].res)
				continue
			}
			room[i] = a.sizeCheck(inst, sh)
		}
		return checks
	},
}

// vmSizeShape is the verdict of VM-SIZE on an instance type, shared by the
// nodes of that type.
type vmSizeShape struct {
	typ   string
	t     inventory.InstanceType
	known bool // DescribeInstanceTypes returned the type's size
	// size is sizeDot without its final ".": ": m4.xlarge has 4 vCPU, 16 GiB".
	size, sizeDot string
	pass          bool
}

func (a *awsInput) judgeSize(sh *vmSizeShape, typ string) {
	cfg := a.Config
	t, ok := a.inv.InstanceTypes[typ]
	*sh = vmSizeShape{typ: typ, t: t, known: ok && (t.VCPUs != 0 || t.MemoryMiB != 0)}
	if !sh.known {
		return
	}
	// Words shared by the nodes of this type, in the message arena (where
	// they are as immutable as the messages).
	w := &a.text
	w.start()
	w.s(": ").s(typ).s(" has ").int(int(t.VCPUs)).s(" vCPU, ").s(gib(t.MemoryMiB)).s(" GiB.")
	sh.sizeDot = w.end()
	sh.size = sh.sizeDot[:len(sh.sizeDot)-1]
	sh.pass = int(t.VCPUs) >= cfg.RecommendedVCPU && t.MemoryMiB >= int64(cfg.RecommendedMemoryGiB)*1024 &&
		int(t.VCPUs) >= cfg.MinVCPU && t.MemoryMiB >= int64(cfg.MinMemoryGiB)*1024
}

// sizeCheck is VM-SIZE's check of a node whose type sh does not pass.
func (a *awsInput) sizeCheck(inst *inventory.Instance, sh *vmSizeShape) Check {
	cfg, t := a.Config, sh.t
	if !sh.known {
		return Check{
			Status:      StatusError,
			Message:     fmt.Sprintf("The size of %s's instance type %q is unknown: ec2:DescribeInstanceTypes did not return it. This requirement is not verified.", inst.ID, inst.Type),
			Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
			Resources:   []string{inst.ID},
		}
	}
	has := inst.ID + sh.size
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
		if len(a.declaredIDs()) == 0 {
			c := noNodes()
			if dev {
				c.Requirement = reqDevStorage
			}
			return []Check{c}
		}
		s := vmStorage{a: a, dev: dev, base: cfg.ProdDriveSizesGB}
		if dev {
			s.base = cfg.DevDriveSizesGB
		}
		s.withBackup = append(slices.Clone(cfg.ProdDriveSizesGB), cfg.ProdBackupDriveGB)
		checks, room := a.nodeRoom(0)
		s.judge(room)
		if s.owned != len(a.inv.Volumes) {
			// Some volume is not listed by its node (owned counts the
			// volumes that are): only then index the volumes by node.
			if s.extra = a.attachedExtra(); len(s.extra) > 0 {
				s.backupNodes = nil
				clear(room) // judge fills zeroed checks
				s.judge(room)
			}
		}
		if dev {
			for i := range checks {
				checks[i].Requirement = reqDevStorage
			}
			return checks
		}
		base, withBackup, backupNodes := s.base, s.withBackup, s.backupNodes
		ns := a.nodeSet()
		ids, missing := ns.liveIDs, ns.skips // ids shared: no check changes its resources
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

// vmMaxDrives is the most drives of a node judged by its sizes alone
// (vmDrives); a node with more is judged volume by volume.
const vmMaxDrives = 8

// vmStorage is VM-STORAGE's judgement of the nodes' drives. A node's
// verdict depends only on its drive sizes, smallest first (the count
// picks its role): most nodes of a cluster have the same sizes, so each
// distinct list of sizes is matched against its role's and worded once,
// and a node whose drives fit costs a look-up per volume and its id
// written before the shared words. Drives that do not fit, volumes the
// inventory lacks, and volumes attached but not listed by the node are
// judged volume by volume, as their messages name the volumes.
type vmStorage struct {
	a   *awsInput
	dev bool
	// base is the drives of a node of the environment, withBackup those
	// of the PROD node with the backup drive, as configured.
	base, withBackup []int
	// needs is base's and withBackup's sizes sorted and worded, on first use.
	needs [2]vmDriveNeed
	// shapes are the lists of sizes judged so far (the first vmShapes;
	// spare holds any other, judged per node).
	shapes  [vmShapes]vmDrives
	nshapes int
	spare   vmDrives
	// owned counts the volumes listed by their own node.
	owned       int
	backupNodes []string
	// extra is attachedExtra, on the second pass.
	extra map[string][]string
	// Scratch of volume-by-volume judgements, reused node after node.
	vols    []inventory.Volume
	unknown []string
}

// vmDriveNeed is a role's drives, smallest first, and the words for them.
type vmDriveNeed struct {
	done   bool
	sorted []int
	need   string // "a PROD node has 3 drives of at least 40, 100, 100 GB"
}

// vmDrives is a node's drive sizes, smallest first, and their verdict.
type vmDrives struct {
	n     int
	sizes [vmMaxDrives]int32 // zero past n
	fit   bool
	has   string // when fit: " has 3 drives (40, 100, 100 GB); a PROD node has …."
}

// need returns the drives a node with n drives needs: its role's.
func (s *vmStorage) need(n int) *vmDriveNeed {
	k, want, role := 0, s.base, "the DEV node"
	if !s.dev {
		role = "a PROD node"
		if n == len(s.withBackup) {
			k, want, role = 1, s.withBackup, "the PROD node with the backup drive"
		}
	}
	nd := &s.needs[k]
	if !nd.done {
		sorted := slices.Clone(want)
		slices.Sort(sorted)
		// Words shared by many messages, in the message arena (where
		// they are as immutable as the messages).
		t := &s.a.text
		t.start()
		t.s(role).s(" has ")
		vmPlural(t, len(sorted), "drive").s(" of at least ")
		vmInts(t, sorted).s(" GB")
		*nd = vmDriveNeed{done: true, sorted: sorted, need: t.end()}
	}
	return nd
}

// vmPlural writes plural(n, noun).
func vmPlural(t *textArena, n int, noun string) *textArena {
	if n == 1 {
		return t.s("1 ").s(noun)
	}
	return t.int(n).s(" ").s(noun).s("s")
}

// vmInts writes joinInts(v).
func vmInts[T int | int32](t *textArena, v []T) *textArena {
	for i, n := range v {
		if i > 0 {
			t.s(", ")
		}
		t.int(int(n))
	}
	return t
}

// judge fills room with the live nodes' checks.
func (s *vmStorage) judge(room []Check) {
	ns := s.a.nodeSet()
	t := &s.a.text
	for i := range ns.live {
		inst := &ns.live[i]
		d, ok := s.drivesOf(inst)
		if ok && d.fit {
			t.start()
			t.s(inst.ID).s(d.has)
			passIn(&room[i], t.end(), ns.factsSlab[i].res)
			if !s.dev && d.n == len(s.withBackup) {
				s.backupNodes = append(s.backupNodes, inst.ID)
			}
			continue
		}
		room[i] = s.check(inst)
	}
}

// drivesOf returns the verdict on the node's drive sizes, counting the
// volumes it lists that are attached to it, or false when the node is to
// be judged volume by volume (check).
func (s *vmStorage) drivesOf(inst *inventory.Instance) (*vmDrives, bool) {
	var sizes [vmMaxDrives]int32
	n := 0
	// extra is nil but for odd inventories: skip the call to look it up.
	ok := s.extra == nil || len(s.extra[inst.ID]) == 0
	for k, id := range inst.VolumeIDs {
		// A node has a handful of volumes: a scan is cheaper than a set.
		if id == "" || slices.Contains(inst.VolumeIDs[:k], id) {
			continue
		}
		v, found := s.a.inv.Volumes[id]
		switch {
		case !found:
			ok = false
			continue
		case v.InstanceID == inst.ID:
			s.owned++
		}
		if n == len(sizes) {
			ok = false
			continue
		}
		// Insertion keeps the sizes ascending.
		j := n
		for ; j > 0 && sizes[j-1] > v.SizeGiB; j-- {
			sizes[j] = sizes[j-1]
		}
		sizes[j] = v.SizeGiB
		n++
	}
	if !ok {
		return nil, false
	}
	for k := range s.nshapes {
		if d := &s.shapes[k]; d.n == n && d.sizes == sizes {
			return d, true
		}
	}
	d := &s.spare
	if s.nshapes < len(s.shapes) {
		d = &s.shapes[s.nshapes]
		s.nshapes++
	}
	*d = vmDrives{n: n, sizes: sizes}
	s.judgeDrives(d)
	return d, true
}

// judgeDrives works out whether the drives fit their role's, as
// driveCheckSorted does (matched smallest first), and the words of a node
// whose drives fit after its id.
func (s *vmStorage) judgeDrives(d *vmDrives) {
	need := s.need(d.n)
	sizes := d.sizes[:d.n]
	if len(sizes) != len(need.sorted) {
		return
	}
	j := 0
	for _, size := range sizes {
		if j < len(need.sorted) && int(size) >= need.sorted[j] {
			j++
		}
	}
	if d.fit = j == len(sizes); !d.fit {
		return
	}
	// Words shared by the nodes of these sizes (see need).
	t := &s.a.text
	t.start()
	t.s(" has ")
	vmPlural(t, len(sizes), "drive").s(" (")
	if len(sizes) == 0 {
		t.s("none")
	}
	vmInts(t, sizes).s(" GB); ").s(need.need).s(".")
	d.has = t.end()
}

// check is VM-STORAGE's check of a node judged volume by volume.
func (s *vmStorage) check(inst *inventory.Instance) Check {
	cfg := s.a.Config
	var vols []inventory.Volume
	vols, s.unknown = s.a.nodeVolumes(inst, s.extra[inst.ID], s.vols[:0], s.unknown[:0])
	s.vols = vols
	if unknown := s.unknown; len(unknown) > 0 {
		return Check{
			Status: StatusError,
			Message: fmt.Sprintf("%s has %s that ec2:DescribeVolumes did not return (%s), so its drives cannot be checked. This requirement is not verified.",
				inst.ID, plural(len(unknown), "attached volume"), strings.Join(unknown, ", ")),
			Remediation: "Run the verification again; if the error persists, ask your project manager to report it with this message.",
			Resources:   append([]string{inst.ID}, unknown...),
		}
	}
	need := s.need(len(vols))
	c := driveCheckSorted(inst.ID, vols, need.sorted, need.need)
	if !s.dev {
		base, withBackup := s.base, s.withBackup
		if len(vols) == len(withBackup) {
			s.backupNodes = append(s.backupNodes, inst.ID)
		}
		if c.Status == StatusFail && len(vols) != len(base) && len(vols) != len(withBackup) {
			c.Message = fmt.Sprintf("%s has %s (%s GB); a PROD node has %d drives (at least %s GB), or %d on the one node with the %d GB backup drive.",
				inst.ID, plural(len(vols), "drive"), sizesOf(vols), len(base), joinInts(base), len(withBackup), cfg.ProdBackupDriveGB)
		}
	}
	return c
}

// attachedExtra indexes, by live node, the volumes attached to it (by the
// volumes' InstanceID) that its VolumeIDs do not list: usually none, so
// that finding a node's volumes neither scans every volume nor indexes
// them all.
func (a *awsInput) attachedExtra() map[string][]string {
	ns := a.nodeSet()
	var out map[string][]string
	for id, v := range a.inv.Volumes {
		i, live := ns.liveIndex(v.InstanceID)
		if !live || (id != "" && slices.Contains(ns.live[i].VolumeIDs, id)) {
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

// driveCheckSorted compares a node's drives with the sizes its role needs
// (want, sorted; need words them): the count exactly, each size as a
// minimum. Drives and sizes are matched smallest first, which matches as
// many as any assignment can; the drives left over are the ones too small,
// blamed against the sizes left over.
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
		if len(a.declaredIDs()) == 0 {
			return []Check{noNodes()}
		}
		want := a.Config.NetworkInterfaces
		ns := a.nodeSet()
		checks, room := a.nodeRoom(0)
		t := &a.text
		for i := range ns.live {
			inst := &ns.live[i]
			n := len(inst.Interfaces)
			if n == 0 && strings.TrimSpace(inst.PrivateIP) != "" {
				// Every VPC instance has its primary interface; an endpoint
				// that lists none still reports its address.
				n = 1
			}
			if n != want {
				room[i] = nicCheck(inst, n, want)
				continue
			}
			t.start()
			nicWords(t, inst, n)
			passIn(&room[i], t.end(), ns.factsSlab[i].res)
		}
		return checks
	},
}

// nicWords writes the message of a node with n network interfaces that
// passes VM-NIC.
func nicWords(t *textArena, inst *inventory.Instance, n int) {
	t.s(inst.ID)
	if n == 1 {
		t.s(" has 1 network interface")
	} else {
		t.s(" has ").int(n).s(" network interfaces")
	}
	if len(inst.Interfaces) > 0 {
		t.s(" (")
		for k, ni := range inst.Interfaces {
			if k > 0 {
				t.s(", ")
			}
			t.s(cmpOrDefault(ni.ID, "an interface"))
		}
		t.s(")")
	}
	t.s(".")
}

// nicCheck is VM-NIC's check of a node with n network interfaces where
// the appliance needs want.
func nicCheck(inst *inventory.Instance, n, want int) Check {
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
}

func cmpOrDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
