// Command bench measures the figures of the README's performance section
// and prints one markdown table per section (`make bench`):
//
//  1. Lambda binaries: size of each bootstrap (linux/arm64, stripped).
//  2. Cold start: function binary start → first Invoke response against
//     kumo's Runtime API (median of 20), and the AWS calls made at init.
//  3. Intake handler: in-process benchmark (Go benchmarks) and p50/p99 of
//     requests through the local stack's HTTP API.
//  4. Verification: API calls and time to collect and evaluate 3, 30 and
//     300 instances (Go benchmarks), batched vs one call per instance.
//  5. Workflow cost: transitions, invocations and DynamoDB writes of one
//     happy-path install, from the definition and a measured local run,
//     priced at list prices.
//
// A section that fails prints its error and the driver carries on; the
// exit status is non-zero only for a usage error or a bug.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/psaas/appliance-intake/pkg/localstack"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Functions and the memory each is configured with in the cloud
// (infra/service.go).
var (
	functions = []string{"intake", "verify", "notify", "health"}
	memoryMB  = map[string]float64{"intake": 256, "verify": 512, "notify": 256, "health": 256}
)

// sizeTargetMB is the ceiling for each bootstrap, read as MiB (what
// ls -lh and du print); the table shows bytes too, so the decimal reading
// can be checked.
const sizeTargetMB = 12.0

// List prices, us-east-1, as published on the AWS pricing pages in 2025:
//   - Step Functions Standard: $0.025 per 1,000 state transitions
//     (https://aws.amazon.com/step-functions/pricing/)
//   - Lambda arm64: $0.0000133334 per GB-second, $0.20 per 1M requests
//     (https://aws.amazon.com/lambda/pricing/)
//   - API Gateway HTTP API: $1.00 per 1M requests (first 300M)
//     (https://aws.amazon.com/api-gateway/pricing/)
//   - DynamoDB on-demand: $0.625 per 1M write request units, $0.125 per 1M
//     read request units (https://aws.amazon.com/dynamodb/pricing/on-demand/)
//
// Free tiers are ignored: the figure is the marginal cost of an install.
const (
	priceTransition = 0.025 / 1000
	priceLambdaGBs  = 0.0000133334
	priceLambdaReq  = 0.20 / 1e6
	priceHTTPReq    = 1.00 / 1e6
	priceWRU        = 0.625 / 1e6
	priceRRU        = 0.125 / 1e6
)

func main() {
	quick := flag.Bool("quick", false, "skip the cold-start and 1,000-request sections and shorten the Go benchmarks")
	runs := flag.Int("coldstarts", 20, "cold starts per function")
	requests := flag.Int("requests", 1000, "requests through the local HTTP API")
	concurrency := flag.Int("concurrency", 8, "concurrent requests through the local HTTP API")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	tmp, err := os.MkdirTemp("", "intake-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("# make bench — %s, %s/%s, %d CPUs, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	log.Info("1/5 building the Lambda binaries (linux/arm64)")
	sizes(root, filepath.Join(tmp, "lambda"))

	log.Info("running the Go benchmarks")
	benches, benchErr := goBenchmarks(root, *quick)

	log.Info("building the host binaries")
	hostDir := filepath.Join(tmp, "host")
	hostErr := buildHost(root, hostDir)

	// Everything below runs on one local stack: the measured install
	// first, on a quiet stack, then cold starts, then the request load.
	var st *benchStack
	stackErr := hostErr
	if stackErr == nil {
		log.Info("starting the local stack")
		st, stackErr = startStack(hostDir, log)
	}
	if st != nil {
		defer st.Close()
	}

	log.Info("5/5 measuring one happy-path install")
	var run *installRun
	runErr := stackErr
	if runErr == nil {
		run, runErr = st.install(root)
	}

	if *quick {
		section("2. Cold start", "skipped (-quick)")
	} else {
		log.Info("2/5 cold starts", "runs", *runs)
		coldStarts(st, stackErr, hostDir, *runs)
	}

	section("3. Intake handler", "")
	intakeTable(benches, benchErr)
	if *quick {
		fmt.Println("Through the local stack's HTTP API: skipped (-quick).")
		fmt.Println()
	} else {
		log.Info("3/5 requests through the local HTTP API", "requests", *requests, "concurrency", *concurrency)
		latency(st, stackErr, run, root, *requests, *concurrency)
	}

	section("4. Verification", "")
	verificationTable(benches, benchErr)

	section("5. Workflow cost per happy-path install", "")
	costTables(run, runErr)

	section("All Go benchmarks", "")
	allBenchmarks(benches, benchErr)
}

func section(title, note string) {
	fmt.Printf("## %s\n\n", title)
	if note != "" {
		fmt.Println(note)
		fmt.Println()
	}
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the module")
	}
	return filepath.Dir(mod), nil
}

