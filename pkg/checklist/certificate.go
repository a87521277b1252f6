package checklist

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
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
// accepts; errors name the 1-based block number. A private key anywhere in
// the text yields an error wrapping ErrPrivateKey. No error message
// contains any of the input's text, so it is safe to show and to log.
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
		rest = next
		switch {
		case strings.Contains(block.Type, privateKeyMarker):
			if keyErr == nil {
				keyErr = &privateKeyError{block: n, label: block.Type}
			}
		case block.Type != "CERTIFICATE":
			if firstErr == nil {
				firstErr = fmt.Errorf("PEM block %d is a %q block; only CERTIFICATE blocks belong in the chain", n, block.Type)
			}
		default:
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("PEM block %d is not a valid X.509 certificate (%v)", n, err)
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
