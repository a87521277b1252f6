package checklist

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// How FuzzParseCertificates places a real private key into the fuzzed text.
const (
	keyNone         = iota // the text alone
	keyPEM                 // the key's PEM block as exported
	keyAsCert              // the key's DER relabelled CERTIFICATE
	keyBodyOnly            // the key's base64 lines, without BEGIN/END
	keyInHeader            // a certificate block with the key in a "Comment:" header
	keyAsLabel             // the key's base64 as the label of a block
	keyInCertURI           // a certificate whose URI name holds key text
	keyForms               // number of forms
	keyBodyChunk    = 12   // the run of key text no message may echo
	maxMessageBytes = 600
)

// fuzzKey is one real private key and the ways it is pasted.
type fuzzKey struct {
	pem   string   // -----BEGIN … PRIVATE KEY----- block
	der   []byte   // the key itself
	lines []string // the base64 lines of pem: the secret text
	forms [keyForms]string
}

// newFuzzKeys makes fresh keys (never committed) in every flavour, and a
// certificate whose SAN URI carries key text, for each.
func newFuzzKeys(tb testing.TB) []fuzzKey {
	tb.Helper()
	chain := validDoc(tb).Environments.Dev.Certificate.PEM
	leaf := strings.SplitAfter(chain, "-----END CERTIFICATE-----\n")[0]
	var keys []fuzzKey
	for _, kind := range []string{"pkcs8", "ec", "encrypted", "openssh"} {
		text := privateKeyPEMs(tb)[kind]
		block, _ := pem.Decode([]byte(text))
		k := fuzzKey{pem: text, der: block.Bytes, lines: keyLines(text)}
		body := strings.Join(k.lines, "\n") + "\n"
		k.forms[keyPEM] = text
		k.forms[keyAsCert] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}))
		k.forms[keyBodyOnly] = body
		k.forms[keyInHeader] = strings.Replace(leaf, "-----\n", "-----\nComment: "+k.lines[0]+"\n\n", 1)
		k.forms[keyAsLabel] = "-----BEGIN " + k.lines[0] + "-----\n" + body + "-----END " + k.lines[0] + "-----\n"
		k.forms[keyInCertURI] = certWithURI(tb, "https://"+k.lines[0]+"%zz")
		keys = append(keys, k)
	}
	return keys
}

// certWithURI returns a PEM certificate whose subject alternative name is
// the URI uri, verbatim, even if it does not parse.
func certWithURI(tb testing.TB, uri string) string {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	san, err := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(uri)}})
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(1),
		Subject:         pkix.Name{CommonName: "uri.example.com"},
		NotBefore:       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:        time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// containsPrivateKey is the oracle: does any PEM block of text, or any of
// its headers, decode as a private key? It is independent of
// ParseCertificates' own (label-based) test.
func containsPrivateKey(text string) bool {
	rest := []byte(text)
	for {
		block, next := pem.Decode(rest)
		if block == nil {
			return false
		}
		rest = next
		if isPrivateKeyDER(block.Bytes) {
			return true
		}
		for _, v := range block.Headers {
			if der, err := decodeBase64(v); err == nil && isPrivateKeyDER(der) {
				return true
			}
		}
	}
}

func isPrivateKeyDER(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return true
	}
	_, err := x509.ParsePKCS1PrivateKey(der)
	return err == nil
}

func decodeBase64(s string) ([]byte, error) {
	var out []byte
	err := json.Unmarshal([]byte(`"`+strings.TrimSpace(s)+`"`), &out) // std base64, padded
	return out, err
}

