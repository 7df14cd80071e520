package inbound

import (
	"sort"
	"strconv"
	"strings"
)

// maxParamSections caps RFC 2231 continuations of one parameter.
const maxParamSections = 64

// headerParams is a parsed Content-Type or Content-Disposition value. The
// standard library's parser is too strict for received mail (duplicate or
// unquoted-tspecial parameters fail the whole header) and drops RFC 2231
// values in any charset but UTF-8, so parameters are parsed here.
type headerParams struct {
	value string            // media type or disposition, lowercased
	plain map[string]string // name → value as written (quotes and escapes removed)
	ext   map[string]extValue
	dup   bool // a parameter was given twice; the first was kept
}

// extValue is an RFC 2231 parameter (name*= or name*0*=, name*1*= …),
// assembled and percent-decoded, still in its charset.
type extValue struct {
	charset string
	data    []byte
}

type extSection struct {
	value   string
	encoded bool
}

// parseParams parses "value; a=b; c*=utf-8”%E5…" leniently: an unquoted
// value runs to the next ';', a quoted one to its closing quote (or the end),
// and a backslash escapes only '"' and '\' so Windows paths survive.
func parseParams(s string) headerParams {
	hp := headerParams{plain: map[string]string{}}
	head, rest, _ := strings.Cut(s, ";")
	head = strings.TrimSpace(head)
	if i := strings.IndexAny(head, " \t\r\n"); i > 0 && strings.Contains(head[i:], "=") {
		// "application/pdf name=x.pdf": a ';' is missing after the type.
		rest = head[i:] + ";" + rest
		head = head[:i]
	}
	hp.value = strings.ToLower(head)
	sections := map[string]map[int]extSection{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t\r\n;")
		if rest == "" {
			break
		}
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			// A parameter without a value: skip it.
			if eq < 0 {
				break
			}
			rest = rest[eq+1:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		var val string
		val, rest = paramValue(strings.TrimLeft(rest[eq+1:], " \t\r\n"))
		if name == "" {
			continue
		}
		if base, n, encoded, ok := extName(name); ok {
			secs := sections[base]
			if secs == nil {
				secs = map[int]extSection{}
				sections[base] = secs
			}
			if _, seen := secs[n]; seen {
				hp.dup = true
				continue
			}
			if len(secs) < maxParamSections {
				secs[n] = extSection{val, encoded}
			}
			continue
		}
		if _, seen := hp.plain[name]; seen {
			hp.dup = true
			continue
		}
		hp.plain[name] = val
	}
	if len(sections) > 0 {
		hp.ext = map[string]extValue{}
		for base, secs := range sections {
			hp.ext[base] = assembleExt(secs)
		}
	}
	return hp
}

// paramValue reads one value from the start of s and returns it with the
// rest of s after the next ';'.
func paramValue(s string) (val, rest string) {
	if !strings.HasPrefix(s, `"`) {
		val, rest, _ = strings.Cut(s, ";")
		return strings.TrimSpace(val), rest
	}
	var b strings.Builder
	i := 1
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if c == '"' {
			break
		}
		b.WriteByte(c)
	}
	rest = ""
	if i < len(s) {
		_, rest, _ = strings.Cut(s[i+1:], ";")
	}
	return b.String(), rest
}

// extName splits an RFC 2231 parameter name: "filename*" (encoded, one
// section), "filename*0" (plain section 0), "filename*1*" (encoded section 1).
func extName(name string) (base string, n int, encoded, ok bool) {
	if !strings.Contains(name, "*") {
		return "", 0, false, false
	}
	if strings.HasSuffix(name, "*") {
		encoded = true
		name = name[:len(name)-1]
	}
	base, num, hasNum := strings.Cut(name, "*")
	if !hasNum {
		return base, 0, encoded, base != ""
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || base == "" {
		return "", 0, false, false
	}
	return base, n, encoded, true
}

// assembleExt joins the sections 0, 1, 2 … (stopping at the first gap) and
// percent-decodes the encoded ones; the charset comes from section 0.
func assembleExt(secs map[int]extSection) extValue {
	nums := make([]int, 0, len(secs))
	for n := range secs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var ev extValue
	for i, n := range nums {
		if n != i {
			break
		}
		sec := secs[n]
		v := sec.value
		if i == 0 && sec.encoded {
			if cs, after, found := strings.Cut(v, "'"); found {
				if _, val, found2 := strings.Cut(after, "'"); found2 {
					ev.charset = strings.ToLower(strings.TrimSpace(cs))
					v = val
				}
			}
		}
		if sec.encoded {
			ev.data = append(ev.data, percentDecode(v)...)
		} else {
			ev.data = append(ev.data, v...)
		}
	}
	return ev
}

// percentDecode decodes %XX; a '%' not followed by two hex digits is kept.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, ok1 := unhex(s[i+1]); ok1 {
				if lo, ok2 := unhex(s[i+2]); ok2 {
					out = append(out, hi<<4|lo)
					i += 2
					continue
				}
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// extText returns the RFC 2231 form of parameter name decoded to UTF-8;
// problem reports an unknown charset.
func (hp headerParams) extText(name string) (s, problem string, ok bool) {
	ev, ok := hp.ext[name]
	if !ok {
		return "", "", false
	}
	s, problem = decodeBytes(ev.data, ev.charset)
	return s, problem, true
}

// plainText returns the plain form of parameter name with RFC 2047
// encoded-words and raw 8-bit bytes decoded to UTF-8.
func (hp headerParams) plainText(name string) (s, problem string) {
	v, ok := hp.plain[name]
	if !ok {
		return "", ""
	}
	return decodeWords(v)
}
