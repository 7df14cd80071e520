package mailbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Fetch returns the messages with UID > after.UID when after.UIDValidity is
// the folder's current UIDVALIDITY, and otherwise (a zero cursor, or a
// folder recreated since) every message from the first; validity is the
// current UIDVALIDITY, to be stored with the cursor. Messages come oldest
// first, at most max of them (max <= 0: no limit). Messages settled with
// the COPY fallback ($DubanDone) are skipped. Bodies are read with
// BODY.PEEK[], so \Seen is not set; messages larger than MaxMessageBytes
// come back with TooLarge set and no Raw. It is FetchHeaders followed by a
// Load of each message, for callers that want whole messages.
func (m *IMAP) Fetch(ctx context.Context, after Cursor, max int) (msgs []Incoming, validity uint32, err error) {
	heads, validity, err := m.FetchHeaders(ctx, after, max)
	if err != nil {
		return nil, validity, err
	}
	for _, in := range heads {
		if in.Size > m.cfg.MaxMessageBytes {
			in.TooLarge = true
			m.log.Warn("imap message too large, body not fetched", "uid", in.UID, "size", in.Size, "limit", m.cfg.MaxMessageBytes)
		} else if err := m.Load(ctx, &in, m.cfg.MaxMessageBytes); errors.Is(err, ErrGone) {
			continue // expunged between the two fetches
		} else if err != nil {
			return nil, validity, err
		} else if in.Truncated {
			in.Raw, in.TooLarge = nil, true
		}
		msgs = append(msgs, in)
	}
	return msgs, validity, nil
}

// FetchHeaders is Fetch without the bodies: each message comes with its
// size, INTERNALDATE and top-level header block (at most MaxHeaderBytes;
// HeaderCut when the block is longer), enough to judge who sent it before
// anything else of it is read. One command fetches them all.
func (m *IMAP) FetchHeaders(ctx context.Context, after Cursor, max int) (msgs []Incoming, validity uint32, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	if err := m.selectFolder(ctx); err != nil {
		return nil, 0, err
	}
	validity = m.validity
	from := uint32(1)
	if after.UIDValidity == validity { // a zero cursor gives 1 as well
		if after.UID == math.MaxUint32 {
			return nil, validity, nil
		}
		from = after.UID + 1
	}

	uids, err := m.searchFrom(ctx, from)
	if err != nil {
		return nil, validity, err
	}
	if max > 0 && len(uids) > max {
		uids = uids[:max]
	}
	if len(uids) == 0 {
		return nil, validity, nil
	}

	metas, err := m.fetchMeta(ctx, uids)
	if err != nil {
		return nil, validity, err
	}
	for _, uid := range uids {
		meta, ok := metas[uid]
		if !ok || meta.done {
			continue // expunged meanwhile, or settled by another client
		}
		msgs = append(msgs, Incoming{
			Key:         fmt.Sprintf("imap:%d:%d", validity, uid),
			UIDValidity: validity,
			UID:         uint32(uid),
			Received:    meta.received,
			Size:        meta.size,
			Header:      meta.header,
			HeaderCut:   int64(len(meta.header)) > int64(m.cfg.MaxHeaderBytes),
		})
	}
	m.log.Debug("imap fetched headers", "from_uid", from, "count", len(msgs), "uidvalidity", validity)
	return msgs, validity, nil
}

// Load reads the message into in.Raw: whole when it is at most limit
// bytes, otherwise its first limit bytes with Truncated set (a partial
// FETCH, so the rest never crosses the network). A message expunged
// meanwhile gives ErrGone; a server's refusal of this one message (NO) an
// error wrapping ErrUnreadable; anything else means the connection is
// unusable.
func (m *IMAP) Load(ctx context.Context, in *Incoming, limit int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.UIDValidity != m.validity {
		return fmt.Errorf("load %s: %w", in.Key, ErrUIDValidityChanged)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	if in.Size > limit {
		section.Partial = &imap.SectionPartial{Offset: 0, Size: limit}
	}
	options := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}
	var body imapBody
	found := false
	err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("fetch message %d from %q", in.UID, m.cfg.Folder), func() error {
		cmd := m.client.Fetch(imap.UIDSetNum(imap.UID(in.UID)), options)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			uid, b, err := readBody(msg, limit)
			if err != nil {
				// Draining the command now would read the broken
				// literal again, racing the client's own decoder: drop
				// the connection instead (it is unusable anyway).
				m.conn.Close()
				return err
			}
			if uid == imap.UID(in.UID) {
				body, found = b, true
			}
		}
		return cmd.Close()
	})
	var imapErr *imap.Error
	switch {
	case errors.As(err, &imapErr):
		return fmt.Errorf("load %s: %w: %w", in.Key, ErrUnreadable, err)
	case err != nil:
		return err
	case !found:
		return fmt.Errorf("load %s: %w", in.Key, ErrGone)
	}
	in.Raw = body.raw
	in.Truncated = body.tooLarge || in.Size > limit
	in.Size = max64(in.Size, body.size)
	return nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// searchFrom returns, ascending, the UIDs >= from not marked $DubanDone.
