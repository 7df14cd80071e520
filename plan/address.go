package plan

import (
	"strings"

	"golang.org/x/net/idna"
)

// AddressKey returns the form in which two mail addresses are compared, and
// false for something that is not an address at all. Only ASCII letters
// are case-folded, in the local part and the domain; an internationalised
// domain is compared in its ASCII (Punycode) form, converted without
// Unicode mapping, so that look-alike characters are never folded into the
// letters they imitate: the Kelvin sign U+212A is not "k", U+0130 (İ) is not
// "i", a full-width or Cyrillic letter is not its Latin twin. An address
// with such a character therefore matches no contact written in ASCII: its
// sender is a stranger.
func AddressKey(addr string) (string, bool) {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", false
	}
	local, domain := addr[:at], strings.TrimSuffix(addr[at+1:], ".")
	if strings.IndexFunc(addr, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 || domain == "" {
		return "", false
	}
	domain = asciiLower(domain)
	if !isASCII(domain) {
		ascii, err := idna.Punycode.ToASCII(domain)
		if err != nil {
			return "", false
		}
		domain = asciiLower(ascii)
	}
	return asciiLower(local) + "@" + domain, true
}

// DomainKey is AddressKey's form of a bare domain (units[].domains).
func DomainKey(domain string) (string, bool) {
	key, ok := AddressKey("x@" + strings.TrimPrefix(strings.TrimSpace(domain), "@"))
	if !ok {
		return "", false
	}
	return key[len("x@"):], true
}

// asciiLower lowercases the ASCII letters A–Z and nothing else.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
