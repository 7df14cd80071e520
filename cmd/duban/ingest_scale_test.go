package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/duban/duban/config"
	wiring "github.com/duban/duban/internal/app"
	"github.com/duban/duban/internal/scale"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports/reader"
)

// scaleTokenSecret is the token secret of the generated data directory:
// run `duban` on it with DUBAN_SECURITY_TOKEN_SECRET set to it.
const scaleTokenSecret = "scale-benchmark-token-secret-0123456789"

// TestWriteScaleIngestData writes what `duban ingest` is measured on at
// scale (issue 16) under $DUBAN_SCALE_DIR, when set: duban.yaml (units ×
// 15 tasks, units from DUBAN_BENCH_UNITS, default 2,000), an empty data
// directory data/, and each unit's May 2023 template filled in under
// books/. Then, e.g.:
//
//	go build -o /tmp/duban ./cmd/duban
//	cd $DUBAN_SCALE_DIR && DUBAN_STORAGE_DATA_DIR=$(mktemp -d) \
//	  DUBAN_SECURITY_TOKEN_SECRET=scale-benchmark-token-secret-0123456789 \
//	  /usr/bin/time -v /tmp/duban --config duban.yaml ingest books/*.xlsx >/dev/null
func TestWriteScaleIngestData(t *testing.T) {
	dir := os.Getenv("DUBAN_SCALE_DIR")
	if dir == "" {
		t.Skip("set DUBAN_SCALE_DIR to write the scale data there")
	}
	units := scale.Units(t)
	books := filepath.Join(dir, "books")
	if err := os.MkdirAll(books, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "duban.yaml")
	if err := os.WriteFile(path, scale.ConfigYAML(units, scale.DefaultTasksPerUnit), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DUBAN_SECURITY_TOKEN_SECRET", scaleTokenSecret)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if problems := cfg.Validate(); len(problems) > 0 {
		t.Fatalf("%d problems, the first: %v", len(problems), problems[0])
	}
	w, err := wiring.Open(t.Context(), cfg, t.TempDir(), wiring.Options{NoTransport: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	may := plan.Period{Year: cfg.Plan().Year, Month: time.May}
	build := func(u plan.Unit) (string, []byte, error) {
		tpl, err := w.Cycle.BuildTemplate(t.Context(), u.ID, may)
		return tpl.FileName, tpl.Data, err
	}
	paths, err := scale.WriteWorkbooks(books, w.Cycle.Plan, build, reader.Fill)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s workbooks under %s", strconv.Itoa(len(paths)), books)
}