// "UID n:*" always matches the highest UID, even below n (RFC 3501
// 6.4.8), so the result is filtered here as well.
func (m *IMAP) searchFrom(ctx context.Context, from uint32) ([]imap.UID, error) {
	criteria := &imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: imap.UID(from), Stop: 0}}},
		NotFlag: []imap.Flag{doneFlag},
	}
	var data *imap.SearchData
	if err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("search folder %q", m.cfg.Folder), func() error {
		var err error
		data, err = m.client.UIDSearch(criteria, nil).Wait()
		return err
	}); err != nil {
		return nil, err
	}
	var uids []imap.UID
	for _, uid := range data.AllUIDs() {
		if uint32(uid) >= from {
			uids = append(uids, uid)
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

type imapMeta struct {
	received time.Time
	size     int64
	done     bool
	header   []byte
}

// fetchMeta reads flags, size, INTERNALDATE and the header block (at most
// MaxHeaderBytes and one byte more, to notice a longer one), so that who
// sent a message is judged before its body is requested and messages
// settled meanwhile are skipped.
func (m *IMAP) fetchMeta(ctx context.Context, uids []imap.UID) (map[imap.UID]imapMeta, error) {
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
		Partial: &imap.SectionPartial{Offset: 0, Size: int64(m.cfg.MaxHeaderBytes) + 1}}
	options := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true,
		BodySection: []*imap.FetchItemBodySection{header}}
	metas := make(map[imap.UID]imapMeta, len(uids))
	err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("fetch message headers from %q", m.cfg.Folder), func() error {
		bufs, err := m.client.Fetch(imap.UIDSetNum(uids...), options).Collect()
		for _, buf := range bufs {
			if buf.UID == 0 {
				continue
			}
			metas[buf.UID] = imapMeta{
				received: buf.InternalDate,
				size:     buf.RFC822Size,
				done:     hasKeyword(buf.Flags, doneFlag),
				header:   buf.FindBodySection(header),
			}
		}
		return err
	})
	return metas, err
}

type imapBody struct {
	raw      []byte
	size     int64
	tooLarge bool
}

func readBody(msg *imapclient.FetchMessageData, limit int64) (imap.UID, imapBody, error) {
	var (
		uid  imap.UID
		body imapBody
	)
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = item.UID
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil {
				body.raw = []byte{}
				continue
			}
			body.size = item.Literal.Size()
			b, err := readAtMost(item.Literal, max(0, min(body.size, limit)), limit)
			if err != nil {
				return 0, body, fmt.Errorf("read message body: %w", err)
			}
			if int64(len(b)) > limit {
				// The server understated the size: keep what the limit
				// allows, Next discards the rest.
				body.raw, body.tooLarge = b[:limit:limit], true
				continue
			}
			if int64(len(b)) != body.size {
				// The client reports a connection cut inside the literal
				// as its end.
				return 0, body, fmt.Errorf("read message body: got %d of %d bytes", len(b), body.size)
			}
			body.raw = b
		}
	}
	return uid, body, nil
}

// LoadAll is Load of many messages in one exchange with the server: one
// FETCH of every message of at most limit bytes (each larger one is read
// as Load reads it). errs[i] is what Load would have returned for ins[i]:
// nil, or an error wrapping ErrGone, ErrUnreadable or
// ErrUIDValidityChanged. err is a failure of the connection, which leaves
// it unusable as Load's do.
func (m *IMAP) LoadAll(ctx context.Context, ins []*Incoming, limit int64) (errs []error, err error) {
	errs = make([]error, len(ins))
	var alone []int // read one at a time, with Load
	m.mu.Lock()
	byUID := make(map[imap.UID]int, len(ins))
	var uids []imap.UID
	for i, in := range ins {
		switch {
		case in.UIDValidity != m.validity:
			errs[i] = fmt.Errorf("load %s: %w", in.Key, ErrUIDValidityChanged)
		case in.Size > limit:
			alone = append(alone, i)
		default:
			byUID[imap.UID(in.UID)] = i
			uids = append(uids, imap.UID(in.UID))
		}
	}
	got := make([]bool, len(ins))
	if len(uids) > 0 {
		options := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
		err = m.do(ctx, m.cfg.Timeout, fmt.Sprintf("fetch %d messages from %q", len(uids), m.cfg.Folder), func() error {
			cmd := m.client.Fetch(imap.UIDSetNum(uids...), options)
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				uid, b, err := readBody(msg, limit)
				if err != nil {
					// As in Load: the connection is unusable anyway.
					m.conn.Close()
					return err
				}
				if i, ok := byUID[uid]; ok && !got[i] {
					in := ins[i]
					in.Raw, in.Truncated, in.Size = b.raw, b.tooLarge, max64(in.Size, b.size)
					got[i] = true
				}
			}
			return cmd.Close()
		})
	}
	m.mu.Unlock()
	var imapErr *imap.Error
	switch {
	case errors.As(err, &imapErr):
		// The server refused a message of the set: each one not read is
		// tried alone, so that only the one it refuses is unreadable.
		for _, i := range byUID {
			if !got[i] {
				alone = append(alone, i)
			}
		}
		slices.Sort(alone)
	case err != nil:
		return nil, err
	default:
		for _, i := range byUID {
			if !got[i] {
				errs[i] = fmt.Errorf("load %s: %w", ins[i].Key, ErrGone)
			}
		}
	}
	for _, i := range alone {
		err := m.Load(ctx, ins[i], limit)
		if err != nil && !errors.Is(err, ErrGone) && !errors.Is(err, ErrUnreadable) && !errors.Is(err, ErrUIDValidityChanged) {
			return nil, err
		}
		errs[i] = err
	}
	return errs, nil
}
