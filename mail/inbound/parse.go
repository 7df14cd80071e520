package inbound

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxNotes caps Message.Notes; hostile input must not grow them unbounded.
const maxNotes = 50

// maxHTML caps the HTML kept to derive Text from when there is no plain part.
const maxHTML = 1 << 20

// parser holds the state of one Parse call.
type parser struct {
	lim         Limits
	msg         *Message
	parts       int    // parts visited, the top-level entity not counted
	full        bool   // MaxParts reached: nothing more is read
	deep        bool   // MaxDepth met (noted once)
	html        []byte // the first text/html body, decoded only if no plain one comes
	htmlCharset string
	text        bool // msg.Text comes from a text/plain part

	// onPart, when set (tests only), is called as each part is entered.
	onPart func(path []int)
}

// ParseReader reads at most lim.MaxMessageBytes of r and parses them. A
// header block over lim.MaxHeaderBytes is refused before the rest of r is
// read.
func ParseReader(r io.Reader, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	lr := io.LimitReader(r, lim.MaxMessageBytes+1) // one more, to notice a cut
	head := make([]byte, lim.MaxHeaderBytes+3)
	n, err := io.ReadFull(lr, head)
	head = head[:n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return Parse(head, lim)
	case err != nil:
		return nil, fmt.Errorf("reading message: %w", err)
	}
	if _, _, err := splitHeader(normalise(head), lim.MaxHeaderBytes); err != nil {
		return nil, fmt.Errorf("reading top-level header: %w", err)
	}
	rest, err := io.ReadAll(lr)
	if err != nil {
		return nil, fmt.Errorf("reading message: %w", err)
	}
	return Parse(append(head, rest...), lim)
}

// Parse parses a raw RFC 5322 message. It returns an error only when not
// even the top-level header can be read (empty input, no header field, a
// header block over lim.MaxHeaderBytes); every other problem becomes a Note
// and parsing goes on with the next part.
func Parse(raw []byte, lim Limits) (*Message, error) {
	return parse(raw, lim, nil)
}

func parse(raw []byte, lim Limits, onPart func([]int)) (msg *Message, err error) {
	p := &parser{lim: lim.withDefaults(), msg: &Message{}, onPart: onPart}
	defer func() {
		if r := recover(); r != nil {
			// Never expected: every part is guarded on its own. Keep what
			// was read.
			p.note("internal error while parsing: %v", r)
			msg, err = p.msg, nil
		}
	}()
	if int64(len(raw)) > p.lim.MaxMessageBytes {
		raw = raw[:p.lim.MaxMessageBytes]
		p.note("message is larger than %d bytes; only the first %d were read", p.lim.MaxMessageBytes, p.lim.MaxMessageBytes)
	}
	raw = normalise(raw)
	hdr, body, err := splitHeader(raw, p.lim.MaxHeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("reading top-level header: %w", err)
	}
	h, notes := readHeader(hdr)
	if h.Len() == 0 {
		return nil, fmt.Errorf("reading top-level header: %w", ErrNoHeader)
	}
	for _, n := range notes {
		p.note("top-level header: %s", n)
	}
	if p.onPart != nil {
		p.onPart(nil)
	}
	p.envelope(h)
	ct := p.contentType(h, "text/plain", nil)
	p.content(h, ct, body, nil, 0)
	p.finishText()
	p.msg.Auto = classify(h, ct, p.msg.From, p.msg.Subject)
	return p.msg, nil
}

// normalise strips a byte-order mark and an mbox ">From" quirk's leading
// blank, and turns the line ends of a CR-only message into LF.
func normalise(raw []byte) []byte {
	raw = bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF"))
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') >= 0 {
		raw = bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
	}
	return raw
}

// note records a non-fatal problem.
func (p *parser) note(format string, args ...any) {
	switch n := len(p.msg.Notes); {
	case n < maxNotes:
		p.msg.Notes = append(p.msg.Notes, fmt.Sprintf(format, args...))
	case n == maxNotes:
		p.msg.Notes = append(p.msg.Notes, "further notes left out")
	}
}

// where names a part for notes: "part 1.2", or "message" for the top.
func where(path []int) string {
	if len(path) == 0 {
		return "message"
	}
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = strconv.Itoa(n)
	}
	return "part " + strings.Join(s, ".")
}

