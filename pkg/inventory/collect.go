package inventory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// Scope is what a collection looks at: one environment of one customer
// account, as the checklist declares it. (It is not called Target because
// Target is a load balancer target in inventory.go.)
type Scope struct {
	Environment string
	AccountID   string
	Region      string
	// VpcID is the environment's VPC (route tables and peerings).
	VpcID string
	// AmiID is the AMI the appliance is to be launched from.
	AmiID string
	// InstanceIDs are the declared appliance nodes.
	InstanceIDs []string
	// LoadBalancerArn is the declared load balancer (prod), if any.
	LoadBalancerArn string
	// AcmArn is the declared ACM certificate, if any.
	AcmArn string
	// OtherVpcID is the other environment's VPC, so that a peering between
	// the two environments is found even when VpcID is not declared.
	OtherVpcID string
}

// Options tune one collection; zero values take the defaults.
type Options struct {
	// Timeout bounds the whole collection (default 60s). Sources still
	// unread when it expires get a SourceError with code "Timeout".
	Timeout time.Duration
	// Concurrency bounds the AWS calls in flight at once (default 4).
	Concurrency int
}

const (
	defaultTimeout     = 60 * time.Second
	defaultConcurrency = 4
	// maxIDsPerCall is how many ids (or filter values) one call carries.
	maxIDsPerCall = 1000
	// lateGrace is how long Collect waits, once the deadline has passed,
	// for calls to notice it before it returns without them.
	lateGrace = 100 * time.Millisecond
)

// Error codes the collector itself assigns (the others are AWS's).
const (
	CodeTimeout  = "Timeout"       // the collection deadline passed before the read finished
	CodeCanceled = "Canceled"      // the caller's context was canceled
	CodeSkipped  = "Skipped"       // not read because a read it depends on failed
	CodeNoClient = "NoClient"      // Clients lacks the client for this source
	CodeRequest  = "RequestFailed" // no AWS error code: network failure and the like
	CodeNotRead  = "NotRead"       // a planned read that never ran (a collector bug)
)

// Collect reads everything the rules need about the environment t through
// c, with a number of AWS calls that does not grow with the number of
// instances: ids are batched (up to 1000 a call), every list is paginated,
// and the services are read in parallel, at most opts.Concurrency calls at
// once. Throttling is retried inside the clients (the SDK's, and awsrest's
// for Backup and DLM, with the same retryer: see RetryingConfig); a
// retried call counts once in Calls.
//
// Reads (and the calls they make):
//   - ec2:DescribeInstances: all declared ids in one call (1000 a chunk); a
//     NotFound/Malformed id fails the whole call in AWS, so the ids named in
//     the error are dropped (they do not exist) and the rest retried once.
//   - then, in parallel: ec2:DescribeVolumes (filter attachment.instance-id),
//     ec2:DescribeSubnets (subnet ids), ec2:DescribeRouteTables (filter
//     vpc-id), ec2:DescribeSecurityGroups (group ids),
//     ec2:DescribeInstanceTypes (distinct types).
//   - independently of the instances: ec2:DescribeImages (the AMI),
//     ec2:DescribeVpcPeeringConnections (one call filtered on the requester
//     side, one on the accepter side), the load balancer chain
//     (DescribeLoadBalancers, then DescribeListeners and
//     DescribeTargetGroups, then DescribeTargetHealth per target group),
//     acm:DescribeCertificate + acm:GetCertificate, the backup chain
//     (ListBackupPlans, ListBackupSelections per plan, GetBackupSelection
//     per selection), dlm:GetLifecyclePolicies + GetLifecyclePolicy per
//     enabled policy, and cloudwatch:DescribeAlarms.
//
// Every filter is applied again client side (emulators ignore filters).
// A failed read is recorded in Errors and never aborts the others; reads
// that depend on it are recorded with code "Skipped". Collect never
// returns nil and never panics on an AWS answer.
func Collect(ctx context.Context, c Clients, t Scope, opts Options) *Inventory {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultConcurrency
	}
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	col := newCollector(cctx, c, t, opts)
	col.start()

	done := make(chan struct{})
	go func() {
		col.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-cctx.Done():
		// Calls that honour the context return at once; give them a moment
		// to record their Timeout, then stop waiting for any that do not.
		select {
		case <-done:
		case <-time.After(lateGrace):
		}
	}
	return col.finish()
}

