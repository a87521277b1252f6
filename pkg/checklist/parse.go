package checklist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDocumentBytes bounds a submitted document: two 64 KiB certificate
// chains plus everything else fit with a wide margin.
const MaxDocumentBytes = 1 << 20

// maxDepth bounds JSON nesting. The checklist is five levels deep; the
// limit stops a hostile document from recursing the decoder into the ground.
const maxDepth = 32

// maxErrors bounds the errors Parse reports. Without it a hostile document
// of 256 KiB (say, an array of 100,000 numbers where strings belong) would
// produce an error list of many MiB, past what Lambda can return.
const maxErrors = 100

// Parse decodes a submitted checklist strictly and validates it. It reports
// every problem at once: invalid JSON (field "", with line, column and byte
// offset), unknown fields (with a "did you mean" when one is close), wrong
// JSON types, duplicate keys, and everything Validate finds. It returns a
// nil Document whenever there is any error.
func Parse(data []byte) (*Document, []FieldError) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []FieldError{{Field: "", Message: "is empty: send the checklist as a JSON object"}}
	}
	if len(data) > MaxDocumentBytes {
		return nil, []FieldError{{Field: "", Message: fmt.Sprintf("is %d bytes; a checklist is at most %d bytes (1 MiB)", len(data), MaxDocumentBytes)}}
	}
	if msg := encodingProblem(data); msg != "" {
		return nil, []FieldError{{Field: "", Message: msg}}
	}
	tree, errs := decodeTree(data)
	if tree == nil && len(errs) > 0 {
		return nil, errs
	}
	var doc Document
	w := walker{errs: errs}
	w.decode("", tree, reflect.ValueOf(&doc).Elem())

	// Validate the partly decoded document too, so the customer sees every
	// problem in one go; but drop what it says at or below a field that is
	// already reported as malformed (a wrong type reads as "is required").
	structural := w.errs
	errs = slices.Clone(structural)
	for _, e := range doc.Validate() {
		if !coveredBy(e.Field, structural) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, capErrors(sortErrors(errs))
	}
	return &doc, nil
}

// capErrors keeps the first maxErrors errors and says how many were left
// out; the summary has the document's (empty) field, so the list stays
// sorted.
func capErrors(errs []FieldError) []FieldError {
	if len(errs) <= maxErrors {
		return errs
	}
	more := FieldError{Field: "", Message: fmt.Sprintf("has more problems than shown: %d more are not listed; fix the ones listed and submit again to see the rest", len(errs)-maxErrors)}
	return append([]FieldError{more}, errs[:maxErrors]...)
}

// encodingProblem explains a document that is not UTF-8 JSON text at all.
func encodingProblem(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return "starts with a byte order mark (BOM); save the checklist as UTF-8 without BOM and send it again"
	case bytes.HasPrefix(data, []byte("\xfe\xff")), bytes.HasPrefix(data, []byte("\xff\xfe")),
		len(data) >= 2 && (data[0] == 0) != (data[1] == 0):
		return "is UTF-16 text; save the checklist as UTF-8 and send it again"
	}
	return ""
}

// coveredBy reports whether field is, or is inside, a field in errs.
func coveredBy(field string, errs []FieldError) bool {
	for _, e := range errs {
		if e.Field == "" || field == e.Field ||
			strings.HasPrefix(field, e.Field+".") || strings.HasPrefix(field, e.Field+"[") {
			return true
		}
	}
	return false
}

