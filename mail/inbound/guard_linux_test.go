//go:build linux

package inbound

import (
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// TestParseHeaderStopsAtBlankLine puts a header block and 128 bytes of
// body right before a page that cannot be read, and hands ParseHeader a
// slice that runs on into that page: reading on past the blank line (more
// than the few bytes a vectorised search loads at once) crashes the test.
// The header search used to look for "\n\r\n" through the whole window
// after finding "\n\n".
func TestParseHeaderStopsAtBlankLine(t *testing.T) {
	page := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	for _, hdr := range []string{
		"From: a@b.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n",
		"From: a@b.example\nSubject: s\n\n",
		"From: a@b.example\r\nSubject: s\n\r\n",
	} {
		const margin = 128
		start := page - margin - len(hdr)
		copy(mem[start:], hdr)
		for i := page - margin; i < page; i++ {
			mem[i] = 'x'
		}
		raw := unsafe.Slice(&mem[start], len(hdr)+margin+page) // its last page is unreadable
		m, err := ParseHeader(raw, Limits{})
		if err != nil || m.From.Email != "a@b.example" || m.Subject != "s" {
			t.Errorf("ParseHeader(%q + unreadable page) = %+v, %v", hdr, m, err)
		}
	}
}
