package verify

import (
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"

	"github.com/psaas/appliance-intake/pkg/checklist"
	inventory "github.com/psaas/appliance-intake/pkg/inventory/model"
)

// acmCertificate is the declared ACM certificate as the inventory found it.
type acmCertificate struct {
	// cert is nil when ACM has no certificate of the declared ARN in the
	// environment's account and region (or it could not be read).
	cert *inventory.Certificate
	// chain is the parsed certificate and chain from acm:GetCertificate,
	// leaf first; nil when it was not read or cannot be parsed (chainErr).
	chain    []*x509.Certificate
	chainErr error
}

func newACMCertificate(inv *inventory.Inventory, arn string) *acmCertificate {
	a := &acmCertificate{}
	if c := inv.Certificate; c != nil && (c.Arn == "" || strings.EqualFold(strings.TrimSpace(c.Arn), arn)) {
		a.cert = c
	}
	if a.cert != nil && strings.TrimSpace(a.cert.Chain) != "" {
		chain, err := checklist.ParseCertificates(a.cert.Chain)
		switch {
		case err != nil:
			a.chainErr = err
		case len(chain) == 0:
			a.chainErr = fmt.Errorf("holds no certificate")
		default:
			a.chain = chain
		}
	}
	return a
}

// status is the certificate's ACM status, upper case.
func (a *acmCertificate) status() string {
	if a.cert == nil {
		return ""
	}
	return strings.ToUpper(strings.TrimSpace(a.cert.Status))
}

// usable reports whether ACM holds an issued certificate whose content the
// TLS-* rules can judge. An expired one is judged too: TLS-EXPIRY says so.
func (a *acmCertificate) usable() bool {
	if a.cert == nil {
		return false
	}
	switch a.status() {
	case "ISSUED", "EXPIRED", "":
		return true
	}
	return false
}

func (a *acmCertificate) certType() string {
	if a.cert == nil {
		return ""
	}
	return strings.ToUpper(strings.TrimSpace(a.cert.Type))
}

var tlsACMRule = Rule{
	ID:          "TLS-ACM",
	Requirement: reqOwnCert,
	Severity:    SeverityRequired,
	Eval: func(in *Input) []Check {
		src := in.certificate(in.Env)
		switch {
		case src == nil:
			return []Check{notDeclared(in.Env)}
		case src.kind == certNone:
			return []Check{skip("Not checked: no certificate is declared (see TLS-PARSE).")}
		case src.kind == certPEM:
			return []Check{skip("Not checked: the checklist gives the certificate as a PEM chain (see TLS-PARSE).")}
		case in.Inventory == nil:
			return []Check{withResources(noInventory(), src.acmArn)}
		}
		a := &awsInput{Input: in, inv: in.Inventory, env: in.Environment()}
		arn := src.acmArn
		if c, failed := sourceError(in.Inventory, a.env, inventory.SrcCertificate); failed {
			c.Resources = append([]string{arn}, c.Resources...)
			return []Check{c}
		}
		acm := src.acm
		if acm.cert == nil {
			return []Check{fail(fmt.Sprintf("The ACM certificate %s does not exist in %s.", arn, a.where()),
				fmt.Sprintf("Check acmArn in the checklist: declare a certificate in ACM of the environment's own %s, or give its PEM chain instead.", a.where()),
				arn)}
		}
		domain := cmpOrDefault(acm.cert.DomainName, "no domain name")
		switch st := acm.status(); st {
		case "ISSUED", "EXPIRED", "":
		case "PENDING_VALIDATION":
			return []Check{fail(fmt.Sprintf("The ACM certificate %s (%s) is still pending validation: ACM has not issued it.", arn, domain),
				"Complete the certificate's DNS validation in ACM (create the CNAME records it lists), then run the verification again.", arn)}
		default:
			return []Check{fail(fmt.Sprintf("The ACM certificate %s (%s) is %s: it cannot serve the appliance.", arn, domain, strings.ToLower(strings.ReplaceAll(st, "_", " "))),
				"Request or import a new certificate from a public CA in ACM and declare its ARN.", arn)}
		}
		if acm.certType() == "PRIVATE" {
			c := fail(fmt.Sprintf("The ACM certificate %s (%s) is issued by a private CA (AWS Private CA); the appliance needs a certificate from a public CA that browsers trust.", arn, domain),
				"Request a public certificate in ACM (or import one from a public CA) and declare its ARN.", arn)
			c.Requirement = reqPublicCA
			return []Check{c}
		}
		what := strings.ToLower(strings.ReplaceAll(cmpOrDefault(acm.certType(), "of an unreported type"), "_", " "))
		status := "issued"
		if st := acm.status(); st == "EXPIRED" {
			status = "issued (expired: see TLS-EXPIRY)"
		} else if st == "" {
			status = "present (ACM reports no status)"
		}
		return []Check{pass(fmt.Sprintf("The ACM certificate %s (%s, %s) is %s.", arn, domain, what, status), arn)}
	},
}

