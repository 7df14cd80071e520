package mail

import (
	"fmt"
	"net"
	"strings"
)

// TLSMode is how a connection to a mail server is protected. SMTP and
// IMAP take the same modes.
type TLSMode string

// The TLS modes. There is never a fallback from one to another.
const (
	// TLSImplicit is TLS from the first byte (SMTP 465, IMAP 993).
	TLSImplicit TLSMode = "implicit"
	// TLSStartTLS is a plain greeting, then STARTTLS, which the server
	// must offer (SMTP 587 or 25, IMAP 143).
	TLSStartTLS TLSMode = "starttls"
	// TLSPlain is no TLS at all: only for a server on this machine's
	// loopback (a local Postfix relay on 127.0.0.1:25, a test server),
	// where nothing crosses a network.
	TLSPlain TLSMode = "insecure-plain"
)

// TLSModes lists every mode.
func TLSModes() []TLSMode { return []TLSMode{TLSImplicit, TLSStartTLS, TLSPlain} }

// Check says what is wrong with using the mode for a server on host, or
// nil. An unknown mode, and plain text to anything but a loopback host,
// are refused.
func (m TLSMode) Check(host string) error {
	switch m {
	case TLSImplicit, TLSStartTLS:
		return nil
	case TLSPlain:
		if host != "" && !IsLoopback(host) {
			return fmt.Errorf("tls %q is only allowed for a server on this machine (127.0.0.1, ::1, localhost), not %q: use %s or %s", m, host, TLSImplicit, TLSStartTLS)
		}
		return nil
	case "":
		return fmt.Errorf("tls is empty: set it to %s or %s", TLSImplicit, TLSStartTLS)
	}
	return fmt.Errorf("tls %q is unknown: set it to %s or %s (or %s for a server on this machine only)", string(m), TLSImplicit, TLSStartTLS, TLSPlain)
}

// IsLoopback reports whether host is "localhost" or a loopback IP literal.
// Names are not resolved: what is checked is what is written.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
