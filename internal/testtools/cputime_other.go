//go:build !unix

package testtools

import "time"

// CPUTime is not measured here.
func CPUTime() time.Duration { return 0 }
