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
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/intake"
	"github.com/psaas/appliance-intake/pkg/store"
	"github.com/psaas/appliance-intake/pkg/web"
)

// MaxBodyBytes is the largest document accepted (256 KiB).
const MaxBodyBytes = 256 << 10

type submissions interface {
	Submit(ctx context.Context, body []byte, idempotencyKey string) (intake.Receipt, error)
	Resubmit(ctx context.Context, id string, body []byte) (intake.Receipt, error)
	Status(ctx context.Context, id string) (*store.Record, error)
	Document(ctx context.Context, id string, version int) (json.RawMessage, error)
	Reports(ctx context.Context, id string) ([]store.StoredReport, error)
	ExternalID(ctx context.Context, accountID string) (string, error)
}

// Pages serves the web pages (form, status page, static files); ok is
// false for a path that is not a page.
type Pages func(method, path string) (resp events.APIGatewayV2HTTPResponse, ok bool)

// Approvals serves GET and POST /approvals/{id}.
type Approvals interface {
	Page(ctx context.Context, id string, query map[string]string) events.APIGatewayV2HTTPResponse
	Submit(ctx context.Context, id string, form string, source string) events.APIGatewayV2HTTPResponse
}

// Handler serves the HTTP API.
type Handler struct {
	svc       submissions
	log       *slog.Logger
	pages     Pages
	approvals Approvals
}

// New returns a Handler over the intake service.
func New(svc submissions, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, log: log}
}

// WithPages serves web pages for paths outside /api.
func (h *Handler) WithPages(p Pages) *Handler { h.pages = p; return h }

// WithApprovals serves the approval pages.
func (h *Handler) WithApprovals(a Approvals) *Handler { h.approvals = a; return h }

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

	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	route := func(m string, parts ...string) bool {
		if method != m || len(seg) != len(parts) {
			return false
		}
		for i, p := range parts {
			if p != "*" && p != seg[i] {
				return false
			}
		}
		return true
	}
	switch {
	case route(http.MethodPost, "api", "submissions"):
		return h.submit(ctx, req, ""), nil
	case route(http.MethodGet, "api", "submissions", "*"):
		return h.status(ctx, seg[2]), nil
	case route(http.MethodPost, "api", "submissions", "*", "versions"):
		return h.submit(ctx, req, seg[2]), nil
	case route(http.MethodGet, "api", "submissions", "*", "versions", "*"):
		return h.document(ctx, seg[2], seg[4]), nil
	case route(http.MethodGet, "api", "submissions", "*", "reports"):
		return h.reports(ctx, seg[2]), nil
	case route(http.MethodGet, "api", "accounts", "*", "external-id"):
		return h.externalID(ctx, seg[2]), nil
	case route(http.MethodGet, "api", "schema"):
		return withHeaders(response{StatusCode: http.StatusOK, Body: string(checklist.Schema()),
			Headers: map[string]string{"Content-Type": "application/schema+json", "Cache-Control": "public, max-age=300"}}), nil
	case route(http.MethodGet, "api", "health"):
		return jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), nil
	case len(seg) == 2 && seg[0] == "approvals" && h.approvals != nil:
		switch method {
		case http.MethodGet, http.MethodHead:
			return h.approvals.Page(ctx, seg[1], req.QueryStringParameters), nil
		case http.MethodPost:
			body, err := decodeBody(req)
			if err != nil {
				return errorResponse(http.StatusBadRequest, "The form could not be read: it is marked as base64-encoded but is not valid base64.",
					[]checklist.FieldError{{Field: "body", Message: "is not valid base64"}}), nil
			}
			return h.approvals.Submit(ctx, seg[1], string(body), req.RequestContext.HTTP.SourceIP+" "+req.RequestContext.HTTP.UserAgent), nil
		}
		return methodNotAllowed("GET, POST"), nil
	case seg[0] == "api":
		if knownAPIPath(seg) {
			return methodNotAllowed(allowedFor(seg)), nil
		}
		return errorResponse(http.StatusNotFound, "No such API route: "+quoteID(path), nil), nil
	}
	if h.pages != nil {
		if p := path; p == "" {
			path = "/"
		}
		if resp, ok := h.pages(method, path); ok {
			return resp, nil
		}
	}
	return errorResponse(http.StatusNotFound, "No such page: "+quoteID(path), nil), nil
}

