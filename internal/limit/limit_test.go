package limit

import (
	"testing"
	"time"
)

func TestOr(t *testing.T) {
	tests := []struct {
		v, def, want int64
	}{
		{0, 40, 40},  // unset
		{-1, 40, 40}, // nonsensical
		{25, 40, 25}, // configured
		{1, 40, 1},   // the smallest bound is a bound
	}
	for _, tt := range tests {
		if got := Or(tt.v, tt.def); got != tt.want {
			t.Errorf("Or(%d, %d) = %d; want %d", tt.v, tt.def, got, tt.want)
		}
	}
	if got := Or(time.Duration(0), time.Minute); got != time.Minute {
		t.Errorf("Or(0s, 1m) = %v; want 1m", got)
	}
}
