//go:build race

package inbound

// raceEnabled: the race detector multiplies memory, so peak figures are
// logged but not held to the bound.
const raceEnabled = true
