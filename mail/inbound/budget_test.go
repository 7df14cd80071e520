package inbound

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodedBudgetDefault(t *testing.T) {
	if got := (Limits{}).withDefaults().MaxDecodedBytes; got != DefaultMaxMessageBytes {
		t.Errorf("default MaxDecodedBytes = %d, want MaxMessageBytes %d", got, DefaultMaxMessageBytes)
	}
	if got := (Limits{MaxMessageBytes: 1000}).withDefaults().MaxDecodedBytes; got != 1000 {
		t.Errorf("MaxDecodedBytes with MaxMessageBytes 1000 = %d, want 1000", got)
	}
	if got := (Limits{MaxDecodedBytes: 5}).withDefaults().MaxDecodedBytes; got != 5 {
		t.Errorf("MaxDecodedBytes 5 = %d", got)
	}
}

// fileAt describes a message's files for a failure message.
func filesOf(m *Message) string {
	var b strings.Builder
	for _, f := range m.Files {
		fmt.Fprintf(&b, "[%s %s size=%d data=%d tooLarge=%v] ", f.Name, f.Kind, f.Size, len(f.Data), f.TooLarge)
	}
	return b.String()
}

func TestDecodedBudget(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	n := int64(len(xlsx))
	inner := func(name string) string {
		return "From: c@d.example\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(xlsx, 76)
	}
	fwd := func(cte, msg string) string {
		var body string
		switch cte {
		case "base64":
			body = b64([]byte(msg), 76)
		case "quoted-printable":
			var b bytes.Buffer
			w := quotedprintable.NewWriter(&b)
			w.Write([]byte(msg))
			w.Close()
			body = b.String()
		default:
			body = msg
		}
		return "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body
	}
	middle := "From: x@y.example\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n--n\r\n" + fwd("base64", inner("deep.xlsx")) + "\r\n--n--\r\n"
	type want struct {
		name string
		kept bool
	}
	for _, tc := range []struct {
		name   string
		parts  []string
		budget int64
		files  []want
		note   string
	}{
		{"two files, budget for one", []string{xlsxPart(t, "a.xlsx"), xlsxPart(t, "b.xlsx")}, n + n/2,
			[]want{{"a.xlsx", true}, {"b.xlsx", false}}, "bytes left of the"},
		{"budget for both", []string{xlsxPart(t, "a.xlsx"), xlsxPart(t, "b.xlsx")}, 2 * n,
			[]want{{"a.xlsx", true}, {"b.xlsx", true}}, ""},
		{"7bit forward read in place, not counted", []string{fwd("7bit", inner("in.xlsx")), xlsxPart(t, "b.xlsx")}, 2 * n,
			[]want{{"in.xlsx", true}, {"b.xlsx", true}}, ""},
		{"base64 forward counted", []string{fwd("base64", inner("in.xlsx")), xlsxPart(t, "b.xlsx")}, 3 * n,
			[]want{{"in.xlsx", true}, {"b.xlsx", false}}, "bytes left of the"},
		{"quoted-printable forward counted", []string{fwd("quoted-printable", inner("in.xlsx")), xlsxPart(t, "b.xlsx")}, 3 * n,
			[]want{{"in.xlsx", true}, {"b.xlsx", false}}, "bytes left of the"},
		{"base64 forward over the budget not read", []string{fwd("base64", inner("in.xlsx")), xlsxPart(t, "b.xlsx")}, int64(len(inner("in.xlsx"))) - 1,
			[]want{{"b.xlsx", true}}, "forwarded message is"},
		{"nested base64 forwards, budget for the outer one", []string{fwd("base64", middle)}, int64(len(middle)+len(inner("deep.xlsx"))) - 1,
			nil, "forwarded message is"},
		{"nested base64 forwards, budget for both", []string{fwd("base64", middle)}, int64(len(middle)+len(inner("deep.xlsx"))) + n - 1,
			[]want{{"deep.xlsx", false}}, "bytes left of the"},
		{"nested base64 forwards, budget for all", []string{fwd("base64", middle)}, int64(len(middle)+len(inner("deep.xlsx"))) + n,
			[]want{{"deep.xlsx", true}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(multipartOf("f", tc.parts...), Limits{MaxDecodedBytes: tc.budget})
			if err != nil {
				t.Fatal(err)
			}
			assertNoInternalError(t, tc.name, m)
			var got []want
			for _, f := range m.Files {
				got = append(got, want{f.Name, !f.TooLarge})
				if f.TooLarge && (f.Data != nil || f.Size != n) {
					t.Errorf("file %q TooLarge with %d bytes of data, size %d; want none and size %d", f.Name, len(f.Data), f.Size, n)
				}
				if !f.TooLarge && !bytes.Equal(f.Data, xlsx) {
					t.Errorf("file %q data differs", f.Name)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.files) {
				t.Errorf("Parse(%s) files = %s, want %v", tc.name, filesOf(m), tc.files)
			}
			if tc.note != "" && !hasNote(m, tc.note) {
				t.Errorf("Parse(%s) notes = %q, want one with %q", tc.name, m.Notes, tc.note)
			}
			if kept(m) > tc.budget {
				t.Errorf("Parse(%s) keeps %d bytes, over the budget %d", tc.name, kept(m), tc.budget)
			}
		})
	}
}

func TestCROnlyCopyIsCounted(t *testing.T) {
	raw := bytes.ReplaceAll(readFixture(t, "foxmail.eml"), []byte("\r\n"), []byte("\r"))
	xlsx := readFixture(t, "reply.xlsx")
	m, err := Parse(raw, Limits{MaxDecodedBytes: int64(len(raw) + len(xlsx))})
	if err != nil || len(m.Workbooks()) != 1 {
		t.Fatalf("Parse(CR-only, budget for the copy and the file) = %s, %v", filesOf(m), err)
	}
	m, err = Parse(raw, Limits{MaxDecodedBytes: int64(len(raw) + len(xlsx) - 1)})
	if err != nil || len(m.Files) != 1 || !m.Files[0].TooLarge || !hasNote(m, "bytes left of the") {
		t.Fatalf("Parse(CR-only, budget one byte short) = %s notes %q, %v", filesOf(m), m.Notes, err)
	}
}

// TestUnnamedParts: a part without a file name is decoded only as far as
// a body text needs, unless its head shows a file.
func TestUnnamedParts(t *testing.T) {
	book := xlsxWithNoise(3<<20, 3)
	text := strings.Repeat("报送情况说明。", 200000) // 4.2 MB of UTF-8
	m, err := Parse(multipartOf("u",
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"+b64([]byte(text), 76),
		"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\nContent-Transfer-Encoding: base64\r\n\r\n"+b64(book, 76),
		"Content-Type: text/html; charset=utf-8\r\n\r\n<p>"+text+"</p>",
	), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 1 || m.Files[0].Kind != KindXLSX || !bytes.Equal(m.Files[0].Data, book) {
		t.Errorf("Parse(unnamed 3 MB workbook) files = %s, want it whole", filesOf(m))
	}
	if !utf8.ValidString(m.Text) || !strings.HasPrefix(m.Text, "报送情况说明。") || len(m.Text) < maxText-8 || len(m.Notes) != 0 {
		t.Errorf("Parse(4 MB text) Text = %d bytes starting %q, notes %q; want 64 KiB of the UTF-8 text", len(m.Text), capText(m.Text, 30), m.Notes)
	}
	// The same workbook over the file limit: its kind still known.
	m, err = Parse(multipartOf("u", "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"+b64(book, 76)), Limits{MaxFileBytes: 2 << 20})
	if err != nil || len(m.Files) != 1 || !m.Files[0].TooLarge || m.Files[0].Kind != KindXLSX || m.Files[0].Size != int64(len(book)) {
		t.Errorf("Parse(unnamed workbook over the limit) = %s, %v", filesOf(m), err)
	}
}

func TestZipEntryCap(t *testing.T) {
	for _, n := range []int{maxZipEntries, maxZipEntries + 1} {
		kind, _, damaged := sniff(manyEntries(n), "", true)
		if want := n > maxZipEntries; kind != KindZip || damaged != want {
			t.Errorf("sniff(zip of %d entries) = %q damaged=%v, want zip damaged=%v", n, kind, damaged, want)
		}
	}
}

// TestDecodeBase64Chunks checks the chunked decoder against the plain
// one: skipped characters anywhere, every length, every output limit.
func TestDecodeBase64Chunks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		data := noise("", r.IntN(20000), uint64(i))
		enc := []byte(base64.StdEncoding.EncodeToString(data))
		var in []byte
		for _, c := range enc {
			switch r.IntN(60) {
			case 0:
				in = append(in, '*')
			case 1:
				in = append(in, "\r\n"...)
			case 2:
				in = append(in, ' ')
			}
			in = append(in, c)
		}
		full := decodeBase64Body(in, 1<<30, 0)
		if !full.complete || !bytes.Equal(full.data, data) || full.size != int64(len(data)) {
			t.Fatalf("decodeBase64Body(%d bytes with junk) = %d bytes complete=%v, want the %d bytes back", len(data), len(full.data), full.complete, len(data))
		}
		max := int64(r.IntN(len(data) + 1))
		head := r.IntN(len(data) + 1)
		d := decodeBase64Body(in, max, head)
		switch {
		case int64(len(data)) <= max:
			if !d.complete || !bytes.Equal(d.data, data) {
				t.Fatalf("decodeBase64Body(%d bytes, max %d) incomplete", len(data), max)
			}
		case d.complete || d.size != int64(len(data)) || !bytes.Equal(d.data, data[:min(head, len(data))]):
			t.Fatalf("decodeBase64Body(%d bytes, max %d, head %d) = %d bytes complete=%v size=%d", len(data), max, head, len(d.data), d.complete, d.size)
		}
	}
}

