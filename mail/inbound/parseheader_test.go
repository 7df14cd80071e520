package inbound

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// envelopeOf is everything ParseHeader fills, for comparison with Parse.
type envelopeOf struct {
	MessageID             string
	InReplyTo, References []string
	From                  Address
	Sender, ReplyTo       string
	ReturnPath, Subject   string
	Date                  time.Time
	Auto                  string
	SubjectAuto           bool
	Auth                  AuthResults
}

func envelope(m *Message) envelopeOf {
	return envelopeOf{m.MessageID, m.InReplyTo, m.References, m.From, m.Sender, m.ReplyTo,
		m.ReturnPath, m.Subject, m.Date, m.Auto, m.SubjectAuto, m.Auth}
}

// headerEnd is the length of raw's header block with its blank line.
func headerEnd(t *testing.T, raw []byte) int {
	t.Helper()
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return i + len(sep)
		}
	}
	return len(raw)
}

// TestParseHeaderMatchesParse: for every client fixture and corpus
// message, ParseHeader of the whole message, of its header block with and
// without the blank line, fills what Parse fills, and its notes are
// Parse's first ones.
func TestParseHeaderMatchesParse(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "clients", "*.eml"))
	if dir := corpusSeedDir(); dir != "" {
		raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
		paths = append(paths, raws...)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			full, ferr := Parse(raw, Limits{})
			end := headerEnd(t, raw)
			for name, in := range map[string][]byte{
				"whole message":        raw,
				"header and blank":     raw[:end],
				"header without blank": bytes.TrimRight(raw[:end], "\r\n"),
			} {
				if name != "whole message" && bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
					continue
				}
				m, err := ParseHeader(in, Limits{})
				if (err == nil) != (ferr == nil) || (err != nil && err.Error() != ferr.Error()) {
					t.Fatalf("ParseHeader(%s) error = %v, Parse error = %v", name, err, ferr)
				}
				if err != nil {
					continue
				}
				if got, want := envelope(m), envelope(full); !reflect.DeepEqual(got, want) {
					t.Errorf("ParseHeader(%s) = %+v\nParse gives %+v", name, got, want)
				}
				if len(m.Files) != 0 || m.Text != "" {
					t.Errorf("ParseHeader(%s) read the body: %d files, text %q", name, len(m.Files), m.Text)
				}
				if len(m.Notes) > len(full.Notes) || !slices.Equal(m.Notes, full.Notes[:len(m.Notes)]) {
					t.Errorf("ParseHeader(%s) notes = %q, want the first of Parse's %q", name, m.Notes, full.Notes)
				}
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	const hdr = "Return-Path: <>\r\nFrom: =?utf-8?B?5byg5LiJ?= <ZhangSan@FGW.Metro.Example>\r\n" +
		"Subject: =?utf-8?B?6Ieq5Yqo5Zue5aSN77ya5oql6KGo?=\r\nMessage-ID: <a@b>\r\nIn-Reply-To: <remind@metro.example>\r\n" +
		"Authentication-Results: mx.metro.example; dmarc=pass header.from=fgw.metro.example\r\n" +
		"X-Autoreply: yes\r\nContent-Type: multipart/mixed; boundary=x\r\n"
	for _, tc := range []struct {
		name string
		raw  string
	}{
		{"header alone", hdr},
		{"header and blank line", hdr + "\r\n"},
		{"header with LF line ends", strings.ReplaceAll(hdr, "\r\n", "\n")},
		{"header with CR line ends", strings.ReplaceAll(hdr, "\r\n", "\r")},
		{"whole message", hdr + "\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"},
		{"byte-order mark", "\xEF\xBB\xBF" + hdr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseHeader([]byte(tc.raw), Limits{})
			if err != nil {
				t.Fatalf("ParseHeader(%s) error = %v", tc.name, err)
			}
			want := envelopeOf{
				MessageID: "a@b", InReplyTo: []string{"remind@metro.example"},
				From: Address{"张三", "zhangsan@fgw.metro.example"}, Subject: "自动回复：报表",
				Auto: AutoReply, SubjectAuto: true,
				Auth: AuthResults{AuthServID: "mx.metro.example", DMARC: "pass", DMARCFrom: "fgw.metro.example"},
			}
			if got := envelope(m); !reflect.DeepEqual(got, want) {
				t.Errorf("ParseHeader(%s) = %+v, want %+v", tc.name, got, want)
			}
			if len(m.Files) != 0 || m.Text != "" || len(m.Notes) != 0 {
				t.Errorf("ParseHeader(%s) files %d text %q notes %q, want none", tc.name, len(m.Files), m.Text, m.Notes)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		err  error
	}{
		{"empty", nil, ErrNoHeader},
		{"blank line first", []byte("\r\nFrom: a@b.example\r\n"), ErrNoHeader},
		{"not mail", []byte("hello world\r\n"), ErrNoHeader},
		{"huge header", hugeHeader(20 << 20), ErrHeaderTooLarge},
		{"header just over the limit", []byte("From: a@b.example\r\nX: " + strings.Repeat("a", 300) + "\r\n\r\nbody"), ErrHeaderTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { _, err = ParseHeader(tc.raw, Limits{MaxHeaderBytes: 256}) })
			if tc.name == "huge header" {
				alloc = allocated(func() { _, err = ParseHeader(tc.raw, Limits{}) })
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseHeader(%s) error = %v, want %v", tc.name, err, tc.err)
			}
			if alloc > 2<<20 {
				t.Errorf("ParseHeader(%s) allocated %d bytes, want under 2 MiB", tc.name, alloc)
			}
			if _, perr := Parse(tc.raw, Limits{MaxHeaderBytes: 256}); tc.name != "huge header" && !errors.Is(perr, tc.err) {
				t.Errorf("Parse(%s) error = %v, want %v as ParseHeader", tc.name, perr, tc.err)
			}
		})
	}
}