// collector is the state of one collection. Everything written to inv or
// to the raw fields goes through mu; after finish, writes are dropped, so a
// call that ignores its context cannot change a returned Inventory.
type collector struct {
	ctx     context.Context
	clients Clients
	target  Scope
	ids     []string // declared instance ids, deduplicated
	sem     chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	inv      *Inventory
	planned  map[Source]bool // sources this collection means to read
	finished map[Source]bool // sources read (or found not applicable)

	// raw material for the coverage computed in finish
	instancesRead bool // DescribeInstances succeeded for every chunk
	selections    []backupSelection
	policies      []dlmPolicy
}

func newCollector(ctx context.Context, c Clients, t Scope, opts Options) *collector {
	inv := &Inventory{
		Environment:    t.Environment,
		AccountID:      t.AccountID,
		Region:         t.Region,
		CollectedAt:    time.Now().UTC(),
		Instances:      map[string]Instance{},
		Volumes:        map[string]Volume{},
		Subnets:        map[string]Subnet{},
		RouteTables:    []RouteTable{},
		SecurityGroups: map[string]SecurityGroup{},
		InstanceTypes:  map[string]InstanceType{},
		Peerings:       []Peering{},
		Backup:         map[string][]string{},
		Alarms:         []Alarm{},
		Errors:         map[Source]SourceError{},
		Calls:          map[Source]int{},
	}
	col := &collector{
		ctx:      ctx,
		clients:  c,
		target:   t,
		ids:      dedupe(t.InstanceIDs),
		sem:      make(chan struct{}, opts.Concurrency),
		inv:      inv,
		planned:  map[Source]bool{},
		finished: map[Source]bool{},
	}
	return col
}

// start plans the reads the target calls for and launches the independent
// ones; each launches its dependents when it has what they need.
func (col *collector) start() {
	t := col.target
	if len(col.ids) > 0 {
		col.plan(SrcInstances, SrcVolumes, SrcSubnets, SrcRouteTables, SrcSecurityGroups, SrcInstanceTypes)
		col.plan(SrcBackupPlans, SrcBackupSel, SrcBackupSelGet, SrcDLM, SrcDLMPolicy, SrcAlarms)
		col.goRead(SrcInstances, col.clients.EC2 == nil, col.readInstances, SrcVolumes, SrcSubnets, SrcRouteTables, SrcSecurityGroups, SrcInstanceTypes)
		col.goRead(SrcBackupPlans, col.clients.Backup == nil, col.readBackup, SrcBackupSel, SrcBackupSelGet)
		col.goRead(SrcDLM, col.clients.DLM == nil, col.readDLM, SrcDLMPolicy)
		col.goRead(SrcAlarms, col.clients.CloudWatch == nil, col.readAlarms)
	} else if t.VpcID != "" {
		col.plan(SrcRouteTables)
		col.goRead(SrcRouteTables, col.clients.EC2 == nil, func() { col.readRouteTables(nil) })
	}
	if t.AmiID != "" {
		col.plan(SrcImages)
		col.goRead(SrcImages, col.clients.EC2 == nil, col.readImage)
	}
	if t.VpcID != "" || t.OtherVpcID != "" {
		col.plan(SrcPeerings)
		col.goRead(SrcPeerings, col.clients.EC2 == nil, col.readPeerings)
	}
	if t.LoadBalancerArn != "" {
		col.plan(SrcLoadBalancers, SrcListeners, SrcTargetGroups, SrcTargetHealth)
		col.goRead(SrcLoadBalancers, col.clients.ELBv2 == nil, col.readLoadBalancer, SrcListeners, SrcTargetGroups, SrcTargetHealth)
	}
	if t.AcmArn != "" {
		col.plan(SrcCertificate, SrcCertChain)
		col.goRead(SrcCertificate, col.clients.ACM == nil, col.readCertificate, SrcCertChain)
	}
}

// goRead runs read in its own goroutine, unless the client it needs is
// missing, in which case src and its dependents fail with NoClient.
func (col *collector) goRead(src Source, noClient bool, read func(), dependents ...Source) {
	if noClient {
		col.setError(SourceError{Source: src, Code: CodeNoClient, Err: "no client configured for " + string(src)})
		for _, d := range dependents {
			col.setError(SourceError{Source: d, Code: CodeNoClient, Err: "no client configured for " + string(d)})
		}
		return
	}
	col.spawn(read)
}

func (col *collector) spawn(fn func()) {
	col.wg.Add(1)
	go func() {
		defer col.wg.Done()
		fn()
	}()
}

