package mail

import (
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// XLSXType is the media type of an Excel workbook (.xlsx).
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

	// maxFilenameBytes caps an attachment name (UTF-8 bytes, extension
	// included): 40 Chinese characters. The percent-encoded filename*
	// parameter then stays one line far below 998 characters, so no RFC 2231
	// continuations are needed, and the name fits every file system.
	maxFilenameBytes = 120

	// octetStream is the media type of a file of unknown type.
	octetStream = "application/octet-stream"

	// fallbackStem names an attachment whose name sanitises to nothing.
	fallbackStem = "附件"
)

// sanitiseFilename makes name safe to put in a header and to save on any
// file system: control and format characters (bidi overrides included),
// quotes and backslashes are dropped; path separators and the characters
// Windows forbids become "_"; runs of spaces collapse; leading and trailing
// dots and spaces go (no hidden files, no "../"). The name is capped at
// maxFilenameBytes without cutting a character and keeps its extension; a
// workbook without one gets ".xlsx".
func sanitiseFilename(name, mediaType string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == '\t', r != '\r' && r != '\n' && unicode.IsSpace(r):
			space = true
			continue
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '"':
			continue
		case r == '/', r == '\\', r == '<', r == '>', r == ':', r == '|', r == '?', r == '*':
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s := b.String()
	ext := path.Ext(s)
	if !isExtension(ext) {
		ext = ""
	}
	stem := strings.Trim(strings.TrimSuffix(s, ext), ". ")
	if ext == "" && mediaType == XLSXType {
		ext = ".xlsx"
	}
	if stem == "" {
		stem = fallbackStem
	}
	for len(stem)+len(ext) > maxFilenameBytes {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = fallbackStem
	}
	return stem + ext
}

// isExtension reports whether ext (with its dot) looks like a file
// extension: 1 to 8 ASCII letters and digits.
func isExtension(ext string) bool {
	if len(ext) < 2 || len(ext) > 9 {
		return false
	}
	for i := 1; i < len(ext); i++ {
		c := ext[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// attachmentMediaType returns the media type to declare for a: its
// ContentType without parameters, or a guess from the name's extension.
func attachmentMediaType(a Attachment) (string, error) {
	if a.ContentType == "" {
		ext := strings.ToLower(path.Ext(a.Name))
		if ext == ".xlsx" {
			return XLSXType, nil
		}
		mt, _, err := mime.ParseMediaType(mime.TypeByExtension(ext))
		if err != nil {
			return octetStream, nil
		}
		return base64able(mt), nil
	}
	if err := checkText("attachment content type", a.ContentType); err != nil {
		return "", err
	}
	mt, _, err := mime.ParseMediaType(a.ContentType)
	if err != nil {
		return "", fmt.Errorf("attachment %q: content type %q: %w", a.Name, a.ContentType, err)
	}
	return base64able(mt), nil
}

// base64able returns mt, or application/octet-stream for the composite
// types (message/*, multipart/*), which RFC 2046 forbids to send in base64:
// a forwarded .eml goes out as a plain file.
func base64able(mt string) string {
	if strings.HasPrefix(mt, "message/") || strings.HasPrefix(mt, "multipart/") {
		return octetStream
	}
	return mt
}

// filenameParams renders the name as header parameters, for the value of
// Content-Type (param "name") or Content-Disposition (param "filename"),
// already folded (each line starts with a space after the first). A plain
// ASCII name is one quoted string. Any other name is written twice: as
// RFC 2047 encoded-words inside the quoted string — not standard, but what
// Outlook, Foxmail and the Chinese webmails write and read — and as the
// standard RFC 2231 filename* (UTF-8, percent-encoded), which aware readers
// (Thunderbird, Apple Mail, Gmail, Python, Go) prefer. The name must come
// from sanitiseFilename: no quotes, backslashes or line breaks.
func filenameParams(param, name string, rfc2231 bool) string {
	if isPlainASCII(name) {
		return "\r\n " + param + "=" + quoteString(name)
	}
	prefix := " " + param + `="`
	// Budgets leave room for the prefix on the first line and for the
	// closing `";` on the last.
	words := encodeWords(name, maxLine-len(prefix)-2, maxLine-1-2)
	var b strings.Builder
	b.WriteString("\r\n")
	b.WriteString(prefix)
	b.WriteString(strings.Join(words, "\r\n "))
	b.WriteByte('"')
	if rfc2231 {
		b.WriteString(";\r\n ")
		b.WriteString(param)
		b.WriteString("*=UTF-8''")
		b.WriteString(percentEncode(name))
	}
	return b.String()
}

// isAttrChar reports whether c is an RFC 2231 attribute character, which
// needs no percent-encoding.
func isAttrChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// percentEncode writes s as the value of an RFC 2231 extended parameter.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
