package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/jordan-wright/email"
)

// maxReferences caps the References header of a long thread: the first id
// and the most recent ones are kept (RFC 5322 §3.6.4 allows trimming).
const maxReferences = 20

// reservedHeaders are written by Compose from Message fields, or never
// written at all; Message.Headers cannot set them.
var reservedHeaders = []string{
	"Auto-Submitted", "Bcc", "Cc", "Content-Disposition", "Content-Id", "Content-Transfer-Encoding",
	"Content-Type", "Date", "From", "In-Reply-To", "Message-Id", "Mime-Version", "Received",
	"References", "Reply-To", "Return-Path", "Sender", "Subject", "To", "X-Auto-Response-Suppress",
}

// Compose renders m as an RFC 5322 message with CRLF line ends.
//
// jordan-wright/email builds the MIME body (multipart/mixed of a
// multipart/alternative text+HTML and the attachments, bodies in
// quoted-printable UTF-8, attachments in base64). Compose sets each
// attachment's headers itself (encoded file names, a Content-ID that is
// not the file name), and writes the message's header block itself: the
// library writes its headers in random map order, Q-encodes folded values
// into garbage, invents a Message-Id from the host name and passes address
// lists through a comma split. Only the Content-Type (with the boundary)
// is taken from the library's header block.
//
// Every name, subject and header value is checked: a CR or LF is an error,
// never written. Attachment names are sanitised instead (they come from
// files).
func Compose(m Message) ([]byte, error) {
	if err := checkMessage(m); err != nil {
		return nil, fmt.Errorf("compose message %q: %w", m.MessageID, err)
	}
	e := email.NewEmail()
	e.Text = []byte(m.Text)
	e.HTML = []byte(m.HTML)
	for i, a := range m.Attachments {
		if err := attach(e, m.MessageID, i, a); err != nil {
			return nil, fmt.Errorf("compose message %q: %w", m.MessageID, err)
		}
	}
	lib, err := e.Bytes()
	if err != nil {
		return nil, fmt.Errorf("compose message %q: build MIME body: %w", m.MessageID, err)
	}
	bodyType, body, err := splitLibraryOutput(lib)
	if err != nil {
		return nil, fmt.Errorf("compose message %q: %w", m.MessageID, err)
	}

	var h headerBuilder
	h.field("Date", m.Date.Format(time.RFC1123Z))
	h.field("From", addressTokens(m.From)...)
	h.field("To", addressList(m.To)...)
	if len(m.Cc) > 0 {
		h.field("Cc", addressList(m.Cc)...)
	}
	h.unstructured("Subject", m.Subject)
	h.field("Message-ID", "<"+m.MessageID+">")
	if irt := validIDs([]string{m.InReplyTo}); len(irt) == 1 {
		h.field("In-Reply-To", "<"+irt[0]+">")
	}
	if refs := validIDs(m.References); len(refs) > 0 {
		if len(refs) > maxReferences {
			refs = append(refs[:1], refs[len(refs)-maxReferences+1:]...)
		}
		toks := make([]string, len(refs))
		for i, r := range refs {
			toks[i] = "<" + r + ">"
		}
		h.field("References", toks...)
	}
	if m.AutoSubmitted != "" {
		h.field("Auto-Submitted", m.AutoSubmitted)
		if m.AutoSubmitted != "no" {
			// Exchange and Outlook ignore Auto-Submitted; this keeps their
			// out-of-office and rule replies away (bounces still come back).
			h.field("X-Auto-Response-Suppress", "OOF, AutoReply")
		}
	}
	names := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.unstructured(textproto.CanonicalMIMEHeaderKey(k), m.Headers[k])
	}
	h.field("MIME-Version", "1.0")
	for _, f := range bodyType {
		h.raw(f[0], f[1])
	}
	h.b.WriteString("\r\n")

	out := make([]byte, 0, h.b.Len()+len(body))
	out = append(out, h.b.String()...)
	return append(out, body...), nil
}

