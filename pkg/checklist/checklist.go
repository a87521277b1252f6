// Package checklist holds the PSaaS Appliance install checklist a customer
// submits: its Go types, its published JSON Schema and its validation.
package checklist

// Environment names as they appear under "environments".
const (
	EnvDev  = "dev"
	EnvProd = "prod"
)

// Document is the whole checklist as submitted.
type Document struct {
	Customer     Customer     `json:"customer"`
	Environments Environments `json:"environments"`
}

// Customer names the customer and the people on each of its IT teams.
type Customer struct {
	Name     string    `json:"name"`
	Contacts []Contact `json:"contacts"`
}

// Contact is one person responsible for one team's part of the install.
type Contact struct {
	Team  string `json:"team"` // infrastructure | security | networking | operations
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Environments holds the single-node DEV instance and the three-node PROD cluster.
type Environments struct {
	Dev  *Environment `json:"dev"`
	Prod *Environment `json:"prod"`
}

// Environment declares the infrastructure provisioned for one appliance instance.
type Environment struct {
	AccountID       string      `json:"accountId"`
	Region          string      `json:"region"`
	RoleArn         string      `json:"roleArn"`
	AmiID           string      `json:"amiId"`
	VpcID           string      `json:"vpcId"`
	InstanceIDs     []string    `json:"instanceIds"`
	LoadBalancerArn string      `json:"loadBalancerArn,omitempty"`
	JumpHostCidr    string      `json:"jumpHostCidr"`
	Hostnames       Hostnames   `json:"hostnames"`
	Certificate     Certificate `json:"certificate"`
}

// Hostnames are the DNS names the instance answers on.
type Hostnames struct {
	Manage  string   `json:"manage"`
	Rta     string   `json:"rta"`
	Webtask string   `json:"webtask"`
	Apps    []string `json:"apps"`
}

// All returns every declared hostname, manage first.
func (h Hostnames) All() []string {
	out := []string{h.Manage, h.Rta, h.Webtask}
	return append(out, h.Apps...)
}

// Certificate is the instance's TLS certificate: either the public PEM
// chain or the ARN of a certificate in ACM. Never a private key.
type Certificate struct {
	PEM    string `json:"pem,omitempty"`
	AcmArn string `json:"acmArn,omitempty"`
}

// FieldError is one problem with a submitted document. Field is a
// JSON-path-like name such as "environments.prod.instanceIds[2]".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Env returns the named environment, or nil.
func (d *Document) Env(name string) *Environment {
	switch name {
	case EnvDev:
		return d.Environments.Dev
	case EnvProd:
		return d.Environments.Prod
	}
	return nil
}
