package testtools

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// ZipEntry is one entry of a zip a test builds.
type ZipEntry struct {
	Name    string
	Content []byte
	// Store keeps the entry uncompressed (an OpenDocument's mimetype, a
	// payload of noise that must not shrink).
	Store bool
	// Modified is the entry's time (zero writes none: the same bytes on
	// every run).
	Modified time.Time
}

// ZipOf builds a zip of the entries, in the order given.
func ZipOf(t testing.TB, entries ...ZipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	writeEntries(t, zw, entries)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeEntries(t testing.TB, zw *zip.Writer, entries []ZipEntry) {
	t.Helper()
	for _, e := range entries {
		method := zip.Deflate
		if e.Store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: method, Modified: e.Modified})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.Content); err != nil {
			t.Fatalf("zipping %s: %v", e.Name, err)
		}
	}
}

// Zip builds a zip of name → content, in name order.
func Zip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	entries := make([]ZipEntry, 0, len(files))
	for name, content := range files {
		entries = append(entries, ZipEntry{Name: name, Content: []byte(content)})
	}
	slices.SortFunc(entries, func(a, b ZipEntry) int { return strings.Compare(a.Name, b.Name) })
	return ZipOf(t, entries...)
}

// RewriteZip copies a zip entry by entry, in its order and with each
// entry's compression, letting edit replace an entry's content (nil keeps
// it; edit may be nil), then appends the extra entries.
func RewriteZip(t testing.TB, data []byte, edit func(name string, content []byte) []byte, extra ...ZipEntry) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]ZipEntry, 0, len(zr.File)+len(extra))
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", zf.Name, err)
		}
		if edit != nil {
			if b := edit(zf.Name, content); b != nil {
				content = b
			}
		}
		entries = append(entries, ZipEntry{Name: zf.Name, Content: content, Store: zf.Method == zip.Store})
	}
	return ZipOf(t, append(entries, extra...)...)
}

// bombParts are the parts of the smallest .xlsx around one sheet.
var bombParts = []ZipEntry{
	{Name: "[Content_Types].xml", Content: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)},
	{Name: "_rels/.rels", Content: []byte(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
	{Name: "xl/workbook.xml", Content: []byte(`<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="填报表" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
	{Name: "xl/_rels/workbook.xml.rels", Content: []byte(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)},
}

// BombXLSX builds an .xlsx-shaped zip whose sheet XML inflates to size
// bytes of blanks while the file stays small. With lie, the zip directory
// declares 1,000 bytes instead of the true size.
func BombXLSX(t testing.TB, size int, lie bool) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	crc := crc32.NewIEEE()
	w := io.MultiWriter(fw, crc)
	write := func(b []byte) {
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	write([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`))
	chunk := bytes.Repeat([]byte(" "), 1<<16)
	for written := 0; written < size; written += len(chunk) {
		write(chunk)
	}
	write([]byte(`</sheetData></worksheet>`))
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	writeEntries(t, zw, bombParts)
	// Only a raw entry lets the test choose the size the directory declares.
	declared := uint64(size + 200)
	if lie {
		declared = 1000
	}
	hw, err := zw.CreateRaw(&zip.FileHeader{
		Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hw.Write(comp.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ZipPart returns the content of one entry of a zip, failing the test when
// there is none.
func ZipPart(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatalf("opening %s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return b
}