// knownAPIPath reports whether an /api path exists under another method.
func knownAPIPath(seg []string) bool {
	switch {
	case len(seg) == 2 && (seg[1] == "submissions" || seg[1] == "schema" || seg[1] == "health"):
		return true
	case len(seg) == 3 && seg[1] == "submissions":
		return true
	case len(seg) == 4 && seg[1] == "submissions" && (seg[3] == "versions" || seg[3] == "reports"):
		return true
	}
	return false
}

func allowedFor(seg []string) string {
	if (len(seg) == 2 && seg[1] == "submissions") || (len(seg) == 4 && seg[3] == "versions") {
		return http.MethodPost
	}
	return http.MethodGet
}

func decodeBody(req events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	return base64.StdEncoding.DecodeString(req.Body)
}

func (h *Handler) document(ctx context.Context, id, version string) response {
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return errorResponse(http.StatusNotFound, "No such version: "+quoteID(version), nil)
	}
	doc, err := h.svc.Document(ctx, id, n)
	if errors.Is(err, intake.ErrNotFound) {
		return errorResponse(http.StatusNotFound, fmt.Sprintf("Submission %s has no version %d.", quoteID(id), n), nil)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "document", "submissionId", id, "error", err)
		return errorResponse(http.StatusInternalServerError, "The document could not be loaded. Please try again in a minute.", nil)
	}
	return jsonResponse(http.StatusOK, struct {
		Version  int             `json:"version"`
		Document json.RawMessage `json:"document"`
	}{n, doc})
}

func (h *Handler) reports(ctx context.Context, id string) response {
	reports, err := h.svc.Reports(ctx, id)
	if errors.Is(err, intake.ErrNotFound) {
		return errorResponse(http.StatusNotFound, "No submission has the id "+quoteID(id)+".", nil)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "reports", "submissionId", id, "error", err)
		return errorResponse(http.StatusInternalServerError, "The reports could not be loaded. Please try again in a minute.", nil)
	}
	type item struct {
		Key         string          `json:"key"`
		Version     int             `json:"version"`
		Environment string          `json:"environment"`
		Report      json.RawMessage `json:"report"`
	}
	out := struct {
		Reports []item `json:"reports"`
	}{Reports: []item{}}
	for _, r := range reports {
		out.Reports = append(out.Reports, item{r.Key, r.Version, r.Environment, json.RawMessage(r.Report)})
	}
	return jsonResponse(http.StatusOK, out)
}

func (h *Handler) externalID(ctx context.Context, account string) response {
	id, err := h.svc.ExternalID(ctx, account)
	if errors.Is(err, intake.ErrBadAccount) {
		return errorResponse(http.StatusBadRequest, "An AWS account id is 12 digits.",
			[]checklist.FieldError{{Field: "accountId", Message: "must be 12 digits, e.g. 111111111111"}})
	}
	if err != nil {
		h.log.ErrorContext(ctx, "external id", "error", err)
		return errorResponse(http.StatusInternalServerError, "The ExternalId could not be loaded. Please try again in a minute.", nil)
	}
	return jsonResponse(http.StatusOK, map[string]string{"accountId": account, "externalId": id})
}

