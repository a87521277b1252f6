// Package awsrest is a small REST-JSON client for the few AWS Backup and
// Amazon Data Lifecycle Manager reads the inventory collector makes
// (ListBackupPlans, ListBackupSelections, GetBackupSelection,
// GetLifecyclePolicies, GetLifecyclePolicy).
//
// It exists for binary size: the SDK's service/backup and service/dlm
// packages build their whole service model at package init, so merely
// importing them links it (with the schema serde they pull in, 917 KB of
// the linux/arm64 verify function). This
// package does what those clients do for these five calls and no more:
//
//   - endpoint: aws.Config.BaseEndpoint (AWS_ENDPOINT_URL), overridden by
//     the service's own endpoint from cfg.ConfigSources
//     (AWS_ENDPOINT_URL_BACKUP / AWS_ENDPOINT_URL_DLM), the way the SDK's
//     clients resolve them; otherwise https://<service>.<region>.amazonaws.com
//     (.amazonaws.com.cn in the China regions). FIPS and dual-stack
//     endpoints are not supported.
//   - SigV4 with cfg.Credentials (wrapped in an aws.CredentialsCache unless
//     it already is one), signed anew for every attempt.
//   - retries with the config's retryer (cfg.Retryer, or the SDK's
//     standard retryer honouring cfg.RetryMaxAttempts / cfg.RetryMode),
//     driven like the SDK's retry middleware: attempt and retry tokens,
//     IsErrorRetryable, MaxAttempts, RetryDelay.
//   - errors: an API error is an *APIError (a smithy.APIError whose code
//     comes from X-Amzn-ErrorType, else the body's code/__type), wrapped in
//     a *smithy.OperationError like the SDK's; a transport failure is a
//     *smithyhttp.RequestSendError.
package awsrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// emptyPayloadHash is the SHA-256 of an empty body (every call here is a GET).
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// service describes one AWS service as the SDK names it.
type service struct {
	id          string // SDK service ID: "Backup", "DLM"
	signingName string // SigV4 service name and endpoint prefix: "backup", "dlm"
}

// client is what Backup and DLM share: endpoint, signing, retries.
type client struct {
	svc      service
	endpoint string // without a trailing slash
	err      error  // a configuration error every call returns
	region   string
	creds    aws.CredentialsProvider // nil: unsigned requests
	http     aws.HTTPClient
	retryer  aws.RetryerV2
	signer   *v4.Signer
	now      func() time.Time
}

func newClient(cfg aws.Config, svc service) client {
	c := client{svc: svc, region: cfg.Region, http: cfg.HTTPClient, signer: v4.NewSigner(), now: time.Now}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	if cfg.Credentials != nil {
		c.creds = cfg.Credentials
		if _, cached := c.creds.(*aws.CredentialsCache); !cached {
			c.creds = aws.NewCredentialsCache(c.creds)
		}
	}
	c.retryer = resolveRetryer(cfg)
	c.endpoint, c.err = resolveEndpoint(cfg, svc)
	return c
}

// resolveRetryer returns the retryer an SDK client built from cfg would
// use (resolveAWSRetryerProvider, resolveRetryer, finalizeRetryMaxAttempts
// in the generated clients).
func resolveRetryer(cfg aws.Config) aws.RetryerV2 {
	var r aws.Retryer
	switch {
	case cfg.Retryer != nil:
		r = cfg.Retryer()
	case cfg.RetryMode == aws.RetryModeAdaptive:
		r = retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			if cfg.RetryMaxAttempts != 0 {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) { so.MaxAttempts = cfg.RetryMaxAttempts })
			}
		})
	default:
		r = retry.NewStandard(func(so *retry.StandardOptions) {
			if cfg.RetryMaxAttempts != 0 {
				so.MaxAttempts = cfg.RetryMaxAttempts
			}
		})
	}
	if cfg.RetryMaxAttempts != 0 {
		r = retry.AddWithMaxAttempts(r, cfg.RetryMaxAttempts)
	}
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV2{r}
}

// retryerV2 adapts a Retryer without GetAttemptToken, as the SDK does.
type retryerV2 struct{ aws.Retryer }

func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// resolveEndpoint follows the generated clients' resolveBaseEndpoint: the
// config's BaseEndpoint, replaced by the service's own endpoint from the
// config sources unless AWS_ENDPOINT_URL is set and
// AWS_ENDPOINT_URL_<SERVICE> is not; then the regional default.
func resolveEndpoint(cfg aws.Config, svc service) (string, error) {
	var ep string
	if cfg.BaseEndpoint != nil {
		ep = *cfg.BaseEndpoint
	}
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(svc.id, " ", "_")))
	if !global || own {
		if v, ok := serviceBaseEndpoint(cfg.ConfigSources, svc.id); ok {
			ep = v
		}
	}
	if ep == "" {
		if cfg.Region == "" {
			return "", errors.New("invalid configuration: missing region")
		}
		if !validRegion(cfg.Region) {
			return "", fmt.Errorf("invalid configuration: region %q is not a valid host label", cfg.Region)
		}
		suffix := "amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		ep = "https://" + svc.signingName + "." + cfg.Region + "." + suffix
	}
	u, err := url.Parse(ep)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("invalid endpoint %q for %s", ep, svc.id)
	}
	return strings.TrimRight(ep, "/"), nil
}

