package testtools

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"slices"
	"testing"
)

func TestZipHelpers(t *testing.T) {
	data := Zip(t, map[string]string{"b.xml": "<b/>", "a.xml": "<a/>"})
	data = RewriteZip(t, data, func(name string, b []byte) []byte {
		if name == "b.xml" {
			return []byte("<B/>")
		}
		return nil
	}, ZipEntry{Name: "c.bin", Content: []byte("c"), Store: true})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"a.xml", "b.xml", "c.bin"}; !slices.Equal(names, want) {
		t.Errorf("entries = %v, want %v", names, want)
	}
	if zr.File[2].Method != zip.Store || zr.File[0].Method != zip.Deflate {
		t.Errorf("methods = %d, %d, want stored extra and deflated rest", zr.File[2].Method, zr.File[0].Method)
	}
	for name, want := range map[string]string{"a.xml": "<a/>", "b.xml": "<B/>", "c.bin": "c"} {
		if got := string(ZipPart(t, data, name)); got != want {
			t.Errorf("ZipPart(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestBombXLSX(t *testing.T) {
	const size = 4 << 20
	for _, lie := range []bool{false, true} {
		data := BombXLSX(t, size, lie)
		if len(data) > size/100 {
			t.Errorf("lie=%v: bomb is %d bytes, want a small file", lie, len(data))
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		sheet := zr.File[len(zr.File)-1]
		if want := map[bool]uint64{false: size + 200, true: 1000}[lie]; sheet.UncompressedSize64 != want {
			t.Errorf("lie=%v: declared %d bytes, want %d", lie, sheet.UncompressedSize64, want)
		}
		raw, err := sheet.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		// Inflated past the directory: what a reader that trusts it meets.
		n, _ := io.Copy(io.Discard, flate.NewReader(raw))
		if n < size {
			t.Errorf("lie=%v: the sheet inflates to %d bytes, want at least %d", lie, n, size)
		}
	}
}