// TestParseHeaderIgnoresBody: whatever follows the header block — 30 MB
// of it, or a message without LF — costs nothing (see also
// TestParseHeaderStopsAtBlankLine).
func TestParseHeaderIgnoresBody(t *testing.T) {
	const hdr = "From: a@b.example\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\n"
	body := bytes.Repeat([]byte("PK\x03\x04 not a header: x\r\n"), (30<<20)/25)
	raw := append([]byte(hdr), body...)
	var m *Message
	var err error
	alloc := allocated(func() { m, err = ParseHeader(raw, Limits{}) })
	if err != nil || m.From.Email != "a@b.example" || m.Subject != "s" || len(m.Notes) != 0 {
		t.Fatalf("ParseHeader(30 MB message) = %+v, %v", m, err)
	}
	if alloc > 1<<20 {
		t.Errorf("ParseHeader(30 MB message) allocated %d bytes: it copied the body", alloc)
	}
	// A message without any LF: only the header window is copied.
	cr := bytes.Repeat([]byte("x"), 30<<20)
	copy(cr, "From: a@b.example\rSubject: s\r\r")
	alloc = allocated(func() { m, err = ParseHeader(cr, Limits{}) })
	if err != nil || m.Subject != "s" {
		t.Fatalf("ParseHeader(CR-only message) = %+v, %v", m, err)
	}
	if alloc > 2<<20 {
		t.Errorf("ParseHeader(30 MB CR-only message) allocated %d bytes, want only the header window", alloc)
	}
}

