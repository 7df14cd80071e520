package inbound

import (
	"os"
	"path/filepath"
	"testing"
)

// readFixture reads testdata/clients/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatalf("reading fixture %s: %v (run go test -run TestGenerateFixtures -update)", name, err)
	}
	return b
}
