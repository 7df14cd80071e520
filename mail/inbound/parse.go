package inbound

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// maxNotes caps Message.Notes; hostile input must not grow them unbounded.
const maxNotes = 50

// maxHTML caps the HTML kept to derive Text from when there is no plain
// part, and how much of any part that is not a file is decoded.
const maxHTML = 1 << 20

// maxTextIn caps the bytes of a text/plain body decoded to derive Text
// from: enough for maxText of any charset, even UTF-16 with CRLF.
const maxTextIn = 8 * maxText

// parser holds the state of one Parse call.
type parser struct {
	lim         Limits
	msg         *Message
	parts       int    // parts visited, the top-level entity not counted
	full        bool   // MaxParts reached: nothing more is read
	deep        bool   // MaxDepth met (noted once)
	spent       int64  // decoded bytes kept, against lim.MaxDecodedBytes
	html        []byte // the first text/html body, decoded only if no plain one comes
	htmlCharset string
	text        bool // msg.Text comes from a text/plain part

	// onPart, when set (tests only), is called as each part is entered.
	onPart func(path []int)
}

// left is what remains of the decoded-bytes budget.
func (p *parser) left() int64 {
	return max(p.lim.MaxDecodedBytes-p.spent, 0)
}

// ParseReader reads at most lim.MaxMessageBytes of r and parses them. A
// header block over lim.MaxHeaderBytes is refused before the rest of r is
// read. Reading holds about twice the message for a moment.
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
	if _, _, err := splitHeader(headWindow(head, lim), lim.MaxHeaderBytes); err != nil {
		return nil, fmt.Errorf("reading top-level header: %w", err)
	}
	// The rest is read in chunks and joined once: growing one buffer would
	// leave a trail of copies behind.
	chunks := [][]byte{head}
	total := len(head)
	for size := 64 << 10; ; size = min(2*size, 4<<20) {
		buf := make([]byte, size)
		n, err := io.ReadFull(lr, buf)
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += n
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading message: %w", err)
		}
	}
	raw := make([]byte, 0, total)
	for _, c := range chunks {
		raw = append(raw, c...)
	}
	return Parse(raw, lim)
}

// Parse parses a raw RFC 5322 message. It returns an error only when not
// even the top-level header can be read (empty input, no header field, a
// header block over lim.MaxHeaderBytes); every other problem becomes a Note
// and parsing goes on with the next part.
//
// Parse never modifies raw, and the Message shares no memory with it.
// Besides raw it holds at most lim.MaxDecodedBytes of decoded data (see
// Limits) and bounded working space: the headers of the parts it is in, at
// most maxHTML of a body text, the head of a file, the directory of one
// zip (kind.go).
func Parse(raw []byte, lim Limits) (*Message, error) {
	return parse(raw, lim, nil)
}

// ParseHeader reads only the top-level header block of raw — which may be
// the header block alone, with or without the blank line after it, or a
// whole message — and fills what Parse fills from it: the envelope
// (MessageID … Date), Auto, SubjectAuto, Auth, and Notes about that
// header; never Files or Text. It looks at no more than
// lim.MaxHeaderBytes+3 bytes of raw (nor past lim.MaxMessageBytes), and
// fails as Parse does when that header cannot be read. For the same raw
// and lim, every field it fills equals Parse's.
func ParseHeader(raw []byte, lim Limits) (msg *Message, err error) {
	p := &parser{lim: lim.withDefaults(), msg: &Message{}}
	defer func() {
		if r := recover(); r != nil {
			p.note("internal error while parsing: %v", r)
			msg, err = p.msg, nil
		}
	}()
	if _, _, _, err := p.top(headWindow(raw, p.lim)); err != nil {
		return nil, err
	}
	return p.msg, nil
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
	raw = bytes.TrimPrefix(raw, byteOrderMark)
	if crOnly(raw, p.lim.MaxHeaderBytes) {
		// A copy, counted against the decoded-bytes budget.
		raw = crToLF(raw)
		p.spent += int64(len(raw))
	}
	h, ct, body, err := p.top(raw)
	if err != nil {
		return nil, err
	}
	if p.onPart != nil {
		p.onPart(nil)
	}
	p.content(h, ct, body, nil, 0)
	p.finishText()
	return p.msg, nil
}

