package clock

import (
	"sync"
	"testing"
	"time"
)

func TestManual(t *testing.T) {
	t0 := time.Date(2023, 6, 1, 9, 0, 0, 0, time.UTC)
	c := At(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("Now() = %v, want %v", c.Now(), t0)
	}
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance(1h) = %v, Now() = %v; want %v", got, c.Now(), t0.Add(time.Hour))
	}
	c.Set(t0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Advance(time.Minute); _ = c.Now() })
	}
	wg.Wait()
	if want := t0.Add(8 * time.Minute); !c.Now().Equal(want) {
		t.Errorf("after 8 concurrent Advance(1m): %v, want %v", c.Now(), want)
	}
}
