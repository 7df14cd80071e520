// Package clock holds the clock that moves only when told: the demo plays
// months of a reporting cycle in seconds with it, and every test that
// drives time uses it. Production code takes a func() time.Time; this is
// one.
package clock

import (
	"sync"
	"time"
)

// Manual is a clock that moves only when told. It is safe for concurrent
// use: the in-process mail servers read it from their own goroutines.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// At returns a clock set to t.
func At(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the clock's time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Manual) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d and returns the new time.
func (c *Manual) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
