package inbound

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// hasNote reports whether a note contains substr.
func hasNote(m *Message, substr string) bool {
	for _, n := range m.Notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hugeHeader is a header block of about n bytes that never ends.
func hugeHeader(n int) []byte {
	line := "X-Junk: " + strings.Repeat("a", 70) + "\r\n"
	var b bytes.Buffer
	b.WriteString("From: a@b.example\r\n")
	for b.Len() < n {
		b.WriteString(line)
	}
	b.WriteString("\r\nbody\r\n")
	return b.Bytes()
}

func TestHugeTopHeaderRefused(t *testing.T) {
	raw := hugeHeader(20 << 20)
	var err error
	start := time.Now()
	alloc := allocated(func() { _, err = Parse(raw, Limits{}) })
	if !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("Parse(20 MB header) error = %v, want ErrHeaderTooLarge", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Parse(20 MB header) took %v, want well under a second", d)
	}
	if alloc > 4<<20 {
		t.Errorf("Parse(20 MB header) allocated %d bytes, want under 4 MiB", alloc)
	}
}

// endless is an io.Reader of header lines that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	const line = "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	for i := range p {
		p[i] = line[(e.n+int64(i))%int64(len(line))]
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestParseReaderRefusesHugeHeaderEarly(t *testing.T) {
	r := &endless{}
	var err error
	alloc := allocated(func() { _, err = ParseReader(r, Limits{}) })
	if !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("ParseReader(endless header) error = %v, want ErrHeaderTooLarge", err)
	}
	if r.n > 1<<20 {
		t.Errorf("ParseReader(endless header) read %d bytes, want at most about MaxHeaderBytes", r.n)
	}
	if alloc > 4<<20 {
		t.Errorf("ParseReader(endless header) allocated %d bytes, want under 4 MiB", alloc)
	}
}

