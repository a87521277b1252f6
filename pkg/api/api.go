// Package api is the HTTP API behind API Gateway: it routes API Gateway v2
// (HTTP API) requests to the intake service and turns its results and
// errors into responses a customer's browser or tool can act on.
package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
)

// MaxBodyBytes is the largest document accepted (256 KiB).
const MaxBodyBytes = 256 << 10

type submissions interface {
	Submit(ctx context.Context, body []byte, idempotencyKey string) (intake.Receipt, error)
	Status(ctx context.Context, id string) (*store.Record, error)
}

// Handler serves the HTTP API.
type Handler struct {
	svc submissions
	log *slog.Logger
}

// New returns a Handler over the intake service.
func New(svc submissions, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, log: log}
}

// ErrorBody is every 4xx/5xx response body: a sentence for humans and the
// fields at fault for forms and tools.
type ErrorBody struct {
	Message string                 `json:"message"`
	Errors  []checklist.FieldError `json:"errors,omitempty"`
}

type response = events.APIGatewayV2HTTPResponse

// Handle routes one request. It never returns an error: every failure
// becomes a response, so API Gateway never answers with its own opaque 500.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (response, error) {
	method := req.RequestContext.HTTP.Method
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	path = strings.TrimRight(path, "/")

	switch {
	case path == "/api/submissions":
		if method != http.MethodPost {
			return methodNotAllowed(http.MethodPost), nil
		}
		return h.submit(ctx, req), nil
	case strings.HasPrefix(path, "/api/submissions/"):
		if method != http.MethodGet {
			return methodNotAllowed(http.MethodGet), nil
		}
		return h.status(ctx, strings.TrimPrefix(path, "/api/submissions/")), nil
	case path == "/api/schema":
		if method != http.MethodGet {
			return methodNotAllowed(http.MethodGet), nil
		}
		return withHeaders(response{StatusCode: http.StatusOK, Body: string(checklist.Schema()),
			Headers: map[string]string{"Content-Type": "application/schema+json", "Cache-Control": "public, max-age=300"}}), nil
	case path == "/api/health":
		return jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), nil
	}
	return errorResponse(http.StatusNotFound, "No such page or API route: "+path, nil), nil
}

func (h *Handler) submit(ctx context.Context, req events.APIGatewayV2HTTPRequest) response {
	ct := header(req.Headers, "content-type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errorResponse(http.StatusUnsupportedMediaType,
			fmt.Sprintf("The checklist must be sent as JSON with Content-Type: application/json (got %q).", ct),
			[]checklist.FieldError{{Field: "Content-Type", Message: "must be application/json"}})
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return errorResponse(http.StatusBadRequest, "The request body could not be decoded.", nil)
		}
		body = decoded
	}
	if len(body) > MaxBodyBytes {
		return errorResponse(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The checklist is %d bytes; the limit is %d bytes (256 KiB). Certificate chains should hold only the public certificates.", len(body), MaxBodyBytes),
			[]checklist.FieldError{{Field: "body", Message: "larger than 256 KiB"}})
	}

	receipt, err := h.svc.Submit(ctx, body, header(req.Headers, "idempotency-key"))
	var invalid *intake.InvalidError
	var notStarted *intake.NotStartedError
	switch {
	case errors.As(err, &invalid):
		return errorResponse(http.StatusBadRequest,
			fmt.Sprintf("The checklist has %d problem(s); nothing was stored. Fix the fields listed and submit again.", len(invalid.Errors)),
			invalid.Errors)
	case errors.Is(err, intake.ErrKeyReused):
		return errorResponse(http.StatusUnprocessableEntity,
			"This Idempotency-Key was already used for a different checklist. Use a new key for a new submission.",
			[]checklist.FieldError{{Field: "Idempotency-Key", Message: "already used for a different document"}})
	case errors.As(err, &notStarted):
		h.log.ErrorContext(ctx, "workflow not started", "submissionId", notStarted.Receipt.ID, "error", err)
		r := errorResponse(http.StatusServiceUnavailable,
			fmt.Sprintf("Your checklist was stored as %s, but verification could not be started. Send the same request again to start it; it will not be stored twice.", notStarted.Receipt.ID), nil)
		r.Headers["Retry-After"] = "5"
		return r
	case err != nil:
		h.log.ErrorContext(ctx, "submit", "error", err)
		return errorResponse(http.StatusInternalServerError, "The submission could not be processed; nothing was lost on your side. Please try again in a minute.", nil)
	}
	status := http.StatusAccepted
	r := jsonResponse(status, receipt)
	r.Headers["Location"] = receipt.StatusURL
	if receipt.Duplicate {
		r.StatusCode = http.StatusOK
		r.Headers["Idempotent-Replayed"] = "true"
	}
	return r
}

func (h *Handler) status(ctx context.Context, id string) response {
	rec, err := h.svc.Status(ctx, id)
	if errors.Is(err, intake.ErrNotFound) {
		return errorResponse(http.StatusNotFound, "No submission has the id "+quoteID(id)+". Check the link you were given.", nil)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "status", "submissionId", id, "error", err)
		return errorResponse(http.StatusInternalServerError, "The submission could not be loaded. Please try again in a minute.", nil)
	}
	r := jsonResponse(http.StatusOK, rec)
	r.Headers["Cache-Control"] = "no-store"
	return r
}

// quoteID keeps an attacker-chosen path segment short and inert in messages.
func quoteID(id string) string {
	if len(id) > 40 {
		id = id[:40] + "…"
	}
	return fmt.Sprintf("%q", id)
}

func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func methodNotAllowed(allow string) response {
	r := errorResponse(http.StatusMethodNotAllowed, "Use "+allow+" for this route.", nil)
	r.Headers["Allow"] = allow
	return r
}

func errorResponse(status int, message string, fields []checklist.FieldError) response {
	return jsonResponse(status, ErrorBody{Message: message, Errors: fields})
}

func jsonResponse(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"response could not be encoded"}`)
	}
	return withHeaders(response{StatusCode: status, Body: string(body),
		Headers: map[string]string{"Content-Type": "application/json"}})
}

// withHeaders adds the security headers every response carries.
func withHeaders(r response) response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	r.Headers["X-Content-Type-Options"] = "nosniff"
	r.Headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
	r.Headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
	r.Headers["Referrer-Policy"] = "no-referrer"
	if _, ok := r.Headers["Cache-Control"]; !ok {
		r.Headers["Cache-Control"] = "no-store"
	}
	return r
}
