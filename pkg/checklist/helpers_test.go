package checklist

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const eventsDir = "../../events"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// validDoc returns a fresh copy of events/checklist.json (PEM for both
// environments), so each test can mutate it freely.
func validDoc(t testing.TB) *Document {
	t.Helper()
	return parseValid(t, filepath.Join(eventsDir, "checklist.json"))
}

func parseValid(t testing.TB, path string) *Document {
	t.Helper()
	doc, errs := Parse(readFile(t, path))
	if len(errs) > 0 {
		t.Fatalf("%s: unexpected errors: %v", path, errs)
	}
	return doc
}

func fieldsOf(errs []FieldError) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// messageFor returns the messages reported for field, joined.
func messageFor(errs []FieldError, field string) (string, bool) {
	var msgs []string
	for _, e := range errs {
		if e.Field == field {
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, " | "), len(msgs) > 0
}

func isSorted(errs []FieldError) bool {
	return slices.IsSortedFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
}

// selfSigned returns a throwaway ECDSA certificate for names, as PEM. The
// tests only need distinct, parseable certificates; ECDSA keeps them fast.
func selfSigned(t testing.TB, names ...string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// privateKeyPEMs returns real private keys in every PEM flavour a customer
// might paste, generated per run so no key is ever committed.
func privateKeyPEMs(t testing.TB) map[string]string {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, b []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})) }
	return map[string]string{
		"pkcs8":     enc("PRIVATE KEY", pkcs8),
		"ec":        enc("EC PRIVATE KEY", ecDER),
		"rsa-label": enc("RSA PRIVATE KEY", pkcs8), // the label alone must trigger the refusal
		"encrypted": enc("ENCRYPTED PRIVATE KEY", pkcs8),
		"openssh":   enc("OPENSSH PRIVATE KEY", pkcs8),
	}
}

// keyLines returns the base64 body lines of a PEM text: the secret part.
func keyLines(pemText string) []string {
	var out []string
	for _, l := range strings.Split(pemText, "\n") {
		if l = strings.TrimSpace(l); len(l) >= 12 && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}
