package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/emersion/go-smtp"
)

// SendError is the error of a transport's Send. Code is the SMTP reply
// code when the server gave one (0 otherwise). Temporary tells the outbox
// whether sending the same message later may succeed: 4xx replies,
// timeouts, refused or reset connections and cancelled contexts are
// temporary; 5xx replies and configuration faults (an untrusted
// certificate, a server without STARTTLS, a host that does not exist) are
// permanent.
type SendError struct {
	Code      int
	Temporary bool
	// Connection is set when no transaction began: dialling, TLS, EHLO or
	// AUTH failed. The message itself was not refused, and every other
	// message would fail the same way.
	Connection bool
	Err        error
}

func (e *SendError) Error() string { return e.Err.Error() }

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a SendError marked temporary.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// IsConnectionFailure reports whether err is a SendError from before any
// transaction began (see SendError.Connection).
func IsConnectionFailure(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Connection
}

// errConfig marks configuration faults: permanent, whatever the transport
// error underneath.
var errConfig = errors.New("configuration fault")

// configError is a permanent error whose message says what to fix.
type configError struct {
	msg string
	err error
}

func (e *configError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *configError) Unwrap() []error { return []error{errConfig, e.err} }

// classify wraps err, from doing op, into a *SendError.
func classify(op string, err error) *SendError {
	se := &SendError{Err: fmt.Errorf("%s: %w", op, err)}
	var smtpErr *smtp.SMTPError
	var dnsErr *net.DNSError
	var netErr net.Error
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.Is(err, errConfig):
		// permanent
	case errors.As(err, &smtpErr):
		se.Code = smtpErr.Code
		se.Temporary = smtpErr.Code >= 400 && smtpErr.Code < 500
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		se.Temporary = true
	case isCertificateError(err):
		se.Err = &configError{
			msg: op + ": the server's TLS certificate could not be verified (unknown CA, another host name, or expired); " +
				"install the CA that issued it in the system roots, or set mail.smtp.host to a name on the certificate",
			err: err,
		}
	case errors.As(err, &recErr):
		se.Err = &configError{
			msg: op + ": the server did not answer with TLS; port 465 uses tls: implicit, ports 587 and 25 use tls: starttls",
			err: err,
		}
	case errors.As(err, &alert):
		// The server refused the TLS handshake (protocol or cipher): a
		// configuration fault on one side or the other.
	case errors.As(err, &dnsErr):
		se.Temporary = !dnsErr.IsNotFound
		if dnsErr.IsNotFound {
			se.Err = &configError{msg: op + ": the host name does not exist; check mail.smtp.host", err: err}
		}
	case errors.As(err, &netErr) && netErr.Timeout():
		se.Temporary = true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		se.Temporary = true
	default:
		// Unknown transport trouble (a garbled reply, an odd network
		// error): worth another try later; the outbox bounds the attempts.
		se.Temporary = true
	}
	return se
}

// isCertificateError reports whether err is a failed verification of the
// server's certificate.
func isCertificateError(err error) bool {
	var verr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// brokenConnection reports whether err leaves the SMTP connection unusable:
// anything but an ordinary SMTP reply, and the 421 "closing" reply.
func brokenConnection(err error) bool {
	var smtpErr *smtp.SMTPError
	if errors.As(err, &smtpErr) {
		return smtpErr.Code == 421
	}
	return true
}