func goBuild(root string, env []string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// ---------------------------------------------------------------- 1. sizes

func sizes(root, dir string) {
	section("1. Lambda binaries", "`GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags \"-s -w\"`, as `make build-lambda`.")
	fmt.Println("| function | bootstrap (MiB) | bytes | target | within |")
	fmt.Println("|---|---:|---:|---:|---|")
	// The resumer is sized too; the workflow sections leave it out, since no
	// install runs through it.
	for _, fn := range append(append([]string{}, functions...), "resume") {
		out := filepath.Join(dir, fn, "bootstrap")
		err := goBuild(root, []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"},
			"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, "./functions/"+fn)
		if err != nil {
			fmt.Printf("| %s | error: %s | — | ≤ %.0f MiB | — |\n", fn, oneLine(err), sizeTargetMB)
			continue
		}
		fi, err := os.Stat(out)
		if err != nil {
			fmt.Printf("| %s | error: %s | — | ≤ %.0f MiB | — |\n", fn, oneLine(err), sizeTargetMB)
			continue
		}
		mb := float64(fi.Size()) / (1 << 20)
		fmt.Printf("| %s | %.2f | %d | ≤ %.0f MiB | %s |\n", fn, mb, fi.Size(), sizeTargetMB, yesNo(mb <= sizeTargetMB))
	}
	fmt.Println()
}

func buildHost(root, dir string) error { return localstack.BuildFunctions(root, dir) }

// ------------------------------------------------------- Go benchmarks

type bench struct {
	Pkg, Name string
	N         int
	Runs      int                // how many runs this is the fastest of
	Metrics   map[string]float64 // unit → value: ns/op, B/op, allocs/op, calls/op…
}

func (b bench) get(unit string) (float64, bool) { v, ok := b.Metrics[unit]; return v, ok }

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// rulesRuns is how many times the rules benchmarks run, the fastest run
// counting: they are a few milliseconds long, and on a shared machine a
// run only ever comes out slower than the code is, never faster.
const rulesRuns = 8

// goBenchmarks runs every package's benchmarks once, and the rules
// benchmarks of pkg/verify rulesRuns times more, and parses the output;
// of a benchmark run several times it keeps the fastest run.
func goBenchmarks(root string, quick bool) ([]bench, error) {
	pkgs, err := benchPackages(root)
	if err != nil {
		return nil, err
	}
	short := []string{}
	if quick {
		short = []string{"-benchtime", "100ms"}
	}
	res, err := runBenchmarks(root, append(append([]string{"-bench", ".", "-count", "1"}, short...), pkgs...))
	if err != nil {
		return res, err
	}
	again, err := rerunRules(root, quick)
	return fastest(append(res, again...)), err
}

// rerunRules runs the rules benchmarks rulesRuns times, all of them one
// after another each time, from one test binary. This machine slows down
// for seconds at a time: the runs of one benchmark in a row (go test
// -count) could all fall in one slow spell, and then compare badly with
// the benchmark run before or after.
func rerunRules(root string, quick bool) ([]bench, error) {
	dir, err := os.MkdirTemp("", "bench-rules")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "verify.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./pkg/verify/")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c ./pkg/verify/: %v: %s", err, lastLines(string(out), 5))
	}
	args := []string{"-test.run", "^$", "-test.bench", "^BenchmarkRules", "-test.benchmem", "-test.count", "1"}
	if quick {
		args = append(args, "-test.benchtime", "100ms")
	}
	var res []bench
	for range rulesRuns {
		cmd := exec.Command(bin, args...)
		cmd.Dir = filepath.Join(root, "pkg", "verify")
		out, err := cmd.CombinedOutput()
		res = append(res, parseBenchmarks(out)...)
		if err != nil {
			return res, fmt.Errorf("%s: %v: %s", bin, err, lastLines(string(out), 5))
		}
	}
	return res, nil
}

// fastest keeps, of each benchmark, the run with the lowest ns/op, in the
// order of their first runs.
func fastest(runs []bench) []bench {
	var out []bench
	at := map[string]int{}
	for _, b := range runs {
		key := b.Pkg + " " + b.Name
		i, seen := at[key]
		if !seen {
			at[key] = len(out)
			b.Runs = 1
			out = append(out, b)
			continue
		}
		runs := out[i].Runs + 1
		if v, ok := b.get("ns/op"); ok {
			if best, ok := out[i].get("ns/op"); !ok || v < best {
				out[i] = b
			}
		}
		out[i].Runs = runs
	}
	return out
}

// runBenchmarks runs go test -bench with args and parses its output.
func runBenchmarks(root string, args []string) ([]bench, error) {
	cmd := exec.Command("go", append([]string{"test", "-run", "^$", "-benchmem"}, args...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	res := parseBenchmarks(out)
	if err != nil {
		return res, fmt.Errorf("go test -bench: %v: %s", err, lastLines(string(out), 5))
	}
	return res, nil
}

// parseBenchmarks reads the benchmark lines of go test output, each with
// the package its "pkg:" line names.
func parseBenchmarks(out []byte) []bench {
	var res []bench
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), "github.com/psaas/appliance-intake/")
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		b := bench{Pkg: pkg, Name: strings.TrimPrefix(m[1], "Benchmark"), Metrics: map[string]float64{}}
		b.N, _ = strconv.Atoi(m[2])
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				b.Metrics[f[i+1]] = v
			}
		}
		res = append(res, b)
	}
	return res
}

// benchPackages lists the packages whose _test files declare a benchmark.
func benchPackages(root string) ([]string, error) {
	set := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "cdk.out" || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("\nfunc Benchmark")) {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			set["./"+filepath.ToSlash(rel)] = true
		}
		return nil
	})
	pkgs := make([]string, 0, len(set))
	for p := range set {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	if err == nil && len(pkgs) == 0 {
		err = errors.New("no package declares a benchmark")
	}
	return pkgs, err
}

func find(benches []bench, name string) (bench, bool) {
	for _, b := range benches {
		if b.Name == name {
			return b, true
		}
	}
	return bench{}, false
}

func metric(benches []bench, name, unit string) string {
	b, ok := find(benches, name)
	if !ok {
		return "missing"
	}
	v, ok := b.get(unit)
	if !ok {
		return "—"
	}
	return num(v)
}

func allBenchmarks(benches []bench, err error) {
	if err != nil {
		fmt.Printf("Error: %s\n\n", oneLine(err))
	}
	fmt.Println("| package | benchmark | ns/op | B/op | allocs/op | other |")
	fmt.Println("|---|---|---:|---:|---:|---|")
	for _, b := range benches {
		var other []string
		for u, v := range b.Metrics {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" {
				other = append(other, num(v)+" "+u)
			}
		}
		sort.Strings(other)
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", b.Pkg, b.Name, metricOf(b, "ns/op"), metricOf(b, "B/op"), metricOf(b, "allocs/op"), strings.Join(other, ", "))
	}
	fmt.Println()
}

