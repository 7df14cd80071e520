package inbound

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// envelope fills the message's sender, ids, subject and date from the
// top-level header.
func (p *parser) envelope(th textproto.Header) {
	h := gomail.Header{Header: message.Header{Header: th}}
	m := p.msg

	m.From = cleanAddress(fromAddress(h))
	if m.From.Email == "" && h.Get("From") != "" {
		p.note("From header %q has no readable address", capText(h.Get("From"), 200))
	}
	m.Sender = bareAddress(h.Get("Sender"))
	m.ReplyTo = bareAddress(h.Get("Reply-To"))
	m.ReturnPath = bareAddress(h.Get("Return-Path"))

	subject, problem := decodeWords(h.Get("Subject"))
	m.Subject = oneLine(subject)
	if problem != "" {
		p.note("Subject: %s", problem)
	}

	if id, err := h.MessageID(); err == nil {
		m.MessageID = id
	} else if ids := looseIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = msgIDs(h, "In-Reply-To")
	m.References = msgIDs(h, "References")

	if v := h.Get("Date"); v != "" {
		d, err := parseDate(h, v)
		if err != nil {
			p.note("Date %q unreadable: %v", capText(v, 100), err)
		}
		m.Date = d
	}
}

// oneLine makes decoded header text safe to show and to reuse in a header
// of our own: an encoded-word may carry CR, LF or other control characters,
// which would otherwise make every answer to the message uncomposable.
// Each run of white space and control characters becomes one space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// cleanAddress puts the display name on one line and drops an address that
// holds white space or control characters (only a loose reading of a
// broken header yields one): such a sender is unknown, not an error.
func cleanAddress(a Address) Address {
	a.Name = oneLine(a.Name)
	if strings.IndexFunc(a.Email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		a.Email = ""
	}
	return a
}

// fromAddress reads the first From address with go-message (net/mail with a
// charset-aware word decoder), then decodes what net/mail leaves alone
// (encoded-words inside quotes, raw GBK); when that parser gives up, a loose
// reading takes the address in <> or the first word with an @.
func fromAddress(h gomail.Header) Address {
	list, err := h.AddressList("From")
	if err == nil && len(list) > 0 && list[0].Address != "" {
		name, _ := decodeWords(list[0].Name)
		return Address{Name: strings.TrimSpace(name), Email: asciiLower(list[0].Address)}
	}
	return looseAddress(h.Get("From"))
}

var angleAddr = regexp.MustCompile(`<([^<>]*)>`)

func looseAddress(v string) Address {
	if strings.TrimSpace(v) == "" {
		return Address{}
	}
	if m := angleAddr.FindStringSubmatchIndex(v); m != nil {
		email := asciiLower(strings.TrimSpace(v[m[2]:m[3]]))
		name := strings.Trim(strings.TrimSpace(v[:m[0]]), `"' `)
		dn, _ := decodeWords(name)
		return Address{Name: strings.TrimSpace(dn), Email: email}
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '"' || r == '\t' }) {
		if strings.Contains(f, "@") {
			return Address{Email: asciiLower(strings.Trim(f, "()[]"))}
		}
	}
	return Address{}
}

// bareAddress returns the first address of a header value, A–Z lowercased;
// "" for none and for the null path <>.
func bareAddress(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	if l, err := gomail.ParseAddressList(v); err == nil && len(l) > 0 {
		return asciiLower(l[0].Address)
	}
	return looseAddress(v).Email
}

// asciiLower lowercases the ASCII letters A–Z of an address and nothing
// else. Full Unicode case folding would turn look-alikes into the address
// they imitate (the Kelvin sign K into k, İ into i̇); kept as written, they
// never match a unit's contact.
func asciiLower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for j := i; j < len(b); j++ {
		if c := b[j]; c >= 'A' && c <= 'Z' {
			b[j] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// nullPath reports a Return-Path of <>, the sender of bounces.
func nullPath(v string) bool {
	return strings.Join(strings.Fields(v), "") == "<>"
}

func msgIDs(h gomail.Header, key string) []string {
	v := h.Get(key)
	if v == "" {
		return nil
	}
	if ids, err := h.MsgIDList(key); err == nil && len(ids) > 0 {
		return ids
	}
	return looseIDs(v)
}

// looseIDs reads message ids that go-message refuses (no @, spaces,
// missing brackets): every <…>, else every word.
func looseIDs(v string) []string {
	var ids []string
	for _, m := range angleAddr.FindAllStringSubmatch(v, 100) {
		if id := strings.TrimSpace(m[1]); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		for _, f := range strings.Fields(v) {
			if f = strings.Trim(f, "<>,"); f != "" {
				ids = append(ids, f)
			}
		}
	}
	if len(ids) > 100 {
		ids = ids[:100]
	}
	return ids
}

// dateLayouts are forms seen in the wild that net/mail refuses.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

func parseDate(h gomail.Header, v string) (time.Time, error) {
	d, err := h.Date()
	if err == nil {
		return d, nil
	}
	s := strings.Join(strings.Fields(v), " ")
	for _, layout := range dateLayouts {
		if d, err2 := time.Parse(layout, s); err2 == nil {
			return d, nil
		}
	}
	if i := strings.IndexByte(s, '('); i > 0 {
		if d, err2 := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", strings.TrimSpace(s[:i])); err2 == nil {
			return d, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date format: %w", err)
}
