//go:build !unix

package jobs

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
