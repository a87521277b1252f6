package inventory

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// readLoadBalancer reads the declared load balancer, then its listeners
// and target groups in parallel, then the health of each target group.
// A load balancer that does not exist leaves LoadBalancer nil.
func (col *collector) readLoadBalancer() {
	arn := col.target.LoadBalancerArn
	all := []Source{SrcLoadBalancers, SrcListeners, SrcTargetGroups, SrcTargetHealth}
	p := elbv2.NewDescribeLoadBalancersPaginator(col.clients.ELBv2, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	var lb *LoadBalancer
	for p.HasMorePages() {
		page, err := call(col, SrcLoadBalancers, func(ctx context.Context) (*elbv2.DescribeLoadBalancersOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			if hasCode(err, "LoadBalancerNotFound") {
				break
			}
			col.fail(SrcLoadBalancers, err)
			col.skip(SrcLoadBalancers, all[1:]...)
			return
		}
		for _, l := range page.LoadBalancers {
			if str(l.LoadBalancerArn) != arn { // client side
				continue
			}
			lb = &LoadBalancer{
				Arn: arn, Type: string(l.Type), Scheme: string(l.Scheme),
				VpcID: str(l.VpcId), DNSName: str(l.DNSName),
				Listeners: []Listener{}, TargetGroups: []TargetGroup{},
			}
			if l.State != nil {
				lb.State = string(l.State.Code)
			}
		}
	}
	col.commit(func(inv *Inventory) { inv.LoadBalancer = lb })
	if lb == nil {
		col.done(all...)
		return
	}
	col.done(SrcLoadBalancers)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		col.readListeners(arn)
	}()
	go func() {
		defer wg.Done()
		col.readTargetGroups(arn)
	}()
	wg.Wait()
}

func (col *collector) readListeners(lbArn string) {
	p := elbv2.NewDescribeListenersPaginator(col.clients.ELBv2, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)})
	var got []Listener
	for p.HasMorePages() {
		page, err := call(col, SrcListeners, func(ctx context.Context) (*elbv2.DescribeListenersOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			col.fail(SrcListeners, err)
			return
		}
		for _, l := range page.Listeners {
			if str(l.LoadBalancerArn) != lbArn { // client side
				continue
			}
			got = append(got, Listener{
				Arn: str(l.ListenerArn), Port: i32(l.Port), Protocol: string(l.Protocol),
				TargetGroupArns: forwardTargets(l.DefaultActions),
			})
		}
	}
	col.commit(func(inv *Inventory) {
		if inv.LoadBalancer != nil {
			inv.LoadBalancer.Listeners = append(inv.LoadBalancer.Listeners, got...)
		}
	})
	col.done(SrcListeners)
}

// forwardTargets returns the target groups the actions forward to.
func forwardTargets(actions []elbtypes.Action) []string {
	var arns []string
	for _, a := range actions {
		if a.Type != elbtypes.ActionTypeEnumForward {
			continue
		}
		arns = append(arns, str(a.TargetGroupArn))
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				arns = append(arns, str(tg.TargetGroupArn))
			}
		}
	}
	out := dedupe(arns)
	return out
}

