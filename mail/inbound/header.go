package inbound

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/emersion/go-message/textproto"
)

// Errors of Parse: the input is not a mail message that can be read.
var (
	ErrNoHeader       = errors.New("no header fields")
	ErrHeaderTooLarge = errors.New("header block too large")
)

// splitHeader cuts raw into its header block (without the blank line) and
// its body. It looks (for the first field and for the blank line) only
// within the first max+3 bytes, so a huge header is refused without being
// read. A part whose first line is not a header field has no header: all
// of it is body.
func splitHeader(raw []byte, max int) (hdr, body []byte, err error) {
	if len(raw) == 0 {
		return nil, nil, nil
	}
	switch {
	case raw[0] == '\n':
		return nil, raw[1:], nil
	case bytes.HasPrefix(raw, []byte("\r\n")):
		return nil, raw[2:], nil
	}
	win := raw
	if len(win) > max+3 {
		win = win[:max+3]
	}
	if !startsWithField(win) {
		return nil, raw, nil
	}
	// The first blank line ("\n\n" or "\n\r\n") ends the header; nothing
	// after it is looked at.
	end, skip := -1, 0
	for i := 0; end < 0; {
		j := bytes.IndexByte(win[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		switch {
		case i < len(win) && win[i] == '\n':
			end, skip = i, 1
		case i+1 < len(win) && win[i] == '\r' && win[i+1] == '\n':
			end, skip = i, 2
		}
	}
	switch {
	case end >= 0 && end <= max:
		return raw[:end], raw[end+skip:], nil
	case end < 0 && len(raw) <= max:
		return raw, nil, nil
	}
	return nil, nil, fmt.Errorf("%w: no end within %d bytes", ErrHeaderTooLarge, max)
}

// startsWithField reports whether the first line of raw can begin a header:
// a field, a folded line, or an mbox "From " separator.
func startsWithField(raw []byte) bool {
	line := raw
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if line[0] == ' ' || line[0] == '\t' || bytes.HasPrefix(line, []byte("From ")) {
		return true
	}
	return fieldLine(line)
}

// fieldLine reports whether line is "Name: value" with a token name. Names
// with '=' or '"' are folded parameters, not fields.
func fieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if !tokenByte(c) {
			return false
		}
	}
	return true
}

func tokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// maxHeaderFields caps the fields read from one header block. go-message
// spends a few hundred bytes on each field however short: 64,000 empty
// fields in 256 KiB would cost some 20 MiB, for each header on the way
// down a nested message. Real headers have tens of fields.
const maxHeaderFields = 1000

// cleanHeader rewrites a header block so that go-message's strict reader
// accepts all of it: a leading folded line or mbox separator is dropped, and
// a line that is not a field is taken as the continuation of the field
// before it (a header folded without indentation). It keeps the first
// maxHeaderFields fields. It returns how many lines it dropped or joined,
// and how many fields it left out.
func cleanHeader(hdr []byte) (clean []byte, dropped, joined, over int) {
	out := make([]byte, 0, len(hdr)+8)
	inField := false
	fields := 0
	for len(hdr) > 0 {
		line := hdr
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			hdr = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !inField && (line[0] == ' ' || line[0] == '\t') && fieldLine(bytes.TrimLeft(line, " \t")) {
			// " From: …" on the first line: an indented field, not a fold.
			line = bytes.TrimLeft(line, " \t")
		}
		if fields == maxHeaderFields && line[0] != ' ' && line[0] != '\t' && fieldLine(line) {
			over++
			continue
		}
		if over > 0 {
			continue // a continuation of a field left out
		}
		switch {
		case line[0] == ' ' || line[0] == '\t':
			if !inField {
				dropped++
				continue
			}
			out = append(out, "\r\n"...)
			out = append(out, line...)
		case fieldLine(line):
			if inField {
				out = append(out, "\r\n"...)
			}
			out = append(out, line...)
			inField = true
			fields++
		default:
			if !inField {
				dropped++
				continue
			}
			joined++
			out = append(out, "\r\n "...)
			out = append(out, line...)
		}
	}
	if inField {
		out = append(out, "\r\n"...)
	}
	return append(out, "\r\n"...), dropped, joined, over
}

// readHeader parses a header block with go-message. Problems come back as
// notes, never as a lost header: on an error the fields read so far are
// kept.
func readHeader(hdr []byte) (textproto.Header, []string) {
	clean, dropped, joined, over := cleanHeader(hdr)
	var notes []string
	if over > 0 {
		notes = append(notes, fmt.Sprintf("more than %d header fields; %d left out", maxHeaderFields, over))
	}
	if dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d header line(s) before the first field dropped", dropped))
	}
	if joined > 0 {
		notes = append(notes, fmt.Sprintf("%d header line(s) without a field name joined to the field before", joined))
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(clean)))
	if err != nil {
		notes = append(notes, fmt.Sprintf("reading header: %v; fields read so far kept", err))
	}
	return h, notes
}
