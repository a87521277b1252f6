package checklist

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestEventCertificates proves the sample PKI is what the samples claim:
// leaf + intermediate chains that verify against testdata/root-ca.pem and
// cover every hostname of their environment.
func TestEventCertificates(t *testing.T) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(readFile(t, filepath.Join("testdata", "root-ca.pem"))) {
		t.Fatal("testdata/root-ca.pem holds no certificate")
	}
	doc := validDoc(t)
	for _, name := range []string{EnvDev, EnvProd} {
		t.Run(name, func(t *testing.T) {
			env := doc.Env(name)
			certs, err := ParseCertificates(env.Certificate.PEM)
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != 2 {
				t.Fatalf("chain has %d certificates, want leaf + intermediate", len(certs))
			}
			inter := x509.NewCertPool()
			inter.AddCert(certs[1])
			for _, host := range env.Hostnames.All() {
				_, err := certs[0].Verify(x509.VerifyOptions{
					DNSName: host, Roots: roots, Intermediates: inter,
					CurrentTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
				})
				if err != nil {
					t.Errorf("%s: %v", host, err)
				}
			}
		})
	}
}

func TestParseCertificates(t *testing.T) {
	chain := validDoc(t).Environments.Dev.Certificate.PEM
	leaf := strings.SplitAfter(chain, "-----END CERTIFICATE-----\n")[0]
	tests := []struct {
		name  string
		pem   string
		certs int
		want  string // error substring; "" means success
	}{
		{"chain", chain, 2, ""},
		{"leaf only", leaf, 1, ""},
		{"surrounding blank lines", "\n\n" + chain + "\n\n", 2, ""},
		{"empty", "", 0, "no CERTIFICATE block"},
		{"not PEM", "hello", 0, "is not PEM"},
		{"text before a block", "Subject: acme\n" + chain, 0, "text before PEM block 1"},
		{"text between blocks", leaf + "issuer: x\n" + leaf, 0, "text before PEM block 2"},
		{"unterminated last block", chain + "-----BEGIN CERTIFICATE-----\nAAAA\n", 0, "text after PEM block 2"},
		{"corrupt second certificate", leaf + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 0, "PEM block 2 is not a valid X.509 certificate"},
		{"public key block", leaf + "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 0, `PEM block 2 is a "PUBLIC KEY" block`},
		{"too large", strings.Repeat(" ", MaxPEMBytes+1), 0, "at most 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParseCertificates(tt.pem)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if len(certs) != tt.certs {
				t.Errorf("got %d certificates, want %d", len(certs), tt.certs)
			}
		})
	}
}

func TestParseCertificatesRefusesPrivateKeys(t *testing.T) {
	chain := validDoc(t).Environments.Dev.Certificate.PEM
	for kind, key := range privateKeyPEMs(t) {
		placements := map[string]string{
			"alone":              key,
			"after the chain":    chain + key,
			"before the chain":   key + chain,
			"damaged":            strings.SplitAfter(key, "\n")[0] + strings.SplitAfter(key, "\n")[1],
			"header only, no nl": strings.TrimSpace(strings.SplitAfter(key, "\n")[0]),
		}
		for where, text := range placements {
			t.Run(kind+"/"+where, func(t *testing.T) {
				certs, err := ParseCertificates(text)
				if certs != nil || !errors.Is(err, ErrPrivateKey) {
					t.Fatalf("got %d certs, err %v; want ErrPrivateKey", len(certs), err)
				}
				if where == "after the chain" && !strings.Contains(err.Error(), "PEM block 3") {
					t.Errorf("error %q does not name the block", err)
				}
				assertNoKeyMaterial(t, key, err.Error())
			})
		}
	}
}

// TestNoErrorEchoesKeyMaterial pastes real private keys into every string
// field of the document and checks no error (field or message) carries
// any part of the key.
func TestNoErrorEchoesKeyMaterial(t *testing.T) {
	for kind, key := range privateKeyPEMs(t) {
		t.Run(kind, func(t *testing.T) {
			d := validDoc(t)
			d.Environments.Dev.Certificate.PEM += key
			d.Environments.Prod.Certificate = Certificate{PEM: key, AcmArn: key}
			d.Customer.Name = key
			d.Customer.Contacts[0].Email = key
			setAllStrings(reflect.ValueOf(d.Environments.Prod).Elem(), key)
			errs := d.Validate()
			if _, ok := messageFor(errs, "environments.dev.certificate.pem"); !ok {
				t.Fatalf("key in dev pem not reported: %v", errs)
			}
			out, _ := json.Marshal(errs)
			assertNoKeyMaterial(t, key, string(out))

			// Through Parse as well, with the key also used as a JSON key.
			body, _ := json.Marshal(map[string]any{"customer": map[string]any{key: 1}, "environments": d.Environments})
			_, perrs := Parse(body)
			out, _ = json.Marshal(perrs)
			assertNoKeyMaterial(t, key, string(out))
		})
	}
	// The committed sample too.
	body := readFile(t, filepath.Join(eventsDir, "invalid", "private-key-in-pem.json"))
	var doc Document
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	pemText := doc.Environments.Dev.Certificate.PEM
	key := pemText[strings.Index(pemText, "-----BEGIN PRIVATE KEY-----"):]
	_, errs := Parse(body)
	out, _ := json.Marshal(errs)
	assertNoKeyMaterial(t, key, string(out))
}

// setAllStrings sets every string (and string slice element) under v.
func setAllStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			setAllStrings(v.Field(i), s)
		}
	case reflect.Slice:
		for i := range v.Len() {
			setAllStrings(v.Index(i), s)
		}
	}
}

// assertNoKeyMaterial fails if any 12-character run of the key's base64
// body appears in text. (Field names echo at most 40 characters of an
// unknown key, so the header plus a few constant ASN.1 bytes at most.)
func assertNoKeyMaterial(t *testing.T, key, text string) {
	t.Helper()
	for _, line := range keyLines(key) {
		for i := 0; i+12 <= len(line); i += 6 {
			if chunk := line[i : i+12]; strings.Contains(text, chunk) {
				t.Fatalf("key material %q echoed in %s", chunk, text)
			}
		}
	}
}

func TestLeafFingerprint(t *testing.T) {
	a := selfSigned(t, "manage-acme.example.com")
	b := selfSigned(t, "manage-acme.example.com")
	fa, ok := leafFingerprint(a)
	if !ok {
		t.Fatal("no fingerprint")
	}
	if fb, _ := leafFingerprint(b); fa == fb {
		t.Error("distinct certificates share a fingerprint")
	}
	if fa2, _ := leafFingerprint(a + b); fa2 != fa {
		t.Error("fingerprint is not the leaf's")
	}
	if _, ok := leafFingerprint("nope"); ok {
		t.Error("fingerprint of garbage")
	}
}
