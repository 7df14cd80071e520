// Package arch holds no code: its test checks the map of the code, which
// package may import which (README, "Layout").
package arch
