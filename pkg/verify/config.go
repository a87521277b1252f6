package verify

import (
	"errors"
	"fmt"
	"strings"
)

// Config holds every threshold the rules apply. The defaults are the numbers
// of the appliance requirements; a deployment overrides them here (for
// example by unmarshalling JSON over DefaultConfig()), never by editing a
// rule, so that an exception granted to one customer is visible and reviewed.
type Config struct {
	// Virtual machines.
	MinVCPU              int `json:"minVcpu"`
	RecommendedVCPU      int `json:"recommendedVcpu"`
	MinMemoryGiB         int `json:"minMemoryGiB"`
	RecommendedMemoryGiB int `json:"recommendedMemoryGiB"`
	NetworkInterfaces    int `json:"networkInterfaces"`

	// Node counts per environment.
	DevNodes  int `json:"devNodes"`
	ProdNodes int `json:"prodNodes"`

	// Storage. ProdDriveSizesGB is every PROD node's drives; exactly one
	// PROD node carries an extra backup drive of ProdBackupDriveGB.
	DevDriveSizesGB   []int `json:"devDriveSizesGB"`
	ProdDriveSizesGB  []int `json:"prodDriveSizesGB"`
	ProdBackupDriveGB int   `json:"prodBackupDriveGB"`

	// Network.
	ClusterPorts      []PortRange `json:"clusterPorts"`
	LoadBalancerPorts []PortRange `json:"loadBalancerPorts"`
	OutboundHosts     []string    `json:"outboundHosts"`
	MaintenancePort   int         `json:"maintenancePort"`
	HealthCheckPath   string      `json:"healthCheckPath"`

	// DNS names.
	MinHostLabelLength  int      `json:"minHostLabelLength"`
	MinNameParts        int      `json:"minNameParts"`
	MaxNameParts        int      `json:"maxNameParts"`
	ReservedTenantNames []string `json:"reservedTenantNames"`

	// Certificates. A certificate expiring within CertFailDays fails (the
	// install and its first weeks must not race a renewal); within
	// CertWarnDays it warns.
	MinRSAKeyBits int `json:"minRsaKeyBits"`
	CertFailDays  int `json:"certFailDays"`
	CertWarnDays  int `json:"certWarnDays"`
}

