//go:build race

package testtools

// RaceEnabled: the race detector multiplies memory (and time), so peak
// figures are logged but not held to their bounds under it.
const RaceEnabled = true
