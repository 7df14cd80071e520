package inbound

import (
	"path"
	"strings"
	"unicode"
)

// maxNameRunes caps a sanitised file name.
const maxNameRunes = 120

// fileName picks a part's file name: RFC 2231 filename* on
// Content-Disposition, its plain filename (RFC 2047 words or raw 8-bit
// bytes), then the same for name on Content-Type. A candidate that decodes
// without replacement characters wins over an earlier one that does not.
// problem reports an unknown charset met on the way.
func fileName(disp, ct headerParams) (name, problem string) {
	type cand struct{ s, problem string }
	var cands []cand
	add := func(s, p string) {
		if s = strings.TrimSpace(s); s != "" {
			cands = append(cands, cand{s, p})
		}
	}
	if s, p, ok := disp.extText("filename"); ok {
		add(s, p)
	}
	if s, p := disp.plainText("filename"); s != "" {
		add(s, p)
	}
	if s, p, ok := ct.extText("name"); ok {
		add(s, p)
	}
	if s, p := ct.plainText("name"); s != "" {
		add(s, p)
	}
	if len(cands) == 0 {
		return "", ""
	}
	for _, c := range cands {
		if !strings.ContainsRune(c.s, unicode.ReplacementChar) {
			return c.s, c.problem
		}
	}
	return cands[0].s, cands[0].problem
}

// sanitizeName makes a received file name safe to show and to store: the
// last path element only, no control or invisible formatting characters
// (a right-to-left override can disguise "xlsx.exe"), no characters Windows
// forbids, no "..", no leading or trailing dots and spaces, at most 120
// characters with the extension kept. It returns "" when nothing is left.
func sanitizeName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, `\`, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`:*?"<>|`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, s)
	for strings.Contains(s, "..") {
		s = strings.ReplaceAll(s, "..", ".")
	}
	s = strings.Trim(s, " .")
	if r := []rune(s); len(r) > maxNameRunes {
		ext := path.Ext(s)
		if n := len([]rune(ext)); n > 16 || n == len(r) {
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(s, ext))
		stem = stem[:maxNameRunes-len([]rune(ext))]
		s = strings.Trim(string(stem), " .") + ext
	}
	return s
}