// PortRange is one port or range of ports the appliance needs open.
// Protocol is "tcp", "udp" or "icmp" (ICMP ranges are From = To = -1).
type PortRange struct {
	Protocol string `json:"protocol"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	Use      string `json:"use"`
	// Required is false for ports the appliance works without (Grafana,
	// SSH, ICMP health checks, rate limiting when it is not used).
	Required bool `json:"required"`
}

// FunctionGCPercent is the collector's GOGC in the verify function
// (functions/verify, through boot.TuneGC). A verification allocates
// several times its live heap (AWS responses decoded, a report of
// thousands of checks built) into a heap of a few megabytes, so at the
// default of 100 the collector runs several times per invocation, on the
// fraction of a CPU that a 512 MB Lambda gets; at 400 it runs a quarter as
// often, for a peak heap still far below the function's memory (and a soft
// memory limit guards that). BenchmarkRulesFunctionGC measures the rules
// with it.
const FunctionGCPercent = 400

// DefaultConfig returns the thresholds of the appliance requirements. Each
// call returns fresh slices, so a caller may modify its copy freely.
func DefaultConfig() Config {
	return Config{
		MinVCPU:              2,
		RecommendedVCPU:      4,
		MinMemoryGiB:         8,
		RecommendedMemoryGiB: 16,
		NetworkInterfaces:    1,

		DevNodes:  1,
		ProdNodes: 3,

		DevDriveSizesGB:   []int{40, 50, 50, 50},
		ProdDriveSizesGB:  []int{40, 100, 100},
		ProdBackupDriveGB: 100,

		ClusterPorts: []PortRange{
			{Protocol: "tcp", From: 27017, To: 27017, Use: "database", Required: true},
			{Protocol: "tcp", From: 7777, To: 7777, Use: "control", Required: true},
			{Protocol: "tcp", From: 9001, To: 9001, Use: "rate limiting (required if rate limiting is used)"},
			{Protocol: "tcp", From: 8721, To: 8721, Use: "webtask logging", Required: true},
			{Protocol: "tcp", From: 8701, To: 8701, Use: "webtask control", Required: true},
			{Protocol: "tcp", From: 9200, To: 9200, Use: "Elasticsearch", Required: true},
			{Protocol: "tcp", From: 9300, To: 9400, Use: "Elasticsearch", Required: true},
			{Protocol: "tcp", From: 3000, To: 3000, Use: "Grafana instrumentation"},
			{Protocol: "tcp", From: 22, To: 22, Use: "maintenance"},
			{Protocol: "icmp", From: -1, To: -1, Use: "health check"},
		},
		LoadBalancerPorts: []PortRange{
			{Protocol: "tcp", From: 80, To: 80, Use: "all traffic", Required: true},
			{Protocol: "tcp", From: 443, To: 443, Use: "all traffic (or 4443)", Required: true},
		},
		OutboundHosts: []string{
			"apt-mirror.it.auth0.com",
			"docker.it.auth0.com",
			"cdn.auth0.com",
			"app-gateway.it.auth0.com",
		},
		MaintenancePort: 22,
		HealthCheckPath: "/testall",

		MinHostLabelLength: 3,
		MinNameParts:       3,
		MaxNameParts:       4,
		ReservedTenantNames: []string{
			"login", "admin", "app", "manage", "blog", "ftp", "mail", "pop",
			"pop3", "imap", "smtp", "stage", "stats", "status", "dev", "logs",
			"www", "docs", "sdk", "ci", "docker", "styleguide", "ask", "it",
			"cdn", "api", "releases", "release", "spf", "feedback", "help",
			"support", "int",
		},

		MinRSAKeyBits: 2048,
		CertFailDays:  30,
		CertWarnDays:  60,
	}
}

// Validate reports thresholds that would make the rules meaningless, such as
// a zero node count left by a partially filled configuration.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	positive("minVcpu", c.MinVCPU)
	positive("minMemoryGiB", c.MinMemoryGiB)
	positive("networkInterfaces", c.NetworkInterfaces)
	positive("devNodes", c.DevNodes)
	positive("prodNodes", c.ProdNodes)
	positive("minHostLabelLength", c.MinHostLabelLength)
	positive("minRsaKeyBits", c.MinRSAKeyBits)
	if c.RecommendedVCPU < c.MinVCPU {
		errs = append(errs, fmt.Errorf("recommendedVcpu %d is below minVcpu %d", c.RecommendedVCPU, c.MinVCPU))
	}
	if c.RecommendedMemoryGiB < c.MinMemoryGiB {
		errs = append(errs, fmt.Errorf("recommendedMemoryGiB %d is below minMemoryGiB %d", c.RecommendedMemoryGiB, c.MinMemoryGiB))
	}
	if c.MinNameParts < 2 || c.MaxNameParts < c.MinNameParts {
		errs = append(errs, fmt.Errorf("name parts must satisfy 2 <= minNameParts (%d) <= maxNameParts (%d)", c.MinNameParts, c.MaxNameParts))
	}
	if c.CertFailDays < 0 || c.CertWarnDays < c.CertFailDays {
		errs = append(errs, fmt.Errorf("certificate days must satisfy 0 <= certFailDays (%d) <= certWarnDays (%d)", c.CertFailDays, c.CertWarnDays))
	}
	if len(c.DevDriveSizesGB) == 0 || len(c.ProdDriveSizesGB) == 0 {
		errs = append(errs, errors.New("devDriveSizesGB and prodDriveSizesGB must list the drives"))
	}
	for _, v := range append(append([]int{c.ProdBackupDriveGB}, c.DevDriveSizesGB...), c.ProdDriveSizesGB...) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("drive sizes must be positive, got %d", v))
			break
		}
	}
	if c.MaintenancePort < 1 || c.MaintenancePort > 65535 {
		errs = append(errs, fmt.Errorf("maintenancePort %d is not a port", c.MaintenancePort))
	}
	if !strings.HasPrefix(c.HealthCheckPath, "/") {
		errs = append(errs, fmt.Errorf("healthCheckPath %q must start with /", c.HealthCheckPath))
	}
	for i, p := range c.ClusterPorts {
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("clusterPorts[%d]: %w", i, err))
		}
	}
	for i, p := range c.LoadBalancerPorts {
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("loadBalancerPorts[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

func (p PortRange) validate() error {
	switch p.Protocol {
	case "icmp":
		return nil
	case "tcp", "udp":
		if p.From < 1 || p.To > 65535 || p.From > p.To {
			return fmt.Errorf("bad %s range %d-%d", p.Protocol, p.From, p.To)
		}
		return nil
	}
	return fmt.Errorf("unknown protocol %q", p.Protocol)
}
