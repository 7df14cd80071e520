package reports

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strconv"
)

// tokenChars is the length of a metadata token: 26 base32 characters carry
// 130 bits of the HMAC, short enough to read in a cell, far too long to guess.
const tokenChars = 26

// Sign returns the token that ties a template's version, plan, period and
// unit together: HMAC-SHA256 keyed with the secret, base32-encoded and
// truncated to tokenChars. Each field is length-prefixed before hashing, so
// no two different metadata tuples hash the same bytes (a plan title may
// contain any separator).
func Sign(secret []byte, m Meta) string {
	mac := hmac.New(sha256.New, secret)
	for _, field := range []string{m.Version, m.Plan, m.Period, m.Unit} {
		mac.Write([]byte(strconv.Itoa(len(field))))
		mac.Write([]byte{':'})
		mac.Write([]byte(field))
	}
	sum := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil))
	return sum[:tokenChars]
}

// Valid reports whether m.Token is the token Sign gives for m's other fields.
// The comparison takes constant time.
func (m Meta) Valid(secret []byte) bool {
	want := Sign(secret, m)
	return hmac.Equal([]byte(m.Token), []byte(want))
}