// part reads one part of a multipart body.
func (p *parser) part(raw []byte, path []int, depth int, defaultType string) {
	if p.full {
		return
	}
	p.parts++
	if p.parts > p.lim.MaxParts {
		p.full = true
		p.note("more than %d parts; the rest were not read", p.lim.MaxParts)
		return
	}
	defer p.guard(path)
	if p.onPart != nil {
		p.onPart(path)
	}
	hdr, body, err := splitHeader(raw, p.lim.MaxHeaderBytes)
	if err != nil {
		p.note("%s: %v; part skipped", where(path), err)
		return
	}
	h, notes := readHeader(hdr)
	for _, n := range notes {
		p.note("%s: %s", where(path), n)
	}
	p.content(h, p.contentType(h, defaultType, path), body, path, depth)
}

// guard turns a panic in one part into a note, so the other parts are still
// read.
func (p *parser) guard(path []int) {
	if r := recover(); r != nil {
		p.note("%s: internal error (%v); part skipped", where(path), r)
	}
}

// contentType parses Content-Type; a missing or unreadable one is
// defaultType (text/plain, or message/rfc822 inside multipart/digest).
func (p *parser) contentType(h textproto.Header, defaultType string, path []int) headerParams {
	v := h.Get("Content-Type")
	ct := parseParams(v)
	if ct.dup {
		p.note("%s: Content-Type has a repeated parameter; the first was used", where(path))
	}
	if !validMediaType(ct.value) {
		if strings.TrimSpace(v) != "" {
			p.note("%s: Content-Type %q unreadable; taken as %s", where(path), capText(v, 100), defaultType)
		}
		ct.value = defaultType
	}
	return ct
}

// validMediaType reports "type/subtype" made of token characters.
func validMediaType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || typ == "" || sub == "" {
		return false
	}
	for _, c := range []byte(typ + sub) {
		if !tokenByte(c) {
			return false
		}
	}
	return true
}

// content dispatches on the media type.
func (p *parser) content(h textproto.Header, ct headerParams, body []byte, path []int, depth int) {
	switch {
	case strings.HasPrefix(ct.value, "multipart/"):
		p.multipart(h, ct, body, path, depth)
	case ct.value == "message/rfc822" || ct.value == "message/global":
		p.forwarded(h, body, path, depth)
	default:
		p.leaf(h, ct, body, path, depth)
	}
}

// deeper reports whether one more level of nesting is allowed.
func (p *parser) deeper(depth int, path []int) bool {
	if depth < p.lim.MaxDepth {
		return true
	}
	if !p.deep {
		p.deep = true
		p.note("%s: nested more than %d levels deep; inner parts not read", where(path), p.lim.MaxDepth)
	}
	return false
}

func (p *parser) multipart(h textproto.Header, ct headerParams, body []byte, path []int, depth int) {
	if !p.deeper(depth, path) {
		return
	}
	boundary := strings.TrimSpace(ct.plain["boundary"])
	budget := p.lim.MaxParts - p.parts + 1
	s := splitMultipart(body, boundary, budget)
	if !s.found {
		guess := guessBoundary(body)
		if guess != "" && guess != boundary {
			s = splitMultipart(body, guess, budget)
		}
		if !s.found {
			p.note("%s: %s has no usable boundary; read as plain text", where(path), ct.value)
			p.leaf(h, parseParams("text/plain"), body, path, depth)
			return
		}
		p.note("%s: boundary %q not found; used %q seen in the body", where(path), boundary, guess)
	}
	if !s.closed && !s.more {
		p.note("%s: no closing boundary; read to the end", where(path))
	}
	childType := "text/plain"
	if ct.value == "multipart/digest" {
		childType = "message/rfc822"
	}
	for i, raw := range s.parts {
		child := append(path[:len(path):len(path)], i+1)
		p.part(raw, child, depth+1, childType)
	}
	if s.more && !p.full {
		p.full = true
		p.note("more than %d parts; the rest were not read", p.lim.MaxParts)
	}
}

