package inbound

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/duban/duban/internal/testtools"
)

// peakBound is the published bound on the memory one input may take.
const peakBound = 300 << 20

// peakInputEnv names the message file a peak-memory child parses: the
// parent writes it, so that the child's peak is reading and parsing only.
const peakInputEnv = "INBOUND_PEAK_INPUT"

// TestPeakMemory measures, in a fresh process each, the peak resident
// memory of reading a hostile or heavy message from a file and parsing it
// with the default limits (unless a case says otherwise).
func TestPeakMemory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(w io.Writer)
		lim   Limits
		head  bool                    // ParseHeader too
		check func(m *Message) string // "" when m is as expected
	}{
		{"one big base64 attachment", bigAttachment, Limits{}, false, func(m *Message) string {
			if len(m.Workbooks()) != 1 || m.Workbooks()[0].Size < 29<<20 {
				return fmt.Sprintf("files %v, want one workbook of about 29 MiB", fileSizes(m))
			}
			return ""
		}},
		{"200 small base64 parts", smallParts, Limits{}, false, func(m *Message) string {
			if len(m.Files) != 200 || kept(m) < 28<<20 {
				return fmt.Sprintf("%d files with %d bytes kept, want 200 files of about 29 MiB in all", len(m.Files), kept(m))
			}
			return ""
		}},
		{"base64 forwards nested 8 deep", func(w io.Writer) { nestedForwards(w, true) }, Limits{MaxDepth: 20}, false, func(m *Message) string {
			if len(m.Files) < 2 || !hasNote(m, "forwarded message is") || kept(m) > DefaultMaxMessageBytes {
				return fmt.Sprintf("files %v notes %q, want the outer attachments and the budget noted", fileSizes(m), m.Notes)
			}
			return ""
		}},
		{"7bit forwards nested 8 deep", func(w io.Writer) { nestedForwards(w, false) }, Limits{MaxDepth: 20}, false, func(m *Message) string {
			if len(m.Files) != 9 || len(m.Notes) != 0 {
				return fmt.Sprintf("files %v notes %q, want 9 attachments kept and no notes", fileSizes(m), m.Notes)
			}
			return ""
		}},
		{"CR-only 40 MB message", crOnlyMessage, Limits{}, false, func(m *Message) string {
			if len(m.Files) != 1 || !m.Files[0].TooLarge || m.From.Email != "a@b.example" {
				return fmt.Sprintf("from %q files %v notes %q, want one file over the budget", m.From.Email, fileSizes(m), m.Notes)
			}
			return ""
		}},
		{"40 MB of text bodies", textBodies, Limits{}, false, func(m *Message) string {
			if len(m.Text) == 0 || len(m.Files) != 0 {
				return fmt.Sprintf("text %d bytes, files %v", len(m.Text), fileSizes(m))
			}
			return ""
		}},
		{"zip of 600,000 entries", manyEntryZip, Limits{}, false, func(m *Message) string {
			if len(m.Files) != 1 || m.Files[0].Kind != KindZip || !hasNote(m, "damaged zip") {
				return fmt.Sprintf("files %v notes %q, want one damaged zip", fileSizes(m), m.Notes)
			}
			return ""
		}},
		{"tiny header fields nested 8 deep", tinyFields, Limits{}, true, func(m *Message) string {
			if m.From.Email != "a@b.example" || !hasNote(m, "nested more than 8 levels") || !hasNote(m, "more than 1000 header fields") {
				return fmt.Sprintf("from %q notes %q, want the depth limit noted", m.From.Email, m.Notes)
			}
			return ""
		}},
		{"256 KB of headers", bigHeader, Limits{}, true, func(m *Message) string {
			if m.From.Email != "unit@metro.example" || m.Auth.DMARC != "pass" || len(m.References) != 100 {
				return fmt.Sprintf("from %q dmarc %q references %d", m.From.Email, m.Auth.DMARC, len(m.References))
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := os.Getenv(peakInputEnv)
			if path == "" { // the parent: write the input for the child
				path = filepath.Join(t.TempDir(), "message.eml")
				writeMessage(t, path, tc.build)
			}
			peak := testtools.PeakRSS(t, func() {
				raw, err := os.ReadFile(path)
				if err != nil {
					childFail("reading %s: %v", path, err)
				}
				m, err := Parse(raw, tc.lim)
				if err != nil {
					childFail("Parse: %v", err)
				}
				if tc.head {
					h, err := ParseHeader(raw, tc.lim)
					if err != nil || h.Auth != m.Auth {
						childFail("ParseHeader: %v, auth %+v", err, h.Auth)
					}
				}
				if problem := tc.check(m); problem != "" {
					childFail("Parse: %s", problem)
				}
				runtime.KeepAlive(raw)
			}, peakInputEnv+"="+path)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s message, peak RSS %s", tc.name, testtools.MB(info.Size()), testtools.MB(peak))
			if testtools.RaceEnabled {
				t.Logf("race detector on: the %s bound is not checked", testtools.MB(peakBound))
				return
			}
			if peak > peakBound {
				t.Errorf("peak RSS parsing %s = %s, want under %s", tc.name, testtools.MB(peak), testtools.MB(peakBound))
			}
		})
	}
}

