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
	Key         string    // unique and stable within the mailbox: "imap:<uidvalidity>:<uid>" or "drop:<file name>"
	UIDValidity uint32    // 0 for the drop folder
	UID         uint32    // 0 for the drop folder
	Raw         []byte    // the whole RFC 5322 message, exactly as stored; nil when TooLarge
	Received    time.Time // INTERNALDATE, or the file's mod time
	Size        int64     // the message size in bytes (RFC822.SIZE or the file size)
	TooLarge    bool      // Size exceeds the configured limit; Raw was not read
}

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
