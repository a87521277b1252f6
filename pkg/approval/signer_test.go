package approval_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psaas/appliance-intake/pkg/approval"
)

func testSigner(t *testing.T, fill byte) *approval.Signer {
	t.Helper()
	s, err := approval.NewSigner(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignerRoundTripAndTampering(t *testing.T) {
	s := testSigner(t, 7)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	exp := now.Add(8 * 24 * time.Hour)
	id := "apv-abc"
	sig := s.Sign(id, exp)
	expS := strconv.FormatInt(exp.Unix(), 10)
	if strings.ContainsAny(sig, "+/=") || len(sig) != 43 {
		t.Fatalf("signature %q is not unpadded base64url of 32 bytes", sig)
	}
	if err := s.Verify(id, expS, sig, now); err != nil {
		t.Fatalf("valid link: %v", err)
	}
	if s.Sign(id, exp.Add(500*time.Millisecond)) != sig {
		t.Fatal("the signature covers whole seconds only")
	}

	flip := func(v string, i int) string {
		b := []byte(v)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	other := testSigner(t, 8)
	cases := map[string]struct{ id, exp, sig string }{
		"other id":            {"apv-abd", expS, sig},
		"longer id":           {id + "x", expS, sig},
		"later expiry":        {id, strconv.FormatInt(exp.Unix()+86400, 10), sig},
		"earlier expiry":      {id, strconv.FormatInt(exp.Unix()-1, 10), sig},
		"flipped sig start":   {id, expS, flip(sig, 0)},
		"flipped sig end":     {id, expS, flip(sig, len(sig)-2)},
		"truncated sig":       {id, expS, sig[:len(sig)-1]},
		"extended sig":        {id, expS, sig + "A"},
		"padded sig":          {id, expS, sig + "="},
		"std base64 sig":      {id, expS, strings.NewReplacer("-", "+", "_", "/").Replace(sig) + "+"},
		"empty sig":           {id, expS, ""},
		"empty exp":           {id, "", sig},
		"exp with sign":       {id, "+" + expS, sig},
		"exp with zero":       {id, "0" + expS, sig},
		"exp with space":      {id, expS + " ", sig},
		"exp not a number":    {id, "tomorrow", sig},
		"exp overflow":        {id, "99999999999999999999", sig},
		"negative exp":        {id, "-1", sig},
		"wrong key":           {id, expS, other.Sign(id, exp)},
		"sig of another link": {id, expS, s.Sign("apv-other", exp)},
	}
	for name, c := range cases {
		if err := s.Verify(c.id, c.exp, c.sig, now); !errors.Is(err, approval.ErrBadSignature) {
			t.Errorf("%s: want ErrBadSignature, got %v", name, err)
		}
	}
	// The last bits of a 43-character signature are padding: a non-canonical
	// spelling of the same bytes is refused too.
	last := sig[len(sig)-1]
	alt := string(last + 1)
	if last == 'z' || last == '_' || last == '9' {
		alt = string(last - 1)
	}
	if err := s.Verify(id, expS, sig[:len(sig)-1]+alt, now); !errors.Is(err, approval.ErrBadSignature) {
		t.Errorf("non-canonical last character: %v", err)
	}

	// Expiry is checked after the signature, at second precision.
	if err := s.Verify(id, expS, sig, exp.Add(-time.Second)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	if err := s.Verify(id, expS, sig, exp); !errors.Is(err, approval.ErrLinkExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if err := s.Verify(id, expS, flip(sig, 3), exp.Add(time.Hour)); !errors.Is(err, approval.ErrBadSignature) {
		t.Fatalf("a forged expired link must be a bad signature, not expired: %v", err)
	}
}

func TestNewSignerKeyLength(t *testing.T) {
	if _, err := approval.NewSigner(make([]byte, 31)); err == nil {
		t.Fatal("a 31-byte key was accepted")
	}
	if _, err := approval.NewSigner(nil); err == nil {
		t.Fatal("no key was accepted")
	}
	key := bytes.Repeat([]byte{1}, 48)
	s, err := approval.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	sig := s.Sign("apv-x", exp)
	key[0] = 2 // the signer keeps its own copy
	if err := s.Verify("apv-x", strconv.FormatInt(exp.Unix(), 10), sig, time.Now()); err != nil {
		t.Fatalf("caller's key change leaked into the signer: %v", err)
	}
}
