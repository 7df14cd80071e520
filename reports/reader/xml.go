package reader

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"github.com/duban/duban/reports"
)

// The XML of a workbook is read as a token stream (encoding/xml), one part
// at a time, through bounds that hold whatever the sender wrote: the
// part's uncompressed size, the size of any single token, the nesting
// depth and the number of elements. What is kept from a part is bounded
// separately (the area of a sheet, the shared strings, the text budget).

// maxTokenBytes bounds one lexical construct of a part's XML: a run of
// text, a tag with its attributes, a comment, a CDATA section. The decoder
// holds a whole construct in memory, and a tag's attributes take several
// times their size once decoded. Excel's longest cell (32,767 characters,
// escaped) fits with room to spare.
const maxTokenBytes = 1 << 20

// limitError reports a workbook beyond one of the reading bounds.
type limitError struct {
	sheet  string // the sheet being read; "" for the workbook's other parts
	reason string // what was exceeded, for people
}

func (e *limitError) Error() string {
	return fmt.Sprintf("workbook beyond reading limits (sheet %q): %s", e.sheet, e.reason)
}

// outsideError reports a table sheet with too many cells outside the area.
type outsideError struct {
	sheet string
	count int
	first string // the first such cell, e.g. "XFD20"; "" when it has no name
}

func (e *outsideError) Error() string {
	return fmt.Sprintf("sheet %q has %d non-empty cells outside the table area", e.sheet, e.count)
}

// problemOf turns a reading error that condemns the whole workbook into
// its problem; false for errors that only make one sheet unreadable.
func problemOf(err error, lim reports.Limits) (reports.Problem, bool) {
	var le *limitError
	if errors.As(err, &le) {
		where := "文件"
		if le.sheet != "" {
			where = "工作表“" + le.sheet + "”"
		}
		return reports.Problem{Kind: KindTooComplex, Message: where + "的内部结构异常或内容过多（" + le.reason +
			"），超出了系统的读取上限，系统未读取本文件。请在 Excel/WPS 中打开本期模板，只在表格内填写，" +
			"填好后“另存为”Excel 工作簿（.xlsx）重新发送。"}, true
	}
	var oe *outsideError
	if errors.As(err, &oe) {
		example := ""
		if oe.first != "" {
			example = "（如 " + oe.first + " 单元格）"
		}
		return reports.Problem{Kind: KindOutsideTable, Message: fmt.Sprintf(
			"工作表“%s”在表格以外的区域（第 %s 列以右或第 %d 行以下）有 %d 个单元格填有内容%s，系统未读取本文件。"+
				"请删除表格以外的内容，或使用本期模板重新填写后发送。",
			oe.sheet, columnName(lim.MaxColumns), lim.MaxRows, oe.count, example)}, true
	}
	return reports.Problem{}, false
}

// columnName is a column's letters (1 → A, 32 → AF).
func columnName(col int) string {
	var b []byte
	for ; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}

// xmlPart reads one part's tokens within the bounds.
type xmlPart struct {
	dec      *xml.Decoder
	guard    *guard
	rc       io.ReadCloser
	lim      *reports.Limits
	sheet    string // for messages: the sheet this part is; "" otherwise
	depth    int    // elements open
	elements int    // elements started so far
	// raw: names as written (prefix:local), without the decoder's
	// namespace translation and its allocations; parts read raw are
	// matched by local names only, and tags are checked to match here.
	raw  bool
	open []xml.Name // with raw: the elements open
}

// openXML opens a zip entry for bounded reading; total counts the bytes
// read from all parts, which may not exceed MaxUnzipBytes either (a part
// that several sheets name is read again for each).
func openXML(zf *zip.File, lim *reports.Limits, total *int64, sheet string, raw bool) (*xmlPart, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	g := &guard{r: rc, left: lim.MaxPartBytes, total: total, maxTok: maxTokenBytes, lim: lim, sheet: sheet}
	dec := xml.NewDecoder(g)
	dec.CharsetReader = charset.NewReaderLabel // as excelize reads parts
	return &xmlPart{dec: dec, guard: g, rc: rc, lim: lim, sheet: sheet, raw: raw}, nil
}

func (x *xmlPart) close() { _ = x.rc.Close() }

// errXMLSyntax: tags that do not match, or a part that ends inside an
// element.
var errXMLSyntax = errors.New("XML syntax error: unbalanced tags")

