package web_test

// Browser tests: headless Chromium (Debian's chromium package) driven with
// chromedp against the whole local stack (kumo, the real function binaries
// and the real install workflow), as a customer would use the pages.
//
// Without chromium the tests skip, unless CI is set: CI installs it, so a
// missing browser there is a failure. On failure each test saves a
// screenshot to test-artifacts/ at the repository root; the design
// screenshots (desktop and mobile, both pages) are saved there on every run.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/web"
)

const artifacts = "../../test-artifacts"

var (
	binDir     string
	buildOnce  sync.Once
	buildErr   error
	stackOnce  sync.Once
	shared     *localstack.Stack
	sharedErr  error
	baseURL    string
	fnOutput   = &syncBuffer{}
	tmpBinRoot string
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMain stops what the browser tests started. The function binaries
// are built (once) only when a browser test runs, so the plain tests of
// Serve stay fast.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	if tmpBinRoot != "" {
		_ = os.RemoveAll(tmpBinRoot)
	}
	os.Exit(code)
}

// buildFunctions builds the real function binaries, as
// pkg/localstack's TestMain does; the stack runs them through kumo's
// Lambda Runtime API exactly as `make dev` does.
func buildFunctions(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "web-functions-")
		if err != nil {
			buildErr = err
			return
		}
		tmpBinRoot = dir
		if buildErr = localstack.BuildFunctions("../..", dir); buildErr != nil {
			return
		}
		binDir = dir
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// site returns the URL the browser opens: the local stack's gateway, which
// serves the pages through the intake function.
func site(t *testing.T) string {
	t.Helper()
	dir := buildFunctions(t)
	stackOnce.Do(func() {
		shared, sharedErr = localstack.Start(context.Background(), localstack.Config{
			BinDir: dir, Addr: "127.0.0.1:0", Name: fmt.Sprintf("web%d", time.Now().UnixNano()%1e9),
			PMEmail: "pm@example.com", SenderEmail: "intake@example.com",
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			FunctionOutput: fnOutput,
		})
		if sharedErr != nil {
			return
		}
		baseURL = shared.URL
		if !servesPages(shared.URL) {
			sharedErr = fmt.Errorf("the stack at %s does not serve the form at /", shared.URL)
		}
	})
	if sharedErr != nil {
		t.Fatalf("start local stack: %v", sharedErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("function output:\n%s", tail(fnOutput.String(), 8000))
		}
	})
	return baseURL
}

func servesPages(base string) bool {
	resp, err := http.Get(base + "/")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && bytes.Contains(b, []byte(`<form id="checklist"`))
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	candidates := []string{"/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium is not installed (apt-get install chromium); the browser tests run in CI")
	}
	t.Fatal("chromium is not installed, and CI is set: the CI image must provide /usr/bin/chromium")
	return ""
}

// browser starts a fresh headless Chromium (its own profile, so its own
// local storage) and returns a tab. Console errors and uncaught exceptions
// (CSP violations among them) fail the test. On failure, a screenshot of
// the tab goes to test-artifacts/<test>.png.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			if expectedConsoleError(p) {
				continue
			}
			t.Errorf("browser console: %s", p)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, strings.ReplaceAll(t.Name(), "/", "_")+"-failure")
		}
	})
	return ctx
}

// expectedConsoleError: Chromium logs every non-2xx fetch as a console
// error; the 400 of a refused checklist is part of the test.
func expectedConsoleError(msg string) bool {
	return strings.Contains(msg, "status of 400") && strings.Contains(msg, "/api/submissions")
}

func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return ""
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(artifacts, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return ""
	}
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
	return abs
}