// FuzzParseCertificates: ParseCertificates never panics; it never accepts
// a PEM holding a private key, in whatever form one is pasted; it accepts
// only CERTIFICATE blocks without headers or stray text, all of them
// parsed; and its error messages are short, UTF-8, and never echo the key.
//
// The fuzzed text is used alone or with a freshly generated key inserted
// at a fuzzed position (see the key* forms).
func FuzzParseCertificates(f *testing.F) {
	keys := newFuzzKeys(f)
	doc := validDoc(f)
	chains := []string{doc.Environments.Dev.Certificate.PEM, doc.Environments.Prod.Certificate.PEM,
		string(readFile(f, filepath.Join("testdata", "root-ca.pem")))}
	for _, c := range chains {
		f.Add(c, uint8(keyNone), uint16(0))
		f.Add(strings.ReplaceAll(c, "\n", "\r\n"), uint8(keyNone), uint16(0))
	}
	for _, s := range []string{"", "hello", "-----BEGIN CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\n!!!\n",
		"-----BEGIN CERTIFICATE-----\nA: b\n\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n!!!\n" + chains[0]} {
		f.Add(s, uint8(keyNone), uint16(0))
	}
	for form := uint8(keyPEM); form < keyForms; form++ {
		f.Add(chains[0], form*uint8(len(keys)), uint16(0))
		f.Add(chains[0], form*uint8(len(keys))+1, uint16(len(chains[0])))
	}
	var sample Document
	if err := json.Unmarshal(readFile(f, filepath.Join(eventsDir, "invalid", "private-key-in-pem.json")), &sample); err != nil {
		f.Fatal(err)
	}
	f.Add(sample.Environments.Dev.Certificate.PEM, uint8(keyNone), uint16(0))

	f.Fuzz(func(t *testing.T, text string, mode uint8, at uint16) {
		key := keys[int(mode)%len(keys)]
		form := int(mode) / len(keys) % keyForms
		if form != keyNone {
			i := int(at) % (len(text) + 1)
			text = text[:i] + key.forms[form] + text[i:]
		}

		certs, err := ParseCertificates(text)
		if err == nil {
			if len(certs) == 0 {
				t.Fatal("no certificates and no error")
			}
			if form != keyNone || containsPrivateKey(text) || strings.Contains(text, privateKeyMarker) {
				t.Fatalf("accepted a PEM holding a private key (form %d)", form)
			}
			checkAccepted(t, text, len(certs))
			return
		}
		if certs != nil {
			t.Fatalf("certificates and an error: %v", err)
		}
		msg := err.Error()
		if msg == "" || len(msg) > maxMessageBytes || !utf8.ValidString(msg) {
			t.Fatalf("bad message (%d bytes): %q", len(msg), msg)
		}
		if len(text) <= MaxPEMBytes && strings.Contains(text, privateKeyMarker) != errors.Is(err, ErrPrivateKey) {
			t.Fatalf("text has %q: %v; error is ErrPrivateKey: %v (%v)", privateKeyMarker,
				strings.Contains(text, privateKeyMarker), errors.Is(err, ErrPrivateKey), err)
		}
		if form != keyNone {
			for _, line := range key.lines {
				for i := 0; i+keyBodyChunk <= len(line); i += 4 {
					if strings.Contains(msg, line[i:i+keyBodyChunk]) {
						t.Fatalf("message echoes key material %q: %s", line[i:i+keyBodyChunk], msg)
					}
				}
			}
			if bytes.Contains([]byte(msg), key.der[len(key.der)-16:]) {
				t.Fatalf("message echoes raw key bytes: %q", msg)
			}
		}
	})
}

// checkAccepted verifies an accepted text independently: nothing but
// whitespace outside the blocks, every block a header-less CERTIFICATE
// that crypto/x509 parses, one certificate per block.
func checkAccepted(t *testing.T, text string, n int) {
	t.Helper()
	rest := []byte(text)
	blocks := 0
	for {
		block, next := pem.Decode(rest)
		if block == nil {
			break
		}
		before := rest[:bytes.Index(rest, []byte("-----BEGIN"))]
		if len(bytes.TrimSpace(before)) > 0 {
			t.Fatalf("accepted stray text %q before block %d", before, blocks+1)
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) > 0 {
			t.Fatalf("accepted a %q block with headers %v", block.Type, block.Headers)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			t.Fatalf("accepted block %d that does not parse: %v", blocks+1, err)
		}
		blocks++
		rest = next
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		t.Fatalf("accepted trailing text %q", rest)
	}
	if blocks != n {
		t.Fatalf("%d certificates from %d blocks", n, blocks)
	}
	// pem.Decode skips a damaged block that precedes a good one.
	if begins := strings.Count(text, "-----BEGIN"); begins != blocks {
		t.Fatalf("accepted %d blocks of %d -----BEGIN lines: a damaged block was skipped", blocks, begins)
	}
}

// TestX509ReasonQuotesNothing: crypto/x509 errors lose what they quote,
// and keep their plain words.
func TestX509ReasonQuotesNothing(t *testing.T) {
	for in, want := range map[string]string{
		`x509: cannot parse URI "https://MIIEvQIBADAN%zz": invalid URL escape "%zz"`: "cannot parse URI",
		"x509: inner and outer signature algorithm identifiers don't match":          "inner and outer signature algorithm identifiers don't match",
		"x509: IP constraint contained invalid mask 0a0b0c0dffff":                    "IP constraint contained invalid mask …",
		"x509: malformed tbs certificate":                                            "malformed tbs certificate",
		`x509: "`:                                                                    "malformed",
	} {
		if got := x509Reason(errors.New(in)); got != want {
			t.Errorf("x509Reason(%q) = %q, want %q", in, got, want)
		}
	}
}