func (h *Handler) submit(ctx context.Context, req events.APIGatewayV2HTTPRequest, existing string) response {
	body, err := decodeBody(req)
	if err != nil {
		return errorResponse(http.StatusBadRequest, "The request body is marked as base64-encoded but is not valid base64.",
			[]checklist.FieldError{{Field: "body", Message: "is not valid base64"}})
	}
	key := header(req.Headers, "idempotency-key")
	if msg := keyProblem(key); msg != "" {
		return errorResponse(http.StatusBadRequest, "The Idempotency-Key header "+msg+".",
			[]checklist.FieldError{{Field: "Idempotency-Key", Message: msg}})
	}
	ct := header(req.Headers, "content-type")
	if !isJSON(ct, body) {
		return errorResponse(http.StatusUnsupportedMediaType,
			fmt.Sprintf("The checklist must be sent as JSON with Content-Type: application/json (got %q).", ct),
			[]checklist.FieldError{{Field: "Content-Type", Message: "must be application/json"}})
	}
	if len(body) > MaxBodyBytes {
		return errorResponse(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The checklist is %d bytes; the limit is %d bytes (256 KiB). Certificate chains should hold only the public certificates.", len(body), MaxBodyBytes),
			[]checklist.FieldError{{Field: "body", Message: "larger than 256 KiB"}})
	}

	var receipt intake.Receipt
	if existing == "" {
		receipt, err = h.svc.Submit(ctx, body, key)
	} else {
		receipt, err = h.svc.Resubmit(ctx, existing, body)
	}
	var invalid *intake.InvalidError
	var notStarted *intake.NotStartedError
	var busy *intake.InProgressError
	switch {
	case errors.Is(err, intake.ErrNotFound):
		return errorResponse(http.StatusNotFound, "No submission has the id "+quoteID(existing)+". Check the link you were given.", nil)
	case errors.As(err, &busy):
		return errorResponse(http.StatusConflict,
			fmt.Sprintf("Version %d is still %s (stage %s). A new version can be sent once it has finished or changes were requested.", busy.Version, busy.Status, busy.Stage), nil)
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

// keyProblem says what is wrong with an Idempotency-Key, or "". A key is
// stored and compared as given, so it must be printable ASCII: a line
// break or NUL in it is an injection attempt or a broken client. (Its
// length is intake's to check.)
func keyProblem(key string) string {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return "must be printable ASCII (letters, digits, punctuation), without line breaks or control characters"
		}
	}
	return ""
}

// isJSON accepts a JSON content type, or a JSON object sent with a
// generic one: `curl -d @checklist.json` labels it form-urlencoded.
func isJSON(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return true
	}
	trimmed := strings.TrimSpace(string(body))
	return strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed))
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

// securityHeaders are the headers every response carries, JSON or not.
// Framing is refused twice: by CSP frame-ancestors and, for browsers that
// predate it, by X-Frame-Options.
var securityHeaders = map[string]string{
	"X-Content-Type-Options":    "nosniff",
	"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
	"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
	"Referrer-Policy":           "no-referrer",
	"X-Frame-Options":           "DENY",
}

// withHeaders adds the security headers every response carries.
func withHeaders(r response) response {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	for k, v := range securityHeaders {
		r.Headers[k] = v
	}
	if _, ok := r.Headers["Cache-Control"]; !ok {
		r.Headers["Cache-Control"] = "no-store"
	}
	return r
}

// WebPages serves the embedded web pages (pkg/web) through the API. A page
// keeps its own policy (its CSP allows its scripts); any security header
// it lacks (static files set few) gets the API's value. A page path asked
// for with another method is answered like an API route: 405 in JSON.
func WebPages(serve func(method, path string) (web.Response, bool)) Pages {
	return func(method, path string) (response, bool) {
		r, ok := serve(method, path)
		if !ok {
			return response{}, false
		}
		if r.Status == http.StatusMethodNotAllowed {
			allow := r.Headers["Allow"]
			if allow == "" {
				allow = "GET, HEAD"
			}
			return methodNotAllowed(allow), true
		}
		headers := make(map[string]string, len(r.Headers)+len(securityHeaders))
		for k, v := range r.Headers {
			headers[k] = v
		}
		for k, v := range securityHeaders {
			if header(headers, k) == "" {
				headers[k] = v
			}
		}
		return response{StatusCode: r.Status, Headers: headers, Body: string(r.Body)}, true
	}
}
