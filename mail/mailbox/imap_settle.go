package mailbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Settle moves the message to the outcome's folder: UID MOVE when the server
// has MOVE; otherwise UID COPY, then the keyword $DubanDone and \Seen on the
// original, which stays in the folder and is skipped by Fetch. It never
// sends EXPUNGE: without UIDPLUS that would remove every \Deleted message
// in the folder, not only ours.
//
// Settling a message already moved or marked is not an error, so a crash
// between the caller's commit and the move can simply be retried. When the
// folder's UIDVALIDITY changed since the fetch, it returns
// ErrUIDValidityChanged and touches nothing.
func (m *IMAP) Settle(ctx context.Context, in Incoming, out Outcome) error {
	if err := out.valid(); err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	if in.UID == 0 {
		return fmt.Errorf("settle %q: not a message of an IMAP folder", in.Key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()

	if !m.selected {
		if err := m.selectFolder(ctx); err != nil {
			return fmt.Errorf("settle %s: %w", in.Key, err)
		}
	}
	if in.UIDValidity != m.validity {
		return fmt.Errorf("settle %s (folder %q now has UIDVALIDITY %d): %w", in.Key, m.cfg.Folder, m.validity, ErrUIDValidityChanged)
	}
	uid := imap.UID(in.UID)
	target := m.folders[out]
	log := m.log.With("uid", in.UID, "outcome", string(out), "folder", target)

	flags, exists, err := m.flags(ctx, uid)
	if err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	switch {
	case !exists:
		log.Debug("imap message already settled: no longer in the folder")
		return nil
	case hasKeyword(flags, doneFlag):
		log.Debug("imap message already settled: marked " + string(doneFlag))
		return nil
	}

	if m.hasMove {
		err = m.withTryCreate(ctx, out, fmt.Sprintf("move message to %q", m.cfg.Folders[out]), func() error {
			_, err := m.client.Move(imap.UIDSetNum(uid), target).Wait()
			return err
		})
	} else {
		err = m.copyAndMark(ctx, out, uid)
	}
	if err != nil {
		return fmt.Errorf("settle %s: %w", in.Key, err)
	}
	log.Info("imap message settled", "move", m.hasMove)
	return nil
}

// copyAndMark is the fallback for servers without MOVE.
func (m *IMAP) copyAndMark(ctx context.Context, out Outcome, uid imap.UID) error {
	if !m.keywordsOK {
		return fmt.Errorf("server has no MOVE and does not allow the keyword %s in %q: cannot settle without expunging", doneFlag, m.cfg.Folder)
	}
	if err := m.withTryCreate(ctx, out, fmt.Sprintf("copy message to %q", m.cfg.Folders[out]), func() error {
		_, err := m.client.Copy(imap.UIDSetNum(uid), m.folders[out]).Wait()
		return err
	}); err != nil {
		return err
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{doneFlag, imap.FlagSeen}}
	return m.do(ctx, m.cfg.Timeout, "mark message "+string(doneFlag), func() error {
		return m.client.Store(imap.UIDSetNum(uid), store, nil).Close()
	})
}

// withTryCreate runs f and, when the server answers TRYCREATE (someone
// deleted the outcome folder), creates the folder and runs f once more.
func (m *IMAP) withTryCreate(ctx context.Context, out Outcome, what string, f func() error) error {
	err := m.do(ctx, m.cfg.Timeout, what, f)
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeTryCreate {
		return err
	}
	if err := m.createFolder(ctx, m.cfg.Folders[out], m.folders[out]); err != nil {
		return err
	}
	return m.do(ctx, m.cfg.Timeout, what, f)
}

// flags returns the message's flags, and whether it is still in the folder.
func (m *IMAP) flags(ctx context.Context, uid imap.UID) ([]imap.Flag, bool, error) {
	var (
		flags  []imap.Flag
		exists bool
	)
	err := m.do(ctx, m.cfg.Timeout, "fetch message flags", func() error {
		bufs, err := m.client.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, Flags: true}).Collect()
		for _, buf := range bufs {
			if buf.UID == uid {
				flags, exists = buf.Flags, true
			}
		}
		return err
	})
	return flags, exists, err
}

