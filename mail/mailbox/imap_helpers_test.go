package mailbox

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/duban/duban/internal/testtools"
	"github.com/duban/duban/mail"
)

const (
	testUser     = "office"
	testPassword = "Pw-never-logged-7f3a"
)

// syncBuffer is testtools.SyncBuffer.
type syncBuffer = testtools.SyncBuffer

// testLogger logs everything, at debug level, into buf.
func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type serverOptions struct {
	caps        imap.CapSet // nil: IMAP4rev1 with MOVE and UIDPLUS
	startTLS    *tls.Config // offered on the plain listener
	implicitTLS *tls.Config // also serve a TLS listener
	// wrap, when set, wraps each session (to take features away).
	wrap func(imapserver.Session) imapserver.Session
}

// testServer is an in-process imapmemserver. addr is a plain listener
// (used by the admin client and insecure-plain tests); tlsAddr is set when
// implicit TLS was asked for.
type testServer struct {
	addr, tlsAddr string
	user          *imapmemserver.User
	transcript    *syncBuffer
}

func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatalf("create INBOX: %v", err)
	}
	mem.AddUser(user)

	caps := opts.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}}
	}
	transcript := &syncBuffer{}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if opts.wrap != nil {
				return opts.wrap(mem.NewSession()), nil, nil
			}
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		TLSConfig:    opts.startTLS,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
		DebugWriter:  transcript,
	})
	s := &testServer{user: user, transcript: transcript}
	s.addr = serve(t, srv, listen(t))
	if opts.implicitTLS != nil {
		s.tlsAddr = serve(t, srv, tls.NewListener(listen(t), opts.implicitTLS))
	}
	t.Cleanup(func() { srv.Close() })
	return s
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return ln
}

func serve(t *testing.T, srv *imapserver.Server, ln net.Listener) string {
	go srv.Serve(ln)
	return ln.Addr().String()
}

// config returns an insecure-plain configuration for addr.
func testConfig(t *testing.T, addr string) IMAPConfig {
	t.Helper()
	host, port := splitAddr(t, addr)
	return IMAPConfig{
		Host:     host,
		Port:     port,
		TLS:      mail.TLSPlain,
		Username: testUser,
		Password: testPassword,
		Timeout:  10 * time.Second,
	}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("split %q: %v", addr, err)
	}
	port, err := net.LookupPort("tcp", portText)
	if err != nil {
		t.Fatalf("port %q: %v", portText, err)
	}
	return host, port
}

func dial(t *testing.T, cfg IMAPConfig, logger *slog.Logger) *IMAP {
	t.Helper()
	m, err := DialIMAP(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("DialIMAP(%s) error = %v", cfg.Host, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return raw
}

// admin is a second, independent client standing for the mail server's
// other users (the office clerk's mail client, the delivery agent).
type admin struct {
	t *testing.T
	c *imapclient.Client
}

type adminMessage struct {
	uid   uint32
	flags []imap.Flag
	raw   []byte
}

func dialAdmin(t *testing.T, addr, user, password string) *admin {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("admin dial: %v", err)
	}
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("admin login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &admin{t: t, c: c}
}

func (a *admin) append(folder string, raw []byte, when time.Time, flags ...imap.Flag) uint32 {
	a.t.Helper()
	cmd := a.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: when, Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		a.t.Fatalf("admin append write: %v", err)
	}
	if err := cmd.Close(); err != nil {
		a.t.Fatalf("admin append close: %v", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		a.t.Fatalf("admin append to %q: %v", folder, err)
	}
	if data.UID != 0 {
		return uint32(data.UID)
	}
	msgs := a.list(folder) // no UIDPLUS: the newest message is ours
	return msgs[len(msgs)-1].uid
}

// list returns every message of folder (with PEEK, so no flag changes),
// ascending by UID.
func (a *admin) list(folder string) []adminMessage {
	a.t.Helper()
	data, err := a.c.Select(folder, nil).Wait()
	if err != nil {
		a.t.Fatalf("admin select %q: %v", folder, err)
	}
	if data.NumMessages == 0 {
		return nil
	}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	bufs, err := a.c.Fetch(all, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		a.t.Fatalf("admin fetch %q: %v", folder, err)
	}
	var msgs []adminMessage
	for _, b := range bufs {
		msgs = append(msgs, adminMessage{uid: uint32(b.UID), flags: b.Flags, raw: b.FindBodySection(&imap.FetchItemBodySection{})})
	}
	slices.SortFunc(msgs, func(x, y adminMessage) int { return int(x.uid) - int(y.uid) })
	return msgs
}

func (a *admin) addFlags(folder string, uid uint32, flags ...imap.Flag) {
	a.t.Helper()
	if _, err := a.c.Select(folder, nil).Wait(); err != nil {
		a.t.Fatalf("admin select %q: %v", folder, err)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}
	if err := a.c.Store(imap.UIDSetNum(imap.UID(uid)), store, nil).Close(); err != nil {
		a.t.Fatalf("admin store: %v", err)
	}
}

func (a *admin) recreate(folder string) {
	a.t.Helper()
	if err := a.c.Unselect().Wait(); err != nil {
		a.t.Logf("admin unselect: %v", err)
	}
	if err := a.c.Delete(folder).Wait(); err != nil {
		a.t.Fatalf("admin delete %q: %v", folder, err)
	}
	if err := a.c.Create(folder, nil).Wait(); err != nil {
		a.t.Fatalf("admin create %q: %v", folder, err)
	}
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool { return hasKeyword(flags, f) }

// selfSigned makes a certificate for 127.0.0.1 and localhost, and the pool
// that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "duban mailbox test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}

// proxy sits between the client under test and a server. Once the client
// sends trigger, it either lets `after` more bytes of the server's answer
// through and then cuts both connections, or (blackhole) stops forwarding
// anything while keeping the connections open.
type proxy struct {
	addr      string
	trigger   []byte
	after     int
	blackhole bool
	target    string
	seen      chan struct{} // closed when the client first sends trigger
	seenOnce  sync.Once

	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string, trigger string, after int, blackhole bool) *proxy {
	t.Helper()
	ln := listen(t)
	p := &proxy{addr: ln.Addr().String(), trigger: []byte(trigger), after: after, blackhole: blackhole, target: target, seen: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *proxy) handle(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()

	triggered := make(chan struct{})
	var once sync.Once
	go func() { // client → server
		var seen []byte
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				seen = append(seen, buf[:n]...)
				if bytes.Contains(seen, p.trigger) {
					once.Do(func() { close(triggered) })
					p.seenOnce.Do(func() { close(p.seen) })
				}
				if len(seen) > 4096 {
					seen = seen[len(seen)-len(p.trigger):]
				}
				select {
				case <-triggered:
					if p.blackhole {
						continue
					}
				default:
				}
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				server.Close()
				return
			}
		}
	}()
	go func() { // server → client
		left := p.after
		buf := make([]byte, 512)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				select {
				case <-triggered:
					if p.blackhole {
						continue
					}
					if n > left {
						client.Write(buf[:left])
						client.Close()
						server.Close()
						return
					}
					left -= n
				default:
				}
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
}

// noKeywords is a session whose folders do not accept new keywords
// (PERMANENTFLAGS without \*).
type noKeywords struct{ imapserver.Session }

func (s noKeywords) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.Session.Select(name, options)
	if data != nil {
		data.PermanentFlags = []imap.Flag{imap.FlagSeen, imap.FlagDeleted}
	}
	return data, err
}
