package inbound

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// chineseCharsets are the labels read as GB18030, which is a superset of all
// of them: mail labelled gb2312 routinely carries GBK-only characters.
var chineseCharsets = map[string]bool{
	"gb2312": true, "gbk": true, "gb18030": true, "x-gbk": true, "cp936": true,
	"ms936": true, "windows-936": true, "euc-cn": true, "x-euc-cn": true,
	"csgb2312": true, "gb_2312-80": true, "chinese": true, "csgbk": true,
	"x-gb18030": true,
}

var utf8Charsets = map[string]bool{
	"": true, "utf-8": true, "utf8": true, "us-ascii": true, "ascii": true,
	"x-utf_8j": true, "unicode-1-1-utf-8": true,
}

// decodeBytes converts b from the charset label to UTF-8. An unknown label,
// or bytes that are not what the label says, are read as UTF-8 when valid
// and as GB18030 otherwise; problem then says so ("" when all went well).
func decodeBytes(b []byte, label string) (s, problem string) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	label = strings.TrimPrefix(label, "charset=") // "charset=charset=us-ascii"
	switch {
	case utf8Charsets[label]:
		if utf8.Valid(b) {
			return string(b), ""
		}
		s := gb18030(b)
		if label == "" {
			return s, ""
		}
		return s, fmt.Sprintf("text labelled %s is not valid UTF-8; read as GB18030", label)
	case chineseCharsets[label]:
		return gb18030(b), ""
	}
	if r, err := charset.Reader(label, bytes.NewReader(b)); err == nil {
		if out, err := io.ReadAll(r); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD"), ""
		}
	}
	return guessText(b), fmt.Sprintf("unknown charset %q; read as UTF-8 or GB18030", label)
}

// guessText reads bytes of unknown charset: UTF-8 when valid, else GB18030
// (raw 8-bit names from NetEase and old Outlook are GBK).
func guessText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return gb18030(b)
}

func gb18030(b []byte) string {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// word is one RFC 2047 encoded-word, or a run of literal text.
type word struct {
	literal string
	charset string // lowercased, language suffix removed
	data    []byte // decoded bytes, still in charset
	encoded bool
}

// decodeWords decodes RFC 2047 encoded-words anywhere in s (also inside
// quotes, as Foxmail and QQ Mail write file names). Adjacent words of one
// charset are joined before decoding, so a GBK character split across two
// words survives; literal 8-bit text is read as UTF-8 or GB18030.
func decodeWords(s string) (string, string) {
	if !strings.Contains(s, "=?") {
		return guessText([]byte(s)), ""
	}
	words := splitWords(s)
	var b strings.Builder
	problem := ""
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !w.encoded {
			b.WriteString(guessText([]byte(w.literal)))
			continue
		}
		data := w.data
		for i+1 < len(words) && words[i+1].encoded && words[i+1].charset == w.charset {
			i++
			data = append(data, words[i].data...)
		}
		text, p := decodeBytes(data, w.charset)
		if problem == "" {
			problem = p
		}
		b.WriteString(text)
	}
	return b.String(), problem
}

// splitWords tokenises s into literal runs and encoded-words, dropping
// whitespace between two encoded-words (RFC 2047 §6.2).
func splitWords(s string) []word {
	var words []word
	lit := 0
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		j += i
		w, end, ok := parseWord(s, j)
		if !ok {
			i = j + 2
			continue
		}
		if between := s[lit:j]; between != "" {
			prevEncoded := len(words) > 0 && words[len(words)-1].encoded
			if !(prevEncoded && strings.TrimSpace(between) == "") {
				words = append(words, word{literal: between})
			}
		}
		words = append(words, w)
		i, lit = end, end
	}
	if lit < len(s) {
		words = append(words, word{literal: s[lit:]})
	}
	return words
}

// maxWordLen bounds the search for the end of an encoded-word (RFC 2047
// allows 75 characters; some clients write far longer ones), so that text
// full of "=?" is not scanned to its end again and again.
const maxWordLen = 2048

// parseWord reads "=?charset?B?text?=" at s[j:].
func parseWord(s string, j int) (word, int, bool) {
	rest := s[j+2:]
	if len(rest) > maxWordLen {
		rest = rest[:maxWordLen]
	}
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 64 || len(rest) < q1+3 || rest[q1+2] != '?' {
		return word{}, 0, false
	}
	cs := rest[:q1]
	if strings.ContainsAny(cs, " \t\r\n\"") {
		return word{}, 0, false
	}
	enc := rest[q1+1]
	text := rest[q1+3:]
	end := strings.Index(text, "?=")
	if end < 0 {
		return word{}, 0, false
	}
	text = text[:end]
	if strings.ContainsAny(text, " \t\r\n") {
		return word{}, 0, false
	}
	var data []byte
	switch enc {
	case 'B', 'b':
		data = decodeBase64Lenient([]byte(text))
	case 'Q', 'q':
		data = decodeQWord(text)
	default:
		return word{}, 0, false
	}
	if k := strings.IndexByte(cs, '*'); k >= 0 {
		cs = cs[:k] // RFC 2231 language suffix
	}
	w := word{charset: strings.ToLower(cs), data: data, encoded: true}
	return w, j + 2 + q1 + 3 + end + 2, true
}

// decodeQWord decodes the Q encoding of RFC 2047: '_' is a space.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