// hasKeyword compares flags case-insensitively, as IMAP does (some servers
// answer "$dubandone").
func hasKeyword(flags []imap.Flag, want imap.Flag) bool {
	for _, f := range flags {
		if strings.EqualFold(string(f), string(want)) {
			return true
		}
	}
	return false
}

// SettleAll settles several messages with a few commands per batch
// instead of two per message: it asks which of them are still in the folder
// and not yet marked (so a retry after a crash repeats nothing, and no
// server is asked to move what is gone), then moves that set with one UID
// MOVE, or copies and marks it where the server has no MOVE. The same
// guarantees as Settle.
func (m *IMAP) SettleAll(ctx context.Context, ins []Incoming, out Outcome) error {
	if len(ins) == 0 {
		return nil
	}
	if err := out.valid(); err != nil {
		return fmt.Errorf("settle %d messages: %w", len(ins), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.selected {
		if err := m.selectFolder(ctx); err != nil {
			return fmt.Errorf("settle %d messages: %w", len(ins), err)
		}
	}
	var set imap.UIDSet
	for _, in := range ins {
		if in.UID == 0 {
			return fmt.Errorf("settle %q: not a message of an IMAP folder", in.Key)
		}
		if in.UIDValidity != m.validity {
			return fmt.Errorf("settle %s (folder %q now has UIDVALIDITY %d): %w", in.Key, m.cfg.Folder, m.validity, ErrUIDValidityChanged)
		}
		set.AddNum(imap.UID(in.UID))
	}
	todo, n, err := m.unsettled(ctx, set)
	if err != nil || n == 0 {
		return err
	}
	target := m.folders[out]
	if m.hasMove {
		err = m.withTryCreate(ctx, out, fmt.Sprintf("move %d messages to %q", n, m.cfg.Folders[out]), func() error {
			_, err := m.client.Move(todo, target).Wait()
			return err
		})
	} else {
		err = m.copyAndMarkSet(ctx, out, todo)
	}
	if err != nil {
		return fmt.Errorf("settle %d messages: %w", n, err)
	}
	m.log.Info("imap messages settled", "count", n, "outcome", string(out), "folder", target, "move", m.hasMove)
	return nil
}

// unsettled returns the messages of set still in the folder and not marked
// settled, and how many there are.
func (m *IMAP) unsettled(ctx context.Context, set imap.UIDSet) (imap.UIDSet, int, error) {
	var todo imap.UIDSet
	n := 0
	err := m.do(ctx, m.cfg.Timeout, "fetch message flags", func() error {
		bufs, err := m.client.Fetch(set, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		for _, buf := range bufs {
			if !hasKeyword(buf.Flags, doneFlag) {
				todo.AddNum(buf.UID)
				n++
			}
		}
		return err
	})
	return todo, n, err
}

// copyAndMarkSet is the fallback of SettleAll for servers without MOVE.
func (m *IMAP) copyAndMarkSet(ctx context.Context, out Outcome, set imap.UIDSet) error {
	if !m.keywordsOK {
		return fmt.Errorf("server has no MOVE and does not allow the keyword %s in %q: cannot settle without expunging", doneFlag, m.cfg.Folder)
	}
	if err := m.withTryCreate(ctx, out, fmt.Sprintf("copy messages to %q", m.cfg.Folders[out]), func() error {
		_, err := m.client.Copy(set, m.folders[out]).Wait()
		return err
	}); err != nil {
		return err
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{doneFlag, imap.FlagSeen}}
	return m.do(ctx, m.cfg.Timeout, "mark messages "+string(doneFlag), func() error {
		return m.client.Store(set, store, nil).Close()
	})
}