// checkMessage validates everything that goes into the header block.
func checkMessage(m Message) error {
	var errs []error
	if err := checkMsgID("message id", m.MessageID); err != nil {
		errs = append(errs, err)
	}
	if m.Date.IsZero() {
		errs = append(errs, errors.New("date is not set"))
	}
	if err := checkAddress("from", m.From); err != nil {
		errs = append(errs, err)
	}
	if len(m.To) == 0 {
		errs = append(errs, errors.New("no recipient in to"))
	}
	for i, a := range m.To {
		if err := checkAddress(fmt.Sprintf("to[%d]", i), a); err != nil {
			errs = append(errs, err)
		}
	}
	for i, a := range m.Cc {
		if err := checkAddress(fmt.Sprintf("cc[%d]", i), a); err != nil {
			errs = append(errs, err)
		}
	}
	if err := checkText("subject", m.Subject); err != nil {
		errs = append(errs, err)
	}
	if m.Text == "" {
		errs = append(errs, errors.New("the text body is empty"))
	}
	// Ids of other people's messages: a line break is an attack and an
	// error; an id that is merely malformed is left out of the headers.
	for _, id := range append([]string{m.InReplyTo}, m.References...) {
		if strings.ContainsAny(id, "\r\n") {
			errs = append(errs, fmt.Errorf("referenced message id %q %w", id, errHeaderInjection))
		}
	}
	switch m.AutoSubmitted {
	case "", "no", "auto-generated", "auto-replied", "auto-notified":
	default:
		errs = append(errs, fmt.Errorf("auto-submitted %q is not an RFC 3834 value (auto-generated, auto-replied)", m.AutoSubmitted))
	}
	seen := map[string]bool{}
	for k, v := range m.Headers {
		if ck := textproto.CanonicalMIMEHeaderKey(k); seen[ck] {
			errs = append(errs, fmt.Errorf("header %s is given twice", ck))
		} else {
			seen[ck] = true
		}
		if err := checkHeaderName(k); err != nil {
			errs = append(errs, err)
		}
		if err := checkText("header "+k+" value", v); err != nil {
			errs = append(errs, err)
		}
		if len(k)+2+len(v) > maxHardLine {
			errs = append(errs, fmt.Errorf("header %s is longer than %d characters", k, maxHardLine))
		}
	}
	return errors.Join(errs...)
}

// checkHeaderName accepts an RFC 5322 field name that Compose does not own.
func checkHeaderName(k string) error {
	if k == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c > '~' || c == ':' {
			return fmt.Errorf("header name %q is not a valid field name", k)
		}
	}
	ck := textproto.CanonicalMIMEHeaderKey(k)
	for _, r := range reservedHeaders {
		if ck == r {
			return fmt.Errorf("header %s is written by Compose from the message's fields; it cannot be set in Headers", k)
		}
	}
	return nil
}

// validIDs returns the usable message ids among ids, in order.
func validIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if checkMsgID("id", id) == nil {
			out = append(out, id)
		}
	}
	return out
}

// attach adds a to e with headers the library would get wrong: an encoded
// file name in Content-Type and Content-Disposition, and a Content-ID made
// from the message id, not from the file name.
func attach(e *email.Email, msgID string, i int, a Attachment) error {
	mt, err := attachmentMediaType(a)
	if err != nil {
		return err
	}
	name := sanitiseFilename(a.Name, mt)
	at, err := e.Attach(bytes.NewReader(a.Data), name, mt+";"+filenameParams("name", name, false))
	if err != nil {
		return fmt.Errorf("attach %q: %w", name, err)
	}
	// The library overwrites Content-Type from at.ContentType (set above)
	// and keeps the other three when they are already set.
	at.Header.Set("Content-Disposition", "attachment;"+filenameParams("filename", name, true))
	at.Header.Set("Content-ID", fmt.Sprintf("<part%d.%s>", i+1, msgID))
	at.Header.Set("Content-Transfer-Encoding", "base64")
	return nil
}

// splitLibraryOutput separates what email.Bytes wrote into the MIME fields
// of its header block we keep (Content-Type, and Content-Transfer-Encoding
// for a single-part message), re-folded, and the body after the blank line.
func splitLibraryOutput(lib []byte) ([][2]string, []byte, error) {
	i := bytes.Index(lib, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, nil, errors.New("build MIME body: no end of header in the library's output")
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(lib[:i+4]))).ReadMIMEHeader()
	if err != nil {
		return nil, nil, fmt.Errorf("build MIME body: read the library's header: %w", err)
	}
	ct := hdr.Get("Content-Type")
	if ct == "" {
		return nil, nil, errors.New("build MIME body: the library wrote no Content-Type")
	}
	// "multipart/mixed; boundary=…" → fold before the boundary.
	ct = strings.Replace(ct, "; ", ";\r\n ", 1)
	fields := [][2]string{{"Content-Type", ct}}
	if cte := hdr.Get("Content-Transfer-Encoding"); cte != "" {
		fields = append(fields, [2]string{"Content-Transfer-Encoding", cte})
	}
	return fields, lib[i+4:], nil
}