func metricOf(b bench, unit string) string {
	if v, ok := b.get(unit); ok {
		return num(v)
	}
	return "—"
}

// -------------------------------------------------------- 3. intake handler

func intakeTable(benches []bench, err error) {
	fmt.Println("In process (`BenchmarkIntakeHandler`: api.Handler over a store and workflow starter that do nothing; `BenchmarkParse`: parse + validate alone):")
	fmt.Println()
	if err != nil {
		fmt.Printf("Error: %s\n\n", oneLine(err))
	}
	fmt.Println("| submission | handler µs/op | handler allocs/op | handler B/op | parse µs/op | parse allocs/op |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, kind := range []string{"valid", "invalid"} {
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", kind,
			micro(benches, "IntakeHandler/"+kind), metric(benches, "IntakeHandler/"+kind, "allocs/op"), metric(benches, "IntakeHandler/"+kind, "B/op"),
			micro(benches, "Parse/"+kind), metric(benches, "Parse/"+kind, "allocs/op"))
	}
	fmt.Println()
}

func micro(benches []bench, name string) string {
	b, ok := find(benches, name)
	if !ok {
		return "missing"
	}
	v, _ := b.get("ns/op")
	return fmt.Sprintf("%.1f", v/1e3)
}

// ---------------------------------------------------------- 4. verification

func verificationTable(benches []bench, err error) {
	if err != nil {
		fmt.Printf("Error: %s\n\n", oneLine(err))
	}
	fmt.Println("Collection over the fakes of `pkg/inventory` (`BenchmarkCollect`, AWS page sizes), batched vs one call per instance; rules over a collected PROD inventory (`BenchmarkRules`, every static and AWS rule). The fakes answer at once, so the collection µs are the collector's own work: at 3 instances the naive loop, which builds no inventory and starts no goroutines, is the quicker. Against AWS each call costs tens of milliseconds, and calls are what count.")
	fmt.Println()
	fmt.Println("| instances | batched calls | naive calls | naive / batched | collect µs (batched) | collect µs (naive) | rules µs | rules µs per instance | collect + rules ms |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var perInstance []float64
	for _, n := range []int{3, 30, 300} {
		bat, okB := find(benches, fmt.Sprintf("Collect/batched/instances=%d", n))
		nai, okN := find(benches, fmt.Sprintf("Collect/naive/instances=%d", n))
		rul, okR := find(benches, fmt.Sprintf("Rules/instances=%d", n))
		bc, _ := bat.get("calls/op")
		nc, _ := nai.get("calls/op")
		bns, _ := bat.get("ns/op")
		nns, _ := nai.get("ns/op")
		rns, _ := rul.get("ns/op")
		ratio, per, total := "—", "missing", "—"
		if okB && okN && bc > 0 {
			ratio = fmt.Sprintf("%.1f×", nc/bc)
		}
		if okR {
			per = fmt.Sprintf("%.1f", rns/1e3/float64(n))
			perInstance = append(perInstance, rns/float64(n))
		}
		if okB && okR {
			total = fmt.Sprintf("%.2f", (bns+rns)/1e6)
		}
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, present(okB, num(bc)), present(okN, num(nc)), ratio,
			present(okB, fmt.Sprintf("%.1f", bns/1e3)), present(okN, fmt.Sprintf("%.1f", nns/1e3)), present(okR, fmt.Sprintf("%.1f", rns/1e3)), per, total)
	}
	fmt.Println()
	if r300, ok := find(benches, "Rules/instances=300"); ok {
		base, _ := r300.get("ns/op")
		ns := base
		fmt.Printf("- Rules for 300 instances: %.3f ms with Go's default collector setting (GOGC=100), fastest of %d runs", ns/1e6, r300.Runs)
		if f, ok := find(benches, "RulesFunctionGC/instances=300"); ok {
			fns, _ := f.get("ns/op")
			fmt.Printf("; %.3f ms with the verify function's (`verify.FunctionGCPercent`, `BenchmarkRulesFunctionGC`), fastest of %d", fns/1e6, f.Runs)
			ns = fns
		}
		fmt.Printf(" (target < 1 ms as the function runs them: %s).\n", yesNo(ns < 1e6))
		for _, v := range []struct{ name, what string }{
			{"declared", "declared in a random order, as customers list them"},
			{"all", "declared in a random order and their targets and alarms listed in others, as AWS promises no order"},
		} {
			sh, ok := find(benches, "RulesShuffled/"+v.name+"/instances=300")
			if !ok {
				continue
			}
			sns, _ := sh.get("ns/op")
			fmt.Printf("- The same 300 instances %s (`BenchmarkRulesShuffled/%s`): %.3f ms at the default setting, %.2f× the ids' order", v.what, v.name, sns/1e6, sns/base)
			if f, ok := find(benches, "RulesFunctionGC/"+v.name+"/instances=300"); ok {
				fns, _ := f.get("ns/op")
				fmt.Printf("; %.3f ms with the verify function's (target < 1 ms: %s)", fns/1e6, yesNo(fns < 1e6))
			}
			fmt.Println(".")
		}
	}
	if len(perInstance) == 3 {
		// At 3 instances the certificate checks, which do not depend on the
		// instances, dominate; 30 → 300 shows the growth.
		growth := perInstance[2] / perInstance[1]
		verdict := "linear"
		if growth > 2 {
			verdict = "NOT linear: the cost per instance grows with the number of instances"
		}
		fmt.Printf("- Rules cost per instance: %.1f µs at 3, %.1f µs at 30, %.1f µs at 300 instances; 300 vs 30: %.2f× (%s).\n",
			perInstance[0]/1e3, perInstance[1]/1e3, perInstance[2]/1e3, growth, verdict)
	}
	if b3, ok3 := find(benches, "Collect/batched/instances=3"); ok3 {
		if b300, ok := find(benches, "Collect/batched/instances=300"); ok {
			c3, _ := b3.get("calls/op")
			c300, _ := b300.get("calls/op")
			// The extra calls allowed are further pages at AWS's page
			// sizes: DescribeAlarms 100 per page, DescribeVolumes 1,000
			// (up to four drives per instance).
			bound := math.Ceil(300.0/100) + math.Ceil(300.0*4/1000)
			fmt.Printf("- Batched calls, 300 vs 3 instances: %s vs %s; the %s extra are further pages (DescribeAlarms at 100 per page, DescribeVolumes at 1,000), within the pagination bound of %s: %s. The naive collector makes %s calls for 300.\n",
				num(c300), num(c3), num(c300-c3), num(bound), yesNo(c300-c3 <= bound), metric(benches, "Collect/naive/instances=300", "calls/op"))
		}
	}
	fmt.Println()
}

