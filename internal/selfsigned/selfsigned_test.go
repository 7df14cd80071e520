package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// handshake runs a real TLS handshake over loopback TCP between a server
// using srv and a client trusting roots that asks for serverName.
func handshake(t *testing.T, srv *tls.Config, clientCfg *tls.Config) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.(*tls.Conn).Handshake()
		_, _ = io.WriteString(c, "ok")
	}()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: clientCfg}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 2)
	_, err = io.ReadFull(c, buf)
	return err
}

func TestNewHandshake(t *testing.T) {
	srv, roots, err := New()
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	_, otherRoots, err := New()
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	tests := []struct {
		name       string
		cfg        *tls.Config
		wantErrSub string // "" for success
	}{
		{"ip host", &tls.Config{RootCAs: roots}, ""}, // ServerName empty: the dialed IP is checked
		{"dns host", &tls.Config{RootCAs: roots, ServerName: "localhost"}, ""},
		{"wrong host", &tls.Config{RootCAs: roots, ServerName: "smtp.metro.example"}, "certificate is valid for"},
		{"other certificate's roots", &tls.Config{RootCAs: otherRoots, ServerName: "localhost"}, "unknown authority"},
		{"system roots", &tls.Config{ServerName: "localhost"}, "certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := handshake(t, srv, tc.cfg)
			switch {
			case tc.wantErrSub == "" && err != nil:
				t.Fatalf("handshake error = %v, want success", err)
			case tc.wantErrSub != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrSub)):
				t.Fatalf("handshake error = %v, want one containing %q", err, tc.wantErrSub)
			}
		})
	}
}

func TestNewCertificate(t *testing.T) {
	before := time.Now()
	srv, _, err := New("mail.test", "::1")
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	if len(srv.Certificates) != 1 {
		t.Fatalf("New() certificates = %d, want 1", len(srv.Certificates))
	}
	leaf := srv.Certificates[0].Leaf
	if got := leaf.DNSNames; len(got) != 1 || got[0] != "mail.test" {
		t.Errorf("DNSNames = %v, want [mail.test]", got)
	}
	if got := leaf.IPAddresses; len(got) != 1 || !got[0].Equal(net.ParseIP("::1")) {
		t.Errorf("IPAddresses = %v, want [::1]", got)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key = %T, want ECDSA P-256", leaf.PublicKey)
	}
	if leaf.NotBefore.After(before) {
		t.Errorf("NotBefore = %v, want before %v", leaf.NotBefore, before)
	}
	if d := leaf.NotAfter.Sub(before); d < Validity-time.Minute || d > Validity+time.Minute {
		t.Errorf("NotAfter - now = %v, want about %v", d, Validity)
	}
	if srv.MinVersion < tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want at least TLS 1.2", srv.MinVersion)
	}
	if _, _, err := New(""); err == nil {
		t.Errorf("New(\"\") error = nil, want an error")
	}
	// Two certificates are two keys.
	srv2, _, err := New("mail.test")
	if err != nil {
		t.Fatal(err)
	}
	if srv2.Certificates[0].Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Errorf("two New() calls gave the same serial number")
	}
}
