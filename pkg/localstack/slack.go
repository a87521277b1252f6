package localstack

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SlackPath is where the local Slack incoming webhook listens; the URL the
// notify function gets (through Secrets Manager, as in the cloud) adds a
// random secret path below it, as Slack's own webhook URLs do.
const SlackPath = "/dev/slack-webhook/"

// maxSlackPosts bounds the receiver's memory: older posts are dropped.
const maxSlackPosts = 1000

// SlackPost is one request the local webhook received.
type SlackPost struct {
	At time.Time `json:"at"`
	// Status is what the receiver answered: 200 delivered the message.
	Status int `json:"status"`
	// Answer is the body it answered ("ok", "channel_not_found", …).
	Answer string `json:"answer"`
	// Fault says the answer was a simulated failure.
	Fault   bool            `json:"fault,omitempty"`
	Payload json.RawMessage `json:"payload"`
}

// SlackFault makes the local webhook fail, to see (and test) how
// notifications behave when Slack does.
type SlackFault struct {
	// Status to answer, e.g. 500 or 429; 0 answers normally (after Delay).
	Status int
	// RetryAfter is the Retry-After header in seconds (with 429).
	RetryAfter int
	// Delay holds the answer back: longer than the client's timeout, it
	// is a Slack that hangs.
	Delay time.Duration
	// Match limits the fault to payloads containing this text (e.g. a
	// customer name); empty matches every payload.
	Match string
	// Times limits the fault to this many requests; 0 is until cleared.
	Times int
}

// SlackWebhook plays a Slack incoming webhook: it keeps every payload for
// the outbox, answers as Slack does (200 "ok"; 400 for a payload without
// text or blocks; 404 for a "channel" field, which incoming webhooks
// refuse), and fails on demand.
type SlackWebhook struct {
	base   string // the gateway's URL
	secret string // path below SlackPath

	mu     sync.Mutex
	posts  []SlackPost
	faults []*SlackFault
}

// NewSlackWebhook returns a webhook served by the gateway at base.
func NewSlackWebhook(base string) *SlackWebhook {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &SlackWebhook{base: strings.TrimRight(base, "/"), secret: "T0LOCAL/B0LOCAL/" + hex.EncodeToString(b)}
}

// URL is the webhook URL: a credential, kept in Secrets Manager.
func (h *SlackWebhook) URL() string { return h.base + SlackPath + h.secret }

// SetFault makes matching requests fail until the returned func is called
// (or Times requests have failed). The newest fault is tried first.
func (h *SlackWebhook) SetFault(f SlackFault) (clear func()) {
	fp := &f
	h.mu.Lock()
	h.faults = append([]*SlackFault{fp}, h.faults...)
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, x := range h.faults {
			if x == fp {
				h.faults = append(h.faults[:i], h.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault.
func (h *SlackWebhook) ClearFaults() {
	h.mu.Lock()
	h.faults = nil
	h.mu.Unlock()
}

// Posts returns every request received, oldest first.
func (h *SlackWebhook) Posts() []SlackPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SlackPost(nil), h.posts...)
}

func (h *SlackWebhook) fault(body []byte) *SlackFault {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, f := range h.faults {
		if f.Match != "" && !bytes.Contains(body, []byte(f.Match)) {
			continue
		}
		out := *f
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				h.faults = append(h.faults[:i], h.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

func (h *SlackWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "invalid_method", http.StatusMethodNotAllowed)
		return
	}
	if strings.TrimPrefix(r.URL.Path, SlackPath) != h.secret {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "invalid_payload", http.StatusRequestEntityTooLarge)
		return
	}
	post := SlackPost{At: time.Now(), Payload: json.RawMessage("null")}
	if json.Valid(body) {
		post.Payload = json.RawMessage(body)
	}
	status, answer := http.StatusOK, "ok"
	var msg map[string]json.RawMessage
	switch {
	case json.Unmarshal(body, &msg) != nil:
		status, answer = http.StatusBadRequest, "invalid_payload"
	case msg["channel"] != nil:
		status, answer = http.StatusNotFound, "channel_not_found"
	case msg["text"] == nil && msg["blocks"] == nil:
		status, answer = http.StatusBadRequest, "no_text"
	}
	if f := h.fault(body); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
		}
		if f.Status != 0 {
			status, answer, post.Fault = f.Status, "simulated failure", true
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
		}
		if r.Context().Err() != nil {
			status, answer, post.Fault = 0, "the client gave up waiting", true
		}
	}
	post.Status, post.Answer = status, answer
	h.mu.Lock()
	h.posts = append(h.posts, post)
	if len(h.posts) > maxSlackPosts {
		h.posts = h.posts[len(h.posts)-maxSlackPosts:]
	}
	h.mu.Unlock()
	if status == 0 {
		return // nobody is listening any more
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

// faultForm parses the form of a POST that sets a fault; it answers the
// request itself (405, 400) and returns false for anything else.
func faultForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a form to set a fault", http.StatusMethodNotAllowed)
		return false
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// serveFault sets or clears a fault from a form (the outbox page):
// status, retryAfter (seconds), delay (a duration like 10s), times, match;
// status "ok" or "0" with no delay clears every fault.
func (h *SlackWebhook) serveFault(w http.ResponseWriter, r *http.Request) {
	if !faultForm(w, r) {
		return
	}
	var f SlackFault
	f.Status, _ = strconv.Atoi(r.Form.Get("status"))
	f.RetryAfter, _ = strconv.Atoi(r.Form.Get("retryAfter"))
	f.Times, _ = strconv.Atoi(r.Form.Get("times"))
	f.Delay, _ = time.ParseDuration(r.Form.Get("delay"))
	f.Match = r.Form.Get("match")
	if f.Status == 0 && f.Delay == 0 {
		h.ClearFaults()
	} else {
		h.SetFault(f)
	}
	http.Redirect(w, r, "/dev/outbox", http.StatusSeeOther)
}

// faults returns a description of the active faults for the outbox page.
func (h *SlackWebhook) activeFaults() []SlackFault {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]SlackFault, len(h.faults))
	for i, f := range h.faults {
		out[i] = *f
	}
	return out
}