func present(ok bool, s string) string {
	if !ok {
		return "missing"
	}
	return s
}

// ------------------------------------------------------------ local stack

// benchStack is the local stack with counters on what the cost section
// prices: DynamoDB requests (the functions reach DynamoDB through a
// counting proxy: AWS_ENDPOINT_URL_DYNAMODB outranks AWS_ENDPOINT_URL) and
// the Lambda invocations kumo's Step Functions engine makes (through
// http.DefaultTransport, wrapped).
type benchStack struct {
	*localstack.Stack
	ddb    *ddbCounter
	lambda *invokeCounter
	proxy  *httptest.Server
}

func startStack(hostDir string, log *slog.Logger) (*benchStack, error) {
	ddb := &ddbCounter{}
	var target atomic.Pointer[url.URL]
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target.Load())
		r.Out.Host = r.In.Host
	}, ErrorLog: stdlog.New(io.Discard, "", 0)} // processes killed at Close leave requests behind
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		ddb.observe(r.Header.Get("X-Amz-Target"), body)
		if target.Load() == nil {
			http.Error(w, "kumo not up yet", http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	// Inherited by the function processes the stack starts.
	os.Setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.URL)
	settings := localstack.DevSettings()
	s, err := localstack.Start(context.Background(), localstack.Config{
		BinDir: hostDir, Addr: "127.0.0.1:0", Name: fmt.Sprintf("bench-%d", time.Now().Unix()),
		PMEmail: "pm@example.com", SenderEmail: "intake@example.com",
		Workers:  8,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Workflow: settings,
	})
	os.Unsetenv("AWS_ENDPOINT_URL_DYNAMODB")
	if err != nil {
		proxy.Close()
		return nil, err
	}
	u, _ := url.Parse(s.Endpoint)
	target.Store(u)
	inv := &invokeCounter{inner: http.DefaultTransport, kumo: u.Host}
	http.DefaultTransport = inv
	log.Info("local stack up", "url", s.URL, "kumo", s.Endpoint)
	return &benchStack{Stack: s, ddb: ddb, lambda: inv, proxy: proxy}, nil
}

func (b *benchStack) Close() {
	b.Stack.Close()
	b.proxy.Close()
}

// ddbCounter counts DynamoDB requests and the items they write.
type ddbCounter struct {
	mu  sync.Mutex
	ops map[string]int
	// writeItems counts items written (a transaction's puts, updates,
	// deletes and condition checks each count, as DynamoDB bills them);
	// wru estimates write request units from each item's size.
	writeItems, wru, reads int
}

type ddbSnapshot struct {
	Ops                    map[string]int
	WriteItems, WRU, Reads int
}

func (c *ddbCounter) observe(target string, body []byte) {
	op := target[strings.LastIndex(target, ".")+1:]
	if op == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	c.ops[op]++
	units := func(b []byte) int { return max(1, (len(b)+1023)/1024) }
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem":
		c.writeItems++
		c.wru += units(body)
	case "TransactWriteItems":
		var req struct{ TransactItems []map[string]json.RawMessage }
		_ = json.Unmarshal(body, &req)
		for _, it := range req.TransactItems {
			c.writeItems++
			for _, v := range it {
				c.wru += 2 * units(v) // transactional writes cost two units per KB
			}
		}
	case "BatchWriteItem":
		var req struct{ RequestItems map[string][]json.RawMessage }
		_ = json.Unmarshal(body, &req)
		for _, items := range req.RequestItems {
			for _, it := range items {
				c.writeItems++
				c.wru += units(it)
			}
		}
	case "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems":
		c.reads++
	}
}

func (c *ddbCounter) snapshot() ddbSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := ddbSnapshot{Ops: map[string]int{}, WriteItems: c.writeItems, WRU: c.wru, Reads: c.reads}
	for k, v := range c.ops {
		s.Ops[k] = v
	}
	return s
}

func (a ddbSnapshot) minus(b ddbSnapshot) ddbSnapshot {
	d := ddbSnapshot{Ops: map[string]int{}, WriteItems: a.WriteItems - b.WriteItems, WRU: a.WRU - b.WRU, Reads: a.Reads - b.Reads}
	for k, v := range a.Ops {
		if n := v - b.Ops[k]; n > 0 {
			d.Ops[k] = n
		}
	}
	return d
}

// invokeCounter counts and times the Lambda invocations kumo's Step
// Functions engine makes (POST …/functions/{name}/invocations).
type invokeCounter struct {
	inner http.RoundTripper
	kumo  string
	mu    sync.Mutex
	calls map[string][]time.Duration // function name → durations
}

