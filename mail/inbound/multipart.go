package inbound

import (
	"bytes"
)

// split is a multipart body cut into its parts.
type split struct {
	parts  [][]byte
	found  bool // at least one delimiter line was found
	closed bool // the closing delimiter was found
	more   bool // parts beyond the requested maximum were left out
}

// delimiter is one boundary line: from the line break before it to the end
// of its own line.
type delimiter struct {
	start, end int
	close      bool
}

// splitMultipart cuts body at its boundary lines ("--boundary" at the start
// of a line, then optional "--", optional spaces, a line end). Without a
// closing delimiter the last part runs to the end. At most max parts are
// returned.
func splitMultipart(body []byte, boundary string, max int) split {
	var s split
	if boundary == "" {
		return s
	}
	dash := []byte("--" + boundary)
	d, ok := nextDelimiter(body, 0, dash)
	if !ok {
		return s
	}
	s.found = true
	if d.close {
		s.closed = true
		return s
	}
	pos := d.end
	for {
		if len(s.parts) == max {
			s.more = true
			return s
		}
		nd, ok := nextDelimiter(body, pos, dash)
		if !ok {
			s.parts = append(s.parts, body[pos:])
			return s
		}
		s.parts = append(s.parts, body[pos:max2(nd.start, pos)])
		if nd.close {
			s.closed = true
			return s
		}
		pos = nd.end
	}
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// nextDelimiter finds the first boundary line at or after from.
func nextDelimiter(body []byte, from int, dash []byte) (delimiter, bool) {
	for from <= len(body) {
		i := bytes.Index(body[from:], dash)
		if i < 0 {
			return delimiter{}, false
		}
		at := from + i
		from = at + 1
		if at > 0 && body[at-1] != '\n' {
			continue
		}
		rest := body[at+len(dash):]
		closing := bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
			j++
		}
		end := at + len(dash) + j
		if closing {
			end += 2
		}
		switch {
		case j == len(rest):
		case rest[j] == '\n':
			end++
		case rest[j] == '\r' && (j+1 == len(rest) || rest[j+1] == '\n'):
			end += min(2, len(rest)-j)
		default:
			continue // "--boundaryX": a longer, different boundary
		}
		start := at
		if at > 0 {
			start = at - 1
			if at > 1 && body[at-2] == '\r' {
				start = at - 2
			}
		}
		return delimiter{start: start, end: end, close: closing}, true
	}
	return delimiter{}, false
}

// guessBoundary finds the boundary of a multipart body whose declared one is
// missing or wrong: the first line "--token" followed by a header field.
func guessBoundary(body []byte) string {
	for len(body) > 0 {
		line := body
		next := []byte(nil)
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, next = body[:i], body[i+1:]
		}
		body = next
		line = bytes.TrimRight(line, " \t\r")
		if len(line) < 3 || len(line) > 72 || !bytes.HasPrefix(line, []byte("--")) {
			continue
		}
		b := line[2:]
		if bytes.ContainsAny(b, " \t") {
			continue
		}
		following := next
		if i := bytes.IndexByte(following, '\n'); i >= 0 {
			following = following[:i]
		}
		if len(following) > 0 && fieldLine(bytes.TrimRight(following, "\r")) {
			return string(b)
		}
	}
	return ""
}
