package verifytask

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/inventory"
)

// Access is the outcome of assuming the customer's verifier role.
type Access struct {
	RoleArn    string
	ExternalID string
	// Err is set when the role could not be assumed; the report then says
	// how to deploy the role rather than failing every rule separately.
	Err error
}

// InventoryReader reads an environment of a customer account.
type InventoryReader interface {
	Read(ctx context.Context, doc *checklist.Document, env string) (*inventory.Inventory, Access)
}

type externalIDs interface {
	ExternalID(ctx context.Context, accountID string) (string, error)
}

// AWSReader assumes each environment's verifier role with the account's
// ExternalId and collects its inventory.
type AWSReader struct {
	Base        aws.Config
	ExternalIDs externalIDs
	Options     inventory.Options
}

// Read collects one environment. It first proves the role can be assumed
// (sts:GetCallerIdentity with the assumed credentials), so a missing or
// misconfigured role is one clear finding, not twenty permission errors.
func (r *AWSReader) Read(ctx context.Context, doc *checklist.Document, env string) (*inventory.Inventory, Access) {
	e := doc.Env(env)
	acc := Access{RoleArn: e.RoleArn}
	id, err := r.ExternalIDs.ExternalID(ctx, e.AccountID)
	if err != nil {
		acc.Err = fmt.Errorf("look up the ExternalId of account %s: %w", e.AccountID, err)
		return nil, acc
	}
	acc.ExternalID = id
	base := r.Base.Copy()
	base.Region = e.Region
	cfg := inventory.AssumeRoleConfig(ctx, base, e.RoleArn, id, "appliance-intake-verify")
	probe, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(probe, &sts.GetCallerIdentityInput{}); err != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			err = fmt.Errorf("%s: %s", api.ErrorCode(), api.ErrorMessage())
		}
		acc.Err = err
		return nil, acc
	}
	scope := inventory.Scope{Environment: env, AccountID: e.AccountID, Region: e.Region, VpcID: e.VpcID, AmiID: e.AmiID,
		InstanceIDs: e.InstanceIDs, LoadBalancerArn: e.LoadBalancerArn, AcmArn: e.Certificate.AcmArn}
	for _, other := range []string{checklist.EnvDev, checklist.EnvProd} {
		if o := doc.Env(other); other != env && o != nil {
			scope.OtherVpcID = o.VpcID
		}
	}
	return inventory.Collect(ctx, inventory.NewClients(cfg), scope, r.Options), acc
}