// token returns the next token, io.EOF at the end of the part, or an error;
// a *limitError when a bound is exceeded. CharData is only valid until
// the next call.
func (x *xmlPart) token() (xml.Token, error) {
	var (
		tok xml.Token
		err error
	)
	if x.raw {
		tok, err = x.dec.RawToken()
	} else {
		tok, err = x.dec.Token()
	}
	if err != nil {
		if x.guard.err != nil {
			// The decoder may report the text it was cut off in instead.
			return nil, x.guard.err
		}
		if err == io.EOF && x.depth != 0 {
			return nil, errXMLSyntax
		}
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		x.depth++
		x.elements++
		if x.depth > x.lim.MaxXMLDepth {
			return nil, &limitError{sheet: x.sheet, reason: fmt.Sprintf("XML 嵌套超过 %d 层", x.lim.MaxXMLDepth)}
		}
		if x.elements > x.lim.MaxXMLElements {
			return nil, &limitError{sheet: x.sheet, reason: fmt.Sprintf("XML 元素超过 %d 个", x.lim.MaxXMLElements)}
		}
		if x.raw {
			x.open = append(x.open, t.Name)
		}
	case xml.EndElement:
		if x.raw {
			if x.depth == 0 || x.open[x.depth-1] != t.Name {
				return nil, errXMLSyntax
			}
			x.open = x.open[:x.depth-1]
		}
		x.depth--
	}
	return tok, nil
}

// guard passes a part's bytes to the decoder while bounding its size and
// the size of every lexical construct in it (see maxTokenBytes): a small
// XML lexer that only tells where constructs begin and end.
type guard struct {
	r      io.Reader
	left   int64  // bytes the part may still have
	total  *int64 // bytes read from all the workbook's parts
	maxTok int
	lim    *reports.Limits
	sheet  string
	err    error

	state uint8
	n     int  // bytes of the current construct
	quote byte // the quote an attribute value is in, or 0
	match int  // progress through a terminator or a "<!" prefix
	bang  string
	depth int // '[' nesting in a declaration
}

// Lexer states.
const (
	lxText    = iota
	lxOpen    // after '<'
	lxBang    // after "<!": a comment, a CDATA section or a declaration
	lxTag     // an element's start or end tag
	lxComment // until "-->"
	lxCDATA   // until "]]>"
	lxPI      // a processing instruction, until "?>"
	lxDecl    // <!DOCTYPE …>, until '>' outside quotes and brackets
)

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if int64(n) > g.left {
		g.err = &limitError{sheet: g.sheet, reason: "解压后超过 " + size(g.lim.MaxPartBytes)}
		return 0, g.err
	}
	if *g.total += int64(n); *g.total > g.lim.MaxUnzipBytes {
		g.err = &limitError{sheet: g.sheet, reason: "读取的内容合计超过 " + size(g.lim.MaxUnzipBytes)}
		return 0, g.err
	}
	g.left -= int64(n)
	if !g.scan(p[:n]) {
		g.err = &limitError{sheet: g.sheet, reason: "单个单元格或标记超过 " + size(int64(g.maxTok))}
		return 0, g.err
	}
	return n, err
}

// scan lexes p; false when a construct grows beyond the bound.
func (g *guard) scan(p []byte) bool {
	for i := 0; i < len(p); {
		switch g.state {
		case lxText:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				g.n += len(p) - i
				return g.n <= g.maxTok
			}
			if g.n += j; g.n > g.maxTok {
				return false
			}
			i += j + 1
			g.state, g.n = lxOpen, 1
			continue
		case lxTag:
			if g.quote != 0 {
				j := bytes.IndexByte(p[i:], g.quote)
				if j < 0 {
					g.n += len(p) - i
					return g.n <= g.maxTok
				}
				g.n += j + 1
				i += j + 1
				g.quote = 0
			} else {
				j := bytes.IndexAny(p[i:], `"'>`)
				if j < 0 {
					g.n += len(p) - i
					return g.n <= g.maxTok
				}
				g.n += j + 1
				c := p[i+j]
				i += j + 1
				if c == '>' {
					g.state, g.n = lxText, 0
					continue
				}
				g.quote = c
			}
			if g.n > g.maxTok {
				return false
			}
			continue
		}
		c := p[i]
		i++
		g.n++
		if g.n > g.maxTok {
			return false
		}
		switch g.state {
		case lxOpen:
			switch c {
			case '!':
				g.state, g.match, g.bang = lxBang, 0, ""
			case '?':
				g.state, g.match = lxPI, 0
			default:
				g.state, g.quote = lxTag, 0
				if c == '"' || c == '\'' {
					g.quote = c
				} else if c == '>' {
					g.state, g.n = lxText, 0
				}
			}
		case lxBang:
			if g.match == 0 {
				switch c {
				case '-':
					g.bang = "--"
				case '[':
					g.bang = "[CDATA["
				}
			}
			if g.bang != "" && c == g.bang[g.match] {
				if g.match++; g.match == len(g.bang) {
					g.state, g.match = lxComment, 0
					if g.bang != "--" {
						g.state = lxCDATA
					}
				}
				break
			}
			g.state, g.quote, g.depth = lxDecl, 0, 0
			g.decl(c)
		case lxComment, lxCDATA:
			mark := byte('-')
			if g.state == lxCDATA {
				mark = ']'
			}
			switch {
			case c == mark:
				g.match = min(g.match+1, 2)
			case c == '>' && g.match == 2:
				g.state, g.n = lxText, 0
			default:
				g.match = 0
			}
		case lxPI:
			switch {
			case c == '?':
				g.match = 1
			case c == '>' && g.match == 1:
				g.state, g.n = lxText, 0
			default:
				g.match = 0
			}
		case lxDecl:
			g.decl(c)
		}
	}
	return true
}