func TestParseReaderMatchesParse(t *testing.T) {
	raw := readFixture(t, "foxmail.eml")
	m, err := ParseReader(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatalf("ParseReader(foxmail.eml) error = %v", err)
	}
	if len(m.Workbooks()) != 1 || m.Subject == "" {
		t.Errorf("ParseReader(foxmail.eml) = %d workbooks, subject %q", len(m.Workbooks()), m.Subject)
	}
	m, err = ParseReader(bytes.NewReader(raw), Limits{MaxMessageBytes: 4000})
	if err != nil {
		t.Fatalf("ParseReader(foxmail.eml, 4000 bytes) error = %v", err)
	}
	if !hasNote(m, "larger than 4000 bytes") {
		t.Errorf("ParseReader(foxmail.eml, 4000 bytes) notes = %q, want the cut noted", m.Notes)
	}
	if _, err := ParseReader(iotestErrReader{}, Limits{}); err == nil {
		t.Error("ParseReader(failing reader) error = nil, want the read error")
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// multipartOf builds a message whose multipart/mixed body holds parts.
func multipartOf(boundary string, parts ...string) []byte {
	var b strings.Builder
	b.WriteString("From: Unit <unit@metro.example>\r\nSubject: test\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return []byte(b.String())
}

func xlsxPart(t *testing.T, name string) string {
	return "Content-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64(readFixture(t, "reply.xlsx"), 76)
}

func TestHugePartHeaderSkipsOnlyThatPart(t *testing.T) {
	huge := string(hugeHeader(20 << 20))
	raw := multipartOf("b1", "Content-Type: text/plain\r\n\r\nhello", huge, xlsxPart(t, "a.xlsx"))
	m, err := parseWithin(t, "huge part header", raw, Limits{}, 5*time.Second)
	if err != nil {
		t.Fatalf("Parse(huge part header) error = %v", err)
	}
	if !hasNote(m, "part 2: header block too large") {
		t.Errorf("Parse(huge part header) notes = %q, want part 2 refused", m.Notes)
	}
	if len(m.Workbooks()) != 1 || m.Text != "hello" {
		t.Errorf("Parse(huge part header) = %v, text %q; want the other parts read", fileSums(m), m.Text)
	}
}

// TestDeepNesting: 10,000 levels of multiparts, or of forwarded messages,
// are read to the depth limit in bounded time, and nothing below it.
func TestDeepNesting(t *testing.T) {
	const levels = 10000
	multiparts := func() string {
		var b strings.Builder
		b.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
		for i := 0; i < levels; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
		}
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: application/pdf\r\n\r\n%%PDF-1.4\r\n", levels)
		for i := levels; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		return b.String()
	}
	forwards := "From: a@b.example\r\n" + strings.Repeat("Content-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\n", levels) +
		"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
	for name, raw := range map[string]string{"10,000 nested multiparts": multiparts(), "10,000 nested forwards": forwards} {
		m, err := parseWithin(t, name, []byte(raw), Limits{}, 5*time.Second)
		if err != nil {
			t.Fatalf("Parse(%s) error = %v", name, err)
		}
		if !hasNote(m, "nested more than 8 levels") || len(m.Files) != 0 {
			t.Errorf("Parse(%s) files %v notes %q, want the depth limit noted and nothing read below it", name, fileSums(m), m.Notes)
		}
	}
}

func TestDepthLimitAllowsShallowNesting(t *testing.T) {
	// A workbook 8 containers deep (the default limit) is still found.
	inner := xlsxPart(t, "deep.xlsx")
	for i := 7; i >= 1; i-- {
		bd := fmt.Sprintf("lvl%d", i)
		inner = "Content-Type: multipart/mixed; boundary=\"" + bd + "\"\r\n\r\n--" + bd + "\r\n" + inner + "\r\n--" + bd + "--"
	}
	m, err := Parse(multipartOf("lvl0", inner), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Workbooks()) != 1 || len(m.Notes) != 0 {
		t.Errorf("Parse(8 levels) = %v, notes %q; want the workbook and no notes", fileSums(m), m.Notes)
	}
	m, err = Parse(multipartOf("lvl0", inner), Limits{MaxDepth: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Workbooks()) != 0 || !hasNote(m, "nested more than 7 levels") {
		t.Errorf("Parse(8 levels, MaxDepth 7) = %v, notes %q; want it cut", fileSums(m), m.Notes)
	}
}

func TestManyParts(t *testing.T) {
	parts := make([]string, 1000)
	for i := range parts {
		parts[i] = fmt.Sprintf("Content-Type: text/plain\r\n\r\npart %d", i+1)
	}
	parts[149] = xlsxPart(t, "early.xlsx")
	parts[899] = xlsxPart(t, "late.xlsx")
	m, err := parseWithin(t, "1,000 parts", multipartOf("many", parts...), Limits{}, 5*time.Second)
	if err != nil {
		t.Fatalf("Parse(1,000 parts) error = %v", err)
	}
	if got := fileSums(m); len(got) != 1 || got[0].Name != "early.xlsx" {
		t.Errorf("Parse(1,000 parts) files = %v, want only early.xlsx (part 150)", got)
	}
	if !hasNote(m, "more than 200 parts") {
		t.Errorf("Parse(1,000 parts) notes = %q, want the part limit noted", m.Notes)
	}
}

func TestTruncatedMessage(t *testing.T) {
	raw := readFixture(t, "foxmail.eml")
	at := bytes.Index(raw, []byte("UEsDB")) + 3000 // inside the workbook's base64
	m, err := Parse(raw[:at], Limits{})
	if err != nil {
		t.Fatalf("Parse(truncated) error = %v", err)
	}
	if len(m.Workbooks()) != 0 {
		t.Errorf("Parse(truncated) Workbooks() = %d, want none: the file is cut", len(m.Workbooks()))
	}
	if len(m.Files) != 1 || m.Files[0].Kind != KindZip || !m.Files[0].IsWorkbookLike() {
		t.Errorf("Parse(truncated) files = %v, want one damaged zip", fileSums(m))
	}
	if !hasNote(m, "no closing boundary") || !hasNote(m, "damaged zip") {
		t.Errorf("Parse(truncated) notes = %q, want the cut and the damaged file noted", m.Notes)
	}
	if m.Subject == "" || m.Text == "" {
		t.Errorf("Parse(truncated) lost the subject %q or text %q", m.Subject, m.Text)
	}
	// Every cut must parse without a panic and within the time limit.
	for cut := 0; cut < len(raw); cut += 97 {
		m, err := parseWithin(t, fmt.Sprintf("foxmail.eml[:%d]", cut), raw[:cut], Limits{}, 5*time.Second)
		if err == nil {
			assertNoInternalError(t, "cut", m)
		}
	}
}

func TestDegenerateInputs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		raw     string
		wantErr error
	}{
		{"empty", "", ErrNoHeader},
		{"CRLF only", strings.Repeat("\r\n", 1000), ErrNoHeader},
		{"LF only", strings.Repeat("\n", 1000), ErrNoHeader},
		{"CR only", strings.Repeat("\r", 1000), ErrNoHeader},
		{"not mail", "hello world\r\nthis is a text file\r\n", ErrNoHeader},
		{"no body", "From: a@b.example\r\nSubject: x\r\n", nil},
		{"no body no line end", "From: a@b.example", nil},
		{"header then blank", "From: a@b.example\r\n\r\n", nil},
		{"multipart no body", "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n", nil},
		{"boundary only", "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n", nil},
		{"closing only", "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n", nil},
		{"empty boundary", "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n----\r\n\r\n", nil},
		{"empty forwarded", "From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n", nil},
		{"NUL bytes", "From: a@b.example\r\n\r\n\x00\x00\x00", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseWithin(t, tc.name, []byte(tc.raw), Limits{}, 5*time.Second)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse(%s) error = %v, want %v", tc.name, err, tc.wantErr)
			}
			if err == nil && (m.From.Email != "a@b.example" || len(m.Files) != 0) {
				t.Errorf("Parse(%s) = from %q files %v", tc.name, m.From.Email, fileSums(m))
			}
			assertNoInternalError(t, tc.name, m)
		})
	}
}

