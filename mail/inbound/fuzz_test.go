package inbound

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusSeedDir finds the shared corpus without skipping: the fuzz target
// falls back to the fixtures alone when it is absent.
func corpusSeedDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "corpus", "foreign-mail")
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// addSeeds adds the files and the hostile messages as seeds.
func addSeeds(f *testing.F, paths []string) {
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, seed := range hostileSeeds() {
		f.Add(seed)
	}
}

// badInputSeeds are the messages of the collect's bad-input table (jobs'
// TestBadInput): every case of it seeds the MIME fuzzers too.
func badInputSeeds() []string {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "jobs", "testdata", "badinput", "*.eml"))
	return paths
}

func FuzzParse(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "clients", "*.eml"))
	seeds := append(fixtures, badInputSeeds()...)
	if dir := corpusSeedDir(); dir != "" {
		raws, _ := filepath.Glob(filepath.Join(dir, "*.raw"))
		sort.Strings(raws)
		for i, r := range raws {
			if i%4 == 0 { // a handful, spread over the three folders
				seeds = append(seeds, r)
			}
		}
	}
	addSeeds(f, seeds)
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if err != nil {
			return
		}
		if kept(m) > lim.MaxDecodedBytes {
			t.Fatalf("Parse keeps %d decoded bytes, over MaxDecodedBytes %d", kept(m), lim.MaxDecodedBytes)
		}
		for _, n := range m.Notes {
			if strings.Contains(n, "internal error") {
				t.Fatalf("Parse recovered from a panic: %s", n)
			}
		}
		if len(m.Notes) > maxNotes+1 {
			t.Fatalf("Parse made %d notes", len(m.Notes))
		}
		if len(m.Text) > maxText || !utf8.ValidString(m.Text) {
			t.Fatalf("Text is %d bytes, valid UTF-8 %v", len(m.Text), utf8.ValidString(m.Text))
		}
		for _, f := range m.Files {
			if f.Name == "" || utf8.RuneCountInString(f.Name) > maxNameRunes || strings.ContainsAny(f.Name, "/\\\x00") || strings.Contains(f.Name, "..") {
				t.Fatalf("bad file name %q", f.Name)
			}
			if f.TooLarge && f.Data != nil || !f.TooLarge && int64(len(f.Data)) != f.Size {
				t.Fatalf("file %q: TooLarge %v, Size %d, %d bytes of data", f.Name, f.TooLarge, f.Size, len(f.Data))
			}
			if int64(len(f.Data)) > lim.MaxFileBytes {
				t.Fatalf("file %q keeps %d bytes over the limit", f.Name, len(f.Data))
			}
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.From.Name) {
			t.Fatalf("Subject %q or From name %q not valid UTF-8", m.Subject, m.From.Name)
		}
	})
}

// fuzzLimits are small limits, so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxParts: 50, MaxDepth: 6, MaxFileBytes: 1 << 20, MaxHeaderBytes: 16 << 10, MaxDecodedBytes: 64 << 10, AuthServID: "mx.metro.example"}

// hostileSeeds are small messages that reach the parser's limits and
// classification rules.
func hostileSeeds() [][]byte {
	xlsx := zipSeed()
	enc := base64.StdEncoding.EncodeToString
	inner := "From: c@d\r\nContent-Type: application/octet-stream; name=\"in.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc(xlsx) + "\r\n"
	seeds := []string{
		"From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d\r\n\r\n--x--",
		// base64 forwards nested three deep, with a file at the bottom
		"From: a@b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc([]byte(
			"From: b@c\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"+enc([]byte(inner)))),
		// quoted-printable forward
		"From: a@b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nFrom: c@d=\r\n\r\nSubject: =3D?utf-8?B?5oql?=3D\r\n\r\nbody",
		// CR-only message with a forward
		"From: a@b\rContent-Type: message/rfc822\r\rFrom: c@d\rSubject: s\r\rbody\r",
		// an unnamed inline workbook and an .eml file
		"From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc(xlsx) +
			"\r\n--x\r\nContent-Type: application/octet-stream; name=\"fwd.eml\"\r\n\r\n" + inner + "\r\n--x--\r\n",
		// a zip that lists more entries than it holds
		"From: a@b\r\nContent-Type: application/zip; name=\"z.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + enc(manyEntries(300)),
		// auto-reply signs, subject-only ones, Authentication-Results
		"Return-Path: <>\r\nFrom: =?utf-8?B?5byg?= <\u212Aelvin@Metro.Example>\r\nSubject: =?utf-8?B?5aSW5Ye677ya5oql6KGo?=\r\n" +
			"Authentication-Results: mx.metro.example; dkim=pass (2048-bit key; unprotected) header.d=x; dmarc=fail (p=reject dis=none) header.from=metro.example\r\n" +
			"Authentication-Results: spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=x;dmarc=pass action=none header.from=x;compauth=pass reason=100\r\n" +
			"X-Auto-Response-Suppress: All\r\nPrecedence: list\r\nList-Id: <l.example>\r\n\r\nbody",
		"From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.0.0\r\n--r\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--r--",
		"From: a@b\r\nSubject: \u5916\u51fa\u8c03\u7814\u671f\u95f4\u62a5\u9001\r\nAuthentication-Results: \"mx\" ; dmarc = pass ( ( ; ) header.from=\"a\r\n",
		// many tiny header fields
		"From: a@b\r\n" + strings.Repeat("a:\r\n", 1200) + "\r\nbody",
	}
	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}

// zipSeed is a tiny workbook-like zip.
func zipSeed() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(n)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	return b.Bytes()
}

// FuzzParseHeader checks that ParseHeader agrees with Parse on every
// input, and reads the header whatever follows it.
func FuzzParseHeader(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "clients", "*.eml"))
	addSeeds(f, append(fixtures, badInputSeeds()...))
	lim := fuzzLimits
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, herr := ParseHeader(raw, lim)
		m, err := Parse(raw, lim)
		if (herr == nil) != (err == nil) || herr != nil && herr.Error() != err.Error() {
			t.Fatalf("ParseHeader error %v, Parse error %v", herr, err)
		}
		if err != nil {
			return
		}
		if got, want := envelope(h), envelope(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseHeader = %+v\nParse gives %+v", got, want)
		}
		if len(h.Files) != 0 || h.Text != "" {
			t.Fatalf("ParseHeader read the body")
		}
		for _, n := range h.Notes {
			if strings.Contains(n, "internal error") {
				t.Fatalf("ParseHeader recovered from a panic: %s", n)
			}
		}
	})
}
