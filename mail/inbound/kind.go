package inbound

import (
	"strings"

	"github.com/duban/duban/internal/filekind"
)

// sniff tells a file's kind from its content, and the extension a generated
// name should get. complete is false when data is only the head of a file
// too large to keep: a zip is then judged by the names in its local headers.
// A complete zip that cannot be opened (a truncated or damaged workbook) is
// KindZip, never xlsx, and damaged says so.
func sniff(data []byte, declared string, complete bool) (kind, ext string, damaged bool) {
	switch {
	case filekind.IsOLE(data):
		return KindOLE, oleExt(declared), false
	case filekind.IsPDF(data):
		return KindPDF, ".pdf", false
	case filekind.IsZip(data), filekind.IsEmptyZip(data):
		if !complete {
			k := zipKind(filekind.ZipHead(data), declared)
			return k, "." + k, false
		}
		z, err := filekind.ReadZip(data, maxZipEntries)
		if err != nil {
			return KindZip, ".zip", true
		}
		k := zipKind(z, declared)
		return k, "." + k, false
	}
	if ext := filekind.ImageExt(data); ext != "" {
		return KindImage, ext, false
	}
	return KindOther, otherExt(declared), false
}

// maxZipEntries caps the entries of a zip that is opened. archive/zip
// holds a few hundred bytes per entry of the central directory: a 30 MB zip
// of empty entries would cost five times its size. A real workbook has tens
// to a few thousand.
const maxZipEntries = 20000

// zipKind names a zip from its entries: xlsx or xlsm for an OOXML workbook,
// ods for an OpenDocument spreadsheet, zip for anything else. An .xlsb
// (xl/workbook.bin) is left as a plain zip: nothing here reads it. Of a zip
// whose head only was kept, only the entry names are known.
func zipKind(z filekind.Zip, declared string) string {
	ct := strings.ToLower(z.ContentTypes)
	workbook := z.Workbook ||
		strings.Contains(ct, "spreadsheetml.sheet.main+xml") ||
		strings.Contains(ct, "spreadsheetml.template.main+xml") ||
		strings.Contains(ct, "ms-excel.sheet.macroenabled.main+xml") ||
		strings.Contains(ct, "ms-excel.template.macroenabled.main+xml")
	macro := z.VBAProject || strings.Contains(ct, "macroenabled") || strings.Contains(strings.ToLower(declared), "macroenabled")
	switch {
	case workbook && macro:
		return KindXLSM
	case workbook:
		return KindXLSX
	case strings.HasPrefix(strings.TrimSpace(z.Mimetype), "application/vnd.oasis.opendocument.spreadsheet"):
		return KindODS
	}
	return KindZip
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
