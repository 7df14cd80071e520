// Package mailbox gives access to the incoming mailbox: an IMAP folder, or a
// drop folder of .eml files on sites without IMAP.
//
// Both sources hand out messages as Incoming values (the raw bytes, never
// parsed here) and settle each one, once the caller has committed it, by
// moving it to a folder named after its outcome. Nothing is ever deleted.
package mailbox

import (
	"errors"
	"fmt"
	"time"
)

// DefaultMaxMessageBytes is the size above which a message is reported as
// TooLarge instead of being read into memory.
const DefaultMaxMessageBytes int64 = 25 << 20

// Incoming is one message fetched from a mailbox.
type Incoming struct {
	Key         string // unique and stable within the mailbox: "imap:<uidvalidity>:<uid>" or "drop:<sha256>"
	UIDValidity uint32 // 0 for the drop folder
	UID         uint32 // 0 for the drop folder
	Name        string // the drop folder's file name; "" for IMAP

	// Header is the top-level header block, at most MaxHeaderBytes and one
	// byte more (HeaderCut when the block is longer): what FetchHeaders
	// gives, to judge the sender before the body is read.
	Header    []byte
	HeaderCut bool

	Raw       []byte    // the RFC 5322 message exactly as stored, once loaded; nil when TooLarge
	Truncated bool      // Load was given a limit below the message's size: Raw is its first bytes
	Received  time.Time // INTERNALDATE, or the file's mod time
	Size      int64     // the message size in bytes (RFC822.SIZE or the file size)
	TooLarge  bool      // Fetch only: Size exceeds the configured limit; Raw was not read

	// ReadErr says why the message could not be read at all (a drop file
	// that cannot be opened); such a message is quarantined with it.
	ReadErr string
	// Note is why the message is settled where it is; a drop file moved to
	// quarantine gets it written beside it.
	Note string
}

// ErrGone: the message left the mailbox (expunged) since it was listed.
var ErrGone = errors.New("message no longer in the mailbox")

// ErrUnreadable: the mailbox refuses to give this one message; the others
// can still be read.
var ErrUnreadable = errors.New("the mailbox cannot read this message")

// DefaultMaxHeaderBytes bounds a header block read by FetchHeaders.
const DefaultMaxHeaderBytes = 256 << 10

// Cursor records the last UID seen in a given UIDVALIDITY.
type Cursor struct{ UIDValidity, UID uint32 }

// Outcome is what became of a message; it names the folder it is settled in.
type Outcome string

// The outcomes a message can be settled with.
const (
	Processed  Outcome = "processed"
	Rejected   Outcome = "rejected"
	Quarantine Outcome = "quarantine"
)

// Outcomes lists every outcome, in a stable order.
func Outcomes() []Outcome { return []Outcome{Processed, Rejected, Quarantine} }

func (o Outcome) valid() error {
	switch o {
	case Processed, Rejected, Quarantine:
		return nil
	}
	return fmt.Errorf("unknown outcome %q (want processed, rejected or quarantine)", string(o))
}

// ErrUIDValidityChanged is returned by IMAP.Settle when the folder's
// UIDVALIDITY is no longer the one the message was fetched under: its UID may
// now name another message, so it is not touched. The message, if it still
// exists, is fetched again under a new key.
var ErrUIDValidityChanged = errors.New("folder UIDVALIDITY changed since the message was fetched")
