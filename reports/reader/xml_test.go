package reader

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// TestCellRef compares cellRef with excelize's CellNameToCoordinates,
// which the reader used to call.
func TestCellRef(t *testing.T) {
	refs := []string{"A1", "a1", "Z9", "AA10", "AF5000", "XFD1048576", "XFE1", "XFD1048577", "$A$1", "A$1", "$AB12",
		"A0", "A-1", "A+1", "A01", "1A", "A", "1", "", "$", "$1", "A1B2", "AAAA1", "ZZZZZZZZZZZZ1", "A 1", " A1", "A1 ",
		"Ä1", "A١", "A99999999999999999999", "xfd1", "xFd16", "A$", "$$A$$1"}
	for _, ref := range refs {
		col, row, ok := cellRef(ref)
		wcol, wrow, err := excelize.CellNameToCoordinates(ref)
		if ok != (err == nil) || ok && (col != wcol || row != wrow) {
			t.Errorf("cellRef(%q) = %d, %d, %v; excelize %d, %d, %v", ref, col, row, ok, wcol, wrow, err)
		}
	}
}

// FuzzCellRef compares cellRef with excelize on any string.
func FuzzCellRef(f *testing.F) {
	for _, s := range []string{"A1", "XFD1048576", "$A$1", "a0", "AAAA1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		col, row, ok := cellRef(ref)
		wcol, wrow, err := excelize.CellNameToCoordinates(ref)
		if ok != (err == nil) || ok && (col != wcol || row != wrow) {
			t.Errorf("cellRef(%q) = %d, %d, %v; excelize %d, %d, %v", ref, col, row, ok, wcol, wrow, err)
		}
	})
}

// TestUnescape checks the _xHHHH_ escapes of OOXML strings.
func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"_x0041_", "A"},
		{"a_x000D_b", "a\rb"},
		{"_x005F_x0041_", "_x0041_"}, // an escaped underscore
		{"_x005f_", "_"},
		{"_xD800_", ""}, // a lone surrogate is no character
		{"_x41_ _X0041_ _x004G_", "_x41_ _X0041_ _x004G_"},
		{"__x0041__", "_A_"},
		{"_x0041_x0042_", "Ax0042_"},
		{"中_x4E2D_文", "中中文"},
	}
	for _, tc := range tests {
		if got := unescape(tc.in); got != tc.want {
			t.Errorf("unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestGuard feeds the lexer of guard constructs around its bound, one
// byte at a time and whole: each must pass or fail as its size says,
// whatever the quotes, '>' and '<' inside it.
func TestGuard(t *testing.T) {
	const max = 1000
	big, small := strings.Repeat("x", max+1), strings.Repeat("x", max-100)
	tests := []struct {
		name string
		xml  string
		ok   bool
	}{
		{"small text", "<a>" + small + "</a>", true},
		{"long text", "<a>" + big + "</a>", false},
		{"long text split by tags", "<a>" + small + "<b/>" + small + "</a>", true},
		{"'>' in text", "<a>" + strings.Repeat(">", max-100) + strings.Repeat(">", max-100) + "</a>", false},
		{"small attributes", `<a b="` + small + `"/>`, true},
		{"long attributes", `<a b="` + small + `" c='` + small + `'/>`, false},
		{"'>' in an attribute does not end the tag", `<a b="` + strings.Repeat(">", max-100) + `" c="` + strings.Repeat(">", 200) + `"/>`, false},
		{"quotes in text", `<a>"` + small + `</a><b>'` + small + `</b>`, true},
		{"comment with tags inside", "<!--" + strings.Repeat("<a>", max/3+10) + "-->", false},
		{"short comments", "<!--" + small + "--><!-- - -- --><a>-></a>", true},
		{"CDATA with tags inside", "<a><![CDATA[" + strings.Repeat("<a'", max/3+10) + "]]></a>", false},
		{"short CDATA", "<a><![CDATA[" + small + "]]>" + small + "</a>", true},
		{"processing instruction", "<?xml " + big + "?>", false},
		{"short processing instruction", `<?xml version="1.0"?><a>` + small + "</a>", true},
		{"declaration", `<!DOCTYPE a [<!ENTITY e "` + big + `">]><a/>`, false},
		{"short declaration", `<!DOCTYPE a [<!ENTITY e ">">]><a>` + small + `</a>`, true},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			lim := reports.Limits{}.WithDefaults()
			var total int64
			g := &guard{r: strings.NewReader(tc.xml), left: lim.MaxPartBytes, total: &total, maxTok: max, lim: &lim}
			r := iotestReader(g, oneByte)
			buf := make([]byte, 64)
			var err error
			for err == nil {
				_, err = r.Read(buf)
			}
			var le *limitError
			if got := !errors.As(err, &le); got != tc.ok {
				t.Errorf("%s (one byte at a time %v): passes %v, want %v (%v)", tc.name, oneByte, got, tc.ok, err)
			}
		}
	}
}

// iotestReader reads r whole or one byte at a time.
func iotestReader(r interface{ Read([]byte) (int, error) }, oneByte bool) interface{ Read([]byte) (int, error) } {
	if oneByte {
		return iotest.OneByteReader(r)
	}
	return r
}