// decodeTree decodes data into map[string]any / []any / string /
// json.Number / bool / nil. Unlike json.Unmarshal it refuses duplicate keys
// (JSON parsers disagree on which one wins) and trailing data. A nil tree
// with errors means the JSON itself is broken.
func decodeTree(data []byte) (any, []FieldError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t := treeDecoder{dec: dec, data: data}
	v, err := t.value("", 0)
	if err != nil {
		return nil, []FieldError{t.syntaxError(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, []FieldError{t.syntaxError(err)}
	}
	return v, t.errs
}

type treeDecoder struct {
	dec  *json.Decoder
	data []byte
	errs []FieldError // duplicate keys
}

var errTooDeep = errors.New("nested too deeply")

func (t *treeDecoder) value(path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	tok, bad, err := t.token()
	if err != nil {
		return nil, err
	}
	t.notUTF8(path, "is not valid UTF-8 text", bad)
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for t.dec.More() {
			kt, bad, err := t.token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string) // the decoder guarantees a string key here
			kp := joinPath(path, key)
			t.notUTF8(kp, "is a field name that is not valid UTF-8 text", bad)
			val, err := t.value(kp, depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := obj[key]; dup {
				t.errs = append(t.errs, FieldError{Field: kp, Message: "appears more than once; give each field once"})
			}
			obj[key] = val
		}
		if _, err := t.dec.Token(); err != nil { // '}'
			return nil, err
		}
		return obj, nil
	case '[':
		arr := []any{}
		for i := 0; t.dec.More(); i++ {
			val, err := t.value(fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, val)
		}
		if _, err := t.dec.Token(); err != nil { // ']'
			return nil, err
		}
		return arr, nil
	}
	// Token never returns a closing delimiter before its opening one.
	return nil, fmt.Errorf("unexpected %q", rune(delim))
}

// token reads the next token. encoding/json replaces bytes that are not
// UTF-8 inside a string with U+FFFD; the checklist would then be stored
// with text the customer never wrote, so the caller reports such a string
// (bad is the offset of its first such byte, or -1).
func (t *treeDecoder) token() (tok json.Token, bad int64, err error) {
	start := t.dec.InputOffset()
	if tok, err = t.dec.Token(); err != nil {
		return nil, -1, err
	}
	if _, isString := tok.(string); !isString {
		return tok, -1, nil
	}
	raw := t.data[start:t.dec.InputOffset()]
	if utf8.Valid(raw) {
		return tok, -1, nil
	}
	for bad = start; len(raw) > 0; {
		r, size := utf8.DecodeRune(raw)
		if r == utf8.RuneError && size <= 1 {
			return tok, bad, nil
		}
		raw, bad = raw[size:], bad+int64(size)
	}
	return tok, -1, nil
}

func (t *treeDecoder) notUTF8(field, what string, bad int64) {
	if bad >= 0 {
		t.errs = append(t.errs, FieldError{Field: field,
			Message: fmt.Sprintf("%s (a byte at %s); save the checklist as UTF-8", what, position(t.data, bad))})
	}
}

// syntaxError turns a decoding error into a document-level FieldError
// with a human position. json.Decoder.Token reports offsets inconsistently
// (before or after the offending byte, depending on the token), so the
// position comes from json.Unmarshal's validity scan of the whole input,
// which always stops just after the first offending byte.
func (t *treeDecoder) syntaxError(err error) FieldError {
	if errors.Is(err, errTooDeep) {
		return FieldError{Field: "", Message: fmt.Sprintf("invalid JSON at %s: nested more than %d levels deep", position(t.data, t.dec.InputOffset()), maxDepth)}
	}
	off, msg := int64(len(t.data)), "unexpected end of input; is the document cut short?"
	var se *json.SyntaxError
	switch uerr := json.Unmarshal(t.data, new(json.RawMessage)); {
	case errors.As(uerr, &se) && !strings.Contains(se.Error(), "unexpected end"):
		off, msg = max(se.Offset-1, 0), strings.TrimPrefix(se.Error(), "json: ")
	case uerr == nil: // not expected; report what the decoder said
		off, msg = t.dec.InputOffset(), strings.TrimPrefix(err.Error(), "json: ")
	}
	return FieldError{Field: "", Message: fmt.Sprintf("invalid JSON at %s: %s", position(t.data, off), msg)}
}

// position renders a byte offset as "line L, column C (byte B)"; columns
// count characters, as editors do.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d (byte %d)", line, col, off)
}

func joinPath(path, key string) string {
	// Field names we echo are the customer's own keys. Keep one short line
	// of them, so a value pasted as a key (a PEM block, say) does not come
	// back: a PEM header line carries no key material.
	if i := strings.IndexFunc(key, unicode.IsControl); i >= 0 {
		key = key[:i] + "…"
	}
	if utf8.RuneCountInString(key) > 40 {
		key = string([]rune(key)[:40]) + "…"
	}
	if key == "" {
		key = `""` // an empty name must not read as the whole document
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// walker checks a decoded tree against the Go types (their json tags define
// the shape, so added optional fields need no change here) and copies the
// values it can into the Document.
type walker struct {
	errs []FieldError
}

func (w *walker) fail(path, msg string) {
	w.errs = append(w.errs, FieldError{Field: path, Message: msg})
}

func (w *walker) decode(path string, v any, dst reflect.Value) {
	switch dst.Kind() {
	case reflect.Pointer:
		if _, ok := v.(map[string]any); !ok {
			w.fail(path, "must be an object"+got(v))
			return
		}
		dst.Set(reflect.New(dst.Type().Elem()))
		w.decode(path, v, dst.Elem())
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "must be an object"+got(v))
			return
		}
		fields := jsonFields(dst.Type())
		for _, key := range sortedKeys(obj) {
			i, known := fields[key]
			if !known {
				w.fail(joinPath(path, key), unknownFieldMessage(key, fields))
				continue
			}
			w.decode(joinPath(path, key), obj[key], dst.Field(i))
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			w.fail(path, "must be an array"+got(v)+`, e.g. ["…"]`)
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, el := range arr {
			w.decode(fmt.Sprintf("%s[%d]", path, i), el, s.Index(i))
		}
		dst.Set(s)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			msg := "must be a string" + got(v)
			if n, isNum := v.(json.Number); isNum && len(n) <= 40 {
				msg += fmt.Sprintf(`: put the value in quotes, e.g. "%s"`, n)
			}
			w.fail(path, msg)
			return
		}
		dst.SetString(s)
	default:
		// Only reachable if checklist.go gains a field kind the walker does
		// not know; a test walks every type to keep this unreachable.
		w.fail(path, "cannot be decoded (unsupported field type "+dst.Type().String()+")")
	}
}

// got describes the JSON type found, for "must be X, not Y" messages.
func got(v any) string {
	switch v.(type) {
	case nil:
		return ", not null"
	case string:
		return ", not a string"
	case json.Number:
		return ", not a number"
	case bool:
		return ", not true/false"
	case []any:
		return ", not an array"
	case map[string]any:
		return ", not an object"
	}
	return ""
}

// jsonFields maps a struct's JSON names to field indexes.
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = i
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unknownFieldMessage suggests the closest known field: a case or
// separator slip ("InstanceIDs", "instance_ids") or an edit distance of at
// most 2 ("instanceId"). Otherwise it lists the allowed fields.
func unknownFieldMessage(key string, fields map[string]int) string {
	known := sortedKeys(fields)
	if s := suggest(key, known); s != "" {
		return "unknown field; did you mean " + s + "?"
	}
	return "unknown field; allowed here: " + strings.Join(known, ", ")
}

func suggest(key string, known []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
	}
	for _, k := range known {
		if norm(k) == norm(key) {
			return k
		}
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b in bytes; keys
// longer than 64 bytes are never close to a field name and return early.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
