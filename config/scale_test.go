package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/duban/duban/config"
	"github.com/duban/duban/internal/scale"
)

// loadScale is what every command does first: load, validate and build
// the plan of a configuration.
func loadScale(tb testing.TB, path string) {
	cfg, err := config.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	if problems := cfg.Validate(); len(problems) > 0 {
		tb.Fatalf("%d problems, the first: %v", len(problems), problems[0])
	}
	if len(cfg.Plan().Tasks) == 0 {
		tb.Fatal("no tasks")
	}
}

func writeScale(tb testing.TB, units, tasks int) string {
	path := filepath.Join(tb.TempDir(), "duban.yaml")
	if err := os.WriteFile(path, scale.ConfigYAML(units, tasks), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestScaleConfigValid: the generated configuration of a province is valid.
func TestScaleConfigValid(t *testing.T) { loadScale(t, writeScale(t, 20, 3)) }

// BenchmarkLoadConfig2000x15 loads and validates a configuration of 2,000
// units × 15 tasks, as every command does (issue 16: ≤ 0.2 s): parsed once,
// then from the cache.
func BenchmarkLoadConfig2000x15(b *testing.B) {
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	path := writeScale(b, 2000, 15)
	loadScale(b, path) // parses, and keeps the result
	b.ReportAllocs()
	for b.Loop() {
		loadScale(b, path)
	}
}

// BenchmarkLoadConfig2000x15Parse is the first load of that file: parsed.
func BenchmarkLoadConfig2000x15Parse(b *testing.B) {
	path := writeScale(b, 2000, 15)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		b.Setenv("XDG_CACHE_HOME", b.TempDir()) // an empty cache
		b.StartTimer()
		loadScale(b, path)
	}
}
