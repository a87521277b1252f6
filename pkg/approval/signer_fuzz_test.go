package approval_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/psaas/appliance-intake/pkg/approval"
	"github.com/psaas/appliance-intake/pkg/store"
)

// tripwire is an approval store, task responder and submission recorder
// that holds nothing and counts every call: a link that fails its
// signature check must never get this far.
type tripwire struct{ calls atomic.Int64 }

func (w *tripwire) hit() { w.calls.Add(1) }

func (w *tripwire) PutApproval(context.Context, store.ApprovalRecord) error { w.hit(); return nil }
func (w *tripwire) GetApproval(context.Context, string) (*store.ApprovalRecord, error) {
	w.hit()
	return nil, store.ErrNotFound
}
func (w *tripwire) ApprovalForGate(context.Context, string, int, string) (*store.ApprovalRecord, error) {
	w.hit()
	return nil, store.ErrNotFound
}
func (w *tripwire) RearmApproval(context.Context, string, string, time.Time) error {
	w.hit()
	return nil
}
func (w *tripwire) DecideApproval(context.Context, string, store.ApprovalDecision, time.Time) error {
	w.hit()
	return store.ErrNotFound
}
func (w *tripwire) ClaimApprovalDelivery(context.Context, string, time.Time) error {
	w.hit()
	return nil
}
func (w *tripwire) MarkApprovalDelivered(context.Context, string, time.Time) error {
	w.hit()
	return nil
}
func (w *tripwire) ReleaseApprovalDelivery(context.Context, string, string, time.Time) error {
	w.hit()
	return nil
}
func (w *tripwire) ExpireApproval(context.Context, string, time.Time) error { w.hit(); return nil }
func (w *tripwire) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	w.hit()
	return &sfn.SendTaskSuccessOutput{}, nil
}
func (w *tripwire) Record(context.Context, string, store.Event) error { w.hit(); return nil }

// What FuzzVerifyLink does to one byte of a genuine link.
const (
	editReplace = iota
	editInsert
	editDelete
	edits
)

