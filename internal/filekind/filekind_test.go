package filekind_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/duban/duban/internal/filekind"
	"github.com/duban/duban/internal/testtools"
)

func TestMagic(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		data                    []byte
		ole, zip, emptyZip, pdf bool
	}{
		{"ole", testtools.OLE("Workbook"), true, false, false, false},
		{"ole header cut short", []byte(filekind.MagicOLE[:7]), false, false, false, false},
		{"zip", testtools.Zip(t, map[string]string{"a.txt": "x"}), false, true, false, false},
		{"empty zip", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), false, false, true, false},
		{"central directory first", []byte("PK\x01\x02...."), false, false, false, false},
		{"pdf", []byte("%PDF-1.7\n"), false, false, false, true},
		{"pdf without its dash", []byte("%PDF"), false, false, false, false},
		{"text", []byte("PK and OLE are words"), false, false, false, false},
		{"empty", nil, false, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []bool{filekind.IsOLE(tc.data), filekind.IsZip(tc.data), filekind.IsEmptyZip(tc.data), filekind.IsPDF(tc.data)}
			want := []bool{tc.ole, tc.zip, tc.emptyZip, tc.pdf}
			if !slicesEqual(got, want) {
				t.Errorf("IsOLE, IsZip, IsEmptyZip, IsPDF(%s) = %v, want %v", tc.name, got, want)
			}
		})
	}
}

func slicesEqual(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestImageExt(t *testing.T) {
	bmp := append([]byte("BM"), make([]byte, 16)...)
	bmp[14] = 40 // BITMAPINFOHEADER
	for _, tc := range []struct {
		name string
		data []byte
		ext  string
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0}, ".jpg"},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), ".png"},
		{"png signature cut short", []byte("\x89PNG"), ""},
		{"gif87a", []byte("GIF87a..."), ".gif"},
		{"gif89a", []byte("GIF89a..."), ".gif"},
		{"gif of no version", []byte("GIF8...."), ""},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), ".webp"},
		{"wav is no image", []byte("RIFF\x00\x00\x00\x00WAVEfmt "), ""},
		{"tiff little-endian", []byte("II*\x00...."), ".tif"},
		{"tiff big-endian", []byte("MM\x00*...."), ".tif"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic...."), ".heic"},
		{"avif", []byte("\x00\x00\x00\x18ftypavif...."), ".heic"},
		{"mp4 is no image", []byte("\x00\x00\x00\x18ftypisom...."), ""},
		{"bmp", bmp, ".bmp"},
		{"text starting with BM", []byte("BMW annual report, draft 2"), ""},
		{"pdf", []byte("%PDF-1.7\n"), ""},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := filekind.ImageExt(tc.data); got != tc.ext {
				t.Errorf("ImageExt(%s) = %q, want %q", tc.name, got, tc.ext)
			}
		})
	}
}