func TestDecodeQPHead(t *testing.T) {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	data := []byte(strings.Repeat("报送 = 情况\r\n", 1000))
	w.Write(data)
	w.Close()
	for _, max := range []int64{0, 100, int64(len(data)) - 1, int64(len(data))} {
		d := decodeBody("quoted-printable", b.Bytes(), max, 50)
		want := data
		if int64(len(data)) > max {
			want = data[:50]
		}
		if !bytes.Equal(d.data, want) || d.size != int64(len(data)) || d.complete != (int64(len(data)) <= max) {
			t.Errorf("decodeBody(qp, max %d) = %d bytes complete=%v size=%d", max, len(d.data), d.complete, d.size)
		}
	}
}

func TestDecodeBodyHead(t *testing.T) {
	for _, tc := range []struct {
		name, cte, in string
		max           int64
		head          int
		want          string
		complete      bool
	}{
		{"8bit head", "8bit", "abcdef", 3, 2, "ab", false},
		{"8bit head longer than data", "8bit", "abcdef", 3, 100, "abcdef", false},
		{"base64 head", "base64", "YWJjZGVm", 3, 4, "abcd", false},
		{"base64 no head", "base64", "YWJjZGVm", 3, 0, "", false},
		{"base64 at the limit", "base64", "YWJjZGVm", 6, 0, "abcdef", true},
		{"base64 with junk over limit", "base64", "YW*JjZ\r\nGVm", 3, 5, "abcde", false},
		{"unknown encoding head", "x-foo", "abcdef", 3, 2, "ab", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decodeBody(tc.cte, []byte(tc.in), tc.max, tc.head)
			if string(d.data) != tc.want || d.complete != tc.complete || d.size != 6 {
				t.Errorf("decodeBody(%q, %q, %d, %d) = %q complete=%v size=%d, want %q complete=%v size 6",
					tc.cte, tc.in, tc.max, tc.head, d.data, d.complete, d.size, tc.want, tc.complete)
			}
		})
	}
}
