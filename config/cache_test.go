package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// bigConfig is the embedded example padded past cachedMinBytes with
// comments, plus one unknown key: a file the cache keeps.
func bigConfig(t *testing.T) string {
	t.Helper()
	pad := strings.Repeat("# "+strings.Repeat("注释", 60)+"\n", cachedMinBytes/200+1)
	path := filepath.Join(t.TempDir(), "duban.yaml")
	if err := os.WriteFile(path, append(append([]byte(pad), Example()...), "\nstray_key: 1\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "duban", "config-*.gob"))
	return files
}

func TestConfigCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	path := bigConfig(t)
	first, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cacheFiles(t, cache)); n != 1 {
		t.Fatalf("%d cache files after the first load, want 1", n)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) || !slicesEqual(again.unknown, []string{"stray_key"}) {
		t.Errorf("the cached configuration differs from the parsed one (unknown keys %q)", again.unknown)
	}

	// Another environment is another configuration.
	t.Setenv("DUBAN_STORAGE_DATA_DIR", "/elsewhere")
	other, err := Load(path)
	if err != nil || other.Storage.DataDir != "/elsewhere" {
		t.Fatalf("Load with DUBAN_STORAGE_DATA_DIR = %q, %v; want the environment's", other.Storage.DataDir, err)
	}
	if n := len(cacheFiles(t, cache)); n != 2 {
		t.Errorf("%d cache files, want one per environment", n)
	}

	// A damaged cache is parsed again, never trusted.
	for _, f := range cacheFiles(t, cache) {
		os.WriteFile(f, []byte("not gob"), 0o600)
	}
	t.Setenv("DUBAN_STORAGE_DATA_DIR", "")
	os.Unsetenv("DUBAN_STORAGE_DATA_DIR")
	fixed, err := Load(path)
	if err != nil || !reflect.DeepEqual(fixed, first) {
		t.Errorf("Load over a damaged cache = %v; want the file parsed again", err)
	}

	// A small file is not worth caching.
	small := filepath.Join(t.TempDir(), "small.yaml")
	os.WriteFile(small, Example(), 0o600)
	before := len(cacheFiles(t, cache))
	if _, err := Load(small); err != nil {
		t.Fatal(err)
	}
	if n := len(cacheFiles(t, cache)); n != before {
		t.Errorf("a %d-byte file was cached", len(Example()))
	}
}

func slicesEqual(a, b []string) bool { return reflect.DeepEqual(a, b) }