// childFail ends a peak-memory child with a message the parent shows.
func childFail(format string, args ...any) {
	fmt.Printf("peak-memory check failed: "+format+"\n", args...)
	os.Exit(2)
}

func writeMessage(t *testing.T, path string, build func(io.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	build(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileSizes(m *Message) []string {
	var out []string
	for _, f := range m.Files {
		out = append(out, fmt.Sprintf("%s(%s,%d,tooLarge=%v)", f.Name, f.Kind, f.Size, f.TooLarge))
	}
	return out
}

// kept is the decoded data a message holds.
func kept(m *Message) int64 {
	var n int64
	for _, f := range m.Files {
		n += int64(len(f.Data))
	}
	return n
}

// noise is n pseudo-random bytes after prefix, the same on every run.
func noise(prefix string, n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	copy(b, prefix)
	return b
}

// writeBase64 writes data as base64 in lines of 76 characters.
func writeBase64(w io.Writer, data []byte) {
	line := make([]byte, 78)
	for len(data) > 0 {
		n := min(len(data), 57)
		m := base64.StdEncoding.EncodedLen(n)
		base64.StdEncoding.Encode(line, data[:n])
		line[m], line[m+1] = '\r', '\n'
		w.Write(line[:m+2])
		data = data[n:]
	}
}

// base64Size is how many bytes writeBase64 writes for n bytes.
func base64Size(n int) int {
	full := n / 57 * 78
	if r := n % 57; r > 0 {
		full += base64.StdEncoding.EncodedLen(r) + 2
	}
	return full
}

// budgetFor is how many bytes a file may have for its base64 to fill a
// message of size bytes, given overhead bytes of everything else.
func budgetFor(size, overhead int) int { return (size - overhead) / 78 * 57 }

const peakHeader = "From: Unit <unit@metro.example>\r\nTo: duban@metro.example\r\nSubject: =?utf-8?B?5Zue5aSN77ya5oql6KGo?=\r\nMessage-ID: <peak@metro.example>\r\nMIME-Version: 1.0\r\n"

// xlsxWithNoise is a real zip that reads as an .xlsx: the workbook parts
// and a stored entry of n bytes of noise.
func xlsxWithNoise(n int, seed uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<Types><Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`},
		{"xl/workbook.xml", "<workbook/>"},
	} {
		f, _ := zw.Create(e[0])
		io.WriteString(f, e[1])
	}
	f, _ := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/noise.bin", Method: zip.Store})
	f.Write(noise("", n, seed))
	zw.Close() // writes to memory: cannot fail
	return b.Bytes()
}

// bigAttachment: a 40 MiB message of one base64 workbook of about 29 MiB
// (a real zip: a stored entry of noise beside the workbook parts).
func bigAttachment(w io.Writer) {
	io.WriteString(w, peakHeader+"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n报表见附件。\r\n--b\r\n"+
		"Content-Type: application/octet-stream; name=\"big.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	payload := budgetFor(DefaultMaxMessageBytes, 8<<10)
	writeBase64(w, xlsxWithNoise(payload-1024, 1))
	io.WriteString(w, "--b--\r\n")
}

// smallParts: a 40 MiB message of 200 base64 files of about 150 KiB.
func smallParts(w io.Writer) {
	io.WriteString(w, peakHeader+"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	each := budgetFor(DefaultMaxMessageBytes/200, 256)
	for i := range 200 {
		fmt.Fprintf(w, "--b\r\nContent-Type: application/pdf; name=\"part-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
		writeBase64(w, noise("%PDF-1.7\n", each, uint64(i)))
	}
	io.WriteString(w, "--b--\r\n")
}

// nestedForwards: a 40 MiB message that forwards a message that forwards
// one … 8 deep, each level with an attachment; base64 or 7bit forwards.
// Built from the inside out, each level's size is known before it is
// written, so it is streamed.
func nestedForwards(w io.Writer, b64 bool) {
	const levels = 8
	// Each level: a header, a multipart with an attachment of att bytes
	// and the level below.
	level := func(k int) (head, mid, tail string) {
		bd := fmt.Sprintf("lvl%d", k)
		head = fmt.Sprintf("From: fwd%d@metro.example\r\nSubject: level %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: application/pdf; name=\"level-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", k, k, bd, bd, k)
		cte := "7bit"
		if b64 {
			cte = "base64"
		}
		mid = fmt.Sprintf("--%s\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: %s\r\n\r\n", bd, cte)
		tail = fmt.Sprintf("\r\n--%s--\r\n", bd)
		return head, mid, tail
	}
	// Sizes from the inside out for a given attachment size.
	sizes := func(att int) []int {
		s := make([]int, levels+1)
		for k := levels; k >= 0; k-- {
			head, mid, tail := level(k)
			n := len(head) + base64Size(att) + len(tail)
			if k < levels {
				inner := s[k+1]
				if b64 {
					inner = base64Size(inner)
				}
				n += len(mid) + inner
			}
			s[k] = n
		}
		return s
	}
	att := 1 << 20
	for lo, hi := 1, 8<<20; lo < hi; {
		mid := (lo + hi + 1) / 2
		if sizes(mid)[0] <= DefaultMaxMessageBytes-4096 {
			lo = mid
		} else {
			hi = mid - 1
		}
		att = lo
	}
	// Write level k's bytes to w; below it, level k+1 (encoded when b64).
	var write func(w io.Writer, k int)
	write = func(w io.Writer, k int) {
		head, mid, tail := level(k)
		io.WriteString(w, head)
		writeBase64(w, noise("%PDF-1.7\n", att, uint64(k)))
		if k < levels {
			io.WriteString(w, mid)
			if b64 {
				bw := &base64Lines{w: w}
				write(bw, k+1)
				bw.Close()
			} else {
				write(w, k+1)
			}
		}
		io.WriteString(w, tail)
	}
	write(w, 0)
}

// base64Lines is a writer that base64-encodes what it is given in lines of
// 76 characters.
type base64Lines struct {
	w   io.Writer
	buf []byte
}

func (b *base64Lines) Write(p []byte) (int, error) {
	n := len(p)
	b.buf = append(b.buf, p...)
	for len(b.buf) >= 57 {
		writeBase64(b.w, b.buf[:57])
		b.buf = b.buf[57:]
	}
	b.buf = append([]byte(nil), b.buf...)
	return n, nil
}

func (b *base64Lines) Close() {
	if len(b.buf) > 0 {
		writeBase64(b.w, b.buf)
	}
}

// crOnlyMessage: a 40 MiB message with CR line ends, a workbook-sized
// file in 8bit: the CR-to-LF copy takes the decoded budget.
func crOnlyMessage(w io.Writer) {
	io.WriteString(w, "From: a@b.example\rSubject: cr\rContent-Type: multipart/mixed; boundary=\"b\"\r\r--b\rContent-Type: application/pdf; name=\"a.pdf\"\r\r")
	data := noise("%PDF-1.7\n", DefaultMaxMessageBytes-1024, 7)
	for i, c := range data {
		if c == '\n' || c == '\r' {
			data[i] = ' '
		}
	}
	w.Write(data)
	io.WriteString(w, "\r--b--\r")
}

// textBodies: a 40 MiB message of an enormous plain body and an enormous
// HTML one, quoted-printable, without file names.
func textBodies(w io.Writer) {
	io.WriteString(w, peakHeader+"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	line := strings.Repeat("=E6=8A=A5", 8) + "=\r\n"
	for range (DefaultMaxMessageBytes / 2) / len(line) {
		io.WriteString(w, line)
	}
	io.WriteString(w, "\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	hline := "<p>" + strings.Repeat("报", 20) + "</p>\r\n"
	for range (DefaultMaxMessageBytes/2 - 4096) / len(hline) {
		io.WriteString(w, hline)
	}
	io.WriteString(w, "--b--\r\n")
}

// manyEntryZip: a base64 zip of 600,000 empty central directory entries
// (about 27 MB), which archive/zip would turn into some 150 MB of entries.
func manyEntryZip(w io.Writer) {
	io.WriteString(w, peakHeader+"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"+
		"Content-Type: application/octet-stream; name=\"many.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	writeBase64(w, manyEntries(600000))
	io.WriteString(w, "--b--\r\n")
}

// manyEntries builds a zip whose central directory lists n entries with
// empty names, all pointing at one local header.
func manyEntries(n int) []byte {
	var b bytes.Buffer
	b.WriteString("PK\x03\x04")
	b.Write(make([]byte, 26))
	dir := b.Len()
	entry := make([]byte, 46)
	copy(entry, "PK\x01\x02")
	for range n {
		b.Write(entry)
	}
	end := make([]byte, 22)
	copy(end, "PK\x05\x06")
	binary.LittleEndian.PutUint16(end[8:], uint16(min(n, 0xFFFF)))
	binary.LittleEndian.PutUint16(end[10:], uint16(min(n, 0xFFFF)))
	binary.LittleEndian.PutUint32(end[12:], uint32(b.Len()-dir))
	binary.LittleEndian.PutUint32(end[16:], uint32(dir))
	b.Write(end)
	return b.Bytes()
}

// bigHeader: a header block just under 256 KiB — Received lines,
// Authentication-Results fields, a long encoded subject, 100 references —
// then a small body.
func bigHeader(w io.Writer) {
	var h strings.Builder
	h.WriteString("Authentication-Results: mx.metro.example; dmarc=pass (p=none dis=none) header.from=metro.example\r\n")
	h.WriteString("From: Unit <unit@metro.example>\r\nTo: duban@metro.example\r\nMessage-ID: <big@metro.example>\r\n")
	h.WriteString("Subject:")
	for range 200 {
		h.WriteString(" =?utf-8?B?5Zue5aSN77ya5oql6KGo?=\r\n")
	}
	h.WriteString("References:")
	for i := range 100 {
		fmt.Fprintf(&h, " <ref-%d@metro.example>\r\n", i)
	}
	for i := 0; h.Len() < DefaultMaxHeaderBytes-4096; i++ {
		fmt.Fprintf(&h, "Received: from relay%d.example (relay%d.example [10.0.%d.%d]) by mx.metro.example with ESMTPS id %08x; Mon, 5 Jun 2023 10:23:45 +0800\r\n", i, i, i/256%256, i%256, i)
		fmt.Fprintf(&h, "Authentication-Results: relay%d.example; dkim=pass header.d=metro.example; dmarc=fail header.from=evil.example\r\n", i)
	}
	io.WriteString(w, h.String()+"\r\nbody\r\n")
}

// tinyFields: a message forwarding a message … 10 deep, each with a
// header block of 64,000 empty fields ("a:"), the costliest header per
// byte: go-message makes a separate allocation of every field, and every
// header on the way down stays live. Only the first maxHeaderFields are
// read.
func tinyFields(w io.Writer) {
	fields := strings.Repeat("a:\r\n", (DefaultMaxHeaderBytes-100)/4)
	io.WriteString(w, "From: a@b.example\r\nContent-Type: message/rfc822\r\n"+fields+"\r\n")
	for range 10 {
		io.WriteString(w, "From: c@d.example\r\nContent-Type: message/rfc822\r\n"+fields+"\r\n")
	}
	io.WriteString(w, "From: e@f.example\r\n\r\nhello\r\n")
}
