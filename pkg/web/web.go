// Package web serves the customer-facing pages: the checklist form (GET /),
// the status page of a submission (GET /submissions/{id}) and their
// embedded CSS and JavaScript (GET /static/<file>). Everything is embedded
// with go:embed: no CDN, no web font, no inline script or style, so the
// pages run under a strict Content-Security-Policy. The pages talk to the
// JSON API (/api/...) only; they hold no data of their own.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
	"github.com/psaas/appliance-intake/pkg/workflow"
)

// Response is one HTTP response; the API adapts it to API Gateway's.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// ContentSecurityPolicy is sent with every page: scripts, styles and
// connections from this origin only, nothing inline, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// RoleTemplatePath is where the customer-side verifier role template is
// downloaded from (linked beside every role ARN field).
const RoleTemplatePath = "/static/verifier-role.template.json"

// CSRFHeader is the header (and value) every JSON POST from the pages
// carries; a cross-site HTML form cannot set it.
const (
	CSRFHeader = "X-Requested-With"
	CSRFValue  = "appliance-intake"
)

var (
	//go:embed static templates
	files embed.FS

	static = map[string]asset{}
	pages  = map[string][]byte{}
)

type asset struct {
	body        []byte
	contentType string
	version     string // first 12 hex digits of the SHA-256 of body
}

// contentTypes are the types of the files static/ may hold: text only, so
// a Body always fits API Gateway's (non-base64) response body.
var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

func init() {
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			panic(fmt.Sprintf("web: no content type for static/%s", e.Name()))
		}
		sum := sha256.Sum256(body)
		static[e.Name()] = asset{body: body, contentType: ct, version: hex.EncodeToString(sum[:])[:12]}
	}
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"asset": assetURL,
		"fid":   fieldID,
		"dict":  dict,
	}).ParseFS(files, "templates/*.html"))
	for name, data := range map[string]any{"form.html": formData(), "status.html": statusData()} {
		var b bytes.Buffer
		if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
			panic(fmt.Sprintf("web: render %s: %v", name, err))
		}
		pages[name] = b.Bytes()
	}
}

// fieldID turns a field name such as "environments.dev.instanceIds[0]"
// into an element id: "f-environments-dev-instanceIds-0".
func fieldID(field string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(field)
}

// dict builds a map from key, value pairs, for template arguments.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// assetURL is a static file's URL with a content hash, so it can be cached
// for a year and still change with every release.
func assetURL(name string) (string, error) {
	a, ok := static[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + a.version, nil
}

// submissionPath matches the status page; the id is checked loosely here
// (the page never embeds it) and precisely by the API it calls.
var submissionPath = regexp.MustCompile(`^/submissions/([A-Za-z0-9_-]{1,100})$`)

// Serve answers GET (and HEAD) of the pages and static files. ok is false
// for any path that is not one of them, so the caller can answer it.
// A page path with another method gets 405.
func Serve(method, p string) (resp Response, ok bool) {
	var r Response
	switch {
	case p == "/" || p == "":
		r = page(pages["form.html"])
	case submissionPath.MatchString(p):
		r = page(pages["status.html"])
	case strings.HasPrefix(p, "/static/"):
		name := strings.TrimPrefix(p, "/static/")
		a, found := static[name]
		if !found {
			return Response{}, false
		}
		r = Response{Status: http.StatusOK, Body: a.body, Headers: map[string]string{
			"Content-Type":           a.contentType,
			"Cache-Control":          "public, max-age=31536000, immutable",
			"X-Content-Type-Options": "nosniff",
			"Content-Length":         strconv.Itoa(len(a.body)),
		}}
		if path.Ext(name) == ".json" {
			r.Headers["Content-Disposition"] = `attachment; filename="` + name + `"`
		}
	default:
		return Response{}, false
	}
	switch method {
	case http.MethodGet:
	case http.MethodHead:
		r.Body = nil
	default:
		return Response{Status: http.StatusMethodNotAllowed, Headers: map[string]string{
			"Allow": "GET, HEAD", "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store",
			"X-Content-Type-Options": "nosniff",
		}, Body: []byte("405 method not allowed: use GET\n")}, true
	}
	return r, true
}

func page(body []byte) Response {
	return Response{Status: http.StatusOK, Body: body, Headers: map[string]string{
		"Content-Type":               "text/html; charset=utf-8",
		"Content-Security-Policy":    ContentSecurityPolicy,
		"Cache-Control":              "no-cache",
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "same-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         "camera=(), microphone=(), geolocation=()",
		"Strict-Transport-Security":  "max-age=31536000; includeSubDomains",
		"Content-Length":             strconv.Itoa(len(body)),
	}}
}

// env describes one environment section of the form.
type env struct {
	Key, Name, Title, Intro string
	Prod                    bool
	Instances               int // nodes required
	InstancesHint           string
	Example                 map[string]string
}

// teamHints say what each contact answers for.
var teamHints = map[string]string{
	checklist.TeamInfrastructure: "Infrastructure",
	checklist.TeamSecurity:       "Security",
	checklist.TeamNetworking:     "Networking",
	checklist.TeamOperations:     "Operations",
}

type team struct{ Value, Label string }

// ReservedAppNames are the App tenant names the form lists as reserved
// (appliance DNS requirements); a test keeps them in step with checklist.
var ReservedAppNames = []string{"login", "admin", "app", "manage", "blog", "ftp", "mail", "pop", "pop3", "imap",
	"smtp", "stage", "stats", "status", "dev", "logs", "www", "docs", "sdk", "ci", "docker", "styleguide", "ask",
	"it", "cdn", "api", "releases", "release", "spf", "feedback", "help", "support", "int"}

// regions offered as suggestions (any region code is accepted).
var regions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
	"ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "me-central-1",
	"af-south-1", "us-gov-west-1", "us-gov-east-1"}