// TestLineEndings: the same reply with LF-only and CR-only line ends gives
// the same subject and workbook.
func TestLineEndings(t *testing.T) {
	raw := readFixture(t, "foxmail.eml")
	xlsx := readFixture(t, "reply.xlsx")
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	cr := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))
	for name, variant := range map[string][]byte{"LF": lf, "CR": cr} {
		m, err := Parse(variant, Limits{})
		if err != nil {
			t.Fatalf("Parse(%s line ends) error = %v", name, err)
		}
		wbs := m.Workbooks()
		if len(wbs) != 1 || !bytes.Equal(wbs[0].Data, xlsx) {
			t.Errorf("Parse(%s line ends) files = %v, want the workbook intact", name, fileSums(m))
		}
		if m.Subject != clientCases[0].subject {
			t.Errorf("Parse(%s line ends) Subject = %q", name, m.Subject)
		}
	}
}

func TestMissingBoundary(t *testing.T) {
	raw := readFixture(t, "foxmail.eml")
	noParam := bytes.Replace(raw, []byte(";\r\n\tboundary=\"----=_001_NextPart467136585263_=----\""), nil, 1)
	if bytes.Equal(noParam, raw) {
		t.Fatal("fixture changed: top-level boundary parameter not found")
	}
	wrongParam := bytes.Replace(raw, []byte("boundary=\"----=_001_NextPart467136585263_=----\""), []byte("boundary=\"nope\""), 1)
	for name, variant := range map[string][]byte{"no boundary parameter": noParam, "wrong boundary": wrongParam} {
		m, err := Parse(variant, Limits{})
		if err != nil {
			t.Fatalf("Parse(%s) error = %v", name, err)
		}
		if len(m.Workbooks()) != 1 || !hasNote(m, "used \"----=_001_NextPart467136585263_=----\"") {
			t.Errorf("Parse(%s) files %v notes %q, want the boundary guessed and the workbook found", name, fileSums(m), m.Notes)
		}
	}
	// No boundary and nothing that looks like one: the body is text.
	m, err := Parse([]byte("From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\njust text\r\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "just text\n" || !hasNote(m, "no usable boundary") {
		t.Errorf("Parse(multipart without boundary) text %q notes %q", m.Text, m.Notes)
	}
}

func TestTooLargeFile(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	m, err := Parse(readFixture(t, "foxmail.eml"), Limits{MaxFileBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 1 {
		t.Fatalf("Parse(MaxFileBytes 1000) files = %v", fileSums(m))
	}
	f := m.Files[0]
	if !f.TooLarge || f.Data != nil || f.Size != int64(len(xlsx)) || f.Kind != KindXLSX {
		t.Errorf("Parse(MaxFileBytes 1000) file = TooLarge %v, Data %d bytes, Size %d, Kind %q; want TooLarge, no data, size %d, kind xlsx",
			f.TooLarge, len(f.Data), f.Size, f.Kind, len(xlsx))
	}
	if len(m.Workbooks()) != 0 || !hasNote(m, "over the 1000-byte limit") {
		t.Errorf("Parse(MaxFileBytes 1000) Workbooks %d notes %q", len(m.Workbooks()), m.Notes)
	}
	// The same for a file that is not base64.
	raw := multipartOf("b", "Content-Type: application/octet-stream; name=\"x.bin\"\r\n\r\n"+strings.Repeat("z", 5000))
	m, err = Parse(raw, Limits{MaxFileBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 1 || !m.Files[0].TooLarge || m.Files[0].Size < 5000 {
		t.Errorf("Parse(8bit file over limit) files = %+v", m.Files)
	}
}

func TestTooLargeMessageIsCut(t *testing.T) {
	raw := readFixture(t, "foxmail.eml")
	m, err := Parse(raw, Limits{MaxMessageBytes: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(m, "larger than 5000 bytes") || len(m.Workbooks()) != 0 {
		t.Errorf("Parse(MaxMessageBytes 5000) notes %q workbooks %d", m.Notes, len(m.Workbooks()))
	}
}

// TestPanicGuard proves a panic in one part costs only that part — and the
// corpus and fixture tests prove the guard is never needed for them.
func TestPanicGuard(t *testing.T) {
	raw := readFixture(t, "several-attachments.eml")
	m, err := parse(raw, Limits{}, func(path []int) {
		if len(path) == 1 && path[0] == 2 {
			panic("boom")
		}
	})
	if err != nil {
		t.Fatalf("parse(panicking part) error = %v", err)
	}
	if !hasNote(m, "part 2: internal error (boom)") {
		t.Errorf("parse(panicking part) notes = %q, want the panic noted", m.Notes)
	}
	if got := fileSums(m); len(got) != 2 || got[1].Kind != KindXLSX {
		t.Errorf("parse(panicking part) files = %v, want the other two files", got)
	}
}

func TestBadBase64KeepsWhatDecoded(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	enc := base64.StdEncoding.EncodeToString(xlsx)
	bad := enc[:100] + "*!#" + enc[100:] // stray characters inside
	raw := multipartOf("b", "Content-Type: application/octet-stream; name=\"r.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"+bad)
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if wbs := m.Workbooks(); len(wbs) != 1 || !bytes.Equal(wbs[0].Data, xlsx) {
		t.Errorf("Parse(base64 with stray characters) files = %v, want the workbook intact", fileSums(m))
	}
	if !hasNote(m, "3 character(s) that are not base64 skipped") {
		t.Errorf("Parse(base64 with stray characters) notes = %q", m.Notes)
	}
}

func TestUnknownCharsetKeepsGoing(t *testing.T) {
	raw := multipartOf("b",
		"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla'",
		xlsxPart(t, "r.xlsx"))
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "qapla'" || len(m.Workbooks()) != 1 || !hasNote(m, `unknown charset "x-klingon"`) {
		t.Errorf("Parse(unknown charset) text %q files %v notes %q", m.Text, fileSums(m), m.Notes)
	}
}

var _ io.Reader = (*endless)(nil)

// TestPathologicalInputs feeds inputs built to make a careless parser
// quadratic; each must finish well within the corpus time limit.
func TestPathologicalInputs(t *testing.T) {
	for name, raw := range map[string]string{
		"many unterminated encoded-words": "From: a@b\r\nSubject: " + strings.Repeat("=?a?B?x", 36000) + "\r\n\r\n",
		"many parameter sections":         "From: a@b\r\nContent-Type: text/plain; " + strings.Repeat("a*1*=x;", 36000) + "\r\n\r\n",
		"many open quotes":                "From: a@b\r\nContent-Type: text/plain; " + strings.Repeat("a=\"", 80000) + "\r\n\r\n",
		"many open angle brackets":        "From: " + strings.Repeat("<a@b", 60000) + "\r\n\r\n",
		"many references":                 "From: a@b\r\nReferences: " + strings.Repeat("<a@b", 60000) + "\r\n\r\n",
		"many script tags":                "From: a@b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<script>", 300000),
		"many closing tags":               "From: a@b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("</</", 300000),
		"boundary not at line starts":     "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("x--b", 300000),
		"boundary-like lines":             "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--c\r\n", 300000),
		"quoted-printable soft breaks":    "From: a@b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("=    ", 300000),
		"file name of dots":               "From: a@b\r\nContent-Disposition: attachment; filename=\"" + strings.Repeat(".", 200000) + "a\"\r\n\r\n",
	} {
		start := time.Now()
		if _, err := parseWithin(t, name, []byte(raw), Limits{}, 5*time.Second); err != nil {
			t.Errorf("Parse(%s) error = %v", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Parse(%s) took %v, want well under a second", name, d)
		}
	}
}

func TestPanicGuardTopLevel(t *testing.T) {
	m, err := parse(readFixture(t, "foxmail.eml"), Limits{}, func(path []int) {
		if path == nil {
			panic("top")
		}
	})
	if err != nil || m == nil || !hasNote(m, "internal error while parsing: top") {
		t.Fatalf("parse(panic at the top) = %v, %v; want a message with the panic noted", m, err)
	}
}

func TestForwardedEdgeCases(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	inner := "From: c@d.example\r\nSubject: inner\r\nContent-Type: application/octet-stream; name=\"in.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(xlsx, 76)
	for _, tc := range []struct {
		name  string
		part  string
		files []fileSum
		note  string
	}{
		{"eml file attachment", "Content-Type: application/octet-stream; name=\"fwd.eml\"\r\n\r\n" + inner,
			[]fileSum{{"fwd.eml", KindOther}, {"in.xlsx", KindXLSX}}, ""},
		{"text file named .eml", "Content-Type: application/octet-stream; name=\"notes.eml\"\r\n\r\nnot a message",
			[]fileSum{{"notes.eml", KindOther}}, ""},
		{"forwarded header too large", "Content-Type: message/rfc822\r\n\r\n" + string(hugeHeader(300<<10)),
			nil, "forwarded message: header block too large"},
		{"forwarded with bad base64", "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n*" + base64.StdEncoding.EncodeToString([]byte(inner)),
			[]fileSum{{"in.xlsx", KindXLSX}}, "not base64 skipped"},
		{"forwarded header repaired", "Content-Type: message/rfc822\r\n\r\n From: c@d.example\r\nbad line\r\n" + inner[len("From: c@d.example\r\n"):],
			[]fileSum{{"in.xlsx", KindXLSX}}, "forwarded message: 1 header line(s) without a field name joined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(multipartOf("f", tc.part), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := fileSums(m); !slices.Equal(got, tc.files) {
				t.Errorf("Parse(%s) files = %v, want %v", tc.name, got, tc.files)
			}
			if tc.note != "" && !hasNote(m, tc.note) {
				t.Errorf("Parse(%s) notes = %q, want %q", tc.name, m.Notes, tc.note)
			}
		})
	}
}

// TestHeuristicsNeverDropAReport: a unit's reply that only looks like
// machine mail — an auto-reply subject, a list, a null Return-Path —
// keeps Auto empty and its workbook; only SubjectAuto tells the caller.
func TestHeuristicsNeverDropAReport(t *testing.T) {
	for _, tc := range []struct {
		name, hdr   string
		auto        string
		subjectAuto bool
	}{
		{"auto-reply subject", "Subject: 自动回复：报送提醒\r\n", "", true},
		{"out-of-office subject", "Subject: 外出自动回复\r\n", "", true},
		{"外出 in an ordinary subject", "Subject: 外出调研期间报送2023-05推进情况\r\n", "", false},
		{"sent through a list", "Subject: 回复：报送提醒\r\nPrecedence: list\r\nList-Id: <units.metro.example>\r\nList-Unsubscribe: <mailto:leave@metro.example>\r\n", "", false},
		{"null Return-Path", "Return-Path: <>\r\nSubject: 回复：报送提醒\r\n", "", false},
		{"auto-reply header", "Subject: 回复：报送提醒\r\nAuto-Submitted: auto-replied\r\n", AutoReply, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(strings.Replace(string(multipartOf("w", xlsxPart(t, "报表.xlsx"))), "Subject: test\r\n", tc.hdr, 1))
			m, err := Parse(raw, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Auto != tc.auto || m.SubjectAuto != tc.subjectAuto || len(m.Workbooks()) != 1 {
				t.Errorf("Parse(%s) Auto %q SubjectAuto %v workbooks %d, want %q %v 1", tc.name, m.Auto, m.SubjectAuto, len(m.Workbooks()), tc.auto, tc.subjectAuto)
			}
		})
	}
}
