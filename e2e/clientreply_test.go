package e2e

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// clientsDir holds real mail clients' replies (mail/inbound's fixtures).
const clientsDir = "../mail/inbound/testdata/clients"

// person is a display name and an address.
type person struct{ Name, Email string }

// replyEdit is what turns a client's fixture into one unit's reply.
type replyEdit struct {
	From, To  person
	InReplyTo string // message id without <>; replaces In-Reply-To and References where the fixture has them
	MessageID string // without <>; replaces Message-ID
	Workbook  []byte // replaces the fixture's one .xlsx; nil leaves the body alone
}

// rewriteReply returns the fixture raw with e applied and nothing else
// changed: header fields keep their names, folding style, charsets and
// encodings (a GB2312 B-encoded quoted name stays one, with the new name);
// the workbook's base64 keeps its line length and line ending; boundaries,
// other parts and quirks (raw 8-bit names, RFC 2231, forwarded
// message/rfc822) stay byte for byte. Only the top-level header is edited:
// a forwarded message's inner header is the client's, not the sender's.
func rewriteReply(raw []byte, e replyEdit) ([]byte, error) {
	eol := "\r\n"
	if i := bytes.IndexByte(raw, '\n'); i <= 0 || raw[i-1] != '\r' {
		eol = "\n"
	}
	end := bytes.Index(raw, []byte(eol+eol))
	if end < 0 {
		return nil, errors.New("no end of header")
	}
	header, body := string(raw[:end+len(eol)]), raw[end+len(eol):]

	var out strings.Builder
	seen := map[string]bool{}
	for _, field := range splitFields(header, eol) {
		name, value, ok := strings.Cut(field, ":")
		if !ok {
			return nil, fmt.Errorf("header line %q has no colon", field)
		}
		key := strings.ToLower(name)
		var repl string
		switch {
		case key == "from":
			repl = rewriteAddress(unfold(value, eol), e.From)
		case key == "to":
			repl = rewriteAddress(unfold(value, eol), e.To)
		case (key == "in-reply-to" || key == "references") && e.InReplyTo != "":
			repl = " <" + e.InReplyTo + ">"
		case key == "message-id" && e.MessageID != "":
			repl = " <" + e.MessageID + ">"
		default:
			out.WriteString(field)
			continue
		}
		seen[key] = true
		out.WriteString(name + ":" + repl + eol)
	}
	if !seen["from"] || !seen["to"] {
		return nil, fmt.Errorf("fixture lacks From or To (found %v)", seen)
	}
	if e.Workbook == nil {
		return append([]byte(out.String()), body...), nil
	}
	newBody, n := replaceWorkbook(body, e.Workbook, eol)
	if n != 1 {
		return nil, fmt.Errorf("found %d base64 .xlsx bodies, want exactly 1", n)
	}
	return append([]byte(out.String()), newBody...), nil
}

// splitFields splits a header block into fields, each with its continuation
// lines and line endings.
func splitFields(header, eol string) []string {
	var fields []string
	for _, line := range strings.SplitAfter(header, eol) {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] += line
			continue
		}
		fields = append(fields, line)
	}
	return fields
}

func unfold(value, eol string) string {
	return strings.ReplaceAll(strings.TrimSuffix(value, eol), eol, "")
}

var (
	angleAddr   = regexp.MustCompile(`^(\s*)(.*?)\s*<[^<>]*>\s*$`)
	encodedWord = regexp.MustCompile(`^(")?=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?[^?]*\?=`)
)

// rewriteAddress writes p in the style of the original value: an encoded
// display name keeps its charset, encoding and quotes; a raw 8-bit name
// stays raw in its charset (UTF-8, else GBK); an address without a name
// stays bare.
func rewriteAddress(value string, p person) string {
	m := angleAddr.FindStringSubmatch(value)
	if m == nil {
		return " " + p.Email
	}
	lead, display := m[1], m[2]
	if lead == "" {
		lead = " "
	}
	var name string
	switch {
	case display == "":
		return lead + "<" + p.Email + ">"
	case encodedWord.MatchString(display):
		w := encodedWord.FindStringSubmatch(display)
		name = encodeName(p.Name, w[2], w[3])
		if w[1] == `"` {
			name = `"` + name + `"`
		}
	case !isASCII(display) && utf8.ValidString(display):
		name = p.Name
	case !isASCII(display):
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(p.Name)
		if err != nil {
			gbk = p.Name
		}
		name = gbk
	default:
		name = mime.BEncoding.Encode("UTF-8", p.Name)
	}
	return lead + name + " <" + p.Email + ">"
}

// encodeName encodes s as one RFC 2047 word in the given charset, with
// enc ("B", "b", "Q" or "q") written as the client wrote it.
func encodeName(s, charset, enc string) string {
	data := []byte(s)
	if !strings.EqualFold(charset, "utf-8") {
		if e, err := htmlindex.Get(charset); err == nil {
			if b, err := e.NewEncoder().Bytes(data); err == nil {
				data = b
			}
		}
	}
	var text string
	if strings.EqualFold(enc, "B") {
		text = base64.StdEncoding.EncodeToString(data)
	} else {
		var b strings.Builder
		for _, c := range data {
			switch {
			case c == ' ':
				b.WriteByte('_')
			case c > ' ' && c < 0x7f && c != '=' && c != '?' && c != '_' && c != '"':
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, "=%02X", c)
			}
		}
		text = b.String()
	}
	return "=?" + charset + "?" + enc + "?" + text + "?="
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var base64Line = regexp.MustCompile(`^[A-Za-z0-9+/]+=*$`)

// replaceWorkbook replaces every base64 body that decodes to a zip (the
// .xlsx) by book, wrapped like the original, and says how many it replaced.
// A base64 body is a run of base64 lines right after a part's blank line.
func replaceWorkbook(body, book []byte, eol string) ([]byte, int) {
	lines := strings.SplitAfter(string(body), eol)
	var out strings.Builder
	replaced := 0
	for i := 0; i < len(lines); {
		startsBody := i > 0 && lines[i-1] == eol
		j := i
		for j < len(lines) && base64Line.MatchString(strings.TrimSuffix(lines[j], eol)) && strings.HasSuffix(lines[j], eol) {
			j++
		}
		if !startsBody || j == i {
			out.WriteString(lines[i])
			i++
			continue
		}
		var joined strings.Builder
		for _, l := range lines[i:j] {
			joined.WriteString(strings.TrimSuffix(l, eol))
		}
		data, err := base64.StdEncoding.DecodeString(joined.String())
		if err != nil || !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			for _, l := range lines[i:j] {
				out.WriteString(l)
			}
			i = j
			continue
		}
		width := len(strings.TrimSuffix(lines[i], eol))
		enc := base64.StdEncoding.EncodeToString(book)
		for len(enc) > width {
			out.WriteString(enc[:width] + eol)
			enc = enc[width:]
		}
		out.WriteString(enc + eol)
		replaced++
		i = j
	}
	return []byte(out.String()), replaced
}
