package plan

import (
	"regexp"
	"strings"
)

// phoneNumber is one number as people write it: digits with the usual
// separators, a leading + for a country code.
var phoneNumber = regexp.MustCompile(`^\+?[0-9(][0-9 ()\-]*[0-9]$`)

// phoneExtension is what may follow the number: 转123, 分机123, ext. 123.
var phoneExtension = regexp.MustCompile(`^\s*(?:转|分机|ext\.?)\s*[0-9]{1,6}$`)

// IsPhone reports whether s is one plausible phone number as an office
// writes it to be called back: 7 to 15 digits (a local fixed line without
// area code up to an international mobile number), separated by spaces,
// hyphens or parentheses, optionally followed by an extension
// (0551-63000000转8001). It does not check that the number exists.
func IsPhone(s string) bool {
	s = strings.TrimSpace(s)
	number := s
	if i := strings.IndexAny(s, "转分eE"); i > 0 {
		if !phoneExtension.MatchString(strings.ToLower(s[i:])) {
			return false
		}
		number = strings.TrimSpace(s[:i])
	}
	if !phoneNumber.MatchString(number) {
		return false
	}
	digits := 0
	for _, r := range number {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 7 && digits <= 15
}
