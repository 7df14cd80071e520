package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/emersion/go-smtp"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantTemporary bool
		wantCode      int
	}{
		{"421", &smtp.SMTPError{Code: 421}, true, 421},
		{"451", &smtp.SMTPError{Code: 451}, true, 451},
		{"550", &smtp.SMTPError{Code: 550}, false, 550},
		{"552 wrapped", fmt.Errorf("recipient <a@b>: %w", &smtp.SMTPError{Code: 552}), false, 552},
		{"EOF", io.EOF, true, 0},
		{"unexpected EOF", io.ErrUnexpectedEOF, true, 0},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true, 0},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true, 0},
		{"timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true, 0},
		{"cancelled", context.Canceled, true, 0},
		{"deadline", context.DeadlineExceeded, true, 0},
		{"unknown CA", x509.UnknownAuthorityError{}, false, 0},
		{"host name", x509.HostnameError{Host: "x"}, false, 0},
		{"no such host", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, false, 0},
		{"DNS server down", &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, true, 0},
		{"configuration", &configError{msg: "no STARTTLS"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := classify("op", tc.err)
			if se.Temporary != tc.wantTemporary || se.Code != tc.wantCode {
				t.Errorf("classify(%v) = temporary %v code %d, want %v %d", tc.err, se.Temporary, se.Code, tc.wantTemporary, tc.wantCode)
			}
			if !errors.Is(se, tc.err) && !errors.As(se, new(x509.UnknownAuthorityError)) && !errors.As(se, new(x509.HostnameError)) {
				t.Errorf("classify(%v) does not wrap the cause", tc.err)
			}
			if IsTemporary(se) != tc.wantTemporary || IsTemporary(fmt.Errorf("outer: %w", se)) != tc.wantTemporary {
				t.Errorf("IsTemporary(classify(%v)) = %v, want %v", tc.err, IsTemporary(se), tc.wantTemporary)
			}
		})
	}
	if IsTemporary(io.EOF) {
		t.Errorf("IsTemporary(io.EOF) = true; only a *SendError can be temporary")
	}
}

func TestBrokenConnection(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&smtp.SMTPError{Code: 550}, false},
		{&smtp.SMTPError{Code: 451}, false},
		{&smtp.SMTPError{Code: 421}, true},
		{io.EOF, true},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, true},
	}
	for _, tc := range tests {
		if got := brokenConnection(tc.err); got != tc.want {
			t.Errorf("brokenConnection(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
