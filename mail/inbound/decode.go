package inbound

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

// sniffHead is how much of a file over the size limit is decoded anyway, to
// tell its kind.
const sniffHead = 64 << 10

// decoded is a part body after its Content-Transfer-Encoding.
type decoded struct {
	data     []byte // all of it, or only its head when !complete
	size     int64  // decoded size
	complete bool
	problem  string // "" or what was wrong with the encoding
}

// Transfer encodings.
const (
	encIdentity = iota // 7bit, 8bit, binary, none, or unknown (read as-is)
	encBase64
	encQP
)

// transferEncoding reads a Content-Transfer-Encoding value; problem says
// when it is unknown (the body is then read as-is).
func transferEncoding(cte string) (enc int, problem string) {
	e := strings.ToLower(strings.Trim(strings.TrimSpace(cte), `"`))
	switch {
	case strings.HasPrefix(e, "base64"):
		return encBase64, ""
	case e == "quoted-printable":
		return encQP, ""
	case e == "" || e == "7bit" || e == "8bit" || e == "binary":
		return encIdentity, ""
	}
	return encIdentity, fmt.Sprintf("unknown transfer encoding %q; read as-is", cte)
}

// decodeBody undoes the transfer encoding leniently: bad base64 characters
// are skipped, bad quoted-printable escapes kept literally, and an unknown
// encoding is read as-is. A body that decodes to more than max bytes is
// measured but only its first head bytes are kept. The result is always a
// fresh allocation (never a slice of body) of at most max(max, head)
// bytes: the size is measured before anything is allocated.
func decodeBody(cte string, body []byte, max int64, head int) decoded {
	enc, problem := transferEncoding(cte)
	var d decoded
	switch enc {
	case encBase64:
		d = decodeBase64Body(body, max, head)
	case encQP:
		d = decodeQPBody(body, max, head)
	default:
		d = limitDecoded(body, max, head)
	}
	if d.problem == "" {
		d.problem = problem
	}
	return d
}

// limitDecoded copies data, or only its head when it is over max.
func limitDecoded(data []byte, max int64, head int) decoded {
	if int64(len(data)) > max {
		return decoded{data: bytes.Clone(data[:min(len(data), head)]), size: int64(len(data))}
	}
	return decoded{data: bytes.Clone(data), size: int64(len(data)), complete: true}
}

func decodeBase64Body(body []byte, max int64, head int) decoded {
	var out []byte
	if n := base64.StdEncoding.DecodedLen(len(body)); int64(n) <= max {
		// Fast path: well-formed base64 (line breaks are skipped by the
		// standard decoder).
		out = make([]byte, n)
		if n, err := base64.StdEncoding.Decode(out, body); err == nil {
			return decoded{data: out[:n], size: int64(n), complete: true}
		}
	}
	chars, bad := base64Count(body)
	var problem string
	if bad > 0 {
		problem = fmt.Sprintf("%d character(s) that are not base64 skipped", bad)
	}
	if chars%4 == 1 {
		chars-- // a lone last character carries no whole byte
		if problem == "" {
			problem = "base64 data ends with a stray character"
		}
	}
	size := int64(base64.RawStdEncoding.DecodedLen(chars))
	keep, complete := size, true
	if size > max {
		keep, complete = min(size, int64(head)), false
	}
	if int64(cap(out)) < keep {
		out = make([]byte, keep)
	}
	n := base64Decode(out[:keep], body, chars)
	return decoded{data: out[:n:n], size: size, complete: complete, problem: problem}
}

// base64Count counts the base64 characters of b up to the first '='
// padding, and the characters other than white space it would skip.
func base64Count(b []byte) (chars, bad int) {
	for _, c := range b {
		switch {
		case base64Char(c):
			chars++
		case c == ' ', c == '\t', c == '\r', c == '\n':
		case c == '=':
			return chars, bad
		default:
			bad++
		}
	}
	return chars, bad
}

func base64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// base64Decode decodes the first chars base64 characters of b (skipping
// everything else) into out, as far as out holds, a chunk at a time so
// that no cleaned copy of b is ever made. It returns the bytes written.
func base64Decode(out, b []byte, chars int) int {
	var chunk [4096]byte // a multiple of 4
	n, k := 0, 0
	flush := func() bool {
		src := chunk[:k]
		k = 0
		if len(out)-n >= base64.RawStdEncoding.DecodedLen(len(src)) {
			m, _ := base64.RawStdEncoding.Decode(out[n:], src)
			n += m
		} else {
			// The decoder needs room for all of src: out ends sooner.
			var tmp [len(chunk) / 4 * 3]byte
			m, _ := base64.RawStdEncoding.Decode(tmp[:], src)
			n += copy(out[n:], tmp[:m])
		}
		return n < len(out)
	}
	for _, c := range b {
		if chars == 0 {
			break
		}
		if !base64Char(c) {
			if c == '=' {
				break
			}
			continue
		}
		chunk[k] = c
		k++
		chars--
		if k == len(chunk) && !flush() {
			return n
		}
	}
	if k > 0 {
		flush()
	}
	return n
}

// decodeQPBody decodes quoted-printable in two passes: the first measures,
// the second writes into a buffer of exactly the size kept.
func decodeQPBody(body []byte, max int64, head int) decoded {
	size := int64(decodeQP(body, nil))
	if size > max {
		out := make([]byte, min(size, int64(head)))
		decodeQP(body, out)
		return decoded{data: out, size: size}
	}
	out := make([]byte, size)
	decodeQP(body, out)
	return decoded{data: out, size: size, complete: true}
}

// decodeBase64Lenient decodes a base64 string, skipping what is not base64.
func decodeBase64Lenient(b []byte) []byte {
	d := decodeBase64Body(b, 1<<62, 0)
	return d.data
}

// decodeQP decodes quoted-printable into out, stopping when out is full;
// with out nil it only measures. It returns the bytes decoded. "=XX" is a
// byte, "=" at the end of a line (possibly followed by spaces) a soft
// break, anything else (a bad escape) is kept as written; literal spaces
// before a line break are dropped.
func decodeQP(b, out []byte) int {
	n := 0
	put := func(c byte) {
		if n < len(out) {
			out[n] = c
		}
		n++
	}
	for i := 0; i < len(b) && (out == nil || n < len(out)); i++ {
		c := b[i]
		switch c {
		case '=':
			if i+2 < len(b) {
				hi, ok1 := unhex(b[i+1])
				lo, ok2 := unhex(b[i+2])
				if ok1 && ok2 {
					put(hi<<4 | lo)
					i += 2
					continue
				}
			}
			if j, ok := lineEndAfterSpaces(b, i+1); ok {
				i = j - 1 // soft line break: skip it and the line end
				continue
			}
			put(c)
		case ' ', '\t':
			if j, ok := lineEndAfterSpaces(b, i); ok && j > i {
				// Trailing whitespace: drop it, keep the line end.
				k := i
				for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
					k++
				}
				i = k - 1
				continue
			}
			put(c)
		default:
			put(c)
		}
	}
	return n
}

// lineEndAfterSpaces reports whether b[i:] is spaces or tabs then a line
// end (or the end of b), and returns the index after that line end.
func lineEndAfterSpaces(b []byte, i int) (int, bool) {
	j := i
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	switch {
	case j == len(b):
		return j, true
	case b[j] == '\n':
		return j + 1, true
	case b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n':
		return j + 2, true
	case b[j] == '\r' && j+1 == len(b):
		return j + 1, true
	}
	return 0, false
}