// forwarded reads a message/rfc822 part: the files of a forwarded message
// are files of this one.
func (p *parser) forwarded(h textproto.Header, body []byte, path []int, depth int) {
	if !p.deeper(depth, path) {
		return
	}
	d := decodeBody(h.Get("Content-Transfer-Encoding"), body, p.lim.MaxMessageBytes)
	if d.problem != "" {
		p.note("%s: %s", where(path), d.problem)
	}
	p.message(d.data, path, depth)
}

// message reads a whole message carried inside this one.
func (p *parser) message(raw []byte, path []int, depth int) {
	hdr, inner, err := splitHeader(normalise(raw), p.lim.MaxHeaderBytes)
	if err != nil {
		p.note("%s: forwarded message: %v; skipped", where(path), err)
		return
	}
	ih, notes := readHeader(hdr)
	for _, n := range notes {
		p.note("%s: forwarded message: %s", where(path), n)
	}
	p.content(ih, p.contentType(ih, "text/plain", path), inner, path, depth+1)
}

// leaf reads a part that is not a container: a file, a body text, or
// something to ignore.
func (p *parser) leaf(h textproto.Header, ct headerParams, body []byte, path []int, depth int) {
	d := decodeBody(h.Get("Content-Transfer-Encoding"), body, p.lim.MaxFileBytes)
	if d.problem != "" {
		p.note("%s: %s", where(path), d.problem)
	}
	disp := parseParams(h.Get("Content-Disposition"))
	name, problem := fileName(disp, ct)
	if problem != "" {
		p.note("%s: file name: %s", where(path), problem)
	}
	kind, ext, damaged := sniff(d.data, ct.value, d.complete)
	binary := kind != KindOther
	if name != "" || binary || disp.value == "attachment" {
		f := p.addFile(name, ext, ct.value, kind, d, path)
		if damaged {
			p.note("%s: file %q is a damaged zip archive (truncated or corrupt)", where(path), f.Name)
		}
		if kind == KindOther && d.complete && strings.HasSuffix(strings.ToLower(f.Name), ".eml") &&
			len(d.data) > 0 && startsWithField(d.data) && p.deeper(depth, path) {
			// A message forwarded as an .eml file (QQ Mail, some webmail):
			// its files are read too.
			p.message(d.data, path, depth)
		}
		return
	}
	switch ct.value {
	case "text/plain":
		if !p.text {
			p.text = true
			s, problem := decodeBytes(d.data, ct.plain["charset"])
			if problem != "" {
				p.note("%s: %s", where(path), problem)
			}
			p.msg.Text = capText(strings.ReplaceAll(s, "\r\n", "\n"), maxText)
		}
	case "text/html":
		if p.html == nil && !p.text {
			p.html = []byte(capText(string(d.data), maxHTML))
			p.htmlCharset = ct.plain["charset"]
		}
	case "application/ms-tnef":
		p.note("%s: winmail.dat (Outlook TNEF) not unpacked; files inside it are not read", where(path))
	default:
		if strings.HasPrefix(ct.value, "application/") && len(d.data) > 0 {
			p.note("%s: %s part without a file name ignored", where(path), ct.value)
		}
	}
}

func (p *parser) addFile(name, ext, contentType, kind string, d decoded, path []int) File {
	if name != "" {
		name = sanitizeName(name)
	}
	if name == "" {
		name = fmt.Sprintf("attachment-%d%s", len(p.msg.Files)+1, ext)
	}
	f := File{Name: name, ContentType: contentType, Kind: kind, Size: d.size}
	if d.complete {
		f.Data = d.data
	} else {
		f.TooLarge = true
		p.note("%s: file %q is %d bytes, over the %d-byte limit; not kept", where(path), name, d.size, p.lim.MaxFileBytes)
	}
	if contentType == "application/ms-tnef" || strings.EqualFold(name, "winmail.dat") {
		p.note("%s: winmail.dat (Outlook TNEF) not unpacked; files inside it are not read", where(path))
	}
	p.msg.Files = append(p.msg.Files, f)
	return f
}

// finishText falls back on the HTML body when there was no plain one.
func (p *parser) finishText() {
	if p.text || len(p.html) == 0 {
		return
	}
	s, problem := decodeBytes(p.html, p.htmlCharset)
	if problem != "" {
		p.note("HTML body: %s", problem)
	}
	p.msg.Text = capText(htmlText(s), maxText)
}
