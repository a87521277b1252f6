package checklist

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// semanticOnly are invalid samples whose problem spans fields (or is a
// duplicate key, which JSON Schema cannot see): the schema accepts them and
// only Validate/Parse refuse them.
var semanticOnly = []string{
	"acm-wrong-region.json",
	"duplicate-key.json",
	"hostname-reused-across-envs.json",
	"lb-wrong-account.json",
	"mixed-parent-domains.json",
	"role-arn-wrong-account.json",
	"same-certificate.json",
	"same-vpc.json",
}

// notJSON cannot be given to a schema validator at all.
var notJSON = []string{"not-json.txt", "truncated.json"}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

func validateAgainstSchema(t *testing.T, sch *jsonschema.Schema, body []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

func TestSchemaMetadata(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(Schema(), &m); err != nil {
		t.Fatal(err)
	}
	if m["$id"] != SchemaID || m["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id %v, $schema %v", m["$id"], m["$schema"])
	}
	s := Schema()
	s[0] = 'x'
	if Schema()[0] == 'x' {
		t.Error("Schema() exposes the embedded bytes")
	}
	if !strings.Contains(string(Schema()), "Recommended m4.xlarge (4 vCPU, 16 GiB); at least m4.large") {
		t.Error("instance size hint missing")
	}
}

