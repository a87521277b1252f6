package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/psaas/appliance-intake/pkg/checklist"
)

// certRuleIDs are the rules that read the environment's certificate.
var certRuleIDs = []string{"TLS-PARSE", "TLS-SELF-SIGNED", "TLS-CHAIN", "TLS-KEY", "TLS-NAMES", "TLS-EXPIRY", "TLS-DISTINCT"}

// FuzzStaticCertificate: the static verification of a checklist whose DEV
// certificate PEM is fuzzed never panics (a rule that does becomes an
// "error" check, which fails this test), gives each certificate rule one
// verdict, passes TLS-PARSE exactly when the chain parses, fails it for
// any private key and never repeats the key, and skips the chain rules
// when the PEM cannot be read. The PEM is built from two fuzzed DER
// certificates (x509 does not check signatures while parsing, so mutated
// certificates reach the rules) followed by fuzzed text, optionally with
// a real private key appended.
func FuzzStaticCertificate(f *testing.F) {
	p := pkiOnce()
	base := testDoc(f)
	dev := base.Environments.Dev
	chain := goodChain(f, dev.Hostnames.All()...)
	ecLeaf := mustCreate(leafTemplate("manage-acme-dev.example.com", dev.Hostnames.All()...), p.inter, &p.ecKey.PublicKey, p.interKey)
	weak := mustCreate(leafTemplate("manage-acme-dev.example.com", dev.Hostnames.All()...), p.inter, &p.weakKey.PublicKey, p.interKey)
	wild := issued(f, leafTemplate("*.example.com", "*.example.com"))
	expired := leafTemplate("manage-acme-dev.example.com", dev.Hostnames.All()...)
	expired.NotAfter = testNow.Add(-day24)
	for _, c := range [][2]*x509.Certificate{
		{chain[0], chain[1]}, {chain[1], chain[0]}, {ecLeaf, p.inter}, {weak, p.inter}, {wild, p.inter},
		{issued(f, expired), p.inter}, {selfSignedLeaf(f, dev.Hostnames.All()...), nil}, {chain[0], p.otherInter},
	} {
		inter := []byte(nil)
		if c[1] != nil {
			inter = c[1].Raw
		}
		f.Add(c[0].Raw, inter, "", false)
	}
	f.Add([]byte(nil), []byte(nil), "", false)
	f.Add([]byte(nil), []byte(nil), "hello", false)
	f.Add(chain[0].Raw, chain[1].Raw, "-----BEGIN CERTIFICATE-----\n!!!\n", false)
	f.Add(chain[0].Raw, chain[1].Raw, "", true)
	f.Add([]byte("junk"), []byte(nil), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", false)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		f.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	var keyText []string
	for _, l := range strings.Split(keyPEM, "\n") {
		if len(l) >= 12 && !strings.HasPrefix(l, "-----") {
			keyText = append(keyText, l)
		}
	}

	f.Fuzz(func(t *testing.T, leafDER, interDER []byte, extra string, withKey bool) {
		var b strings.Builder
		for _, der := range [][]byte{leafDER, interDER} {
			if len(der) > 0 {
				_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
			}
		}
		b.WriteString(extra)
		if withKey {
			b.WriteString(keyPEM)
		}
		text := b.String()

		doc := *base
		d := *dev
		d.Certificate = checklist.Certificate{PEM: text}
		doc.Environments.Dev = &d
		r := Static(&doc, "dev", testNow, DefaultConfig())

		for _, c := range r.Checks {
			switch c.Status {
			case StatusPass, StatusFail, StatusWarn, StatusSkip:
			default:
				t.Fatalf("%s: %s: %s", c.ID, c.Status, c.Message)
			}
			if c.ID == "" || c.Message == "" || ((c.Status == StatusFail || c.Status == StatusWarn) && c.Remediation == "") {
				t.Fatalf("incomplete check %+v", c)
			}
			all := c.Message + "\n" + c.Remediation + "\n" + strings.Join(c.Resources, "\n")
			if !utf8.ValidString(all) {
				t.Fatalf("%s: not UTF-8: %q", c.ID, all)
			}
			for _, line := range keyText {
				for i := 0; withKey && i+12 <= len(line); i += 4 {
					if strings.Contains(all, line[i:i+12]) {
						t.Fatalf("%s repeats the private key: %s", c.ID, all)
					}
				}
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}

		verdicts := map[string][]Check{}
		for _, id := range certRuleIDs {
			verdicts[id] = checksOf(r, id)
			if len(verdicts[id]) == 0 {
				t.Fatalf("no %s check", id)
			}
		}
		parse := verdicts["TLS-PARSE"]
		if len(parse) != 1 {
			t.Fatalf("%d TLS-PARSE checks", len(parse))
		}
		certs, perr := checklist.ParseCertificates(text)
		readable := perr == nil && strings.Count(text, "-----BEGIN") == len(certs)
		if strings.TrimSpace(text) == "" {
			readable = false // no certificate declared
		}
		if (parse[0].Status == StatusPass) != readable {
			t.Fatalf("TLS-PARSE %s for a PEM that parses: %v (%v)", parse[0].Status, readable, perr)
		}
		if (withKey || errors.Is(perr, checklist.ErrPrivateKey)) && !strings.Contains(parse[0].Message, "Never share a private key") {
			t.Fatalf("private key: TLS-PARSE says %s: %s", parse[0].Status, parse[0].Message)
		}
		if !readable {
			for _, id := range certRuleIDs[1:6] {
				if c := verdicts[id]; len(c) != 1 || c[0].Status != StatusSkip {
					t.Fatalf("%s on an unreadable PEM: %+v", id, c)
				}
			}
		}
	})
}
