package inventory

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/psaas/appliance-intake/pkg/awsrest"
)

// BenchmarkCollect measures a collection over the fakes for 3, 30 and 300
// instances, reporting the AWS calls it makes ("calls/op"), next to a
// naive collector that asks about each instance separately.
//
//	go test -run '^$' -bench Collect -benchmem ./pkg/inventory/
func BenchmarkCollect(b *testing.B) {
	for _, n := range []int{3, 30, 300} {
		b.Run(fmt.Sprintf("batched/instances=%d", n), func(b *testing.B) {
			w := newWorld(n)
			w.pageSize, w.alarmPageSize = 1000, 100 // AWS's page sizes
			c, sc := w.clients(), w.scope()
			var inv *Inventory
			b.ReportAllocs()
			for b.Loop() {
				inv = Collect(context.Background(), c, sc, Options{})
			}
			if len(inv.Errors) != 0 {
				b.Fatalf("errors: %+v", inv.Errors)
			}
			b.ReportMetric(float64(inv.APICalls), "calls/op")
		})
		b.Run(fmt.Sprintf("naive/instances=%d", n), func(b *testing.B) {
			w := newWorld(n)
			w.pageSize, w.alarmPageSize = 1000, 100
			c, sc := w.clients(), w.scope()
			calls := 0
			b.ReportAllocs()
			for b.Loop() {
				calls = naiveCollect(context.Background(), c, sc)
			}
			b.ReportMetric(float64(calls), "calls/op")
		})
	}
}

// naiveCollect is the collector not to write: one call per instance for
// everything instance-shaped. It returns the calls it made.
func naiveCollect(ctx context.Context, c Clients, sc Scope) int {
	calls := 0
	n := func(err error) {
		calls++
		_ = err
	}
	for _, id := range sc.InstanceIDs {
		out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		n(err)
		if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
			continue
		}
		inst := out.Reservations[0].Instances[0]
		_, err = c.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("attachment.instance-id"), Values: []string{id}}}})
		n(err)
		_, err = c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(inst.SubnetId)}})
		n(err)
		var groups []string
		for _, g := range inst.SecurityGroups {
			groups = append(groups, aws.ToString(g.GroupId))
		}
		_, err = c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: groups})
		n(err)
		_, err = c.EC2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{inst.InstanceType}})
		n(err)
		_, err = c.ELBv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(fakeTGArn), Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}})
		n(err)
		_, err = c.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("status-" + id)})
		n(err)
	}
	_, err := c.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{sc.VpcID}}}})
	n(err)
	_, err = c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{sc.AmiID}})
	n(err)
	_, err = c.EC2.DescribeVpcPeeringConnections(ctx, &ec2.DescribeVpcPeeringConnectionsInput{})
	n(err)
	_, err = c.ELBv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{sc.LoadBalancerArn}})
	n(err)
	_, err = c.ELBv2.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(sc.LoadBalancerArn)})
	n(err)
	_, err = c.ELBv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(sc.LoadBalancerArn)})
	n(err)
	_, err = c.ACM.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(sc.AcmArn)})
	n(err)
	_, err = c.ACM.GetCertificate(ctx, &acm.GetCertificateInput{CertificateArn: aws.String(sc.AcmArn)})
	n(err)
	plans, err := c.Backup.ListBackupPlans(ctx, &awsrest.ListBackupPlansInput{})
	n(err)
	if err == nil {
		for _, p := range plans.BackupPlansList {
			sels, err := c.Backup.ListBackupSelections(ctx, &awsrest.ListBackupSelectionsInput{BackupPlanID: p.BackupPlanID})
			n(err)
			if err != nil {
				continue
			}
			for _, s := range sels.BackupSelectionsList {
				_, err := c.Backup.GetBackupSelection(ctx, &awsrest.GetBackupSelectionInput{BackupPlanID: p.BackupPlanID, SelectionID: s.SelectionID})
				n(err)
			}
		}
	}
	pols, err := c.DLM.GetLifecyclePolicies(ctx, &awsrest.GetLifecyclePoliciesInput{})
	n(err)
	if err == nil {
		for _, p := range pols.Policies {
			_, err := c.DLM.GetLifecyclePolicy(ctx, &awsrest.GetLifecyclePolicyInput{PolicyID: p.PolicyID})
			n(err)
		}
	}
	return calls
}

func TestNaiveCollectGrows(t *testing.T) {
	// The comparison in the benchmark is meaningful: the naive collector's
	// calls grow by 7 per instance, the batched one's do not.
	a := naiveCollect(context.Background(), newWorld(3).clients(), newWorld(3).scope())
	b := naiveCollect(context.Background(), newWorld(30).clients(), newWorld(30).scope())
	if b-a != 27*7 {
		t.Errorf("naive calls: %d for 3 instances, %d for 30", a, b)
	}
}