func TestSchemaAcceptsValidSamples(t *testing.T) {
	sch := compileSchema(t)
	for _, name := range []string{"checklist.json", "checklist-acm.json"} {
		if err := validateAgainstSchema(t, sch, readFile(t, filepath.Join(eventsDir, name))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSchemaAgreesWithInvalidSamples: structurally invalid samples are
// rejected by the schema; the cross-field ones pass it (so the schema is
// not stricter than intended) and are left to Validate.
func TestSchemaAgreesWithInvalidSamples(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob(filepath.Join(eventsDir, "invalid", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		if name == "expected.json" || slices.Contains(notJSON, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			err := validateAgainstSchema(t, sch, readFile(t, path))
			if slices.Contains(semanticOnly, name) {
				if err != nil {
					t.Errorf("schema rejects a cross-field sample: %v", err)
				}
				return
			}
			if err == nil {
				t.Error("schema accepts a structurally invalid sample")
			}
		})
	}
}

// TestSchemaAgreesWithValidate runs the same single-field mutations through
// the schema and Validate: both must accept or both refuse.
func TestSchemaAgreesWithValidate(t *testing.T) {
	sch := compileSchema(t)
	set := func(f func(d *Document)) func(d *Document) { return f }
	tests := []struct {
		name   string
		mutate func(d *Document)
		valid  bool
	}{
		{"8-hex ids", set(func(d *Document) { d.Environments.Dev.InstanceIDs = []string{"i-12345678"} }), true},
		{"9-hex instance id", set(func(d *Document) { d.Environments.Dev.InstanceIDs = []string{"i-123456789"} }), false},
		{"four-part names", set(func(d *Document) {
			d.Environments.Dev.Hostnames = Hostnames{Manage: "manage.acme.co.uk", Rta: "rta.acme.co.uk", Webtask: "webtask.acme.co.uk", Apps: []string{"app1.acme.co.uk"}}
		}), true},
		{"five-part name", set(func(d *Document) { d.Environments.Dev.Hostnames.Apps = []string{"app1.a.b.example.com"} }), false},
		{"two-character host label", set(func(d *Document) { d.Environments.Dev.Hostnames.Apps = []string{"ab.example.com"} }), false},
		{"reserved app", set(func(d *Document) { d.Environments.Dev.Hostnames.Apps = []string{"docs.example.com"} }), false},
		{"reserved word inside an app name", set(func(d *Document) { d.Environments.Dev.Hostnames.Apps = []string{"docs-acme.example.com"} }), true},
		{"uppercase name", set(func(d *Document) { d.Environments.Dev.Hostnames.Rta = "RTA-dev-acme.example.com" }), false},
		{"jump host /24", set(func(d *Document) { d.Environments.Dev.JumpHostCidr = "203.0.113.0/24" }), true},
		{"jump host /23", set(func(d *Document) { d.Environments.Dev.JumpHostCidr = "203.0.112.0/23" }), false},
		{"jump host IPv6 /64", set(func(d *Document) { d.Environments.Dev.JumpHostCidr = "2001:db8::/64" }), true},
		{"jump host IPv6 /0", set(func(d *Document) { d.Environments.Dev.JumpHostCidr = "::/0" }), false},
		{"jump host IPv6 /48", set(func(d *Document) { d.Environments.Dev.JumpHostCidr = "2001:db8::/48" }), false},
		{"GovCloud", set(func(d *Document) {
			e := d.Environments.Dev
			e.Region = "us-gov-west-1"
			e.RoleArn = "arn:aws-us-gov:iam::111111111111:role/ApplianceIntakeVerifier"
		}), true},
		{"role with a path", set(func(d *Document) {
			d.Environments.Dev.RoleArn = "arn:aws:iam::111111111111:role/service-role/Verifier"
		}), true},
		{"application load balancer", set(func(d *Document) {
			d.Environments.Prod.LoadBalancerArn = strings.Replace(d.Environments.Prod.LoadBalancerArn, "/net/", "/app/", 1)
		}), false},
		{"email with display name", set(func(d *Document) { d.Customer.Contacts[0].Email = "Ida <ida@example.com>" }), false},
		{"email without dot", set(func(d *Document) { d.Customer.Contacts[0].Email = "ida@localhost" }), false},
		{"unknown team", set(func(d *Document) { d.Customer.Contacts[0].Team = "devops" }), false},
		{"blank name", set(func(d *Document) { d.Customer.Name = "  " }), false},
		{"name of 201 characters", set(func(d *Document) { d.Customer.Name = strings.Repeat("x", 201) }), false},
		{"dev load balancer", set(func(d *Document) {
			d.Environments.Dev.LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/dev/0123456789abcdef"
		}), true},
		{"prod ACM", set(func(d *Document) {
			d.Environments.Prod.Certificate = Certificate{AcmArn: "arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000000"}
		}), true},
		{"no certificate", set(func(d *Document) { d.Environments.Prod.Certificate = Certificate{} }), false},
		{"51 apps", set(func(d *Document) {
			for range MaxApps {
				d.Environments.Dev.Hostnames.Apps = append(d.Environments.Dev.Hostnames.Apps, "x")
			}
		}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDoc(t)
			tt.mutate(d)
			body, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := validateAgainstSchema(t, sch, body)
			goErrs := d.Validate()
			if (schemaErr == nil) != tt.valid {
				t.Errorf("schema: valid=%v, want %v (%v)", schemaErr == nil, tt.valid, schemaErr)
			}
			if (len(goErrs) == 0) != tt.valid {
				t.Errorf("Validate: valid=%v, want %v (%v)", len(goErrs) == 0, tt.valid, goErrs)
			}
		})
	}
}

// TestSchemaPropertiesMatchTypes keeps schema.json and checklist.go in step:
// each object in the schema lists exactly the JSON fields of its Go type.
func TestSchemaPropertiesMatchTypes(t *testing.T) {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	var envs struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(s.Properties["environments"], &envs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		props map[string]json.RawMessage
		typ   reflect.Type
	}{
		{"document", s.Properties, reflect.TypeFor[Document]()},
		{"environments", envs.Properties, reflect.TypeFor[Environments]()},
		{"customer", s.Defs["customer"].Properties, reflect.TypeFor[Customer]()},
		{"contact", s.Defs["contact"].Properties, reflect.TypeFor[Contact]()},
		{"environment", s.Defs["environment"].Properties, reflect.TypeFor[Environment]()},
		{"hostnames", s.Defs["hostnames"].Properties, reflect.TypeFor[Hostnames]()},
		{"certificate", s.Defs["certificate"].Properties, reflect.TypeFor[Certificate]()},
	}
	for _, tt := range tests {
		got := sortedKeys(tt.props)
		want := sortedKeys(jsonFields(tt.typ))
		if !slices.Equal(got, want) {
			t.Errorf("%s: schema properties %v, Go fields %v", tt.name, got, want)
		}
	}
}
