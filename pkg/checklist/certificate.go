package checklist

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxPEMBytes bounds certificate.pem. A leaf plus a few intermediates is a
// handful of KiB; the limit keeps parsing cheap on hostile input.
const MaxPEMBytes = 64 << 10

// ErrPrivateKey is matched (errors.Is) by the error ParseCertificates
// returns when the PEM holds a private key. The customer must share only
// the public chain.
var ErrPrivateKey = errors.New("contains a private key")

// privateKeyError locates a private key without quoting it.
type privateKeyError struct {
	block int    // 1-based PEM block number; 0 when no block decoded
	label string // the PEM label, e.g. "RSA PRIVATE KEY"
}

func (e *privateKeyError) Error() string {
	if e.block == 0 {
		return ErrPrivateKey.Error()
	}
	return fmt.Sprintf("PEM block %d is a private key (%s)", e.block, e.label)
}

func (e *privateKeyError) Is(target error) bool { return target == ErrPrivateKey }

// privateKeyMarker matches every PEM private key label ("RSA PRIVATE KEY",
// "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "OPENSSH
// PRIVATE KEY", ...). It is searched in the raw text too, so a key block
// too damaged for pem.Decode is still recognised.
const privateKeyMarker = "PRIVATE KEY"

// ParseCertificates parses a PEM certificate chain (leaf first, then
// intermediates). Every block must be a CERTIFICATE that crypto/x509
// accepts, without headers; errors name the 1-based block number. A
// private key anywhere in the text yields an error wrapping ErrPrivateKey.
// No error message contains any of the input's text (a block's label is
// named only when it is a well-known one, such as "PUBLIC KEY"), so it is
// safe to show and to log.
func ParseCertificates(pemText string) ([]*x509.Certificate, error) {
	if len(pemText) > MaxPEMBytes {
		return nil, fmt.Errorf("is %d bytes; a certificate chain is at most %d bytes (64 KiB)", len(pemText), MaxPEMBytes)
	}
	rest := []byte(pemText)
	var (
		certs    []*x509.Certificate
		firstErr error
		keyErr   *privateKeyError
	)
	for n := 1; ; n++ {
		block, next := pem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) > 0 && firstErr == nil {
				firstErr = strayTextError(n, len(certs) == 0 && n == 1)
			}
			break
		}
		// pem.Decode silently skips text before a block; refuse it, since
		// it is usually half of a broken paste.
		consumed := rest[:len(rest)-len(next)]
		if i := bytes.Index(consumed, []byte("-----BEGIN")); i > 0 && len(bytes.TrimSpace(consumed[:i])) > 0 && firstErr == nil {
			firstErr = fmt.Errorf("has text before PEM block %d that is not part of any block; paste only -----BEGIN/-----END blocks", n)
		}
		// It also skips a damaged block (bad base64, no -----END line)
		// that precedes a good one: whatever it held would pass unseen.
		if damaged := bytes.Count(consumed, []byte("-----BEGIN")) - 1; damaged > 0 {
			if firstErr == nil {
				firstErr = fmt.Errorf("PEM block %d is damaged (its base64 does not decode or its -----END line is missing); paste the chain again as your CA delivered it", n)
			}
			n += damaged
		}
		rest = next
		switch {
		case strings.Contains(block.Type, privateKeyMarker):
			if keyErr == nil {
				keyErr = &privateKeyError{block: n, label: safeLabel(block.Type, privateKeyMarker)}
			}
		case block.Type != "CERTIFICATE":
			if firstErr == nil {
				firstErr = fmt.Errorf("PEM block %d is %s; only CERTIFICATE blocks belong in the chain", n, describeLabel(block.Type))
			}
		case len(block.Headers) > 0:
			// RFC 7468 certificate blocks have no headers; a "Name: value"
			// line inside one is something pasted there.
			if firstErr == nil {
				firstErr = fmt.Errorf("PEM block %d has header lines (\"Name: value\") after -----BEGIN CERTIFICATE-----; a certificate block holds only base64 text", n)
			}
		default:
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("PEM block %d is not a valid X.509 certificate (%s)", n, x509Reason(err))
				}
				continue
			}
			certs = append(certs, cert)
		}
	}
	// A private key outranks every other problem: it is the one the
	// customer must act on first.
	if keyErr != nil {
		return nil, keyErr
	}
	if strings.Contains(pemText, privateKeyMarker) {
		return nil, &privateKeyError{}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if len(certs) == 0 {
		return nil, errors.New("has no CERTIFICATE block; paste the chain starting with -----BEGIN CERTIFICATE-----")
	}
	return certs, nil
}