// run runs actions with a deadline, failing the test with what it was doing.
func run(t *testing.T, ctx context.Context, what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true. Errors while the
// page navigates (the condition runs in a document that went away) are
// retried.
func waitFor(t *testing.T, ctx context.Context, what, cond string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool]("!!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s (%s): timed out after %s (last error: %v)", what, cond, timeout, lastErr)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sel(field string) string { return `[data-field="` + field + `"]` }

// setField sets a field as a paste would: value, then input and change.
func setField(t *testing.T, ctx context.Context, field, value string) {
	t.Helper()
	ok := eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return false;
		el.focus();
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		el.blur();
		return true;
	})()`, js(sel(field)), js(value)))
	if !ok {
		t.Fatalf("no field %s", field)
	}
}

func fieldValue(t *testing.T, ctx context.Context, field string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%s) || {value: '<missing>'}).value`, js(sel(field))))
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%s) || {textContent: ''}).textContent.trim()`, js(css)))
}

// sample is events/checklist.json (DEV passes verification with it) under
// a customer name unique to the run, so body deduplication never joins two.
func sample(t *testing.T, customer string) (map[string]any, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile("../../events/checklist.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["customer"].(map[string]any)["name"] = customer
	return doc, flatten("", doc)
}

// flatten names every value of the document the way the form and the API
// do: customer.contacts[0].email, environments.prod.instanceIds[2], ...
func flatten(prefix string, v any) map[string]string {
	out := map[string]string{}
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			for kk, vv := range flatten(p, sub) {
				out[kk] = vv
			}
		}
	case []any:
		for i, sub := range x {
			for kk, vv := range flatten(fmt.Sprintf("%s[%d]", prefix, i), sub) {
				out[kk] = vv
			}
		}
	case string:
		out[prefix] = x
	}
	return out
}

func openForm(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	run(t, ctx, "open the form", 30*time.Second, chromedp.Navigate(base+"/"))
	waitFor(t, ctx, "the form script", `document.querySelector('#checklist')?.dataset.ready === 'true'`, 15*time.Second)
}

// TestBrowserSubmitAndFollow fills the form with events/checklist.json,
// meets a browser-side error and a server-side one next to their fields,
// survives a reload, submits, and follows the status page until DEV has
// passed verification and waits for the project manager's approval.
func TestBrowserSubmitAndFollow(t *testing.T) {
	ctx := browser(t)
	base := site(t)
	customer := fmt.Sprintf("Example Corp %d", time.Now().UnixNano())
	_, values := sample(t, customer)

	openForm(t, ctx, base)
	screenshot(t, ctx, "form-desktop")

	// The form starts with one row per team and the node counts.
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-list="customer.contacts"] > li').length`); n != 4 {
		t.Errorf("contacts start with %d rows, want 4 (one per team)", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-list="environments.prod.instanceIds"] > li').length`); n != 3 {
		t.Errorf("PROD starts with %d instance rows, want 3", n)
	}
	for field, v := range values {
		if strings.HasSuffix(field, ".team") {
			if got := fieldValue(t, ctx, field); got != v {
				t.Errorf("%s preset to %q, sample has %q", field, got, v)
			}
			continue
		}
		setField(t, ctx, field, v)
	}
	// A mistake the browser catches: an 11-digit account id.
	setField(t, ctx, "environments.dev.accountId", "11111111111")
	// Typing an account id shows the ExternalId to deploy the role with.
	waitFor(t, ctx, "the PROD ExternalId", `/ExternalId for account 222222222222: \S+/.test(document.querySelector('#prod-externalid').textContent)`, 15*time.Second)

	run(t, ctx, "submit", 10*time.Second, chromedp.Click(chromedp.CSS("#submit")))
	waitFor(t, ctx, "the inline account id error", `document.querySelector('#f-environments-dev-accountId-error').textContent.includes('12 digits')`, 10*time.Second)
	if got := eval[string](t, ctx, `document.activeElement.dataset.field || document.activeElement.id`); got != "environments.dev.accountId" {
		t.Errorf("focus is on %q, want the first error, environments.dev.accountId", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-field="environments.dev.accountId"]').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("aria-invalid = %q on the bad account id", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-field="environments.dev.accountId"]').getAttribute('aria-describedby')`); !strings.Contains(got, "f-environments-dev-accountId-error") {
		t.Errorf("the account id input is not described by its error: %q", got)
	}
	summary := text(t, ctx, "#error-summary")
	if !strings.Contains(summary, "DEV AWS account id must be 12 digits") || eval[string](t, ctx, `document.querySelector('#error-summary').getAttribute('role')`) != "alert" {
		t.Errorf("error summary: %q", summary)
	}
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/" {
		t.Fatalf("a checklist with a browser-side error was sent: now at %s", loc)
	}
	screenshot(t, ctx, "form-error-desktop")

	// Fixing it clears the error as soon as the field is left.
	setField(t, ctx, "environments.dev.accountId", values["environments.dev.accountId"])
	waitFor(t, ctx, "the error to clear", `document.querySelector('#f-environments-dev-accountId-error').textContent === '' && document.querySelector('#error-summary').hidden`, 5*time.Second)

	// A mistake only the server sees (a cross-field rule): PROD in DEV's VPC.
	setField(t, ctx, "environments.prod.vpcId", values["environments.dev.vpcId"])
	run(t, ctx, "submit", 10*time.Second, chromedp.Click(chromedp.CSS("#submit")))
	waitFor(t, ctx, "the server's error next to PROD's VPC id", `document.querySelector('#f-environments-prod-vpcId-error').textContent.includes('isolated')`, 20*time.Second)
	if got := eval[string](t, ctx, `document.activeElement.dataset.field || ''`); got != "environments.prod.vpcId" {
		t.Errorf("focus is on %q after the server's refusal, want environments.prod.vpcId", got)
	}
	// Nothing typed is lost.
	if got := fieldValue(t, ctx, "environments.prod.certificate.pem"); got != values["environments.prod.certificate.pem"] {
		t.Errorf("the PROD certificate changed after the refusal")
	}
	if got := fieldValue(t, ctx, "customer.name"); got != customer {
		t.Errorf("customer name after the refusal: %q", got)
	}

	// The draft survives a reload, mistake included.
	waitFor(t, ctx, "the draft to be saved", `(localStorage.getItem('appliance-intake.draft') || '').includes(`+js(customer)+`)`, 5*time.Second)
	run(t, ctx, "reload", 30*time.Second, chromedp.Reload())
	waitFor(t, ctx, "the form script", `document.querySelector('#checklist')?.dataset.ready === 'true'`, 15*time.Second)
	for _, f := range []string{"customer.name", "customer.contacts[3].email", "environments.prod.instanceIds[2]", "environments.dev.certificate.pem", "environments.prod.hostnames.apps[0]"} {
		want := values[f]
		if f == "customer.name" {
			want = customer
		}
		if got := fieldValue(t, ctx, f); got != want {
			t.Errorf("after reload %s = %q, want %q", f, got, want)
		}
	}
	if got := fieldValue(t, ctx, "environments.prod.vpcId"); got != values["environments.dev.vpcId"] {
		t.Errorf("after reload the PROD VPC id is %q", got)
	}
	if eval[bool](t, ctx, `document.querySelector('#notice').hidden`) {
		t.Error("no notice says the draft was restored")
	}

	setField(t, ctx, "environments.prod.vpcId", values["environments.prod.vpcId"])
	run(t, ctx, "submit", 10*time.Second, chromedp.Click(chromedp.CSS("#submit")))
	waitFor(t, ctx, "the status page", `/^\/submissions\/sub-[a-z2-7]+$/.test(location.pathname)`, 30*time.Second)
	id := strings.TrimPrefix(eval[string](t, ctx, `location.pathname`), "/submissions/")
	t.Logf("submission %s", id)
	if eval[bool](t, ctx, `localStorage.getItem('appliance-intake.draft') !== null`) {
		t.Error("the draft was kept after a successful submission")
	}

	waitFor(t, ctx, "the status page to load", `document.body.dataset.status !== undefined`, 20*time.Second)
	if got := text(t, ctx, "#customer"); got != customer {
		t.Errorf("status page names %q", got)
	}
	// The real workflow: DEV verification passes, then the PM's approval.
	waitFor(t, ctx, "awaiting approval", `document.querySelector('#status-badge').textContent === 'Awaiting approval'`, 3*time.Minute)
	states := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('#timeline .step')].map(s => [s.dataset.stage, s.className]))`)
	for stage, want := range map[string]string{"intake": "done", "verify-dev": "done", "approve-dev": "current", "deploy-dev": "upcoming", "completed": "upcoming"} {
		if !strings.Contains(states[stage], want) {
			t.Errorf("timeline step %s is %q, want %s", stage, states[stage], want)
		}
	}
	if got := text(t, ctx, `#timeline [aria-current="step"] .step-state`); !strings.Contains(got, "Awaiting approval") {
		t.Errorf("current step says %q", got)
	}
	waitFor(t, ctx, "the DEV report table", `document.querySelectorAll('#report-v1-dev table.checks tbody tr').length > 0`, 10*time.Second)
	if got := text(t, ctx, "#report-v1-dev .report-head .badge"); got != "Passed" {
		t.Errorf("DEV report badge %q", got)
	}
	results := eval[[]string](t, ctx, `[...document.querySelectorAll('#report-v1-dev tbody .result')].map(r => r.className.replace('result result-', ''))`)
	for _, r := range results {
		if !regexp.MustCompile(`^(pass|fail|warn|skip|error)$`).MatchString(r) {
			t.Errorf("check result %q", r)
		}
	}
	if !eval[bool](t, ctx, `document.querySelector('#actions').hidden`) {
		t.Error("resubmit is offered while the install waits for approval")
	}
	if eval[int](t, ctx, `document.querySelectorAll('#history li').length`) < 3 {
		t.Error("the history is nearly empty")
	}
	// All checks passed, so they are folded away; open them for the picture.
	run(t, ctx, "open the passed checks", 5*time.Second, chromedp.Click(chromedp.CSS("#report-v1-dev details.passed > summary")))
	screenshot(t, ctx, "status-desktop")

	// Mobile widths: nothing wider than the screen.
	run(t, ctx, "mobile viewport", 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	run(t, ctx, "reload", 30*time.Second, chromedp.Reload())
	waitFor(t, ctx, "the status page to load", `document.querySelector('#status-badge').textContent === 'Awaiting approval'`, 20*time.Second)
	noOverflow(t, ctx, "status page")
	screenshot(t, ctx, "status-mobile")
	openForm(t, ctx, base)
	noOverflow(t, ctx, "form")
	screenshot(t, ctx, "form-mobile")
}

func noOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	const width = 390
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > width {
		wide := eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > %d + 1).slice(-8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`, width))
		t.Errorf("%s is %dpx wide on a %dpx screen: %v", what, w, width, wide)
	}
}

// TestBrowserKeyboardOnly fills and submits the form with the keyboard
// alone: Tab to move, text typed in, Space and Enter on buttons.
func TestBrowserKeyboardOnly(t *testing.T) {
	ctx := browser(t)
	base := site(t)
	customer := fmt.Sprintf("Keyboard Corp %d", time.Now().UnixNano())
	_, values := sample(t, customer)
	openForm(t, ctx, base)

	press := func(key string) {
		t.Helper()
		run(t, ctx, "press "+js(key), 5*time.Second, chromedp.KeyEvent(key))
	}
	typeText := func(s string) {
		t.Helper()
		run(t, ctx, "type", 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: s})
			return err
		}))
	}
	type focused struct {
		Field, Tag, Type, ID, Text, Add, Outline string
		Remove                                   bool
		Value                                    string
	}
	active := func() focused {
		return eval[focused](t, ctx, `(() => { const e = document.activeElement; const cs = getComputedStyle(e);
			return {Field: e.dataset.field || '', Tag: e.tagName, Type: e.type || '', ID: e.id, Text: (e.textContent || '').trim(),
			        Add: e.dataset.add || '', Remove: e.classList.contains('remove'), Value: e.value || '',
			        Outline: cs.outlineStyle + ' ' + cs.outlineWidth}; })()`)
	}

	// The skip link is the first stop; Enter follows it.
	press(kb.Tab)
	if a := active(); a.Text != "Skip to content" {
		t.Fatalf("first Tab stop is %+v, want the skip link", a)
	}
	press(kb.Enter)
	// The first field; Enter submits the empty form, and focus lands on the
	// first error.
	for i := 0; i < 10 && active().Field != "customer.name"; i++ {
		press(kb.Tab)
	}
	if a := active(); a.Field != "customer.name" {
		t.Fatalf("Tab did not reach the company name: %+v", a)
	} else if !strings.HasPrefix(a.Outline, "solid") {
		t.Errorf("the focused input shows no focus ring: outline %q", a.Outline)
	}
	press(kb.Enter)
	waitFor(t, ctx, "errors", `!document.querySelector('#error-summary').hidden`, 10*time.Second)
	if a := active(); a.Field != "customer.name" {
		t.Errorf("after submitting the empty form, focus is on %+v, want customer.name", a)
	}

	addedApp := false
	for i := 0; i < 300; i++ {
		a := active()
		switch {
		case a.Field != "" && a.Tag != "SELECT" && a.Value == "" && values[a.Field] != "":
			typeText(values[a.Field])
		case a.Tag == "SELECT" && values[a.Field] != "" && a.Value != values[a.Field]:
			t.Fatalf("team %s is %q, want %q", a.Field, a.Value, values[a.Field])
		case a.Add == "environments.dev.hostnames.apps" && !addedApp:
			// Space on "Add an App tenant" adds a row and focuses it; Enter
			// on its Remove button takes it away again.
			addedApp = true
			press(" ")
			if got := active(); got.Field != "environments.dev.hostnames.apps[1]" {
				t.Fatalf("after adding an App tenant focus is on %+v", got)
			}
			press(kb.Tab)
			if got := active(); !got.Remove {
				t.Fatalf("Tab after the new App tenant is %+v, want its Remove button", got)
			}
			press(kb.Enter)
			if n := eval[int](t, ctx, `document.querySelectorAll('[data-list="environments.dev.hostnames.apps"] > li').length`); n != 1 {
				t.Fatalf("%d App tenant rows after Remove", n)
			}
			continue // focus moved; look again before tabbing on
		case a.ID == "submit":
			press(kb.Enter)
			waitFor(t, ctx, "the status page", `/^\/submissions\/sub-[a-z2-7]+$/.test(location.pathname)`, 30*time.Second)
			waitFor(t, ctx, "the status page to load", `document.body.dataset.status !== undefined`, 20*time.Second)
			if got := text(t, ctx, "#customer"); got != customer {
				t.Errorf("status page names %q", got)
			}
			if !addedApp {
				t.Error("never reached the Add an App tenant button")
			}
			return
		}
		press(kb.Tab)
	}
	t.Fatalf("never reached the submit button; focus on %+v", active())
}

// TestBrowserResubmitWithChanges follows a submission whose DEV does not
// pass verification (an App tenant name the certificate does not cover):
// the status page shows the failed check with its remedy and offers
// "resubmit with changes", which opens the form filled in with the last
// version; the fix goes in as version 2 of the same submission.
func TestBrowserResubmitWithChanges(t *testing.T) {
	ctx := browser(t)
	base := site(t)
	customer := fmt.Sprintf("Resubmit Corp %d", time.Now().UnixNano())
	doc, values := sample(t, customer)
	dev := doc["environments"].(map[string]any)["dev"].(map[string]any)
	dev["hostnames"].(map[string]any)["apps"] = []any{"app2-dev-acme.example.com"}
	body, _ := json.Marshal(doc)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(web.CSRFHeader, web.CSRFValue)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var receipt struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&receipt)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || receipt.ID == "" {
		t.Fatalf("POST /api/submissions: %d %+v", resp.StatusCode, receipt)
	}

	run(t, ctx, "open the status page", 30*time.Second, chromedp.Navigate(base+"/submissions/"+receipt.ID))
	waitFor(t, ctx, "changes requested", `document.querySelector('#status-badge').textContent === 'Changes requested'`, 3*time.Minute)
	if eval[bool](t, ctx, `document.querySelector('#actions').hidden`) {
		t.Fatal("no resubmit action after changes were requested")
	}
	if got := eval[string](t, ctx, `document.querySelector('#timeline .step[data-stage="verify-dev"]').className`); !strings.Contains(got, "failed") {
		t.Errorf("verify-dev step is %q, want failed", got)
	}
	waitFor(t, ctx, "the failed check", `[...document.querySelectorAll('#report-v1-dev tr.r-fail')].some(r => r.querySelector('.fix'))`, 10*time.Second)
	screenshot(t, ctx, "status-changes-requested-desktop")

	run(t, ctx, "resubmit with changes", 30*time.Second, chromedp.Click(chromedp.CSS("#resubmit")))
	waitFor(t, ctx, "the pre-filled form", `location.search === '?resubmit=`+receipt.ID+`' && document.querySelector('#checklist')?.dataset.ready === 'true'`, 20*time.Second)
	if got := fieldValue(t, ctx, "environments.dev.hostnames.apps[0]"); got != "app2-dev-acme.example.com" {
		t.Errorf("pre-filled DEV app = %q", got)
	}
	for _, f := range []string{"customer.contacts[2].name", "environments.prod.loadBalancerArn", "environments.prod.instanceIds[1]", "environments.dev.certificate.pem"} {
		if got := fieldValue(t, ctx, f); got != values[f] {
			t.Errorf("pre-filled %s = %q, want %q", f, got, values[f])
		}
	}
	if got := text(t, ctx, "#submit"); got != "Submit version 2" {
		t.Errorf("submit button says %q", got)
	}
	setField(t, ctx, "environments.dev.hostnames.apps[0]", values["environments.dev.hostnames.apps[0]"])
	run(t, ctx, "submit version 2", 10*time.Second, chromedp.Click(chromedp.CSS("#submit")))
	waitFor(t, ctx, "the status page", `location.pathname === '/submissions/`+receipt.ID+`'`, 30*time.Second)
	waitFor(t, ctx, "version 2 awaiting approval", `document.querySelector('#sub-version').textContent.includes('version 2') && document.querySelector('#status-badge').textContent === 'Awaiting approval'`, 3*time.Minute)
	if eval[int](t, ctx, `document.querySelectorAll('#reports details.older').length`) != 1 {
		t.Error("version 1's report is not kept (folded) below version 2's")
	}
}
