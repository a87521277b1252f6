package approval

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBadSignature means a link's signature does not match its approval id
// and expiry: tampered, truncated, signed with another key, or malformed.
var ErrBadSignature = errors.New("bad link signature")

// ErrLinkExpired means an authentic link is past its expiry, or the
// workflow no longer waits for the decision it carries.
var ErrLinkExpired = errors.New("link expired")

// MinKeyLen is the shortest signing key NewSigner accepts (256 bits).
const MinKeyLen = 32

var sigEncoding = base64.RawURLEncoding.Strict()

// Signer signs and verifies approval links: HMAC-SHA256 over the approval
// id and the link's expiry, so neither can be changed without the key.
type Signer struct {
	key []byte
}

// NewSigner returns a signer over key, which must be at least MinKeyLen
// bytes of secret randomness.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("approval signing key is %d bytes; at least %d are required", len(key), MinKeyLen)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

func (s *Signer) mac(id string, expUnix int64) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("v1\n" + id + "\n" + strconv.FormatInt(expUnix, 10)))
	return m.Sum(nil)
}

// Sign returns the link signature of an approval id and expiry:
// base64url (no padding) of HMAC-SHA256("v1\n" + id + "\n" + unix(exp)).
func (s *Signer) Sign(id string, exp time.Time) string {
	return sigEncoding.EncodeToString(s.mac(id, exp.Unix()))
}

// Verify checks a link's signature, then its expiry: ErrBadSignature when
// the signature does not match (or exp or sig is malformed), ErrLinkExpired
// when the authentic link's expiry is not after now. The expiry is trusted
// only once the signature matched.
func (s *Signer) Verify(id, expUnix, sig string, now time.Time) error {
	exp, ok := parseUnix(expUnix)
	if !ok {
		return ErrBadSignature
	}
	// The decoder skips CR and LF even when strict; the length check makes
	// the 43 characters Sign writes the only spelling of a signature.
	if len(sig) != sigEncoding.EncodedLen(sha256.Size) {
		return ErrBadSignature
	}
	got, err := sigEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	if !hmac.Equal(got, s.mac(id, exp)) {
		return ErrBadSignature
	}
	if now.Unix() >= exp {
		return ErrLinkExpired
	}
	return nil
}

// parseUnix accepts only the canonical decimal form Sign produces, so one
// signature has exactly one spelling of its expiry.
func parseUnix(v string) (int64, bool) {
	if v == "" || len(v) > 19 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != v {
		return 0, false
	}
	return n, true
}