func (c *invokeCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := c.inner.RoundTrip(r)
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") && strings.HasSuffix(r.URL.Path, "/invocations") {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
		c.mu.Lock()
		if c.calls == nil {
			c.calls = map[string][]time.Duration{}
		}
		c.calls[name] = append(c.calls[name], time.Since(start))
		c.mu.Unlock()
	}
	return resp, err
}

func (c *invokeCounter) snapshot() map[string][]time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]time.Duration{}
	for k, v := range c.calls {
		out[k] = append([]time.Duration{}, v...)
	}
	return out
}

// ------------------------------------------------------- 5. measured run

type installRun struct {
	ID       string
	Duration time.Duration
	// Requests the customer and the PM made (what API Gateway bills),
	// with the time each took end to end.
	Requests []time.Duration
	// Invocations by function folder, with their durations; intake's are
	// the HTTP requests above.
	Invocations map[string][]time.Duration
	DDB         ddbSnapshot
	Stages      []string
	Status      string
}

type client struct {
	base string
	http *http.Client
	// timed collects the durations of the requests that count.
	timed []time.Duration
}

func (c *client) do(req *http.Request, counts bool) (int, []byte, error) {
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if counts {
		c.timed = append(c.timed, time.Since(start))
	}
	return resp.StatusCode, b, err
}

func (c *client) get(path string, counts bool) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	return c.do(req, counts)
}

type email struct{ Subject, Body string }

// emails reads the stack's outbox: /dev/outbox.json, or the JSON the
// outbox served at /dev/outbox before it had a page.
func (c *client) emails() ([]email, error) {
	var lastErr error
	for _, path := range []string{"/dev/outbox.json", "/dev/outbox"} {
		status, body, err := c.get(path, false)
		if err != nil || status != http.StatusOK {
			lastErr = fmt.Errorf("GET %s: %d %v", path, status, err)
			continue
		}
		var box struct {
			Emails     []email `json:"emails"`
			SentEmails []email `json:"SentEmails"`
		}
		if err := json.Unmarshal(body, &box); err != nil {
			lastErr = fmt.Errorf("GET %s: not JSON", path)
			continue
		}
		return append(box.Emails, box.SentEmails...), nil
	}
	return nil, lastErr
}

var approvalLink = regexp.MustCompile(`http://[^\s"<>]+/approvals/[^\s"<>]+`)