// TestLookAlikeAddresses: only A–Z are lowercased in addresses; a
// look-alike of a unit's address (Kelvin sign, dotted capital I,
// full-width letters, Cyrillic а) stays as written and does not become
// the address it imitates.
func TestLookAlikeAddresses(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, imitated string
	}{
		{"ASCII is lowercased", "KeLvIn@Metro.EXAMPLE", "kelvin@metro.example", ""},
		{"Kelvin sign", "\u212Aelvin@metro.example", "\u212Aelvin@metro.example", "kelvin@metro.example"},
		{"Kelvin sign in the domain", "a@\u212Aj.metro.example", "a@\u212Aj.metro.example", "a@kj.metro.example"},
		{"capital I with dot", "\u0130NFO@Metro.Example", "\u0130nfo@metro.example", "info@metro.example"},
		{"full-width letters", "\uFF29\uFF2E\uFF26\uFF2F@metro.example", "\uFF29\uFF2E\uFF26\uFF2F@metro.example", "info@metro.example"},
		{"Cyrillic small a", "d\u0430ta@metro.example", "d\u0430ta@metro.example", "data@metro.example"},
		{"Cyrillic capital A", "\u0410dmin@Metro.Example", "\u0410dmin@metro.example", "admin@metro.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "From: Unit <" + tc.in + ">\r\nSender: " + tc.in + "\r\nReply-To: \"x\" <" + tc.in + ">\r\nReturn-Path: <" + tc.in + ">\r\n\r\n"
			for _, parse := range []func([]byte, Limits) (*Message, error){Parse, ParseHeader} {
				m, err := parse([]byte(raw), Limits{})
				if err != nil {
					t.Fatal(err)
				}
				for field, got := range map[string]string{"From": m.From.Email, "Sender": m.Sender, "Reply-To": m.ReplyTo, "Return-Path": m.ReturnPath} {
					if got != tc.want {
						t.Errorf("%s: %q, want %q", field, got, tc.want)
					}
					// Compared byte for byte, as contacts must be:
					// strings.EqualFold would match the Kelvin sign to k.
					if got == tc.imitated {
						t.Errorf("%s: %q is the imitated address", field, got)
					}
				}
			}
			// The loose reading of a header net/mail refuses keeps them too.
			if got := looseAddress(`broken "name <` + tc.in + `>`).Email; got != tc.want {
				t.Errorf("looseAddress(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAsciiLower(t *testing.T) {
	for in, want := range map[string]string{
		"":            "",
		"abc":         "abc",
		"ABC@X.ORG":   "abc@x.org",
		"Ä@Ö.example": "Ä@Ö.example",
		"\u212A":      "\u212A",
		"张三@A.cn":     "张三@a.cn",
	} {
		if got := asciiLower(in); got != want {
			t.Errorf("asciiLower(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAuthResults(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        AuthResults
		hasID       bool
	}{
		{"OpenDMARC pass",
			"mx.metro.example; dmarc=pass (p=none dis=none) header.from=fgw.metro.example",
			AuthResults{"mx.metro.example", "pass", "fgw.metro.example"}, true},
		{"OpenDMARC fail with policy comment",
			"mx.metro.example; dmarc=fail (p=reject dis=none) header.from=example.com",
			AuthResults{"mx.metro.example", "fail", "example.com"}, true},
		{"OpenDKIM comment with a semicolon",
			"mx.metro.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=fgw.metro.example header.i=@fgw.metro.example header.a=rsa-sha256 header.s=default header.b=AbCdEf12;\r\n\tdkim-atps=neutral",
			AuthResults{AuthServID: "mx.metro.example"}, true},
		{"Gmail",
			"mx.google.com;\r\n       dkim=pass header.i=@metro.example header.s=s1 header.b=Xy3Q+abc;\r\n       spf=pass (google.com: domain of unit@metro.example designates 203.0.113.5 as permitted sender) smtp.mailfrom=unit@metro.example;\r\n       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=metro.example",
			AuthResults{"mx.google.com", "pass", "metro.example"}, true},
		{"Microsoft 365, no authserv-id",
			"spf=pass (sender IP is 203.0.113.5)\r\n smtp.mailfrom=metro.example; dkim=pass (signature was verified)\r\n header.d=metro.example;dmarc=pass action=none\r\n header.from=metro.example;compauth=pass reason=100",
			AuthResults{"", "pass", "metro.example"}, false},
		{"Microsoft 365 fail",
			"spf=fail (sender IP is 198.51.100.7) smtp.mailfrom=metro.example; dkim=none (message not signed) header.d=none;dmarc=fail action=oreject header.from=metro.example;compauth=fail reason=000",
			AuthResults{"", "fail", "metro.example"}, false},
		{"Microsoft 365 best guess",
			"spf=pass (sender IP is 203.0.113.9) smtp.mailfrom=unit.example; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=unit.example;compauth=pass reason=109",
			AuthResults{"", "bestguesspass", "unit.example"}, false},
		{"Coremail",
			"mail.metro.gov.cn;\r\n\tspf=pass smtp.mailfrom=rsj.metro.gov.cn;\r\n\tdkim=pass header.i=@rsj.metro.gov.cn;\r\n\tdmarc=pass header.from=rsj.metro.gov.cn",
			AuthResults{"mail.metro.gov.cn", "pass", "rsj.metro.gov.cn"}, true},
		{"QQ with version and none",
			"mx.qq.com 1; spf=softfail smtp.mailfrom=unit.example; dmarc=none (p=none) header.from=unit.example",
			AuthResults{"mx.qq.com", "none", "unit.example"}, true},
		{"163",
			"mx.163.com; dkim=pass header.i=@126.com; spf=pass smtp.mail=rsj_zhou@126.com; dmarc=pass header.from=126.com",
			AuthResults{"mx.163.com", "pass", "126.com"}, true},
		{"quoted id and value", `"MX.Metro.Example"; dmarc=pass header.from="Metro.Example"`,
			AuthResults{"mx.metro.example", "pass", "metro.example"}, true},
		{"header.from with a local part", "mx.example; dmarc=pass header.from=unit@Metro.Example.",
			AuthResults{"mx.example", "pass", "metro.example"}, true},
		{"upper case", "MX.EXAMPLE; DMARC=FAIL header.From=EXAMPLE.COM",
			AuthResults{"mx.example", "fail", "example.com"}, true},
		{"spaces around =", "mx.example; dmarc = temperror header.from = example.com",
			AuthResults{"mx.example", "temperror", "example.com"}, true},
		{"method version", "mx.example; dmarc/1=permerror header.from=example.com",
			AuthResults{"mx.example", "permerror", "example.com"}, true},
		{"no result", "mx.example; none", AuthResults{AuthServID: "mx.example"}, true},
		{"no dmarc", "mx.example; spf=pass smtp.mailfrom=example.com", AuthResults{AuthServID: "mx.example"}, true},
		{"first dmarc counts", "mx.example; dmarc=fail header.from=a.example; dmarc=pass header.from=b.example",
			AuthResults{"mx.example", "fail", "a.example"}, true},
		{"nested comment with ; and =", "mx.example; dmarc=pass (a=b; (nested; c=d) e) header.from=example.com",
			AuthResults{"mx.example", "pass", "example.com"}, true},
		{"escaped parenthesis in comment", `mx.example; dmarc=fail (x \) dmarc=pass) header.from=example.com`,
			AuthResults{"mx.example", "fail", "example.com"}, true},
		{"unterminated comment", "mx.example; dmarc=pass (oops header.from=example.com",
			AuthResults{"mx.example", "pass", ""}, true},
		{"unterminated quote", `mx.example; dmarc=pass header.from="example.com`,
			AuthResults{"mx.example", "pass", "example.com"}, true},
		{"not a keyword", "mx.example; dmarc=p@ss header.from=example.com", AuthResults{AuthServID: "mx.example"}, true},
		{"empty result", "mx.example; dmarc=; header.from=example.com", AuthResults{AuthServID: "mx.example"}, true},
		{"look-alike domain kept", "mx.example; dmarc=pass header.from=\u212Aelvin.example",
			AuthResults{"mx.example", "pass", "\u212Aelvin.example"}, true},
		{"empty", "", AuthResults{}, false},
		{"junk", ";;;===((", AuthResults{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, hasID := parseAuthResults(tc.value)
			if got != tc.want || hasID != tc.hasID {
				t.Errorf("parseAuthResults(%q) = %+v, %v; want %+v, %v", tc.value, got, hasID, tc.want, tc.hasID)
			}
		})
	}
}

// TestAuthResultsField: which Authentication-Results field counts.
func TestAuthResultsField(t *testing.T) {
	const (
		ourSPF    = "Authentication-Results: mx.metro.example; spf=pass smtp.mailfrom=unit.example\r\n"
		ourDKIM   = "Authentication-Results: mx.metro.example; dkim=fail (bad signature) header.d=unit.example\r\n"
		ourDMARC  = "Authentication-Results: mx.metro.example; dmarc=fail (p=reject dis=none) header.from=unit.example\r\n"
		forged    = "Authentication-Results: mx.metro.example; dmarc=pass header.from=unit.example\r\n"
		foreign   = "Authentication-Results: mx.unit.example; dmarc=pass header.from=unit.example\r\n"
		microsoft = "Authentication-Results: spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=unit.example; dmarc=pass action=none header.from=unit.example;compauth=pass reason=100\r\n"
		received  = "Received: from mx.unit.example by mx.metro.example; Mon, 5 Jun 2023 10:23:45 +0800\r\n"
	)
	fail := AuthResults{"mx.metro.example", "fail", "unit.example"}
	for _, tc := range []struct {
		name, hdr, servID string
		want              AuthResults
	}{
		{"no field", received, "", AuthResults{}},
		{"topmost only", ourDMARC + received + forged, "", fail},
		{"topmost without dmarc hides the ones below", ourSPF + ourDMARC, "", AuthResults{AuthServID: "mx.metro.example"}},
		{"topmost written by the sender's server", received + foreign, "", AuthResults{"mx.unit.example", "pass", "unit.example"}},
		{"Microsoft 365 topmost", microsoft + forged, "", AuthResults{"", "pass", "unit.example"}},
		{"our id: the topmost with dmarc", ourSPF + ourDKIM + ourDMARC + received + forged, "mx.metro.example", fail},
		{"our id, case-insensitive", ourDMARC + forged, "MX.Metro.Example", fail},
		{"our id: other servers' fields ignored", foreign + microsoft + ourDMARC, "mx.metro.example", fail},
		{"our id absent", foreign + microsoft, "mx.metro.example", AuthResults{}},
		{"our id without dmarc", ourSPF + ourDKIM, "mx.metro.example", AuthResults{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.hdr + "From: unit@unit.example\r\nSubject: s\r\n\r\nbody\r\n"
			for _, parse := range []func([]byte, Limits) (*Message, error){Parse, ParseHeader} {
				m, err := parse([]byte(raw), Limits{AuthServID: tc.servID})
				if err != nil {
					t.Fatal(err)
				}
				if m.Auth != tc.want {
					t.Errorf("Auth (AuthServID %q) = %+v, want %+v", tc.servID, m.Auth, tc.want)
				}
			}
		})
	}
}

func TestHeaderFieldCap(t *testing.T) {
	raw := "From: a@b.example\r\nSubject: s\r\n" + strings.Repeat("X-Junk: 1\r\n\tfolded\r\n", 3000) + "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhello\r\n--x--\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.From.Email != "a@b.example" || m.Subject != "s" || !hasNote(m, "more than 1000 header fields; 2003 left out") {
		t.Errorf("Parse(3003 fields) from %q subject %q notes %q", m.From.Email, m.Subject, m.Notes)
	}
	// Content-Type was left out: the body is read as text, not as parts.
	if !strings.Contains(m.Text, "--x") {
		t.Errorf("Parse(3003 fields) Text = %q, want the body as plain text", m.Text)
	}
}
