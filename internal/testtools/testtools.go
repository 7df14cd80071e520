// Package testtools finds the external programs some tests need —
// LibreOffice (a real spreadsheet application re-saving our workbooks) and
// Python's openpyxl (how analysts load them) — and runs them. Without the
// program a test is skipped, unless DUBAN_REQUIRE_TOOLS is set (CI sets it),
// where a missing program fails the test instead of hiding it.
package testtools

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("DUBAN_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is required (DUBAN_REQUIRE_TOOLS is set) but not installed; .ci/run installs it", what)
	}
	t.Skipf("%s not installed; skipping", what)
}

// Soffice returns the path of LibreOffice's soffice, or skips.
func Soffice(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("soffice")
	if err != nil {
		missing(t, "LibreOffice (soffice)")
	}
	return p
}

// Convert has LibreOffice open src and save it as format ("xlsx", "pdf")
// into a new temporary folder; it returns the written file's path. Each call
// uses its own profile: concurrent runs sharing one fail silently.
func Convert(t testing.TB, src, format string) string {
	t.Helper()
	soffice := Soffice(t)
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice,
		"-env:UserInstallation=file://"+filepath.Join(tmp, "profile"),
		"--headless", "--norestore", "--convert-to", format, "--outdir", out, src)
	cmd.Env = append(os.Environ(), "HOME="+tmp)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice --convert-to %s %s: %v\n%s", format, src, err, b)
	}
	ext, _, _ := strings.Cut(format, ":") // "txt:Text (encoded):UTF8" writes .txt
	name := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)) + "." + ext
	path := filepath.Join(out, name)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("soffice --convert-to %s %s wrote no file %s (err %v)", format, src, path, err)
	}
	return path
}

// Resave has LibreOffice open data, written as a file called name, and
// save it again as .xlsx, as a unit's spreadsheet application would; it
// returns the saved file.
func Resave(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(Convert(t, src, "xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Poppler returns the path of a program of poppler-utils (pdftotext,
// pdftoppm), or skips.
func Poppler(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" (poppler-utils)")
	}
	return p
}

// Run runs a program a test needs and returns its standard output; a
// failure fails the test with the program's error output.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// Python returns a python3 that can import openpyxl, or skips. Debian's
// python3-openpyxl installs for /usr/bin/python3, which may not be the first
// python3 on PATH.
func Python(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import openpyxl").Run() == nil {
				return path
			}
		}
	}
	missing(t, "python3 with openpyxl (Debian python3-openpyxl)")
	return ""
}

// RunPython runs script with args and returns its standard output.
func RunPython(t testing.TB, script string, args ...string) string {
	t.Helper()
	py := Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// Shared returns the path of rel inside the read-only shared/ folder that
// sits beside the repository (corpora of other programs' files), or skips.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(path); err != nil {
		missing(t, "the shared corpus "+path)
	}
	return path
}