// acmChainChecks runs one certificate rule over the ACM certificate: over
// its chain when acm:GetCertificate returned one, as for a PEM chain, else
// over ACM's summary. Resources start with the certificate's ARN.
func acmChainChecks(in *Input, src *certSource, cc chainCheck) []Check {
	acm := src.acm
	env := in.Environment()
	var checks []Check
	switch {
	case acm.cert == nil:
		if c, failed := sourceError(in.Inventory, env, inventory.SrcCertificate); failed {
			checks = []Check{c}
		} else {
			checks = []Check{skip("Not checked: the ACM certificate does not exist here (see TLS-ACM).")}
		}
	case !acm.usable() || acm.certType() == "PRIVATE" && (cc.ID == tlsSelfSigned.ID || cc.ID == tlsChain.ID):
		checks = []Check{skip("Not checked: ACM holds no usable public certificate of this ARN (see TLS-ACM).")}
	case len(src.chain) > 0:
		checks = cc.eval(src.chain, env.Hostnames.All(), in.Now, in.Config)
	default:
		checks = acmSummaryChecks(in, acm, cc.ID, env.Hostnames.All())
	}
	for i := range checks {
		checks[i].Resources = nonEmpty(append([]string{src.acmArn}, checks[i].Resources...)...)
	}
	return checks
}

// acmSummaryChecks judges what ACM's DescribeCertificate says when the
// certificate body is not available.
func acmSummaryChecks(in *Input, acm *acmCertificate, id string, hosts []string) []Check {
	c := acm.cert
	name := cmpOrDefault(c.DomainName, c.Arn)
	amazon := acm.certType() == "AMAZON_ISSUED"
	switch id {
	case tlsSelfSigned.ID:
		if amazon {
			return []Check{pass(fmt.Sprintf("The certificate %s is issued by Amazon's public CA through ACM, not self-signed.", name), name)}
		}
		return []Check{acmBodyMissing(in, acm, name)}
	case tlsChain.ID:
		if amazon {
			return []Check{pass(fmt.Sprintf("ACM serves the certificate %s with Amazon's complete chain.", name), name)}
		}
		return []Check{acmBodyMissing(in, acm, name)}
	case tlsKey.ID:
		alg := strings.ToUpper(strings.TrimSpace(c.KeyAlgorithm))
		remedy := fmt.Sprintf("Have the certificate reissued for an RSA key of at least %d bits.", in.Config.MinRSAKeyBits)
		switch {
		case strings.HasPrefix(alg, "RSA"):
			bits, err := strconv.Atoi(strings.TrimLeft(strings.TrimPrefix(alg, "RSA"), "_-"))
			if err != nil {
				return []Check{acmBodyMissing(in, acm, name)}
			}
			if bits < in.Config.MinRSAKeyBits {
				return []Check{fail(fmt.Sprintf("The certificate %s has a %d-bit RSA key; at least %d bits are required.", name, bits, in.Config.MinRSAKeyBits), remedy, name)}
			}
			return []Check{pass(fmt.Sprintf("The certificate %s has a %d-bit RSA key.", name, bits), name)}
		case alg == "":
			return []Check{acmBodyMissing(in, acm, name)}
		}
		return []Check{fail(fmt.Sprintf("The certificate %s has an %s key; the appliance needs an RSA key.", name, alg), remedy, name)}
	case tlsNames.ID:
		return namesCheck(nonEmpty(append([]string{c.DomainName}, c.SANs...)...), hosts, name)
	case tlsExpiry.ID:
		if c.NotAfter.IsZero() {
			return []Check{acmBodyMissing(in, acm, name)}
		}
		if check, bad := expiryCheck(name, c.NotBefore, c.NotAfter, in.Now, in.Config); bad {
			return []Check{check}
		}
		return []Check{pass(fmt.Sprintf("The certificate %s is valid until %s (%s).", name, day(c.NotAfter), days(c.NotAfter.Sub(in.Now))), name)}
	}
	return []Check{internalError("no ACM check is defined for " + id)}
}

// acmBodyMissing is the error of a check that needs the certificate body
// ACM did not give.
func acmBodyMissing(in *Input, acm *acmCertificate, name string) Check {
	if c, failed := sourceError(in.Inventory, in.Environment(), inventory.SrcCertChain); failed {
		return withResources(c, name)
	}
	why := "ACM returned no certificate body for it"
	if acm.chainErr != nil {
		why = fmt.Sprintf("the chain ACM returned %v", acm.chainErr)
	}
	return Check{
		Status:      StatusError,
		Message:     fmt.Sprintf("The certificate %s cannot be checked: %s. This requirement is not verified.", name, why),
		Remediation: "Run the verification again; if the error persists, give the certificate's PEM chain in the checklist instead of its ACM ARN.",
		Resources:   []string{name},
	}
}
