package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Address is a mailbox: a display name (often Chinese) and an ASCII address.
type Address struct{ Name, Email string }

// Attachment is a file attached to a message. Name is sanitised by Compose;
// an empty ContentType is guessed from the name's extension.
type Attachment struct {
	Name, ContentType string
	Data              []byte
}

// Message is an outgoing message. Compose renders it.
type Message struct {
	MessageID string    // without <>, e.g. "reminder.2023-05.jtj@metro.example"; see MessageID
	Date      time.Time // rendered in its own location (Asia/Shanghai for us)
	From      Address
	To, Cc    []Address
	Subject   string
	Text      string // plain-text body, required
	HTML      string // optional alternative body

	InReplyTo  string   // message id without <>; "" for none
	References []string // message ids without <>

	// AutoSubmitted is "" or an RFC 3834 value ("auto-generated",
	// "auto-replied", "auto-notified", "no"). With any value but "no",
	// Compose also asks Exchange/Outlook not to answer with out-of-office
	// or auto-replies, so units' auto-responders do not loop with ours.
	AutoSubmitted string

	// Headers are extra single-line headers such as "X-Duban-Kind". Headers
	// this package writes itself (From, Subject, Content-Type, ...) cannot
	// be set here.
	Headers map[string]string

	Attachments []Attachment
}

// MessageID builds a deterministic message id (without <>) from parts, so
// that a message recorded in the outbox before sending has the same id when
// it is sent again after a crash. Each part keeps the characters
// [A-Za-z0-9_-] and dots between words; other characters become "-", and a
// part that had any is suffixed with a short hash of its original text so
// that two different parts never collide. Parts are joined with "." and the
// (sanitised) domain follows "@".
//
//	MessageID("metro.example", "remind", "2023-05", "jtj") == "remind.2023-05.jtj@metro.example"
func MessageID(domain string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if s := idPart(p); s != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		kept = []string{"duban"}
	}
	return strings.Join(kept, ".") + "@" + idDomain(domain)
}

// idPart sanitises one part of a message id's left side into dot-atom text.
func idPart(p string) string {
	var b strings.Builder
	changed := false
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
			changed = true
		}
	}
	// dot-atom: no leading, trailing or doubled dots.
	s := collapseDots(b.String())
	if s != b.String() {
		changed = true
	}
	if changed {
		sum := sha256.Sum256([]byte(p))
		if s != "" {
			s += "-"
		}
		s += hex.EncodeToString(sum[:4])
	}
	return s
}

// idDomain sanitises the right side of a message id.
func idDomain(d string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(d)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	s := collapseDots(b.String())
	if s == "" {
		return "duban.invalid"
	}
	return s
}

// collapseDots trims dots at both ends and turns runs of dots into one.
func collapseDots(s string) string {
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	return strings.Trim(s, ".")
}
