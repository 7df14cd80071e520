package inbound

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// sniffHead is how much of a file over the size limit is decoded anyway, to
// tell its kind.
const sniffHead = 64 << 10

// decoded is a part body after its Content-Transfer-Encoding.
type decoded struct {
	data     []byte // all of it, or only the first sniffHead bytes when !complete
	size     int64  // decoded size
	complete bool
	problem  string // "" or what was wrong with the encoding
}

// decodeBody undoes the transfer encoding leniently: bad base64 characters
// are skipped, bad quoted-printable escapes kept literally, and an unknown
// encoding is read as-is. A body that decodes to more than max bytes is
// measured but only its head is kept.
func decodeBody(cte string, body []byte, max int64) decoded {
	enc := strings.ToLower(strings.Trim(strings.TrimSpace(cte), `"`))
	switch {
	case strings.HasPrefix(enc, "base64"):
		return decodeBase64Body(body, max)
	case enc == "quoted-printable":
		data := decodeQP(body)
		return limitDecoded(data, max, "")
	case enc == "" || enc == "7bit" || enc == "8bit" || enc == "binary":
		return limitDecoded(body, max, "")
	}
	return limitDecoded(body, max, fmt.Sprintf("unknown transfer encoding %q; read as-is", cte))
}

func limitDecoded(data []byte, max int64, problem string) decoded {
	if int64(len(data)) > max {
		head := data[:min(len(data), sniffHead)]
		return decoded{data: append([]byte(nil), head...), size: int64(len(data)), problem: problem}
	}
	return decoded{data: append([]byte(nil), data...), size: int64(len(data)), complete: true, problem: problem}
}

func decodeBase64Body(body []byte, max int64) decoded {
	if n := base64.StdEncoding.DecodedLen(len(body)); int64(n) <= max {
		// Fast path: well-formed base64 (line breaks are skipped by the
		// standard decoder).
		out := make([]byte, n)
		if n, err := base64.StdEncoding.Decode(out, body); err == nil {
			return decoded{data: out[:n], size: int64(n), complete: true}
		}
	}
	clean, bad := base64Alphabet(body)
	var problem string
	if bad > 0 {
		problem = fmt.Sprintf("%d character(s) that are not base64 skipped", bad)
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
		if problem == "" {
			problem = "base64 data ends with a stray character"
		}
	}
	size := int64(base64.RawStdEncoding.DecodedLen(len(clean)))
	if size > max {
		head := clean
		if n := sniffHead / 3 * 4; len(head) > n {
			head = head[:n]
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(head)))
		n, _ := base64.RawStdEncoding.Decode(out, head)
		return decoded{data: out[:n], size: size, problem: problem}
	}
	out := make([]byte, size)
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return decoded{data: out[:n], size: int64(n), complete: true, problem: problem}
}

// base64Alphabet returns the base64 characters of b up to the first '='
// padding, and how many characters other than whitespace it skipped.
func base64Alphabet(b []byte) (clean []byte, bad int) {
	clean = make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == ' ', c == '\t', c == '\r', c == '\n':
		case c == '=':
			return clean, bad
		default:
			bad++
		}
	}
	return clean, bad
}

// decodeBase64Lenient decodes a base64 string, skipping what is not base64.
func decodeBase64Lenient(b []byte) []byte {
	d := decodeBase64Body(b, 1<<62)
	return d.data
}

// decodeQP decodes quoted-printable: "=XX" is a byte, "=" at the end of a
// line (possibly followed by spaces) a soft break, anything else (a bad
// escape) is kept as written; literal spaces before a line break are
// dropped.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '=':
			if i+2 < len(b) {
				hi, ok1 := unhex(b[i+1])
				lo, ok2 := unhex(b[i+2])
				if ok1 && ok2 {
					out = append(out, hi<<4|lo)
					i += 2
					continue
				}
			}
			if j, ok := lineEndAfterSpaces(b, i+1); ok {
				i = j - 1 // soft line break: skip it and the line end
				continue
			}
			out = append(out, c)
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
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
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
