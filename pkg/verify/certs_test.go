package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// testNow is the fixed clock of every test, so expiry cases do not drift.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const day24 = 24 * time.Hour

// testPKI is a root CA, an intermediate CA it signed, and the keys leaves
// use. RSA keys are slow to generate, so they are made once per test binary.
type testPKI struct {
	rootKey, interKey, leafKey, weakKey *rsa.PrivateKey
	ecKey                               *ecdsa.PrivateKey
	root, inter                         *x509.Certificate
	// otherInter is an intermediate of an unrelated CA, for broken chains.
	otherInter *x509.Certificate
}

var pkiOnce = sync.OnceValue(func() *testPKI {
	p := &testPKI{
		rootKey:  mustRSA(2048),
		interKey: mustRSA(2048),
		leafKey:  mustRSA(2048),
		weakKey:  mustRSA(1024),
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	p.ecKey = ec
	p.root = mustCreate(caTemplate("Test Root CA"), nil, &p.rootKey.PublicKey, p.rootKey)
	p.inter = mustCreate(caTemplate("Test Intermediate CA"), p.root, &p.interKey.PublicKey, p.rootKey)
	otherRoot := mustCreate(caTemplate("Other Root CA"), nil, &p.leafKey.PublicKey, p.leafKey)
	p.otherInter = mustCreate(caTemplate("Other Intermediate CA"), otherRoot, &p.leafKey.PublicKey, p.leafKey)
	return p
})

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

var serial atomic.Int64

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Test"}},
		NotBefore:             testNow.Add(-365 * day24),
		NotAfter:              testNow.Add(5 * 365 * day24),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

// leafTemplate is a server certificate valid from a month ago for a year.
func leafTemplate(cn string, sans ...string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     sans,
		NotBefore:    testNow.Add(-30 * day24),
		NotAfter:     testNow.Add(365 * day24),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// mustCreate signs tmpl with signer as parent; a nil parent self-signs.
func mustCreate(tmpl, parent *x509.Certificate, pub any, signer crypto.Signer) *x509.Certificate {
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// issued returns a leaf issued by the test intermediate.
func issued(t testing.TB, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	p := pkiOnce()
	return mustCreate(tmpl, p.inter, &p.leafKey.PublicKey, p.interKey)
}

// goodChain is leaf → intermediate for the given names.
func goodChain(t testing.TB, sans ...string) []*x509.Certificate {
	t.Helper()
	return []*x509.Certificate{issued(t, leafTemplate(sans[0], sans...)), pkiOnce().inter}
}

func selfSignedLeaf(t testing.TB, sans ...string) *x509.Certificate {
	t.Helper()
	p := pkiOnce()
	return mustCreate(leafTemplate(sans[0], sans...), nil, &p.leafKey.PublicKey, p.leafKey)
}

func pemOf(certs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range certs {
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}); err != nil {
			panic(err)
		}
	}
	return b.String()
}

var (
	devHosts = checklist.Hostnames{
		Manage:  "manage-acme-dev.example.com",
		Rta:     "rta-acme-dev.example.com",
		Webtask: "webtask-dev.example.com",
		Apps:    []string{"app1-acme-dev.example.com"},
	}
	prodHosts = checklist.Hostnames{
		Manage:  "manage-acme.example.com",
		Rta:     "rta-acme.example.com",
		Webtask: "webtask.example.com",
		Apps:    []string{"app1-acme.example.com", "shop-acme.example.com"},
	}
)

// testDoc is a checklist that passes every static rule: each environment
// has its own VPC, names and SAN certificate issued through an intermediate.
func testDoc(t testing.TB) *checklist.Document {
	t.Helper()
	return &checklist.Document{
		Customer: checklist.Customer{Name: "Acme"},
		Environments: checklist.Environments{
			Dev: &checklist.Environment{
				AccountID:   "111111111111",
				Region:      "eu-west-1",
				VpcID:       "vpc-dev",
				InstanceIDs: []string{"i-dev1"},
				Hostnames:   cloneHosts(devHosts),
				Certificate: checklist.Certificate{PEM: pemOf(goodChain(t, devHosts.All()...)...)},
			},
			Prod: &checklist.Environment{
				AccountID:   "222222222222",
				Region:      "eu-west-1",
				VpcID:       "vpc-prod",
				InstanceIDs: []string{"i-prod1", "i-prod2", "i-prod3"},
				Hostnames:   cloneHosts(prodHosts),
				Certificate: checklist.Certificate{PEM: pemOf(goodChain(t, prodHosts.All()...)...)},
			},
		},
	}
}

func cloneHosts(h checklist.Hostnames) checklist.Hostnames {
	h.Apps = append([]string(nil), h.Apps...)
	return h
}