func (col *collector) readTargetGroups(lbArn string) {
	p := elbv2.NewDescribeTargetGroupsPaginator(col.clients.ELBv2, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(lbArn)})
	var got []TargetGroup
	for p.HasMorePages() {
		page, err := call(col, SrcTargetGroups, func(ctx context.Context) (*elbv2.DescribeTargetGroupsOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			col.fail(SrcTargetGroups, err)
			col.skip(SrcTargetGroups, SrcTargetHealth)
			return
		}
		for _, tg := range page.TargetGroups {
			if !contains(tg.LoadBalancerArns, lbArn) { // client side
				continue
			}
			got = append(got, TargetGroup{
				Arn: str(tg.TargetGroupArn), Name: str(tg.TargetGroupName),
				Protocol: string(tg.Protocol), Port: i32(tg.Port), TargetType: string(tg.TargetType),
				HealthCheckProtocol: string(tg.HealthCheckProtocol), HealthCheckPath: str(tg.HealthCheckPath),
				Targets: []Target{},
			})
		}
	}
	col.done(SrcTargetGroups)

	// One DescribeTargetHealth per target group: the count grows with the
	// target groups, never with the instances behind them.
	var wg sync.WaitGroup
	ok := true
	var okMu sync.Mutex
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := call(col, SrcTargetHealth, func(ctx context.Context) (*elbv2.DescribeTargetHealthOutput, error) {
				return col.clients.ELBv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(got[i].Arn)})
			})
			if err != nil {
				col.fail(SrcTargetHealth, err)
				okMu.Lock()
				ok = false
				okMu.Unlock()
				return
			}
			for _, d := range out.TargetHealthDescriptions {
				var t Target
				if d.Target != nil {
					t.ID, t.Port = str(d.Target.Id), i32(d.Target.Port)
				}
				if d.TargetHealth != nil {
					t.Health, t.Reason = string(d.TargetHealth.State), string(d.TargetHealth.Reason)
				}
				got[i].Targets = append(got[i].Targets, t)
			}
		}()
	}
	wg.Wait()
	col.commit(func(inv *Inventory) {
		if inv.LoadBalancer != nil {
			inv.LoadBalancer.TargetGroups = append(inv.LoadBalancer.TargetGroups, got...)
		}
	})
	if ok {
		col.done(SrcTargetHealth)
	}
}

// readCertificate reads the declared ACM certificate and its PEM chain in
// parallel. A certificate that does not exist leaves Certificate nil; one
// not issued yet has no chain, which is not an error either.
func (col *collector) readCertificate() {
	arn := col.target.AcmArn
	var (
		wg       sync.WaitGroup
		desc     *acm.DescribeCertificateOutput
		descErr  error
		chain    string
		chainErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		desc, descErr = call(col, SrcCertificate, func(ctx context.Context) (*acm.DescribeCertificateOutput, error) {
			return col.clients.ACM.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
		})
	}()
	go func() {
		defer wg.Done()
		out, err := call(col, SrcCertChain, func(ctx context.Context) (*acm.GetCertificateOutput, error) {
			return col.clients.ACM.GetCertificate(ctx, &acm.GetCertificateInput{CertificateArn: aws.String(arn)})
		})
		switch {
		case err == nil:
			chain = joinPEM(str(out.Certificate), str(out.CertificateChain))
		case hasCode(err, "ResourceNotFoundException", "RequestInProgressException"):
		default:
			chainErr = err
		}
	}()
	wg.Wait()

	if descErr != nil {
		if hasCode(descErr, "ResourceNotFoundException") {
			col.done(SrcCertificate, SrcCertChain)
			return
		}
		col.fail(SrcCertificate, descErr)
		if chainErr != nil {
			col.fail(SrcCertChain, chainErr)
		}
		return
	}
	d := desc.Certificate
	if d == nil || (d.CertificateArn != nil && *d.CertificateArn != arn) {
		col.done(SrcCertificate, SrcCertChain)
		return
	}
	cert := &Certificate{
		Arn: arn, DomainName: str(d.DomainName), SANs: d.SubjectAlternativeNames,
		Status: string(d.Status), Type: string(d.Type), KeyAlgorithm: string(d.KeyAlgorithm),
		Chain: chain,
	}
	if d.NotBefore != nil {
		cert.NotBefore = *d.NotBefore
	}
	if d.NotAfter != nil {
		cert.NotAfter = *d.NotAfter
	}
	col.commit(func(inv *Inventory) { inv.Certificate = cert })
	col.done(SrcCertificate)
	if chainErr != nil {
		col.fail(SrcCertChain, chainErr)
	} else {
		col.done(SrcCertChain)
	}
}

func joinPEM(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		b.WriteString(p)
		b.WriteString("\n")
	}
	return b.String()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
