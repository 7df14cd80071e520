package config

import (
	"fmt"
	"net/mail"
	"strings"
)

// checker collects problems.
type checker struct{ ps Problems }

func (c *checker) addf(key, format string, args ...any) {
	c.ps = append(c.ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

// maxListed is how many ids a message lists before eliding the rest.
const maxListed = 20

// listIDs writes ids for a message: "fgw, jtj, kjj", eliding past maxListed.
func listIDs(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	if len(ids) <= maxListed {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s, … (%d more)", strings.Join(ids[:maxListed], ", "), len(ids)-maxListed)
}

// unknownID is the message for a reference to an id that does not exist.
func unknownID(kind, kinds, id string, known []string, section string) string {
	hint := ""
	if s := closest(id, known); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	return fmt.Sprintf("unknown %s %q%s; known %s: %s; fix the id or add the %s under %s",
		kind, id, hint, kinds, listIDs(known), kind, section)
}

// closest returns the id nearest to s within two edits, or "".
func closest(s string, ids []string) string {
	best, bestDist := "", 3
	for _, id := range ids {
		// A suggestion must keep at least one character of s.
		if d := editDistance(strings.ToLower(s), strings.ToLower(id)); d < bestDist && d < len([]rune(s)) {
			best, bestDist = id, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// checkEmail reports a missing (when required) or malformed address and
// tells whether the address is usable.
func (c *checker) checkEmail(key, email string, required bool) bool {
	if email == "" {
		if required {
			c.addf(key, "missing; write the email address, e.g. name@example.org")
		}
		return false
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email {
		c.addf(key, "%q is not a plain email address; write it like name@example.org, without a display name or <>", email)
		return false
	}
	return true
}

// isSlug reports whether s matches ^[a-z][a-z0-9_-]{0,31}$.
func isSlug(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
