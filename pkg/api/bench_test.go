package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/api"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

// nullStore is the intake service's store without storage: every write
// succeeds and nothing is kept, so the benchmark measures the handler
// (routing, parsing, validation, canonical JSON, response) alone.
type nullStore struct{}

func (nullStore) Create(_ context.Context, n store.NewSubmission) (store.Submission, error) {
	return store.Submission{ID: n.ID, Status: n.Status, Stage: n.Stage, LatestVersion: 1, CreatedAt: n.Now, UpdatedAt: n.Now}, nil
}
func (nullStore) Get(context.Context, string) (*store.Record, error) { return nil, store.ErrNotFound }
func (nullStore) MarkStarted(context.Context, string, int, string) error {
	return nil
}
func (nullStore) Append(context.Context, string, store.Event) error { return nil }
func (nullStore) AddVersion(context.Context, store.NewVersion) (int, error) {
	return 2, nil
}
func (nullStore) GetVersion(context.Context, string, int) (*store.Version, error) {
	return nil, store.ErrNotFound
}
func (nullStore) Reports(context.Context, string) ([]store.StoredReport, error) { return nil, nil }
func (nullStore) ExternalID(context.Context, string) (string, error)            { return "x", nil }

// nullStarter starts no workflow.
type nullStarter struct{ n atomic.Int64 }

func (s *nullStarter) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.n.Add(1)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:aws:states:us-east-1:000000000000:execution:bench:" + aws.ToString(in.Name))}, nil
}

func submission(body []byte) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{
		RawPath: "/api/submissions",
		Headers: map[string]string{"content-type": "application/json"},
		Body:    string(body),
	}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.HTTP.Path = req.RawPath
	return req
}

// BenchmarkIntakeHandler measures POST /api/submissions in process, over a
// store and a workflow starter that do nothing: a valid checklist (202)
// and an invalid one (400 naming every bad field).
//
//	go test -run '^$' -bench IntakeHandler -benchmem ./pkg/api/
func BenchmarkIntakeHandler(b *testing.B) {
	for _, tc := range []struct {
		name, file string
		status     int
	}{
		{"valid", "checklist.json", http.StatusAccepted},
		{"invalid", filepath.Join("invalid", "multiple-problems.json"), http.StatusBadRequest},
	} {
		b.Run(tc.name, func(b *testing.B) {
			body, err := os.ReadFile(filepath.Join("..", "..", "events", tc.file))
			if err != nil {
				b.Fatal(err)
			}
			svc := intake.New(nullStore{}, &nullStarter{}, intake.Config{StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
				BaseURL: "https://intake.example.com", Logger: quiet})
			h := api.New(svc, quiet)
			req := submission(body)
			ctx := context.Background()
			var resp events.APIGatewayV2HTTPResponse
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				resp, _ = h.Handle(ctx, req)
			}
			if resp.StatusCode != tc.status {
				b.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
		})
	}
}
