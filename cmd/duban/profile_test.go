package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestProfileFlags: --cpuprofile and --memprofile write pprof files (gzip)
// of the command that ran, and a file that cannot be created is an error.
func TestProfileFlags(t *testing.T) {
	dir := inTempDir(t)
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"--cpuprofile", cpu, "--memprofile", mem, "check", "--from", "2023-05-01"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, path := range []string{cpu, mem} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			t.Errorf("%s is not a gzipped pprof profile (%d bytes)", path, len(data))
		}
	}
	stderr.Reset()
	if code := run(t.Context(), []string{"--cpuprofile", filepath.Join(dir, "no", "such", "cpu.pprof"), "check"}, &stdout, &stderr); code == exitOK {
		t.Errorf("a CPU profile that cannot be created should fail the command")
	}
}