// waitForLink waits for the email about id whose subject contains subject
// and returns its approval link (or "" for an email without one).
func (c *client) waitForEmail(id, subject string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		box, err := c.emails()
		if err != nil {
			return "", err
		}
		for _, e := range box {
			if strings.Contains(e.Body, id) && strings.Contains(e.Subject, subject) {
				return approvalLink.FindString(e.Body), nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no email %q for %s within %s", subject, id, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decide opens the approval page and posts the decision, as the PM does.
func (c *client) decide(link, outcome string) error {
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	status, body, err := c.get(strings.TrimPrefix(link, c.base), true)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("approval page: %d %v %.200s", status, err, body)
	}
	form := url.Values{"exp": {u.Query().Get("exp")}, "sig": {u.Query().Get("sig")}, "actor": {"Pat PM"},
		"comment": {"bench"}, "outcome": {outcome}}
	req, _ := http.NewRequest(http.MethodPost, c.base+u.Path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body, err = c.do(req, true)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("decision %s: %d %v %.200s", outcome, status, err, body)
	}
	return nil
}

func checklistBody(root, name string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(root, "events", "checklist.json"))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	cust, ok := doc["customer"].(map[string]any)
	if !ok {
		return nil, errors.New("events/checklist.json has no customer object")
	}
	cust["name"] = name
	return json.Marshal(doc)
}

// install drives one submission from POST to completed, as the customer
// and the PM would, waiting on the outbox (not on status polls, which
// would add reads no install needs).
func (b *benchStack) install(root string) (*installRun, error) {
	body, err := checklistBody(root, fmt.Sprintf("Bench Corp %d", time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	c := &client{base: b.URL, http: &http.Client{Timeout: 60 * time.Second}}
	ddb0, inv0 := b.ddb.snapshot(), b.lambda.snapshot()
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, b.URL+"/api/submissions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	status, resp, err := c.do(req, true)
	if err != nil || status != http.StatusAccepted {
		return nil, fmt.Errorf("POST /api/submissions: %d %v %.300s", status, err, resp)
	}
	var receipt struct{ ID string }
	_ = json.Unmarshal(resp, &receipt)
	id := receipt.ID
	for _, step := range []struct{ subject, outcome string }{
		{"DEV passed verification", "approved"},
		{"DEV approved", "deployed"},
		{"PROD passed verification", "approved"},
		{"PROD approved", "deployed"},
	} {
		link, err := c.waitForEmail(id, step.subject, 90*time.Second)
		if err != nil {
			return nil, err
		}
		if link == "" {
			return nil, fmt.Errorf("email %q for %s has no approval link", step.subject, id)
		}
		if err := c.decide(link, step.outcome); err != nil {
			return nil, err
		}
	}
	if _, err := c.waitForEmail(id, "install is complete", 90*time.Second); err != nil {
		return nil, err
	}
	run := &installRun{ID: id, Duration: time.Since(start), Requests: c.timed}
	// Let the last notify invocation's writes land before counting.
	time.Sleep(500 * time.Millisecond)
	run.DDB = b.ddb.snapshot().minus(ddb0)
	run.Invocations = map[string][]time.Duration{"intake": c.timed}
	inv1 := b.lambda.snapshot()
	for name, ds := range inv1 {
		fn := name[strings.LastIndex(name, "-")+1:]
		if fn == "intake" {
			continue
		}
		run.Invocations[fn] = append(run.Invocations[fn], ds[len(inv0[name]):]...)
	}
	// The trail, read once after counting.
	_, rec, err := c.get("/api/submissions/"+id, false)
	if err == nil {
		var r struct {
			Status  string
			History []struct{ Stage, Actor string }
		}
		_ = json.Unmarshal(rec, &r)
		run.Status = r.Status
		for _, e := range r.History {
			if e.Actor == "notify" || e.Actor == "intake" {
				continue
			}
			if len(run.Stages) == 0 || run.Stages[len(run.Stages)-1] != e.Stage {
				run.Stages = append(run.Stages, e.Stage)
			}
		}
	}
	return run, nil
}

// --------------------------------------------------- 5. definition walk

type walk struct {
	States      []string
	Invocations map[string]int // function → invocations
	Callbacks   int            // waitForTaskToken tasks
}

// happyPath walks the production definition from StartAt, taking each
// Choice's first rule (the happy branch: passed, approved, deployed,
// healthy) — one health-check attempt per environment — and counts every
// state entered, as Step Functions bills transitions.
func happyPath() (*walk, error) {
	s := workflow.DefaultSettings()
	arns := map[string]string{
		"verify": "arn:aws:lambda:us-east-1:000000000000:function:verify",
		"notify": "arn:aws:lambda:us-east-1:000000000000:function:notify",
		"health": "arn:aws:lambda:us-east-1:000000000000:function:health",
	}
	s.VerifyFunctionArn, s.NotifyFunctionArn, s.HealthFunctionArn = arns["verify"], arns["notify"], arns["health"]
	def, err := workflow.Definition(s)
	if err != nil {
		return nil, err
	}
	var doc struct {
		StartAt string
		States  map[string]struct {
			Type       string
			Resource   string
			Next       string
			End        bool
			Parameters struct{ FunctionName string }
			Choices    []struct{ Next string }
			Default    string
		}
	}
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		return nil, err
	}
	w := &walk{Invocations: map[string]int{}}
	for name := doc.StartAt; name != ""; {
		st, ok := doc.States[name]
		if !ok {
			return nil, fmt.Errorf("state %q is not defined", name)
		}
		if len(w.States) > 200 {
			return nil, errors.New("the happy path does not end")
		}
		w.States = append(w.States, name)
		next := st.Next
		switch st.Type {
		case "Task":
			for fn, arn := range arns {
				if st.Parameters.FunctionName == arn {
					w.Invocations[fn]++
				}
			}
			if strings.HasSuffix(st.Resource, ".waitForTaskToken") {
				w.Callbacks++
			}
		case "Choice":
			if len(st.Choices) == 0 {
				return nil, fmt.Errorf("choice %s has no rules", name)
			}
			next = st.Choices[0].Next
		case "Succeed", "Fail":
			next = ""
		}
		if st.End {
			next = ""
		}
		name = next
	}
	return w, nil
}

func costTables(run *installRun, runErr error) {
	w, walkErr := happyPath()
	fmt.Println("Counts: the happy path walked through `workflow.Definition(DefaultSettings())` (every state entered is a billed transition, the final Succeed included; one health check per environment) next to one install driven on the local stack (POST, then the PM opens and answers the four gate links).")
	fmt.Println()
	if walkErr != nil {
		fmt.Printf("Definition walk error: %s\n\n", oneLine(walkErr))
	}
	if runErr != nil {
		fmt.Printf("Measured run error: %s\n\n", oneLine(runErr))
	}
	fmt.Println("| per install | from the definition | measured run | agree |")
	fmt.Println("|---|---:|---:|---|")
	if w != nil {
		fmt.Printf("| state transitions | %d | — (kumo keeps no state history) | — |\n", len(w.States))
	}
	for _, fn := range functions {
		def := "—"
		want := -1
		switch {
		case fn == "intake":
			want = 9
			def = "9 (HTTP API requests)"
		case w != nil:
			want = w.Invocations[fn]
			def = strconv.Itoa(want)
		}
		got := "—"
		agree := "—"
		if run != nil {
			n := len(run.Invocations[fn])
			got = strconv.Itoa(n)
			agree = yesNo(n == want)
		}
		fmt.Printf("| Lambda invocations: %s | %s | %s | %s |\n", fn, def, got, agree)
	}
	if w != nil {
		fmt.Printf("| of which wait for a task token | %d | — | — |\n", w.Callbacks)
	}
	if run != nil {
		fmt.Printf("| HTTP API requests | 9 | %d | %s |\n", len(run.Requests), yesNo(len(run.Requests) == 9))
		fmt.Printf("| DynamoDB items written (requests: %s) | — | %d | — |\n", opsString(run.DDB.Ops, true), run.DDB.WriteItems)
		fmt.Printf("| DynamoDB write request units (estimated from item sizes) | — | %d | — |\n", run.DDB.WRU)
		fmt.Printf("| DynamoDB read requests (%s) | — | %d | — |\n", opsString(run.DDB.Ops, false), run.DDB.Reads)
		fmt.Printf("| stages on the trail | — | %s | %s |\n", strings.Join(run.Stages, " → "), yesNo(run.Status == "completed"))
		fmt.Printf("| wall time, POST → completed | — | %s | — |\n", run.Duration.Round(time.Millisecond))
	}
	fmt.Println()
	if w != nil {
		fmt.Printf("Happy path (%d states): %s.\n\n", len(w.States), strings.Join(w.States, " → "))
	}
	if w == nil || run == nil {
		fmt.Println("Cost: not computed (see the errors above).")
		fmt.Println()
		return
	}

	fmt.Println("Cost at list prices (us-east-1, 2025; constants and sources in `cmd/bench/main.go`), Lambda durations as measured locally (mean per invocation, billed per ms at the configured memory):")
	fmt.Println()
	fmt.Println("| item | quantity | unit price | USD per install |")
	fmt.Println("|---|---:|---:|---:|")
	total := 0.0
	row := func(item, qty, unit string, usd float64) {
		total += usd
		fmt.Printf("| %s | %s | %s | %.7f |\n", item, qty, unit, usd)
	}
	row("Step Functions Standard transitions", strconv.Itoa(len(w.States)), "$0.025 / 1K", float64(len(w.States))*priceTransition)
	invocations := 0
	for _, fn := range functions {
		ds := run.Invocations[fn]
		invocations += len(ds)
		var ms float64
		for _, d := range ds {
			ms += math.Ceil(float64(d) / float64(time.Millisecond))
		}
		gbs := ms / 1000 * memoryMB[fn] / 1024
		mean := 0.0
		if len(ds) > 0 {
			mean = ms / float64(len(ds))
		}
		row(fmt.Sprintf("Lambda %s duration (%d × %.0f ms mean, %.0f MB)", fn, len(ds), mean, memoryMB[fn]),
			fmt.Sprintf("%.4f GB-s", gbs), "$0.0000133334 / GB-s", gbs*priceLambdaGBs)
	}
	row("Lambda requests", strconv.Itoa(invocations), "$0.20 / 1M", float64(invocations)*priceLambdaReq)
	row("HTTP API requests", strconv.Itoa(len(run.Requests)), "$1.00 / 1M", float64(len(run.Requests))*priceHTTPReq)
	row("DynamoDB writes (on-demand)", fmt.Sprintf("%d WRU", run.DDB.WRU), "$0.625 / 1M WRU", float64(run.DDB.WRU)*priceWRU)
	row("DynamoDB reads (on-demand, 1 RRU each assumed)", fmt.Sprintf("%d RRU", run.DDB.Reads), "$0.125 / 1M RRU", float64(run.DDB.Reads)*priceRRU)
	fmt.Printf("| **total** | | | **%.6f** |\n", total)
	fmt.Println()
	fmt.Printf("That is $%.2f per 1,000 installs. Not included: SES and Slack, CloudWatch Logs, Secrets Manager (read once per cold start), KMS; the cloud's verify reads the customer's account (VERIFY_MODE=aws), so its duration there is longer than the local static check measured here.\n\n", total*1000)
}

func opsString(ops map[string]int, writes bool) string {
	var parts []string
	for op, n := range ops {
		isWrite := op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "TransactWriteItems" || op == "BatchWriteItem"
		if isWrite == writes {
			parts = append(parts, fmt.Sprintf("%d %s", n, op))
		}
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// ---------------------------------------------------------- 2. cold start

// coldStarts starts each host function binary against kumo's Runtime API
// and times start → first Invoke response. The process reaches kumo
// through a proxy that tells when it first polls for an invocation (the
// end of init) and counts the AWS calls it made before that.
func coldStarts(st *benchStack, stackErr error, hostDir string, runs int) {
	section("2. Cold start", fmt.Sprintf("Host binaries (%s/%s, `-tags lambda.norpc`) against kumo's Runtime API; each run is a fresh process and a fresh function, %d runs per function. \"init\" is start → first poll of /runtime/invocation/next; \"first response\" is start → the first Invoke answered.", runtime.GOOS, runtime.GOARCH, runs))
	fmt.Println("| function | init median (ms) | first response median (ms) | p90 (ms) | min–max (ms) | AWS calls at init | init calls |")
	fmt.Println("|---|---:|---:|---:|---|---:|---|")
	if stackErr != nil {
		for _, fn := range functions {
			fmt.Printf("| %s | error: %s | | | | | |\n", fn, oneLine(stackErr))
		}
		fmt.Println()
		return
	}
	ctx := context.Background()
	cfg := localstack.AWSConfig(st.Endpoint)
	lc := lambda.NewFromConfig(cfg)
	secret, err := createSecret(ctx, cfg, fmt.Sprintf("bench-cold-%d", time.Now().UnixNano()))
	if err != nil {
		fmt.Printf("| all | error: %s | | | | | |\n\n", oneLine(err))
		return
	}
	px := newColdProxy(st.Endpoint)
	defer px.Close()
	for _, fn := range functions {
		var inits, firsts []time.Duration
		var initCalls []string
		var lastErr error
		for i := 0; i < runs; i++ {
			name := fmt.Sprintf("cold-%s-%d-%d", fn, time.Now().UnixNano(), i)
			if _, err := createFunction(ctx, lc, name); err != nil {
				lastErr = err
				break
			}
			init, first, calls, err := coldStart(ctx, lc, px, filepath.Join(hostDir, fn, "bootstrap"), name, st, secret)
			if err != nil {
				lastErr = err
				continue
			}
			inits, firsts = append(inits, init), append(firsts, first)
			initCalls = calls
		}
		if len(firsts) == 0 {
			fmt.Printf("| %s | error: %s | | | | | |\n", fn, oneLine(lastErr))
			continue
		}
		slices.Sort(inits)
		slices.Sort(firsts)
		note := strings.Join(initCalls, ", ")
		if note == "" {
			note = "none"
		}
		if lastErr != nil {
			note += fmt.Sprintf(" (%d of %d runs failed: %s)", runs-len(firsts), runs, oneLine(lastErr))
		}
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f–%.1f | %d | %s |\n", fn, ms(pct(inits, 50)), ms(pct(firsts, 50)), ms(pct(firsts, 90)),
			ms(firsts[0]), ms(firsts[len(firsts)-1]), len(initCalls), note)
	}
	fmt.Println()
	fmt.Println("AWS calls at init are network work outside the handler (the issue allows config loading and client construction only).")
	fmt.Println()
}

// coldProxy forwards to kumo, watching one function process at a time.
type coldProxy struct {
	*httptest.Server
	mu     sync.Mutex
	polled chan struct{}
	calls  []string
}

func newColdProxy(kumo string) *coldProxy {
	u, _ := url.Parse(kumo)
	p := &coldProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	// A killed process leaves its long poll behind; that is expected.
	rp.ErrorLog = stdlog.New(io.Discard, "", 0)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		if strings.HasPrefix(r.URL.Path, "/_runtime/") {
			if strings.HasSuffix(r.URL.Path, "/invocation/next") && p.polled != nil {
				close(p.polled)
				p.polled = nil
			}
		} else if p.polled != nil {
			op := r.Header.Get("X-Amz-Target")
			if op == "" {
				op = r.Method + " " + r.URL.Path
			}
			p.calls = append(p.calls, op)
		}
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	return p
}

func (p *coldProxy) arm() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polled = make(chan struct{})
	p.calls = nil
	return p.polled
}

func (p *coldProxy) initCalls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string{}, p.calls...)
}

