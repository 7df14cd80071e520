package inbound

import (
	"strings"

	"github.com/emersion/go-message/textproto"
)

// AuthResults is what one Authentication-Results field (RFC 8601) says of
// a message: the DMARC verdict the receiving server reached. Every field is
// "" when no field was read or it says nothing of DMARC.
type AuthResults struct {
	AuthServID string // authserv-id of the field read, lowercased; "" also when it has none (Microsoft 365 writes none)
	DMARC      string // the dmarc result, lowercased: pass, fail, none, temperror, permerror, bestguesspass …
	DMARCFrom  string // the header.from of that result: a domain, A–Z lowercased
}

// maxAuthFields bounds how many Authentication-Results fields are looked
// at; a real message has a handful.
const maxAuthFields = 100

// authResults reads the Authentication-Results field that counts. With
// servID set, that is the topmost field whose authserv-id is servID (case
// insensitive) and that holds a dmarc result: a receiving server may write
// one field per filter (OpenDKIM, OpenDMARC) with the same id. Without it,
// only the topmost field counts: the receiving server adds its field above
// the ones the message came with, which anyone may have written.
//
// A sender can still forge a field with the receiving server's own id
// below the real one; the server is expected to remove such fields
// (RFC 8601 section 5), and the real one is read first in any case.
func authResults(h textproto.Header, servID string) AuthResults {
	values := h.Values("Authentication-Results")
	if len(values) > maxAuthFields {
		values = values[:maxAuthFields]
	}
	servID = strings.TrimSpace(servID)
	for _, v := range values {
		r, hasID := parseAuthResults(v)
		if servID == "" {
			return r
		}
		if hasID && strings.EqualFold(r.AuthServID, servID) && r.DMARC != "" {
			return r
		}
	}
	return AuthResults{}
}

// parseAuthResults reads one Authentication-Results value:
//
//	authserv-id [version] ; method[/version]=result [reason=…] [ptype.property=value …] ; …
//
// with comments, quoted strings and folding anywhere. Microsoft 365 leaves
// the authserv-id out ("spf=pass … ; dmarc=pass action=none
// header.from=example.com;compauth=pass reason=100"): a first section that
// holds a "=" is taken as a result, not an id. The first dmarc result
// counts.
func parseAuthResults(v string) (r AuthResults, hasID bool) {
	sections := splitAuthSections(authTokens(v))
	for i, sec := range sections {
		if i == 0 && !hasEquals(sec) {
			if len(sec) > 0 && sec[0].kind == tokWord {
				r.AuthServID = strings.ToLower(sec[0].text)
				hasID = true
			}
			continue
		}
		method, result, props := resinfo(sec)
		if method != "dmarc" || r.DMARC != "" {
			continue
		}
		if !keyword(result) {
			continue
		}
		r.DMARC = result
		r.DMARCFrom = domainOf(props["header.from"])
	}
	return r, hasID
}

type tokKind int

const (
	tokWord   tokKind = iota // a word or a quoted string
	tokEquals                // =
	tokSemi                  // ;
)

type authToken struct {
	kind tokKind
	text string
}

// authTokens splits a header value into words (quoted strings unquoted),
// "=" and ";", dropping white space and comments (nested, with
// backslash escapes). An unterminated comment or quoted string runs to the
// end of the value.
func authTokens(v string) []authToken {
	var toks []authToken
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			depth := 0
			for ; i < len(v); i++ {
				switch v[i] {
				case '\\':
					i++
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 {
					i++
					break
				}
			}
		case c == '"':
			var b strings.Builder
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			i++
			toks = append(toks, authToken{tokWord, b.String()})
		case c == '=':
			toks = append(toks, authToken{kind: tokEquals})
			i++
		case c == ';':
			toks = append(toks, authToken{kind: tokSemi})
			i++
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" \t\r\n()\";=", rune(v[j])) {
				j++
			}
			toks = append(toks, authToken{tokWord, v[i:j]})
			i = j
		}
	}
	return toks
}

func splitAuthSections(toks []authToken) [][]authToken {
	var out [][]authToken
	start := 0
	for i, t := range toks {
		if t.kind == tokSemi {
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	return append(out, toks[start:])
}

func hasEquals(sec []authToken) bool {
	for _, t := range sec {
		if t.kind == tokEquals {
			return true
		}
	}
	return false
}

// resinfo reads "method[/version]=result name=value …": the method (its
// version dropped) and result lowercased, and the other pairs by lowercased
// name, the first of each kept. Tokens that are not part of a pair are
// skipped.
func resinfo(sec []authToken) (method, result string, props map[string]string) {
	props = map[string]string{}
	first := true
	for i := 0; i+1 < len(sec); i++ {
		if sec[i].kind != tokWord || sec[i+1].kind != tokEquals {
			continue
		}
		name := strings.ToLower(sec[i].text)
		val := ""
		if i+2 < len(sec) && sec[i+2].kind == tokWord {
			val = sec[i+2].text
			i++
		}
		i++
		if first {
			first = false
			method, _, _ = strings.Cut(name, "/")
			method = strings.TrimSpace(method)
			result = strings.ToLower(val)
			continue
		}
		if _, seen := props[name]; !seen {
			props[name] = val
		}
	}
	return method, result, props
}

// keyword reports an RFC 8601 result keyword: letters, digits, '-' and '_',
// at most 64 of them.
func keyword(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// domainOf takes the domain of a header.from value ("example.com",
// "user@example.com", "@example.com"), A–Z lowercased, without a trailing
// dot; "" when it is empty or too long to be a domain.
func domainOf(v string) string {
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	v = strings.TrimSuffix(strings.TrimSpace(v), ".")
	if len(v) > 255 {
		return ""
	}
	return asciiLower(v)
}
