package testtools

import (
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// RuntimePeak samples the memory the Go runtime holds while fn runs and
// returns the peak: what it has mapped less what it has handed back to the
// system (released pages are not resident). On a pure-Go path, close to
// the process's resident set.
func RuntimePeak(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64() - sample[1].Value.Uint64()
	}
	var (
		mu   sync.Mutex
		peak = read()
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	return max(peak, read())
}

// ReportPeak runs fn and reports the peak of the memory the Go runtime
// mapped meanwhile as the benchmark metric "peak-MB" (issue 16 asks every
// scale benchmark for its peak memory; for a process's whole resident set
// use PeakRSS or /usr/bin/time -v).
func ReportPeak(b *testing.B, fn func()) {
	b.ReportMetric(float64(RuntimePeak(fn))/(1<<20), "peak-MB")
}
