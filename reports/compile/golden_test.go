package compile

import (
	"path/filepath"
	"testing"

	"github.com/duban/duban/internal/testtools"
)

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	testtools.Golden(t, filepath.Join("testdata", name), []byte(got))
}
