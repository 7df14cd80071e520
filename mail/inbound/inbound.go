// Package inbound parses received mail: it finds who sent a message, whether
// a machine sent it, and every file it carries — above all the .xlsx a unit
// attached to its reply, whichever client wrote the message.
//
// go-message reads the header fields (textproto), addresses, message ids and
// dates, and its charset package decodes charsets. The MIME tree is split by
// this package on the raw bytes, so that every part header is size-checked,
// one malformed part never hides the others, and nothing is ever read twice
// from a stream. Everything that is not fatal becomes a Note.
//
// ParseHeader judges a message from its top-level header alone (sender,
// ids, machine mail, Authentication-Results), before its body is fetched;
// Parse fills the same fields the same way, and the files.
package inbound

import (
	"time"

	"github.com/duban/duban/internal/limit"
)

// Limits bound the work Parse does on one message. A zero field takes its
// default.
type Limits struct {
	MaxMessageBytes int64 // whole raw message; default 40 MiB
	MaxHeaderBytes  int   // all header lines of one part; default 256 KiB
	MaxParts        int   // default 200
	MaxDepth        int   // nesting of multiparts/forwarded messages; default 8
	MaxFileBytes    int64 // one attachment, decoded; default 30 MiB (larger ones are reported, not kept)

	// MaxDecodedBytes bounds the decoded bytes one Parse keeps, in all:
	// every file's Data, every base64 or quoted-printable forwarded
	// message it decodes to read (7bit ones are read in place), and the
	// LF copy of a CR-only message. A file that would pass it is kept as
	// TooLarge (Data nil, Size known) with a Note; a forwarded message
	// that would is not read, with a Note. Default: MaxMessageBytes. One
	// Parse then holds raw, at most MaxDecodedBytes, and working space
	// bounded by the other limits (the headers on the way down to a part,
	// 1 MiB of a body text, the directory of one zip).
	MaxDecodedBytes int64

	// AuthServID is the authserv-id (RFC 8601) of the receiving server's
	// Authentication-Results fields. When set, only fields with this id
	// are read; when empty, only the topmost field is.
	AuthServID string
}

// Default limits.
const (
	DefaultMaxMessageBytes = 40 << 20
	DefaultMaxHeaderBytes  = 256 << 10
	DefaultMaxParts        = 200
	DefaultMaxDepth        = 8
	DefaultMaxFileBytes    = 30 << 20
)

func (l Limits) withDefaults() Limits {
	l.MaxMessageBytes = limit.Or(l.MaxMessageBytes, DefaultMaxMessageBytes)
	l.MaxHeaderBytes = limit.Or(l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	l.MaxParts = limit.Or(l.MaxParts, DefaultMaxParts)
	l.MaxDepth = limit.Or(l.MaxDepth, DefaultMaxDepth)
	l.MaxFileBytes = limit.Or(l.MaxFileBytes, DefaultMaxFileBytes)
	l.MaxDecodedBytes = limit.Or(l.MaxDecodedBytes, l.MaxMessageBytes)
	return l
}

// Auto values: why a message was sent by a machine.
const (
	AutoSubmitted = "auto-submitted"
	AutoReply     = "auto-reply"
	AutoBounce    = "bounce"
)

// Message is what duban needs of a received message.
type Message struct {
	MessageID                   string   // without <>
	InReplyTo                   []string // ids without <>
	References                  []string // ids without <>
	From                        Address  // first From address (name decoded to UTF-8, email with A–Z lowercased)
	Sender, ReplyTo, ReturnPath string   // addresses only, A–Z lowercased, may be ""
	Subject                     string   // decoded to UTF-8
	Date                        time.Time

	// Auto says why this is machine mail, "" if a person sent it: one of
	// AutoSubmitted, AutoReply, AutoBounce. It is set only from headers
	// that machines write (RFC 3834 and the like, delivery reports),
	// never from the subject: see classify.
	Auto string

	// SubjectAuto reports a subject that starts like an auto-reply's
	// (自动回复, Automatic reply, Out of office …). A person can write
	// such a subject too: it is the caller's to decide, and a message that
	// carries a workbook is never to be dropped for it.
	SubjectAuto bool

	// Auth is what the receiving server's Authentication-Results field
	// says (see Limits.AuthServID); zero when there is none.
	Auth AuthResults

	// Text is the first text/plain body decoded to UTF-8 (or the first
	// text/html stripped of tags when there is no plain part), capped at
	// 64 KiB.
	Text string

	// Files are every part that is a file, in document order, including
	// those inside forwarded messages.
	Files []File

	// Notes are non-fatal problems met while parsing, in English.
	Notes []string
}

// Address is one mailbox.
type Address struct{ Name, Email string }

// File kinds, detected from content (magic bytes), never from the declared
// type.
const (
	KindXLSX  = "xlsx"
	KindXLSM  = "xlsm"  // zip with xl/vbaProject.bin or a macroEnabled content type
	KindODS   = "ods"   // OpenDocument spreadsheet
	KindZip   = "zip"   // any other zip (.docx, .xlsb, .zip, a broken xlsx …)
	KindOLE   = "ole"   // D0CF11E0 compound file: .xls, .et, .doc, encrypted .xlsx
	KindImage = "image" // jpeg, png, gif, bmp, webp, tiff, heic
	KindPDF   = "pdf"
	KindOther = "other"
)

// File is one attached (or inline, or forwarded) file.
type File struct {
	Name        string // decoded, sanitised file name; generated (attachment-3.xlsx) when none
	ContentType string // as declared, lowercased media type
	Kind        string // detected from content: one of the Kind constants
	Data        []byte // decoded content; nil when TooLarge
	Size        int64  // decoded size in bytes, also when TooLarge
	TooLarge    bool   // over Limits.MaxFileBytes: Data is nil
}

// Workbooks returns the files that are usable .xlsx workbooks (Kind "xlsx",
// not TooLarge), in order.
func (m *Message) Workbooks() []File {
	var out []File
	for _, f := range m.Files {
		if f.Kind == KindXLSX && !f.TooLarge {
			out = append(out, f)
		}
	}
	return out
}

// IsWorkbookLike reports whether f looks like a spreadsheet duban cannot
// read as .xlsx — or a container that may hold one — so that the unit can
// be told it sent a workbook of the wrong kind: xlsx, xlsm, ods, ole, zip.
func (f File) IsWorkbookLike() bool {
	switch f.Kind {
	case KindXLSX, KindXLSM, KindODS, KindOLE, KindZip:
		return true
	}
	return false
}