func formData() any {
	var teams []team
	for _, t := range checklist.Teams() {
		teams = append(teams, team{t, teamHints[t]})
	}
	return map[string]any{
		"Teams":        teams,
		"Reserved":     strings.Join(ReservedAppNames, ", "),
		"Regions":      regions,
		"RoleTemplate": RoleTemplatePath,
		"MaxContacts":  checklist.MaxContacts,
		"MaxApps":      checklist.MaxApps,
		"Envs": []env{
			{Key: checklist.EnvDev, Name: "DEV", Title: "Development/Test (DEV)", Instances: checklist.DevInstanceCount,
				Intro: "The single-node, non-production instance. It is deployed and proven first, then PROD. Its network must be completely isolated from PROD.",
				InstancesHint: "The one DEV node. At least m4.large (2 vCPU, 8 GiB); m4.xlarge recommended (4 vCPU, 16 GiB). " +
					"4 drives: 40 GB system, 50 GB data, 50 GB user search, 50 GB backup. Exactly one network interface.",
				Example: map[string]string{"manage": "manage-dev-acme.example.com", "rta": "rta-dev-acme.example.com",
					"webtask": "webtask-dev.example.com", "app": "app1-dev-acme.example.com", "account": "111111111111"}},
			{Key: checklist.EnvProd, Name: "PROD", Title: "Production (PROD)", Prod: true, Instances: checklist.ProdInstanceCount,
				Intro: "The three-node high-availability cluster behind a Network Load Balancer.",
				InstancesHint: "Exactly three nodes, spread over availability zones. At least m4.large; m4.xlarge recommended. " +
					"Each: 40 GB system, 100 GB data, 100 GB user search; one node also a 100 GB backup drive. One network interface each.",
				Example: map[string]string{"manage": "manage-acme.example.com", "rta": "rta-acme.example.com",
					"webtask": "webtask.example.com", "app": "app1-acme.example.com", "account": "222222222222"}},
		},
	}
}

// stage is one step of the status page's timeline: Label says it is done
// ("DEV verified"), Name names the activity ("DEV verification").
type stage struct{ Key, Label, Name, About string }

// StageLabels name each workflow stage on the status page timeline.
var StageLabels = map[string]stage{
	workflow.StageIntake:    {Label: "Received", Name: "Intake", About: "Your checklist is stored and its workflow started."},
	"verify-dev":            {Label: "DEV verified", Name: "DEV verification", About: "The DEV infrastructure is checked against the appliance requirements."},
	"approve-dev":           {Label: "DEV approved", Name: "DEV approval", About: "Your project manager approves the DEV deployment."},
	"deploy-dev":            {Label: "DEV deployed", Name: "DEV deployment", About: "The appliance is installed on the DEV node."},
	"healthcheck-dev":       {Label: "DEV healthy", Name: "DEV health check", About: "The DEV appliance answers its /testall health check."},
	"verify-prod":           {Label: "PROD verified", Name: "PROD verification", About: "PROD is checked (and DEV-time drift caught) before the cluster is installed."},
	"approve-prod":          {Label: "PROD approved", Name: "PROD approval", About: "Your project manager approves the PROD deployment."},
	"deploy-prod":           {Label: "PROD deployed", Name: "PROD deployment", About: "The appliance is installed on the three PROD nodes."},
	"healthcheck-prod":      {Label: "PROD healthy", Name: "PROD health check", About: "The PROD cluster answers /testall through its load balancer."},
	workflow.StageCompleted: {Label: "Complete", Name: "Completion", About: "DEV and PROD are deployed and healthy."},
}

func statusData() any {
	var stages []stage
	for _, s := range workflow.Stages {
		st, ok := StageLabels[s]
		if !ok {
			st = stage{Label: s, Name: s}
		}
		st.Key = s
		stages = append(stages, st)
	}
	return map[string]any{"Stages": stages}
}
