package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// InProgressError refuses a resubmission while the latest version's
// workflow is still running: two versions must never race through gates.
type InProgressError struct {
	Version       int
	Status, Stage string
}

func (e *InProgressError) Error() string {
	return fmt.Sprintf("version %d is still %s (stage %s)", e.Version, e.Status, e.Stage)
}

// resubmittable are the statuses after which a customer may send a new version.
var resubmittable = map[string]bool{
	workflow.StatusChangesRequested: true, workflow.StatusRejected: true,
	workflow.StatusExpired: true, workflow.StatusFailed: true,
}

// Resubmit stores a new version of an existing submission and starts its
// workflow. Sending the latest version's document again returns it.
func (s *Service) Resubmit(ctx context.Context, id string, body []byte) (Receipt, error) {
	rec, err := s.Status(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	doc, problems := checklist.Parse(body)
	if len(problems) > 0 {
		return Receipt{}, &InvalidError{Errors: problems}
	}
	canonical, err := canonicalJSON(body)
	if err != nil {
		return Receipt{}, &InvalidError{Errors: []checklist.FieldError{{Field: "", Message: err.Error()}}}
	}
	sum := sha256.Sum256(canonical)
	hash := hex.EncodeToString(sum[:])
	for _, v := range rec.Versions {
		if v.Number == rec.LatestVersion && v.BodyHash == hash {
			// A retried resubmission: the same document is the same version.
			if !v.Started() {
				return s.start(ctx, id, v.Number, rec.Status, true)
			}
			return s.receipt(id, v.Number, rec.Status, true), nil
		}
	}
	if !resubmittable[rec.Status] {
		return Receipt{}, &InProgressError{Version: rec.LatestVersion, Status: rec.Status, Stage: rec.Stage}
	}
	version, err := s.store.AddVersion(ctx, store.NewVersion{SubmissionID: id, Previous: rec.LatestVersion, CustomerName: doc.Customer.Name,
		Document: canonical, BodyHash: hash, Now: s.Now(), Status: workflow.StatusReceived,
		Stage: workflow.StageIntake, Actor: "customer"})
	if err != nil {
		return Receipt{}, fmt.Errorf("resubmit %s: %w", id, err)
	}
	s.log.InfoContext(ctx, "new version stored", "submissionId", id, "version", version, "customer", doc.Customer.Name)
	return s.start(ctx, id, version, workflow.StatusReceived, false)
}

// Document returns the checklist of one version, for "resubmit with changes".
func (s *Service) Document(ctx context.Context, id string, version int) (json.RawMessage, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	v, err := s.store.GetVersion(ctx, id, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return json.RawMessage(v.Document), nil
}

// Reports returns a submission's verification reports.
func (s *Service) Reports(ctx context.Context, id string) ([]store.StoredReport, error) {
	if _, err := s.Status(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Reports(ctx, id)
}

var accountPattern = regexp.MustCompile(`^\d{12}$`)

// ErrBadAccount means an account id is not 12 digits.
var ErrBadAccount = errors.New("account id must be 12 digits")

// ExternalID returns the ExternalId a customer puts in the verifier role's
// trust policy for one account.
func (s *Service) ExternalID(ctx context.Context, accountID string) (string, error) {
	if !accountPattern.MatchString(accountID) {
		return "", ErrBadAccount
	}
	return s.store.ExternalID(ctx, accountID)
}
