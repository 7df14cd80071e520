package mail

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line lengths. RFC 2047 §2 limits an encoded-word to 75 characters and a
// header line that holds one to 76; every line this package folds keeps to
// that. RFC 5322's hard limit is 998.
const (
	maxLine     = 76
	maxWord     = 75
	maxHardLine = 998
)

// errHeaderInjection is wrapped by every error about a CR or LF where a
// single-line value was expected.
var errHeaderInjection = errors.New("contains a line break (CR or LF)")

// checkText rejects what must not appear in a one-line header value: line
// breaks (header injection), other control characters except tab, and
// invalid UTF-8.
func checkText(what, s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("%s %q %w", what, s, errHeaderInjection)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if r != '\t' && unicode.IsControl(r) {
			return fmt.Errorf("%s %q contains the control character %U", what, s, r)
		}
	}
	return nil
}

// isPlainASCII reports whether s can be written as it is: printable ASCII
// (spaces and tabs allowed) and nothing a decoder could take for an
// encoded-word.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return !strings.Contains(s, "=?")
}

// encodeWords encodes s as RFC 2047 "B" encoded-words in UTF-8. The first
// word is at most first characters long, the others at most rest; a
// character is never split across two words (RFC 2047 §5). Decoders join
// adjacent encoded-words separated only by white space, so the words may be
// folded onto separate lines.
func encodeWords(s string, first, rest int) []string {
	const overhead = len("=?UTF-8?B?") + len("?=")
	var words []string
	limit := first
	start, n := 0, 0 // the current word holds s[start:start+n]
	for i, r := range s {
		size := utf8.RuneLen(r)
		if n > 0 && overhead+base64.StdEncoding.EncodedLen(n+size) > limit {
			words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[start:start+n]))+"?=")
			start, n, limit = i, 0, rest
		}
		n += size
	}
	if n > 0 || len(words) == 0 {
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[start:start+n]))+"?=")
	}
	return words
}

// headerBuilder writes header fields, folding them at maxLine where tokens
// allow.
type headerBuilder struct {
	b strings.Builder
}

// field writes "Name: tok tok ...", starting a continuation line before a
// token that would make the current line longer than maxLine.
func (h *headerBuilder) field(name string, tokens ...string) {
	h.b.WriteString(name)
	h.b.WriteByte(':')
	lineLen := len(name) + 1
	for i, tok := range tokens {
		if i > 0 && lineLen+1+len(tok) > maxLine {
			h.b.WriteString("\r\n")
			lineLen = 0
		}
		h.b.WriteByte(' ')
		h.b.WriteString(tok)
		lineLen += 1 + len(tok)
	}
	h.b.WriteString("\r\n")
}

// raw writes a field whose value is already folded.
func (h *headerBuilder) raw(name, value string) {
	h.b.WriteString(name)
	h.b.WriteString(": ")
	h.b.WriteString(value)
	h.b.WriteString("\r\n")
}

// unstructured writes a free-text field (Subject, extra headers): as it is
// when it is plain ASCII that fits, otherwise as folded encoded-words.
func (h *headerBuilder) unstructured(name, value string) {
	if isPlainASCII(value) && len(name)+2+len(value) <= maxHardLine {
		h.field(name, value)
		return
	}
	h.field(name, encodeWords(value, maxLine-len(name)-2, maxWord)...)
}

// addressTokens renders one address as tokens for headerBuilder.field: the
// display name (quoted, or encoded-words when not plain ASCII) and <email>.
func addressTokens(a Address) []string {
	addr := (&mail.Address{Address: a.Email}).String()
	if a.Name == "" {
		return []string{addr}
	}
	if isPlainASCII(a.Name) {
		return []string{quoteString(a.Name), addr}
	}
	return append(encodeWords(a.Name, maxLine-len("From: "), maxWord), addr)
}

// addressList renders a list of addresses as tokens, a comma after each but
// the last.
func addressList(as []Address) []string {
	var toks []string
	for i, a := range as {
		t := addressTokens(a)
		if i < len(as)-1 {
			t[len(t)-1] += ","
		}
		toks = append(toks, t...)
	}
	return toks
}

// quoteString returns s as an RFC 5322 quoted-string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// checkAddress validates a and returns an error naming what, e.g. "to[1]".
func checkAddress(what string, a Address) error {
	if err := checkText(what+" name", a.Name); err != nil {
		return err
	}
	if a.Email == "" {
		return fmt.Errorf("%s has no email address", what)
	}
	if err := checkText(what+" email", a.Email); err != nil {
		return err
	}
	for i := 0; i < len(a.Email); i++ {
		if a.Email[i] > '~' || a.Email[i] <= ' ' {
			return fmt.Errorf("%s email %q must be ASCII without spaces", what, a.Email)
		}
	}
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email || p.Name != "" {
		return fmt.Errorf("%s email %q is not a valid address", what, a.Email)
	}
	return nil
}

// checkMsgID validates a message id given without <>.
func checkMsgID(what, id string) error {
	if err := checkText(what, id); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("%s is empty", what)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' || c == '\\' {
			return fmt.Errorf("%s %q is not a valid message id (write it without <>)", what, id)
		}
	}
	return nil
}