func TestOLEEncrypted(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"encrypted workbook", testtools.OLE("Root Entry", "EncryptionInfo", "EncryptedPackage"), true},
		{"legacy xls", testtools.OLE("Root Entry", "Workbook", "SummaryInformation"), false},
		{"the name in ASCII is not a directory entry", append(testtools.OLE("Root Entry"), "EncryptedPackage"...), false},
	} {
		if got := filekind.OLEEncrypted(tc.data); got != tc.want {
			t.Errorf("OLEEncrypted(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReadZip(t *testing.T) {
	const types = `<Override ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`
	long := strings.Repeat("<Types/>", filekind.MaxContentTypes/8+10)
	xlsx := testtools.Zip(t, map[string]string{
		"[Content_Types].xml": types,
		"xl/workbook.xml":     "<workbook/>",
		"xl/worksheets/s.xml": "<sheet/>",
	})
	for _, tc := range []struct {
		name       string
		data       []byte
		maxEntries int
		want       filekind.Zip
		err        error
	}{
		{"workbook", xlsx, 100, filekind.Zip{Entries: 3, Unzipped: uint64(len(types) + 11 + 8), Workbook: true, HasContentTypes: true, ContentTypes: types}, nil},
		{"names in any case, with backslashes", testtools.Zip(t, map[string]string{
			`[CONTENT_TYPES].XML`: "<Types/>", `XL\Workbook.xml`: "<w/>", `xl\VBAProject.bin`: "macro"}),
			100, filekind.Zip{Entries: 3, Unzipped: 17, Workbook: true, VBAProject: true, HasContentTypes: true, ContentTypes: "<Types/>"}, nil},
		{"opendocument", testtools.Zip(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
			100, filekind.Zip{Entries: 2, Unzipped: 50, HasMimetype: true, Mimetype: "application/vnd.oasis.opendocument.spreadsheet"}, nil},
		{"entries read up to their caps", testtools.Zip(t, map[string]string{"mimetype": strings.Repeat("m", 300), "[Content_Types].xml": long}),
			100, filekind.Zip{Entries: 2, Unzipped: uint64(300 + len(long)), HasMimetype: true, Mimetype: strings.Repeat("m", filekind.MaxMimetype),
				HasContentTypes: true, ContentTypes: long[:filekind.MaxContentTypes]}, nil},
		{"an empty entry is there", testtools.Zip(t, map[string]string{"mimetype": ""}), 100, filekind.Zip{Entries: 1, HasMimetype: true}, nil},
		{"a name that stands twice: the last", testtools.ZipOf(t,
			testtools.ZipEntry{Name: "mimetype", Content: []byte("first")}, testtools.ZipEntry{Name: "MIMETYPE", Content: []byte("last")}),
			100, filekind.Zip{Entries: 2, Unzipped: 9, HasMimetype: true, Mimetype: "last"}, nil},
		{"empty archive", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), 100, filekind.Zip{}, nil},
		{"as many entries as allowed", xlsx, 3, filekind.Zip{Entries: 3, Unzipped: uint64(len(types) + 11 + 8), Workbook: true, HasContentTypes: true, ContentTypes: types}, nil},
		{"too many entries", xlsx, 2, filekind.Zip{}, filekind.ErrTooManyEntries},
		{"truncated", xlsx[:len(xlsx)/2], 100, filekind.Zip{}, filekind.ErrZipCorrupt},
		{"garbage after the magic bytes", append([]byte("PK\x03\x04"), make([]byte, 64)...), 100, filekind.Zip{}, filekind.ErrZipCorrupt},
		{"declared sizes beyond 64 bits", hugeDeclared(t), 100, filekind.Zip{Entries: 3, Unzipped: math.MaxUint64, Workbook: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := filekind.ReadZip(tc.data, tc.maxEntries)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("ReadZip(%s) error = %v, want %v", tc.name, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("ReadZip(%s) = %+v, want %+v", tc.name, short(got), short(tc.want))
			}
		})
	}
}

// short cuts the entries' text for a message.
func short(z filekind.Zip) filekind.Zip {
	z.ContentTypes = z.ContentTypes[:min(len(z.ContentTypes), 40)]
	return z
}

// hugeDeclared is a zip whose two stored entries declare 2⁶³ bytes each:
// added up, the sizes would wrap around to nothing.
func hugeDeclared(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"xl/workbook.xml", "a.bin", "b.bin"} {
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		if name != "xl/workbook.xml" {
			h.UncompressedSize64 = 1 << 63
		}
		if _, err := zw.CreateRaw(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipHead(t *testing.T) {
	big := strings.Repeat("报送", 50000)
	data := testtools.ZipOf(t,
		testtools.ZipEntry{Name: "[Content_Types].xml", Content: []byte("<Types/>")},
		testtools.ZipEntry{Name: `XL\workbook.xml`, Content: []byte("<w/>")},
		testtools.ZipEntry{Name: "xl/sharedStrings.xml", Content: []byte(big), Store: true},
		testtools.ZipEntry{Name: "xl/vbaProject.bin", Content: []byte("macro")},
	)
	third := bytes.Index(data, []byte("xl/sharedStrings.xml"))
	for _, tc := range []struct {
		name string
		head int
		want filekind.Zip
	}{
		{"two headers and the name of the third cut", third + 5, filekind.Zip{Entries: 2, Workbook: true}},
		{"three headers", third + 20, filekind.Zip{Entries: 3, Workbook: true}},
		{"the whole file", len(data), filekind.Zip{Entries: 4, Workbook: true, VBAProject: true}},
		{"a header cut in its name", 40, filekind.Zip{Entries: 0}},
	} {
		if got := filekind.ZipHead(data[:tc.head]); got != tc.want {
			t.Errorf("ZipHead(%s) = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestPartName(t *testing.T) {
	for in, want := range map[string]string{
		"xl/workbook.xml":     "xl/workbook.xml",
		`XL\Worksheets\S.xml`: "xl/worksheets/s.xml",
		"[Content_Types].xml": "[content_types].xml",
	} {
		if got := filekind.PartName(in); got != want {
			t.Errorf("PartName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadZipInsecurePath: an entry name climbing out of the archive is
// no error, and is told only where archive/zip refuses it.
func TestReadZipInsecurePath(t *testing.T) {
	data := testtools.Zip(t, map[string]string{"../evil": "x", "xl/workbook.xml": "<w/>"})
	for _, godebug := range []string{"zipinsecurepath=1", "zipinsecurepath=0"} {
		t.Run(godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", godebug)
			z, err := filekind.ReadZip(data, 100)
			if want := godebug == "zipinsecurepath=0"; err != nil || z.InsecurePath != want || !z.Workbook || z.Entries != 2 {
				t.Errorf("ReadZip(../evil) = %+v, %v; want a workbook of 2 entries, InsecurePath %v", z, err, want)
			}
		})
	}
}