// top reads the top-level header of raw (already normalised) and fills
// everything that comes from it; it returns the header, its content type
// and the body. Parse and ParseHeader share it, so that they agree.
func (p *parser) top(raw []byte) (textproto.Header, headerParams, []byte, error) {
	hdr, body, err := splitHeader(raw, p.lim.MaxHeaderBytes)
	if err != nil {
		return textproto.Header{}, headerParams{}, nil, fmt.Errorf("reading top-level header: %w", err)
	}
	h, notes := readHeader(hdr)
	if h.Len() == 0 {
		return textproto.Header{}, headerParams{}, nil, fmt.Errorf("reading top-level header: %w", ErrNoHeader)
	}
	for _, n := range notes {
		p.note("top-level header: %s", n)
	}
	p.envelope(h)
	ct := p.contentType(h, "text/plain", nil)
	m := p.msg
	m.Auto = classify(h, ct, m.From, m.Subject)
	m.SubjectAuto = subjectAuto(m.Subject)
	m.Auth = authResults(h, p.lim.AuthServID)
	return h, ct, body, nil
}

var byteOrderMark = []byte("\xEF\xBB\xBF")

// headWindow is what ParseHeader reads of raw: the byte-order mark
// stripped, no more than Parse could find the top-level header in (the
// header limit, the message limit), and the line ends of a CR-only message
// turned into LF in a copy of that window only.
func headWindow(raw []byte, lim Limits) []byte {
	raw = raw[:min(int64(len(raw)), lim.MaxMessageBytes)] // as Parse cuts, before the byte-order mark goes
	raw = bytes.TrimPrefix(raw, byteOrderMark)
	raw = raw[:min(len(raw), lim.MaxHeaderBytes+3)]
	if crOnly(raw, lim.MaxHeaderBytes) {
		raw = crToLF(raw)
	}
	return raw
}

// crOnly reports a message whose line ends are CR alone: no LF within the
// window its header must end in, and a CR there. Only that window is
// looked at, so that ParseHeader decides as Parse does.
func crOnly(raw []byte, maxHeader int) bool {
	win := raw[:min(len(raw), maxHeader+3)]
	return bytes.IndexByte(win, '\n') < 0 && bytes.IndexByte(win, '\r') >= 0
}

