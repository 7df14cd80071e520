package inbound

import (
	"html"
	"strings"
	"unicode/utf8"
)

// maxText caps Message.Text, in bytes.
const maxText = 64 << 10

// capText cuts s to at most max bytes on a character boundary.
func capText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// blockTags end a line when stripping HTML.
var blockTags = map[string]bool{
	"br": true, "p": true, "div": true, "tr": true, "li": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "hr": true, "pre": true,
}

// skipTags have content that is not text.
var skipTags = map[string]bool{"script": true, "style": true, "head": true, "title": true}

// htmlText turns an HTML body into plain text: tags dropped (script, style
// and head with their content), block tags ending lines, entities decoded,
// blank runs collapsed.
func htmlText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:lt])
		s = s[lt:]
		if strings.HasPrefix(s, "<!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				break
			}
			s = s[end+3:]
			continue
		}
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			break
		}
		tag := s[1:gt]
		s = s[gt+1:]
		name := tagName(tag)
		if skipTags[name] && !strings.HasPrefix(tag, "/") && !strings.HasSuffix(tag, "/") {
			end := closingTag(s, name)
			if end < 0 {
				s = ""
				break
			}
			s = s[end:]
			if gt := strings.IndexByte(s, '>'); gt >= 0 {
				s = s[gt+1:]
			} else {
				s = ""
			}
			continue
		}
		if blockTags[name] {
			b.WriteByte('\n')
		}
	}
	return tidyLines(html.UnescapeString(b.String()))
}

func tagName(tag string) string {
	tag = strings.TrimLeft(tag, "/ ")
	end := strings.IndexAny(tag, " \t\r\n/")
	if end >= 0 {
		tag = tag[:end]
	}
	return strings.ToLower(tag)
}

// closingTag finds "</name" in s, ignoring case.
func closingTag(s, name string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], "</")
		if i < 0 {
			return -1
		}
		at := off + i
		if n := at + 2 + len(name); n <= len(s) && strings.EqualFold(s[at+2:n], name) {
			return at
		}
		off = at + 2
	}
}

// tidyLines trims every line, turns non-breaking spaces into spaces and
// keeps at most one blank line in a row.
func tidyLines(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	blank := true
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.Join(strings.Fields(line), " "))
		if line == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, line)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
