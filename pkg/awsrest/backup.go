package awsrest

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Backup is an AWS Backup client for the three reads of backup coverage.
// Paths, query parameters and JSON shapes are the AWS Backup API
// reference's (as the SDK's service/backup serializes them).
type Backup struct{ c client }

// NewBackup returns an AWS Backup client configured from cfg.
func NewBackup(cfg aws.Config) *Backup {
	return &Backup{c: newClient(cfg, service{id: "Backup", signingName: "backup"})}
}

// BackupPlan is a member of ListBackupPlans' BackupPlansList.
type BackupPlan struct {
	BackupPlanID   string     `json:"BackupPlanId"`
	BackupPlanName string     `json:"BackupPlanName"`
	DeletionDate   *Timestamp `json:"DeletionDate"` // set on deleted plans
}

type ListBackupPlansInput struct {
	NextToken  string
	MaxResults int32 // 0: the service's default
}

type ListBackupPlansOutput struct {
	BackupPlansList []BackupPlan `json:"BackupPlansList"`
	NextToken       string       `json:"NextToken"`
}

// ListBackupPlans is GET /backup/plans?nextToken=&maxResults=.
func (b *Backup) ListBackupPlans(ctx context.Context, in *ListBackupPlansInput) (*ListBackupPlansOutput, error) {
	out := &ListBackupPlansOutput{}
	if err := b.c.get(ctx, "ListBackupPlans", "/backup/plans", pageQuery(in.NextToken, in.MaxResults), out); err != nil {
		return nil, err
	}
	return out, nil
}

// BackupSelectionSummary is a member of ListBackupSelections'
// BackupSelectionsList.
type BackupSelectionSummary struct {
	SelectionID   string `json:"SelectionId"`
	SelectionName string `json:"SelectionName"`
	BackupPlanID  string `json:"BackupPlanId"`
}

type ListBackupSelectionsInput struct {
	BackupPlanID string
	NextToken    string
	MaxResults   int32
}

type ListBackupSelectionsOutput struct {
	BackupSelectionsList []BackupSelectionSummary `json:"BackupSelectionsList"`
	NextToken            string                   `json:"NextToken"`
}

// ListBackupSelections is GET /backup/plans/{backupPlanId}/selections.
func (b *Backup) ListBackupSelections(ctx context.Context, in *ListBackupSelectionsInput) (*ListBackupSelectionsOutput, error) {
	if in.BackupPlanID == "" {
		return nil, b.c.opErr("ListBackupSelections", errors.New("BackupPlanId is required"))
	}
	out := &ListBackupSelectionsOutput{}
	path := "/backup/plans/" + url.PathEscape(in.BackupPlanID) + "/selections"
	if err := b.c.get(ctx, "ListBackupSelections", path, pageQuery(in.NextToken, in.MaxResults), out); err != nil {
		return nil, err
	}
	return out, nil
}

// BackupSelection is the body of a selection: which resources a plan
// backs up.
type BackupSelection struct {
	SelectionName string      `json:"SelectionName"`
	Resources     []string    `json:"Resources"`
	NotResources  []string    `json:"NotResources"`
	ListOfTags    []Condition `json:"ListOfTags"`
	Conditions    *Conditions `json:"Conditions"`
}

// Condition is a ListOfTags entry (ConditionType STRINGEQUALS).
type Condition struct {
	ConditionType  string `json:"ConditionType"`
	ConditionKey   string `json:"ConditionKey"`
	ConditionValue string `json:"ConditionValue"`
}

// Conditions are the tag conditions every selected resource must meet.
type Conditions struct {
	StringEquals    []ConditionParameter `json:"StringEquals"`
	StringNotEquals []ConditionParameter `json:"StringNotEquals"`
	StringLike      []ConditionParameter `json:"StringLike"`
	StringNotLike   []ConditionParameter `json:"StringNotLike"`
}

type ConditionParameter struct {
	ConditionKey   string `json:"ConditionKey"`
	ConditionValue string `json:"ConditionValue"`
}

type GetBackupSelectionInput struct {
	BackupPlanID string
	SelectionID  string
}

type GetBackupSelectionOutput struct {
	BackupPlanID    string           `json:"BackupPlanId"`
	SelectionID     string           `json:"SelectionId"`
	BackupSelection *BackupSelection `json:"BackupSelection"`
}

// GetBackupSelection is GET /backup/plans/{backupPlanId}/selections/{selectionId}.
func (b *Backup) GetBackupSelection(ctx context.Context, in *GetBackupSelectionInput) (*GetBackupSelectionOutput, error) {
	if in.BackupPlanID == "" || in.SelectionID == "" {
		return nil, b.c.opErr("GetBackupSelection", errors.New("BackupPlanId and SelectionId are required"))
	}
	out := &GetBackupSelectionOutput{}
	path := "/backup/plans/" + url.PathEscape(in.BackupPlanID) + "/selections/" + url.PathEscape(in.SelectionID)
	if err := b.c.get(ctx, "GetBackupSelection", path, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

func pageQuery(token string, max int32) url.Values {
	q := url.Values{}
	if token != "" {
		q.Set("nextToken", token)
	}
	if max > 0 {
		q.Set("maxResults", strconv.Itoa(int(max)))
	}
	return q
}
