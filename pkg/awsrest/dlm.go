package awsrest

import (
	"context"
	"errors"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DLM is an Amazon Data Lifecycle Manager client for the two policy
// reads. Paths, query parameters and JSON shapes are the DLM API
// reference's (as the SDK's service/dlm serializes them).
type DLM struct{ c client }

// NewDLM returns a DLM client configured from cfg.
func NewDLM(cfg aws.Config) *DLM {
	return &DLM{c: newClient(cfg, service{id: "DLM", signingName: "dlm"})}
}

// Values of the DLM enums the collector compares against.
const (
	PolicyStateEnabled = "ENABLED"

	PolicyTypeEBSSnapshotManagement = "EBS_SNAPSHOT_MANAGEMENT"
	PolicyTypeImageManagement       = "IMAGE_MANAGEMENT"
	PolicyTypeEventBased            = "EVENT_BASED_POLICY"

	PolicyLanguageSimplified = "SIMPLIFIED"
	PolicyLanguageStandard   = "STANDARD"

	ResourceTypeVolume   = "VOLUME"
	ResourceTypeInstance = "INSTANCE"
)

type GetLifecyclePoliciesInput struct {
	State string // "ENABLED", "DISABLED", "ERROR"; "" for all
}

// LifecyclePolicySummary is a member of GetLifecyclePolicies' Policies.
type LifecyclePolicySummary struct {
	PolicyID      string `json:"PolicyId"`
	State         string `json:"State"`
	PolicyType    string `json:"PolicyType"`
	DefaultPolicy bool   `json:"DefaultPolicy"`
}

type GetLifecyclePoliciesOutput struct {
	Policies []LifecyclePolicySummary `json:"Policies"`
}

// GetLifecyclePolicies is GET /policies?state=.
func (d *DLM) GetLifecyclePolicies(ctx context.Context, in *GetLifecyclePoliciesInput) (*GetLifecyclePoliciesOutput, error) {
	q := url.Values{}
	if in.State != "" {
		q.Set("state", in.State)
	}
	out := &GetLifecyclePoliciesOutput{}
	if err := d.c.get(ctx, "GetLifecyclePolicies", "/policies", q, out); err != nil {
		return nil, err
	}
	return out, nil
}

type GetLifecyclePolicyInput struct {
	PolicyID string
}

type GetLifecyclePolicyOutput struct {
	Policy *LifecyclePolicy `json:"Policy"`
}

// LifecyclePolicy is a policy with the targeting the collector reads.
type LifecyclePolicy struct {
	PolicyID      string         `json:"PolicyId"`
	State         string         `json:"State"`
	DefaultPolicy bool           `json:"DefaultPolicy"`
	PolicyDetails *PolicyDetails `json:"PolicyDetails"`
}

type PolicyDetails struct {
	PolicyType     string      `json:"PolicyType"`
	PolicyLanguage string      `json:"PolicyLanguage"`
	ResourceType   string      `json:"ResourceType"`  // default policies
	ResourceTypes  []string    `json:"ResourceTypes"` // custom policies
	TargetTags     []Tag       `json:"TargetTags"`
	Exclusions     *Exclusions `json:"Exclusions"`
}

// Exclusions are what a default policy leaves out.
type Exclusions struct {
	ExcludeBootVolumes bool     `json:"ExcludeBootVolumes"`
	ExcludeTags        []Tag    `json:"ExcludeTags"`
	ExcludeVolumeTypes []string `json:"ExcludeVolumeTypes"`
}

type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// GetLifecyclePolicy is GET /policies/{policyId}.
func (d *DLM) GetLifecyclePolicy(ctx context.Context, in *GetLifecyclePolicyInput) (*GetLifecyclePolicyOutput, error) {
	if in.PolicyID == "" {
		return nil, d.c.opErr("GetLifecyclePolicy", errors.New("PolicyId is required"))
	}
	out := &GetLifecyclePolicyOutput{}
	if err := d.c.get(ctx, "GetLifecyclePolicy", "/policies/"+url.PathEscape(in.PolicyID), nil, out); err != nil {
		return nil, err
	}
	return out, nil
}
