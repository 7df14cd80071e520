package mailserver

import (
	"net"
	"sync"
)

// tracker knows every open connection of both servers, so that Close can
// close them all and wait: neither go-smtp's nor go-imap's Close waits for
// its connections.
type tracker struct {
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
	open   sync.WaitGroup
}

func newTracker() *tracker { return &tracker{conns: map[*trackedConn]struct{}{}} }

func (t *tracker) add(c net.Conn) net.Conn {
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close() // accepted while closing: the server will see it fail
		return tc
	}
	t.open.Add(1)
	t.conns[tc] = struct{}{}
	return tc
}

func (t *tracker) remove(tc *trackedConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.conns[tc]; ok {
		delete(t.conns, tc)
		t.open.Done()
	}
}

// closeAll closes every connection and refuses new ones.
func (t *tracker) closeAll() {
	t.mu.Lock()
	t.closed = true
	conns := make([]*trackedConn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (t *tracker) wait() { t.open.Wait() }

// trackedListener registers every connection it accepts.
type trackedListener struct {
	net.Listener
	t *tracker
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.t.add(c), nil
}

// trackedConn leaves the tracker when closed.
type trackedConn struct {
	net.Conn
	t *tracker
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.t.remove(c)
	return err
}
