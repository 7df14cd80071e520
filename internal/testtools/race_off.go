//go:build !race

package testtools

// RaceEnabled: see race_on.go.
const RaceEnabled = false