func (col *collector) plan(srcs ...Source) {
	col.mu.Lock()
	defer col.mu.Unlock()
	for _, s := range srcs {
		col.planned[s] = true
	}
}

// done marks sources as read: what they found is in inv (possibly
// nothing, when the thing declared does not exist).
func (col *collector) done(srcs ...Source) {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.closed {
		return
	}
	for _, s := range srcs {
		col.finished[s] = true
	}
}

// commit applies fn to the inventory under the lock, unless the
// collection has already been returned.
func (col *collector) commit(fn func(inv *Inventory)) {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.closed {
		return
	}
	fn(col.inv)
}

// call makes one AWS call for src: it waits for a concurrency slot, counts
// the call, and runs fn under the collection's context. SDK retries inside
// fn (throttling) are one call.
func call[T any](col *collector, src Source, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	select {
	case col.sem <- struct{}{}:
	case <-col.ctx.Done():
		return zero, col.ctx.Err()
	}
	defer func() { <-col.sem }()
	if err := col.ctx.Err(); err != nil {
		return zero, err
	}
	col.mu.Lock()
	if !col.closed {
		col.inv.Calls[src]++
		col.inv.APICalls++
	}
	col.mu.Unlock()
	return fn(col.ctx)
}

// fail records err as the error of src; a deadline becomes "Timeout".
// The first error of a source is kept.
func (col *collector) fail(src Source, err error) {
	col.setError(col.sourceError(src, err))
}

// skip records that dependents were not read because src failed.
func (col *collector) skip(src Source, dependents ...Source) {
	col.mu.Lock()
	cause, ok := col.inv.Errors[src]
	col.mu.Unlock()
	for _, d := range dependents {
		if ok && (cause.Code == CodeTimeout || cause.Code == CodeCanceled) {
			col.setError(SourceError{Source: d, Code: cause.Code, Err: "not read before the collection deadline"})
			continue
		}
		msg := fmt.Sprintf("not read because %s failed", src)
		if ok {
			msg = fmt.Sprintf("not read because %s failed (%s)", src, cause.Code)
		}
		col.setError(SourceError{Source: d, Code: CodeSkipped, Err: msg})
	}
}

func (col *collector) setError(e SourceError) {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.closed {
		return
	}
	if _, exists := col.inv.Errors[e.Source]; !exists {
		col.inv.Errors[e.Source] = e
	}
}

func (col *collector) sourceError(src Source, err error) SourceError {
	if cerr := col.ctx.Err(); cerr != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if errors.Is(cerr, context.Canceled) || (cerr == nil && errors.Is(err, context.Canceled)) {
			return SourceError{Source: src, Code: CodeCanceled, Err: "collection canceled before the read finished"}
		}
		return SourceError{Source: src, Code: CodeTimeout, Err: "collection deadline passed before the read finished"}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		if msg == "" {
			msg = err.Error()
		}
		return SourceError{Source: src, Code: ae.ErrorCode(), Err: msg}
	}
	return SourceError{Source: src, Code: CodeRequest, Err: err.Error()}
}

// finish computes what needs several sources (backup coverage, alarms),
// marks the planned sources never read as timed out, and freezes inv.
func (col *collector) finish() *Inventory {
	col.mu.Lock()
	defer col.mu.Unlock()
	inv := col.inv
	col.computeBackup()
	for src := range col.planned {
		if col.finished[src] {
			continue
		}
		if _, failed := inv.Errors[src]; failed {
			continue
		}
		code, msg := CodeTimeout, "collection deadline passed before the read finished"
		switch err := col.ctx.Err(); {
		case errors.Is(err, context.Canceled):
			code, msg = CodeCanceled, "collection canceled before the read finished"
		case err == nil: // cannot happen: every read ends in done or an error
			code, msg = CodeNotRead, "not read"
		}
		inv.Errors[src] = SourceError{Source: src, Code: code, Err: msg}
	}
	sort.Slice(inv.RouteTables, func(i, j int) bool { return inv.RouteTables[i].ID < inv.RouteTables[j].ID })
	sort.Slice(inv.Peerings, func(i, j int) bool { return inv.Peerings[i].ID < inv.Peerings[j].ID })
	sort.Slice(inv.Alarms, func(i, j int) bool { return inv.Alarms[i].Name < inv.Alarms[j].Name })
	col.closed = true
	return inv
}

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func hasCode(err error, codes ...string) bool {
	code := apiCode(err)
	if code == "" {
		return false
	}
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func i32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
