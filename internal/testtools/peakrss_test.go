package testtools

import "testing"

var sink []byte

// TestPeakRSS checks the measure itself: a child that touches 64 MB peaks
// above 64 MB, one that does nothing stays far below.
func TestPeakRSS(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		if got := PeakRSS(t, func() {}); got > 48<<20 {
			t.Errorf("PeakRSS(idle) = %s, want under 48 MB", MB(got))
		}
	})
	t.Run("64MB", func(t *testing.T) {
		got := PeakRSS(t, func() {
			sink = make([]byte, 64<<20)
			for i := range sink {
				sink[i] = byte(i)
			}
		})
		if got < 64<<20 {
			t.Errorf("PeakRSS(64 MB) = %s, want at least 64 MB", MB(got))
		}
		t.Logf("peak %s", MB(got))
	})
}
