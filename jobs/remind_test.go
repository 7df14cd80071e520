package jobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// inOrder uses every result in index order, however the builds finish,
// and keeps only a few built ahead of the one used.
func TestInOrderUsesResultsInOrder(t *testing.T) {
	const n = 200
	var built, used atomic.Int64
	var maxAhead int64
	var got []int
	err := inOrder(context.Background(), n, func(i int) (int, error) {
		built.Add(1)
		if i%7 == 0 {
			time.Sleep(time.Millisecond) // finish out of order
		}
		return i * i, nil
	}, func(i, v int) error {
		maxAhead = max(maxAhead, built.Load()-used.Add(1))
		if v != i*i {
			t.Errorf("use(%d, %d): not its result", i, v)
		}
		got = append(got, i)
		return nil
	})
	if err != nil || len(got) != n {
		t.Fatalf("inOrder = %v after %d results; want all %d", err, len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("result %d used at position %d", v, i)
		}
	}
	if maxAhead > 64 {
		t.Errorf("%d results built ahead of the one used; want a few", maxAhead)
	}
}

// The first error stops the run: nothing after it is used, and inOrder
// returns only once every build under way has ended.
func TestInOrderStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	for _, failUse := range []bool{false, true} {
		var running atomic.Int64
		var used []int
		err := inOrder(context.Background(), 1000, func(i int) (int, error) {
			running.Add(1)
			defer running.Add(-1)
			if i == 10 && !failUse {
				return 0, boom
			}
			return i, nil
		}, func(i, _ int) error {
			if i == 10 && failUse {
				return boom
			}
			used = append(used, i)
			return nil
		})
		if !errors.Is(err, boom) || len(used) != 10 {
			t.Errorf("failing use=%v: inOrder = %v with %d used; want boom after 10", failUse, err, len(used))
		}
		if r := running.Load(); r != 0 {
			t.Errorf("failing use=%v: %d builds still running after inOrder returned", failUse, r)
		}
	}
}

func TestInOrderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := inOrder(ctx, 1000, func(i int) (int, error) { return i, nil }, func(i, _ int) error {
		if i == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("inOrder after cancel = %v, want context.Canceled", err)
	}
}
