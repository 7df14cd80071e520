package inbound

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
)

var (
	magicOLE  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicZip  = []byte("PK\x03\x04")
	magicZipE = []byte("PK\x05\x06") // empty archive
	magicPDF  = []byte("%PDF-")
)

// sniff tells a file's kind from its content, and the extension a generated
// name should get. complete is false when data is only the head of a file
// too large to keep: a zip is then judged by the names in its local headers.
// A complete zip that cannot be opened (a truncated or damaged workbook) is
// KindZip, never xlsx, and damaged says so.
func sniff(data []byte, declared string, complete bool) (kind, ext string, damaged bool) {
	switch {
	case bytes.HasPrefix(data, magicOLE):
		return KindOLE, oleExt(declared), false
	case bytes.HasPrefix(data, magicPDF):
		return KindPDF, ".pdf", false
	case bytes.HasPrefix(data, magicZip), bytes.HasPrefix(data, magicZipE):
		if !complete {
			k := zipKindFromNames(localNames(data), declared)
			return k, "." + k, false
		}
		k, ok := zipKind(data, declared)
		return k, "." + k, !ok
	}
	if ext := imageExt(data); ext != "" {
		return KindImage, ext, false
	}
	return KindOther, otherExt(declared), false
}

// maxZipEntries caps the entries of a zip that is opened. archive/zip
// holds a few hundred bytes per entry of the central directory: a 30 MB zip
// of empty entries would cost five times its size. A real workbook has tens
// to a few thousand.
const maxZipEntries = 20000

// zipDirSignature starts every central directory entry.
var zipDirSignature = []byte("PK\x01\x02")

// zipKind opens a complete zip and looks at its entries; only two small
// entries ([Content_Types].xml, mimetype) are ever decompressed, with a cap.
// ok is false when the archive cannot be opened, or has more entries than
// maxZipEntries (counted as the signatures in data, an upper bound of what
// archive/zip would read, before it reads any).
func zipKind(data []byte, declared string) (kind string, ok bool) {
	if bytes.Count(data, zipDirSignature) > maxZipEntries {
		return KindZip, false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return KindZip, false
	}
	names := make([]string, 0, len(zr.File))
	var contentTypes, mimetype string
	for _, f := range zr.File {
		if len(f.Name) > 64 {
			continue // not one of the names officeKind looks for: no lowercased copy
		}
		name := strings.ToLower(f.Name)
		names = append(names, name)
		switch name {
		case "[content_types].xml":
			contentTypes = readEntry(f, 1<<20)
		case "mimetype":
			mimetype = readEntry(f, 256)
		}
	}
	if k := officeKind(names, contentTypes, declared); k != "" {
		return k, true
	}
	if strings.HasPrefix(strings.TrimSpace(mimetype), "application/vnd.oasis.opendocument.spreadsheet") {
		return KindODS, true
	}
	return KindZip, true
}

func readEntry(f *zip.File, max int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, max))
	return string(b)
}

// officeKind says xlsx or xlsm for an OOXML workbook, "" otherwise. An
// .xlsb (xl/workbook.bin) is left as a plain zip: nothing here reads it.
func officeKind(names []string, contentTypes, declared string) string {
	ct := strings.ToLower(contentTypes)
	workbook := strings.Contains(ct, "spreadsheetml.sheet.main+xml") ||
		strings.Contains(ct, "spreadsheetml.template.main+xml") ||
		strings.Contains(ct, "ms-excel.sheet.macroenabled.main+xml") ||
		strings.Contains(ct, "ms-excel.template.macroenabled.main+xml")
	macro := strings.Contains(ct, "macroenabled") || strings.Contains(strings.ToLower(declared), "macroenabled")
	for _, n := range names {
		switch n {
		case "xl/workbook.xml":
			workbook = true
		case "xl/vbaproject.bin":
			macro = true
		}
	}
	switch {
	case workbook && macro:
		return KindXLSM
	case workbook:
		return KindXLSX
	}
	return ""
}

// zipKindFromNames judges a zip of which only the head was kept by the
// entry names seen in its local file headers.
func zipKindFromNames(names []string, declared string) string {
	if k := officeKind(names, "", declared); k != "" {
		return k
	}
	return KindZip
}

// localNames lists the entry names of the local file headers in data,
// lowercased.
func localNames(data []byte) []string {
	var names []string
	for off := 0; off+30 <= len(data) && len(names) < 10000; {
		i := bytes.Index(data[off:], magicZip)
		if i < 0 {
			break
		}
		off += i
		if off+30 > len(data) {
			break
		}
		n := int(binary.LittleEndian.Uint16(data[off+26:]))
		if off+30+n > len(data) {
			break
		}
		names = append(names, strings.ToLower(string(data[off+30:off+30+n])))
		off += 30 + n
	}
	return names
}

// imageExt returns the extension of an image format recognised by its
// magic bytes, "" when data is not one.
func imageExt(d []byte) string {
	switch {
	case bytes.HasPrefix(d, []byte{0xFF, 0xD8, 0xFF}):
		return ".jpg"
	case bytes.HasPrefix(d, []byte("\x89PNG\r\n\x1a\n")):
		return ".png"
	case bytes.HasPrefix(d, []byte("GIF87a")), bytes.HasPrefix(d, []byte("GIF89a")):
		return ".gif"
	case len(d) >= 12 && bytes.HasPrefix(d, []byte("RIFF")) && string(d[8:12]) == "WEBP":
		return ".webp"
	case bytes.HasPrefix(d, []byte("II*\x00")), bytes.HasPrefix(d, []byte("MM\x00*")):
		return ".tif"
	case len(d) >= 12 && string(d[4:8]) == "ftyp":
		switch string(d[8:12]) {
		case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif":
			return ".heic"
		}
	case len(d) >= 18 && d[0] == 'B' && d[1] == 'M':
		switch binary.LittleEndian.Uint32(d[14:]) { // DIB header size
		case 12, 40, 52, 56, 64, 108, 124:
			return ".bmp"
		}
	}
	return ""
}

func oleExt(declared string) string {
	switch {
	case strings.Contains(declared, "ms-excel"), strings.Contains(declared, "spreadsheet"), strings.Contains(declared, "kset"):
		return ".xls"
	case strings.Contains(declared, "msword"), strings.Contains(declared, "wordprocessing"):
		return ".doc"
	case strings.Contains(declared, "powerpoint"), strings.Contains(declared, "presentation"):
		return ".ppt"
	}
	return ".bin"
}

func otherExt(declared string) string {
	switch declared {
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/csv":
		return ".csv"
	case "message/rfc822":
		return ".eml"
	}
	return ".bin"
}