// serviceBaseEndpoint asks the config sources (config.LoadDefaultConfig's
// environment and shared config, boot.Config's environment) for the
// service's endpoint, as internal/configsources does for the SDK clients.
func serviceBaseEndpoint(sources []any, sdkID string) (string, bool) {
	ctx := context.Background()
	for _, s := range sources {
		if p, ok := s.(interface {
			GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
		}); ok {
			if v, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				if v {
					return "", false
				}
				break
			}
		}
	}
	for _, s := range sources {
		if p, ok := s.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, sdkID)
			if err != nil {
				return "", false
			}
			if found {
				return v, true
			}
		}
	}
	return "", false
}

func validRegion(r string) bool {
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return r != "" && r[0] != '-' && r[len(r)-1] != '-'
}

// get makes one operation: GET endpoint+path?query, retried with the
// retryer, the JSON answer decoded into out.
func (c *client) get(ctx context.Context, op, path string, query url.Values, out any) error {
	if c.err != nil {
		return c.opErr(op, c.err)
	}
	target := c.endpoint + path
	if q := query.Encode(); q != "" {
		target += "?" + q
	}
	maxAttempts := c.retryer.MaxAttempts()
	releaseRetry := func(error) error { return nil }
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return c.opErr(op, err)
		}
		releaseAttempt, err := c.retryer.GetAttemptToken(ctx)
		if err != nil {
			return c.opErr(op, fmt.Errorf("failed to get retry Send token, %w", err))
		}
		err = c.attempt(ctx, target, out)
		_ = releaseRetry(err)
		_ = releaseAttempt(err)
		releaseRetry = func(error) error { return nil }
		if err == nil {
			return nil
		}
		if !c.retryer.IsErrorRetryable(err) {
			return c.opErr(op, err)
		}
		if maxAttempts > 0 && attempt >= maxAttempts {
			return c.opErr(op, &retry.MaxAttemptsError{Attempt: attempt, Err: err})
		}
		rel, tokenErr := c.retryer.GetRetryToken(ctx, err)
		if tokenErr != nil {
			return c.opErr(op, errors.Join(err, tokenErr))
		}
		releaseRetry = rel
		delay, err2 := c.retryer.RetryDelay(attempt, err)
		if err2 != nil {
			return c.opErr(op, err2)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return c.opErr(op, &aws.RequestCanceledError{Err: ctx.Err()})
		}
	}
}

func (c *client) opErr(op string, err error) error {
	return &smithy.OperationError{ServiceID: c.svc.id, OperationName: op, Err: err}
}

// attempt sends one signed request and decodes its answer.
func (c *client) attempt(ctx context.Context, target string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return &smithy.SerializationError{Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "appliance-intake awsrest (aws-sdk-go-v2 signer)")
	if c.creds != nil {
		creds, err := c.creds.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("failed to retrieve credentials: %w", err)
		}
		if err := c.signer.SignHTTP(ctx, creds, req, emptyPayloadHash, c.svc.signingName, c.region, c.now().UTC()); err != nil {
			return fmt.Errorf("failed to sign request: %w", err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &smithyhttp.RequestSendError{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to read response body: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return parseError(resp, body)
	}
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body: %w", err), Snapshot: snapshot(body)}
	}
	return nil
}

func snapshot(b []byte) []byte {
	if len(b) > 1024 {
		return b[:1024]
	}
	return b
}

// APIError is an error answer of the service. It is a smithy.APIError, so
// errors.As(err, &smithy.APIError) finds it through the OperationError and
// a retry.MaxAttemptsError, and the SDK retryers classify it by
// ErrorCode (throttling codes) and HTTPStatusCode (5xx).
type APIError struct {
	Code       string
	Message    string
	StatusCode int
	RequestID  string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	}
	return fmt.Sprintf("https response error StatusCode: %d, RequestID: %s, api error %s: %s", e.StatusCode, e.RequestID, e.Code, msg)
}

func (e *APIError) ErrorCode() string    { return e.Code }
func (e *APIError) ErrorMessage() string { return e.Message }
func (e *APIError) HTTPStatusCode() int  { return e.StatusCode }

func (e *APIError) ErrorFault() smithy.ErrorFault {
	switch {
	case e.StatusCode >= 500:
		return smithy.FaultServer
	case e.StatusCode >= 400:
		return smithy.FaultClient
	}
	return smithy.FaultUnknown
}

var _ smithy.APIError = (*APIError)(nil)

// parseError reads a REST-JSON error answer the way the SDK's
// deserializers do: the code from X-Amzn-ErrorType, else from the body's
// code (any case) or __type, sanitized ("a:b" → "a", "ns#Code" → "Code");
// "UnknownError" when there is none.
func parseError(resp *http.Response, body []byte) error {
	e := &APIError{Code: "UnknownError", StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
	var info struct {
		Code    string
		Type    string `json:"__type"`
		Message string
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &info); err != nil {
			return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode error response body (HTTP %d): %w", resp.StatusCode, err), Snapshot: snapshot(body)}
		}
	}
	switch {
	case resp.Header.Get("X-Amzn-ErrorType") != "":
		e.Code = sanitizeErrorCode(resp.Header.Get("X-Amzn-ErrorType"))
	case info.Code != "":
		e.Code = sanitizeErrorCode(info.Code)
	case info.Type != "":
		e.Code = sanitizeErrorCode(info.Type)
	}
	e.Message = info.Message
	return e
}

func sanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.IndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}

// Timestamp is an AWS JSON timestamp: epoch seconds (the REST-JSON
// default), or an ISO 8601 string as some emulators send.
type Timestamp struct{ time.Time }

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return err
	}
	whole := int64(secs)
	t.Time = time.Unix(whole, int64((secs-float64(whole))*1e9)).UTC()
	return nil
}
