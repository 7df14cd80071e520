package mailbox

import (
	"context"
	"fmt"
	"io"
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
// come back with TooLarge set and no Raw.
func (m *IMAP) Fetch(ctx context.Context, after Cursor, max int) (msgs []Incoming, validity uint32, err error) {
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
	var small []imap.UID
	for _, uid := range uids {
		if meta, ok := metas[uid]; ok && !meta.done && meta.size <= m.cfg.MaxMessageBytes {
			small = append(small, uid)
		}
	}
	bodies, err := m.fetchBodies(ctx, small)
	if err != nil {
		return nil, validity, err
	}

	for _, uid := range uids {
		meta, ok := metas[uid]
		if !ok || meta.done {
			continue // expunged meanwhile, or settled by another client
		}
		in := Incoming{
			Key:         fmt.Sprintf("imap:%d:%d", validity, uid),
			UIDValidity: validity,
			UID:         uint32(uid),
			Received:    meta.received,
			Size:        meta.size,
		}
		if meta.size > m.cfg.MaxMessageBytes {
			in.TooLarge = true
		} else {
			body, ok := bodies[uid]
			if !ok {
				continue // expunged between the two fetches
			}
			in.Raw = body.raw
			in.TooLarge = body.tooLarge
			in.Size = max64(in.Size, body.size)
		}
		if in.TooLarge {
			m.log.Warn("imap message too large, body not fetched", "uid", uid, "size", in.Size, "limit", m.cfg.MaxMessageBytes)
		}
		msgs = append(msgs, in)
	}
	m.log.Debug("imap fetched", "from_uid", from, "count", len(msgs), "uidvalidity", validity)
	return msgs, validity, nil
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
}

// fetchMeta reads flags, size and INTERNALDATE, so that large bodies are
// never requested and messages settled meanwhile are skipped.
func (m *IMAP) fetchMeta(ctx context.Context, uids []imap.UID) (map[imap.UID]imapMeta, error) {
	options := &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, InternalDate: true}
	metas := make(map[imap.UID]imapMeta, len(uids))
	err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("fetch message sizes from %q", m.cfg.Folder), func() error {
		bufs, err := m.client.Fetch(imap.UIDSetNum(uids...), options).Collect()
		for _, buf := range bufs {
			if buf.UID == 0 {
				continue
			}
			metas[buf.UID] = imapMeta{
				received: buf.InternalDate,
				size:     buf.RFC822Size,
				done:     hasKeyword(buf.Flags, doneFlag),
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

// fetchBodies streams BODY.PEEK[] of each message, one command per message
// so that the timeout applies to each, reading at most MaxMessageBytes even
// if the server understated RFC822.SIZE.
func (m *IMAP) fetchBodies(ctx context.Context, uids []imap.UID) (map[imap.UID]imapBody, error) {
	bodies := make(map[imap.UID]imapBody, len(uids))
	options := &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}
	limit := m.cfg.MaxMessageBytes
	for _, want := range uids {
		err := m.do(ctx, m.cfg.Timeout, fmt.Sprintf("fetch message %d from %q", want, m.cfg.Folder), func() error {
			cmd := m.client.Fetch(imap.UIDSetNum(want), options)
			for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
				uid, body, err := readBody(msg, limit)
				if err != nil {
					// Draining the command now would read the broken
					// literal again, racing the client's own decoder: drop
					// the connection instead (it is unusable anyway).
					m.conn.Close()
					return err
				}
				if uid == want {
					bodies[uid] = body
				}
			}
			return cmd.Close()
		})
		if err != nil {
			return nil, err
		}
	}
	return bodies, nil
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
			b, err := io.ReadAll(io.LimitReader(item.Literal, limit+1))
			if err != nil {
				return 0, body, fmt.Errorf("read message body: %w", err)
			}
			body.size = item.Literal.Size()
			if int64(len(b)) > limit {
				body.tooLarge = true
				continue // Next discards the rest
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