func coldStart(ctx context.Context, lc *lambda.Client, px *coldProxy, bin, name string, st *benchStack, secretArn string) (init, first time.Duration, calls []string, err error) {
	host := strings.TrimPrefix(px.URL, "http://")
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_LAMBDA_RUNTIME_API=" + host + "/_runtime/" + name,
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_ENDPOINT_URL=" + px.URL,
		"AWS_REGION=" + localstack.Region,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"TABLE_NAME=" + st.Table,
		"STATE_MACHINE_ARN=" + st.StateMachineArn,
		"PUBLIC_BASE_URL=" + st.URL,
		"SIGNING_KEY_SECRET_ARN=" + secretArn,
		"PM_EMAIL=pm@example.com", "SENDER_EMAIL=intake@example.com",
		"VERIFY_MODE=static", "LOG_LEVEL=warn",
		"HEALTHCHECK_URL_TEMPLATE=" + st.URL + "/dev/appliance/{host}/testall",
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	polled := px.arm()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case <-polled:
		init = time.Since(start)
	case err := <-exited:
		exited <- err
		return 0, 0, nil, fmt.Errorf("process exited at init: %v: %s", err, lastLines(stderr.String(), 2))
	case <-time.After(20 * time.Second):
		return 0, 0, nil, errors.New("no poll of the Runtime API within 20s")
	}
	calls = px.initCalls()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"probe":true}`)})
		if err == nil {
			return init, time.Since(start), calls, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, nil, fmt.Errorf("no Invoke answered within 20s: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// ------------------------------------------------------ 3. HTTP API load

// latency sends requests through the local stack's HTTP API with bounded
// concurrency: GETs of the measured install's status and POSTs of distinct
// valid checklists (each starts a workflow), four GETs to one POST.
func latency(st *benchStack, stackErr error, run *installRun, root string, n, conc int) {
	fmt.Printf("Through the local stack's HTTP API (gateway → kumo Lambda Invoke → intake process → kumo DynamoDB/Step Functions), loopback, %d requests, %d at a time, 8 intake processes:\n\n", n, conc)
	fmt.Println("| requests | count | errors | p50 (ms) | p99 (ms) | max (ms) | per second |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	if stackErr != nil {
		fmt.Printf("| all | error: %s | | | | | |\n\n", oneLine(stackErr))
		return
	}
	id := ""
	if run != nil {
		id = run.ID
	} else {
		// Without the measured install, make a submission to read.
		body, err := checklistBody(root, fmt.Sprintf("Bench Seed %d", time.Now().UnixNano()))
		if err == nil {
			resp, perr := http.Post(st.URL+"/api/submissions", "application/json", bytes.NewReader(body))
			if perr == nil {
				var r struct{ ID string }
				_ = json.NewDecoder(resp.Body).Decode(&r)
				resp.Body.Close()
				id = r.ID
			}
		}
	}
	if id == "" {
		fmt.Print("| all | error: no submission to read | | | | | |\n\n")
		return
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		if i%5 == 4 {
			b, err := checklistBody(root, fmt.Sprintf("Load Corp %d-%d", time.Now().UnixNano(), i))
			if err != nil {
				fmt.Printf("| all | error: %s | | | | | |\n\n", oneLine(err))
				return
			}
			bodies[i] = b
		}
	}
	type result struct {
		post bool
		d    time.Duration
		err  bool
	}
	results := make([]result, n)
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				var req *http.Request
				want := http.StatusOK
				if bodies[i] != nil {
					req, _ = http.NewRequest(http.MethodPost, st.URL+"/api/submissions", bytes.NewReader(bodies[i]))
					req.Header.Set("Content-Type", "application/json")
					want = http.StatusAccepted
				} else {
					req, _ = http.NewRequest(http.MethodGet, st.URL+"/api/submissions/"+id, nil)
				}
				t := time.Now()
				resp, err := hc.Do(req)
				bad := err != nil
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					bad = resp.StatusCode != want
				}
				results[i] = result{post: bodies[i] != nil, d: time.Since(t), err: bad}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	print := func(label string, keep func(result) bool) {
		var ds []time.Duration
		errs := 0
		for _, r := range results {
			if keep(r) {
				ds = append(ds, r.d)
				if r.err {
					errs++
				}
			}
		}
		if len(ds) == 0 {
			return
		}
		slices.Sort(ds)
		fmt.Printf("| %s | %d | %d | %.1f | %.1f | %.1f | %.0f |\n", label, len(ds), errs, ms(pct(ds, 50)), ms(pct(ds, 99)), ms(ds[len(ds)-1]),
			float64(len(ds))/elapsed.Seconds())
	}
	print("all", func(result) bool { return true })
	print("GET /api/submissions/{id}", func(r result) bool { return !r.post })
	print("POST /api/submissions (valid, distinct)", func(r result) bool { return r.post })
	fmt.Println()
}

// --------------------------------------------------------------- helpers

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}