// FuzzVerifyLink: Signer.Verify never panics and accepts (nil, or
// ErrLinkExpired for an authentic old link) only a signature Sign made for
// exactly that id and that canonical expiry; any single-byte change to
// the id, the expiry or the signature of a genuine link is refused as a
// bad signature; expiry is honoured to the second; and the approval
// service refuses a forged link before it reads or writes anything.
func FuzzVerifyLink(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := approval.NewSigner(key)
	if err != nil {
		f.Fatal(err)
	}
	other, _ := approval.NewSigner(bytes.Repeat([]byte{8}, 32))
	now0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	exp0 := now0.Add(approval.DefaultLinkTTL)
	exp0s := strconv.FormatInt(exp0.Unix(), 10)
	id0 := "apv-abcdefghijklmnopqrstuvwxyz"
	sig0 := s.Sign(id0, exp0)
	for _, c := range []struct{ id, exp, sig string }{
		{id0, exp0s, sig0},                            // genuine
		{id0, exp0s, other.Sign(id0, exp0)},           // another key
		{id0 + "x", exp0s, sig0},                      // another id
		{id0, "0" + exp0s, sig0},                      // non-canonical expiry
		{id0, exp0s, sig0 + "="},                      // padded
		{"", "", ""},                                  // nothing
		{"apv-\u0430bc", "9223372036854775807", sig0}, // look-alike id, largest expiry
		{"a\nb", "1", "x"},
		{id0, exp0s, sig0[:10] + "\r\n" + sig0[10:]}, // base64 decoders skip line breaks
	} {
		for _, when := range []int64{now0.Unix(), exp0.Unix() - 1, exp0.Unix(), exp0.Unix() + 1, -1} {
			f.Add(c.id, c.exp, c.sig, when, uint8(0), uint16(0), byte('A'))
		}
	}
	for e := uint8(0); e < 3*edits; e++ {
		f.Add(id0, exp0s, sig0, now0.Unix(), e, uint16(e)*7, byte('_'))
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, id, exp, sig string, nowUnix int64, edit uint8, pos uint16, to byte) {
		now := time.Unix(nowUnix, 0)

		// 1. The fuzzed link as it is.
		err := s.Verify(id, exp, sig, now)
		n, canonical := canonicalUnix(exp)
		genuine := canonical && sig == s.Sign(id, time.Unix(n, 0))
		switch {
		case err == nil || errors.Is(err, approval.ErrLinkExpired):
			if !genuine {
				t.Fatalf("accepted a link Sign did not make: id %q exp %q sig %q: %v", id, exp, sig, err)
			}
			if (err == nil) != (nowUnix < n) {
				t.Fatalf("expiry %d at %d: %v", n, nowUnix, err)
			}
		case errors.Is(err, approval.ErrBadSignature):
			if genuine {
				t.Fatalf("refused a genuine link: id %q exp %q", id, exp)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}

		// 2. The service: a link that fails its signature touches nothing.
		w := &tripwire{}
		svc, serr := approval.New(w, w, w, s, approval.Config{BaseURL: "https://intake.example.com", Now: func() time.Time { return now }, Logger: log})
		if serr != nil {
			t.Fatal(serr)
		}
		_, lerr := svc.Load(context.Background(), id, exp, sig)
		_, derr := svc.Decide(context.Background(), id, exp, sig, approval.Decision{Outcome: "approved", Actor: "Mallory"})
		if errors.Is(err, approval.ErrBadSignature) {
			if !errors.Is(lerr, approval.ErrBadSignature) || !errors.Is(derr, approval.ErrBadSignature) || w.calls.Load() != 0 {
				t.Fatalf("forged link: Load %v, Decide %v, %d store calls", lerr, derr, w.calls.Load())
			}
		} else if !errors.Is(lerr, approval.ErrNotFound) || !errors.Is(derr, approval.ErrNotFound) {
			t.Fatalf("genuine link of no approval: Load %v, Decide %v", lerr, derr)
		}

		// 3. A genuine link for this id: valid until its expiry, then expired.
		if !canonical || n < 0 {
			n = now0.Unix() + int64(pos)
		}
		expS := strconv.FormatInt(n, 10)
		good := s.Sign(id, time.Unix(n, 0))
		want := error(nil)
		if nowUnix >= n {
			want = approval.ErrLinkExpired
		}
		if err := s.Verify(id, expS, good, now); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Fatalf("genuine link (exp %d) at %d: %v, want %v", n, nowUnix, err, want)
		}

		// 4. The same link with one byte of one part changed.
		parts := [3]string{id, expS, good}
		which := int(edit) / edits % 3
		parts[which] = editByte(parts[which], int(edit)%edits, int(pos), to)
		if parts[which] == [3]string{id, expS, good}[which] {
			return // the edit changed nothing (e.g. delete from "")
		}
		if err := s.Verify(parts[0], parts[1], parts[2], now); !errors.Is(err, approval.ErrBadSignature) {
			t.Fatalf("edited link (part %d: %q) was not refused: %v", which, parts[which], err)
		}
	})
}

// canonicalUnix parses exp as Sign writes it: decimal digits, no sign, no
// leading zero.
func canonicalUnix(exp string) (int64, bool) {
	n, err := strconv.ParseInt(exp, 10, 64)
	return n, err == nil && n >= 0 && strconv.FormatInt(n, 10) == exp
}

// editByte replaces, inserts or deletes the byte at pos (mod length).
func editByte(s string, kind, pos int, to byte) string {
	b := []byte(s)
	switch kind {
	case editReplace:
		if len(b) == 0 {
			return s
		}
		i := pos % len(b)
		if b[i] == to {
			to ^= 0x01
		}
		b[i] = to
	case editInsert:
		i := pos % (len(b) + 1)
		b = append(b[:i], append([]byte{to}, b[i:]...)...)
	case editDelete:
		if len(b) == 0 {
			return s
		}
		i := pos % len(b)
		b = append(b[:i], b[i+1:]...)
	}
	return string(b)
}