// decl lexes one byte of a <!DOCTYPE …> declaration.
func (g *guard) decl(c byte) {
	switch {
	case g.quote != 0:
		if c == g.quote {
			g.quote = 0
		}
	case c == '"' || c == '\'':
		g.quote = c
	case c == '[':
		g.depth++
	case c == ']':
		g.depth--
	case c == '>' && g.depth <= 0:
		g.state, g.n = lxText, 0
	}
}

// cellRef reads a cell reference as excelize's CellNameToCoordinates
// does: letters (any case, '$' ignored) then a row number in 1..1048576;
// the column must be at most XFD (16384).
func cellRef(s string) (col, row int, ok bool) {
	alpha := func(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '$' }
	if s == "" || !alpha(s[0]) {
		return 0, 0, false
	}
	i := len(s) - 1
	for i >= 0 && !alpha(s[i]) {
		i--
	}
	if i == len(s)-1 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(s[i+1:])
	if err != nil || row <= 0 || row > excelRows {
		return 0, 0, false
	}
	letters := 0
	for j := 0; j <= i; j++ {
		c := s[j]
		switch {
		case c == '$':
			continue
		case 'A' <= c && c <= 'Z':
			c -= 'A' - 1
		case 'a' <= c && c <= 'z':
			c -= 'a' - 1
		default:
			return 0, 0, false
		}
		// Left to right the number only grows: beyond XFD it stays beyond.
		if col = col*26 + int(c); col > excelColumns {
			return 0, 0, false
		}
		letters++
	}
	if letters == 0 {
		return 0, 0, false
	}
	return col, row, true
}

// Excel's sheet size.
const (
	excelRows    = 1048576
	excelColumns = 16384
)

// unescape decodes the _xHHHH_ escapes of an OOXML string (ST_Xstring),
// as excelize does for shared and inline strings: each becomes the
// character of that code point (_x005F_ an underscore), and one that is
// no character (a lone surrogate) is dropped.
func unescape(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+7 <= len(s); {
		if s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			b.WriteString(s[last:i])
			v, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if r := rune(v); utf8.ValidRune(r) {
				b.WriteRune(r)
			}
			i += 7
			last = i
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// stringItem collects a string item, the content of a shared string's <si>
// or an inline string's <is>, as excelize reads one: the text of its last
// direct <t>, then the text of each rich-text run <r> (its last <t>), in
// order. Phonetic runs (<rPh>) and properties are left out. Only the
// character data directly inside a <t> counts.
type stringItem struct {
	base    int // depth of the <si> or <is> element
	t, runs []byte
	run     []byte
	inRun   bool
	capture int // depth of the <t> being read, or 0
	into    *[]byte
}

// reset starts a new item whose element is at depth base.
func (s *stringItem) reset(base int) {
	*s = stringItem{base: base, t: s.t[:0], runs: s.runs[:0], run: s.run[:0]}
}

// reopen continues the item in another element at depth base (a second
// <is> in one cell adds to the first, as excelize reads it).
func (s *stringItem) reopen(base int) { s.base, s.inRun, s.capture = base, false, 0 }

// start handles an element start at depth d inside the item.
func (s *stringItem) start(name string, d int) {
	if s.capture != 0 {
		return
	}
	switch {
	case d == s.base+1 && name == "t":
		s.t = s.t[:0]
		s.capture, s.into = d, &s.t
	case d == s.base+1 && name == "r":
		s.inRun, s.run = true, s.run[:0]
	case d == s.base+2 && s.inRun && name == "t":
		s.run = s.run[:0]
		s.capture, s.into = d, &s.run
	}
}

// text handles character data at depth d.
func (s *stringItem) text(b []byte, d int) {
	if s.capture != 0 && d == s.capture {
		*s.into = append(*s.into, b...)
	}
}

// end handles an element end; d is the depth of the element that ended.
func (s *stringItem) end(d int) {
	switch {
	case s.capture != 0:
		if d == s.capture {
			s.capture = 0
		}
	case s.inRun && d == s.base+1:
		s.runs = append(s.runs, s.run...)
		s.inRun = false
	}
}

// len is the item's length in bytes, escapes not decoded.
func (s *stringItem) len() int { return len(s.t) + len(s.runs) }

// value returns the item's text with its escapes decoded.
func (s *stringItem) value() string {
	if s.len() == 0 {
		return ""
	}
	var b strings.Builder // one copy, however long the runs
	b.Grow(s.len())
	b.Write(s.t)
	b.Write(s.runs)
	return unescape(b.String())
}