// knownLabels are the PEM labels (RFC 7468, OpenSSL, OpenSSH) an error may
// name. Any other label is the customer's text, possibly a pasted secret,
// and is never repeated.
var knownLabels = map[string]bool{
	"CERTIFICATE": true, "TRUSTED CERTIFICATE": true, "X509 CERTIFICATE": true, "ATTRIBUTE CERTIFICATE": true,
	"CERTIFICATE REQUEST": true, "NEW CERTIFICATE REQUEST": true, "X509 CRL": true, "PKCS7": true, "CMS": true,
	"PUBLIC KEY": true, "RSA PUBLIC KEY": true, "EC PARAMETERS": true, "DH PARAMETERS": true, "SSH2 PUBLIC KEY": true,
	"PRIVATE KEY": true, "ENCRYPTED PRIVATE KEY": true, "RSA PRIVATE KEY": true, "EC PRIVATE KEY": true,
	"DSA PRIVATE KEY": true, "OPENSSH PRIVATE KEY": true, "ANY PRIVATE KEY": true, "SSH2 ENCRYPTED PRIVATE KEY": true,
	"PGP PRIVATE KEY BLOCK": true, "PGP PUBLIC KEY BLOCK": true, "PGP MESSAGE": true, "PGP SIGNATURE": true,
}

// safeLabel returns label if it is a well-known PEM label, else fallback.
func safeLabel(label, fallback string) string {
	if knownLabels[label] {
		return label
	}
	return fallback
}

// describeLabel names a block by its label, if that is a well-known one.
func describeLabel(label string) string {
	if knownLabels[label] {
		return fmt.Sprintf("a %q block", label)
	}
	return "a block of an unknown kind (its -----BEGIN line does not say CERTIFICATE)"
}

var hexRun = regexp.MustCompile(`[0-9A-Fa-f]{8,}`)

// x509Reason is crypto/x509's reason for refusing a certificate without the
// parts that quote the certificate: some of its errors repeat a name or URI
// from the DER (`cannot parse URI "…"`) or bytes in hex, and the DER is the
// customer's text.
func x509Reason(err error) string {
	r := strings.TrimPrefix(err.Error(), "x509: ")
	if i := strings.IndexAny(r, "\"`%"); i >= 0 { // %q quotes; not "don't"
		r = strings.TrimRight(r[:i], " :")
	}
	r = hexRun.ReplaceAllString(r, "…")
	if utf8.RuneCountInString(r) > 100 {
		r = string([]rune(r)[:100]) + "…"
	}
	if r = strings.ToValidUTF8(r, "…"); r == "" {
		r = "malformed"
	}
	return r
}

func strayTextError(block int, nothingParsed bool) error {
	if nothingParsed {
		return errors.New("is not PEM; paste the certificate chain starting with -----BEGIN CERTIFICATE-----")
	}
	return fmt.Errorf("has text after PEM block %d that is not a complete PEM block; check the last -----END CERTIFICATE----- line", block-1)
}

// leafFingerprint returns the SHA-256 of the first (leaf) certificate, or
// false when the chain does not parse.
func leafFingerprint(pemText string) ([32]byte, bool) {
	certs, err := ParseCertificates(pemText)
	if err != nil {
		return [32]byte{}, false
	}
	return sha256.Sum256(certs[0].Raw), true
}