// crToLF returns a copy of raw with every CR turned into LF.
func crToLF(raw []byte) []byte {
	return bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
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
// are files of this one. A 7bit, 8bit or binary one is read in place; a
// base64 or quoted-printable one is decoded first, against the
// decoded-bytes budget, so that nested encoded forwards cannot multiply
// memory.
func (p *parser) forwarded(h textproto.Header, body []byte, path []int, depth int) {
	if !p.deeper(depth, path) {
		return
	}
	cte := h.Get("Content-Transfer-Encoding")
	enc, problem := transferEncoding(cte)
	if problem != "" {
		p.note("%s: %s", where(path), problem)
	}
	if enc == encIdentity {
		p.message(body, path, depth)
		return
	}
	d := decodeBody(cte, body, p.left(), 0)
	if d.problem != "" {
		p.note("%s: %s", where(path), d.problem)
	}
	if !d.complete {
		p.note("%s: forwarded message is %d bytes decoded, over the %d bytes left of the %d-byte limit on decoded data; not read",
			where(path), d.size, p.left(), p.lim.MaxDecodedBytes)
		return
	}
	p.spent += d.size
	p.message(d.data, path, depth)
}

// message reads a whole message carried inside this one.
func (p *parser) message(raw []byte, path []int, depth int) {
	raw = bytes.TrimPrefix(raw, byteOrderMark)
	if crOnly(raw, p.lim.MaxHeaderBytes) {
		if int64(len(raw)) > p.left() {
			p.note("%s: forwarded message with CR-only line ends is %d bytes, over the %d bytes left of the %d-byte limit on decoded data; not read",
				where(path), len(raw), p.left(), p.lim.MaxDecodedBytes)
			return
		}
		raw = crToLF(raw)
		p.spent += int64(len(raw))
	}
	hdr, inner, err := splitHeader(raw, p.lim.MaxHeaderBytes)
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
// something to ignore. A part that names itself a file (a file name, or
// Content-Disposition: attachment) is decoded up to the file limit and the
// decoded-bytes budget. Any other part is first decoded only as far as a
// body text is used (maxHTML); when that head shows a binary file (an
// inline workbook without a name), it is decoded again as a file.
func (p *parser) leaf(h textproto.Header, ct headerParams, body []byte, path []int, depth int) {
	cte := h.Get("Content-Transfer-Encoding")
	disp := parseParams(h.Get("Content-Disposition"))
	name, problem := fileName(disp, ct)
	if problem != "" {
		p.note("%s: file name: %s", where(path), problem)
	}
	named := name != "" || disp.value == "attachment"
	var d decoded
	if named {
		d = p.decodeFile(cte, body)
	} else {
		d = decodeBody(cte, body, maxHTML, maxHTML)
	}
	kind, ext, damaged := sniff(d.data, ct.value, d.complete)
	if !named && !d.complete && kind != KindOther {
		d = p.decodeFile(cte, body)
		kind, ext, damaged = sniff(d.data, ct.value, d.complete)
	}
	if d.problem != "" {
		p.note("%s: %s", where(path), d.problem)
	}
	if named || kind != KindOther {
		f := p.addFile(name, ext, ct.value, kind, d, path)
		if damaged {
			p.note("%s: file %q is a damaged zip archive (truncated, corrupt, or with more than %d entries)", where(path), f.Name, maxZipEntries)
		}
		if kind == KindOther && len(f.Data) > 0 && strings.HasSuffix(strings.ToLower(f.Name), ".eml") &&
			startsWithField(f.Data) && p.deeper(depth, path) {
			// A message forwarded as an .eml file (QQ Mail, some webmail):
			// its files are read too.
			p.message(f.Data, path, depth)
		}
		return
	}
	switch ct.value {
	case "text/plain":
		if !p.text {
			p.text = true
			s, problem := decodeBytes(capBytes(d.data, maxTextIn), ct.plain["charset"])
			if problem != "" {
				p.note("%s: %s", where(path), problem)
			}
			p.msg.Text = capText(strings.ReplaceAll(s, "\r\n", "\n"), maxText)
		}
	case "text/html":
		if p.html == nil && !p.text {
			p.html = capBytes(d.data, maxHTML)
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

// capBytes cuts b to at most max bytes, on a UTF-8 character boundary.
func capBytes(b []byte, max int) []byte {
	if len(b) <= max {
		return b
	}
	for max > 0 && !utf8.RuneStart(b[max]) {
		max--
	}
	return b[:max]
}

// decodeFile decodes a file's body, keeping all of it only within the file
// limit and what is left of the decoded-bytes budget.
func (p *parser) decodeFile(cte string, body []byte) decoded {
	return decodeBody(cte, body, min(p.lim.MaxFileBytes, p.left()), sniffHead)
}

// addFile records a file; its data is kept only when it is whole and
// within both the file limit and the decoded-bytes budget.
func (p *parser) addFile(name, ext, contentType, kind string, d decoded, path []int) File {
	if name != "" {
		name = sanitizeName(name)
	}
	if name == "" {
		name = fmt.Sprintf("attachment-%d%s", len(p.msg.Files)+1, ext)
	}
	f := File{Name: name, ContentType: contentType, Kind: kind, Size: d.size}
	switch {
	case d.size > p.lim.MaxFileBytes:
		f.TooLarge = true
		p.note("%s: file %q is %d bytes, over the %d-byte limit; not kept", where(path), name, d.size, p.lim.MaxFileBytes)
	case !d.complete || d.size > p.left():
		f.TooLarge = true
		p.note("%s: file %q is %d bytes, over the %d bytes left of the %d-byte limit on decoded data for one message; not kept",
			where(path), name, d.size, p.left(), p.lim.MaxDecodedBytes)
	default:
		f.Data = d.data
		p.spent += d.size
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
