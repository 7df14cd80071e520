package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"

	"github.com/duban/duban/internal/testtools"
)

// parsed is what a mail reader makes of a composed message.
type parsed struct {
	Subject   string   `json:"subject"`
	FromName  string   `json:"from_name"`
	To        []string `json:"to"`
	MessageID string   `json:"message_id"`
	InReplyTo string   `json:"in_reply_to"`
	Text      string   `json:"text"`
	Files     []string `json:"files"` // Content-Disposition filename
	Names     []string `json:"names"` // Content-Type name
	SHA256    []string `json:"sha256"`
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// parseGoMessage reads raw with emersion/go-message, as mail/inbound does.
func parseGoMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message CreateReader: %v", err)
	}
	var p parsed
	if p.Subject, err = mr.Header.Subject(); err != nil {
		t.Fatalf("go-message Subject: %v", err)
	}
	from, err := mr.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("go-message From = %v, %v", from, err)
	}
	p.FromName = from[0].Name
	to, err := mr.Header.AddressList("To")
	if err != nil {
		t.Fatalf("go-message To: %v", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	p.MessageID, _ = mr.Header.MessageID()
	if ids, _ := mr.Header.MsgIDList("In-Reply-To"); len(ids) > 0 {
		p.InReplyTo = ids[0]
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("go-message NextPart: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("go-message read part: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				p.Text = string(body)
			}
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatalf("go-message Filename: %v", err)
			}
			_, params, _ := h.ContentType()
			p.Files = append(p.Files, name)
			p.Names = append(p.Names, params["name"])
			p.SHA256 = append(p.SHA256, sum(body))
		}
	}
	return p
}

// parseStdlib reads raw with Go's net/mail, mime and mime/multipart only.
func parseStdlib(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail ReadMessage: %v", err)
	}
	dec := new(mime.WordDecoder)
	var p parsed
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode Subject: %v", err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		t.Fatalf("net/mail From = %v, %v", from, err)
	}
	p.FromName = from[0].Name
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("net/mail To: %v", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	p.MessageID = strings.Trim(msg.Header.Get("Message-Id"), "<>")
	p.InReplyTo = strings.Trim(msg.Header.Get("In-Reply-To"), "<>")
	var walk func(ct string, body io.Reader, header map[string][]string)
	walk = func(ct string, body io.Reader, header map[string][]string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("ParseMediaType(%q): %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart NextRawPart: %v", err)
				}
				walk(part.Header.Get("Content-Type"), part, part.Header)
			}
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		get := func(k string) string {
			if v := header[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "base64":
			data, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(data)))
		case "quoted-printable":
			data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
		}
		if err != nil {
			t.Fatalf("decode part body: %v", err)
		}
		if cd := get("Content-Disposition"); cd != "" {
			_, dp, err := mime.ParseMediaType(cd)
			if err != nil {
				t.Fatalf("ParseMediaType(%q): %v", cd, err)
			}
			file, err := dec.DecodeHeader(dp["filename"])
			if err != nil {
				t.Fatalf("decode filename %q: %v", dp["filename"], err)
			}
			name, err := dec.DecodeHeader(params["name"])
			if err != nil {
				t.Fatalf("decode name %q: %v", params["name"], err)
			}
			p.Files = append(p.Files, file)
			p.Names = append(p.Names, name)
			p.SHA256 = append(p.SHA256, sum(data))
			return
		}
		if mt == "text/plain" {
			p.Text = string(data)
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, msg.Header)
	return p
}

const pythonParse = `
import sys, json, hashlib, email, email.policy
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
out = {
    "subject": str(msg['subject']),
    "from_name": msg['from'].addresses[0].display_name,
    "to": [a.addr_spec for a in msg['to'].addresses],
    "message_id": str(msg['message-id']).strip('<>'),
    "in_reply_to": str(msg['in-reply-to'] or '').strip('<>'),
    "text": msg.get_body(('plain',)).get_content(),
    "files": [], "names": [], "sha256": [],
}
for part in msg.iter_attachments():
    out["files"].append(part.get_filename())
    out["names"].append(part['content-type'].params.get('name'))
    out["sha256"].append(hashlib.sha256(part.get_payload(decode=True)).hexdigest())
print(json.dumps(out, ensure_ascii=False))
`

// parsePython reads raw with Python's email package (policy=default), the
// way an analyst's script would.
func parsePython(t *testing.T, raw []byte) parsed {
	t.Helper()
	file := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out := testtools.RunPython(t, pythonParse, file)
	var p parsed
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	return p
}

func TestParseBack(t *testing.T) {
	longName := strings.Repeat("都市圈一体化建设", 12) + "推进情况.xlsx"
	messages := []struct {
		name      string
		files     []string // given to Compose
		wantFiles []string // what readers must see
	}{
		{"reminder", []string{reminderFile}, []string{reminderFile}},
		{"long Chinese name", []string{longName}, []string{sanitiseFilename(longName, XLSXType)}},
		{"ASCII and Chinese", []string{"report 2023-05.xlsx", "原邮件.eml"}, []string{"report 2023-05.xlsx", "原邮件.eml"}},
		{"hostile name", []string{"../..\\报表\"\r\nBcc: victim@evil.example.xlsx"}, []string{"_.._报表Bcc_ victim@evil.example.xlsx"}},
	}
	parsers := []struct {
		name  string
		parse func(*testing.T, []byte) parsed
	}{
		{"go-message", parseGoMessage},
		{"net/mail+mime", parseStdlib},
		{"python email policy.default", parsePython},
	}
	for _, mc := range messages {
		m := reminder()
		m.Attachments = nil
		var wantSHA []string
		for i, f := range mc.files {
			data := append(fakeWorkbook(), byte(i))
			m.Attachments = append(m.Attachments, Attachment{Name: f, Data: data})
			wantSHA = append(wantSHA, sum(data))
		}
		raw, err := Compose(m)
		if err != nil {
			t.Fatalf("Compose(%s) error = %v", mc.name, err)
		}
		want := parsed{
			Subject:   m.Subject,
			FromName:  m.From.Name,
			To:        []string{m.To[0].Email},
			MessageID: m.MessageID,
			InReplyTo: m.InReplyTo,
			Text:      m.Text,
			Files:     mc.wantFiles,
			Names:     mc.wantFiles,
			SHA256:    wantSHA,
		}
		for _, pc := range parsers {
			t.Run(mc.name+"/"+pc.name, func(t *testing.T) {
				got := pc.parse(t, raw)
				got.Text = strings.ReplaceAll(got.Text, "\r\n", "\n")
				gj, _ := json.MarshalIndent(got, "", " ")
				wj, _ := json.MarshalIndent(want, "", " ")
				if !bytes.Equal(gj, wj) {
					t.Errorf("%s read %s as\n%s\nwant\n%s", pc.name, mc.name, gj, wj)
				}
				for _, f := range got.Files {
					if strings.ContainsAny(f, "\"\\/\r\n") || !slices.Contains([]string{".xlsx", ".eml"}, filepath.Ext(f)) {
						t.Errorf("%s read attachment name %q: unsafe or lost its extension", pc.name, f)
					}
				}
			})
		}
	}
}
