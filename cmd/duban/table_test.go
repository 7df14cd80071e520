package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
)

// TestTableAlignsByDisplayWidth: columns line up in a terminal, where a
// Chinese character takes two columns.
func TestTableAlignsByDisplayWidth(t *testing.T) {
	var tb table
	tb.add("代码", "单位", "状态")
	tb.add("fgw", "市发展改革委", "按时报送")
	tb.add("rsj", "市人力资源社会保障局", "-")
	var b strings.Builder
	if err := tb.write(&b, "  "); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	// The third column starts at the same display column on every line.
	var at []int
	for _, l := range lines {
		cells := strings.Fields(l)
		i := strings.LastIndex(l, cells[len(cells)-1])
		at = append(at, runewidth.StringWidth(l[:i]))
	}
	for i, c := range at {
		if c != at[0] {
			t.Errorf("line %d's last column starts at display column %d, line 0's at %d:\n%s", i, c, at[0], b.String())
		}
	}
}

// TestStatusReadOnly: status on a data directory that does not exist
// creates nothing, and without --period on a finished plan shows the
// plan's last period and says so.
func TestStatusReadOnly(t *testing.T) {
	dir := inTempDir(t)
	after := time.Date(2024, 5, 6, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	code, out, errOut := cli(t, after, "status")
	if code != exitOK {
		t.Fatalf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("status created the data directory: %v", err)
	}
	if !strings.Contains(errOut, "尚不存在") {
		t.Errorf("status does not say the data directory is missing: %q", errOut)
	}
	for _, want := range []string{"计划年度（2023年）已结束，显示最后一期2023年12月", "2023年12月报送情况", "应报13个单位"} {
		if !strings.Contains(out, want) {
			t.Errorf("status after the plan year lacks %q:\n%s", want, out)
		}
	}
}
