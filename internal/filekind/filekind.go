// Package filekind reads what a file is from its bytes: the magic bytes of
// the containers a unit may send (OLE, zip, PDF, images) and, for a zip,
// what its directory says. It decides nothing: the mail intake
// (mail/inbound) names a part's kind from these facts and the workbook
// reader (reports/reader) tells the unit what is wrong, each in its own
// terms.
//
// Nothing here inflates more than two small entries of a zip, each with a
// cap: the facts of a zip bomb cost what its directory costs.
package filekind

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

// The magic bytes a file starts with.
const (
	MagicOLE      = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" // OLE compound file: .xls, .et, .doc, an encrypted .xlsx
	MagicZip      = "PK\x03\x04"                       // a zip's first local file header
	MagicZipEmpty = "PK\x05\x06"                       // the end record of a zip with no entries
	MagicPDF      = "%PDF-"
)

// IsOLE reports whether data is an OLE compound file.
func IsOLE(data []byte) bool { return hasPrefix(data, MagicOLE) }

// IsZip reports whether data starts with a zip's local file header.
func IsZip(data []byte) bool { return hasPrefix(data, MagicZip) }

// IsEmptyZip reports whether data is a zip of no entries: it starts with
// the end record of the central directory.
func IsEmptyZip(data []byte) bool { return hasPrefix(data, MagicZipEmpty) }

// IsPDF reports whether data is a PDF.
func IsPDF(data []byte) bool { return hasPrefix(data, MagicPDF) }

func hasPrefix(data []byte, magic string) bool {
	return len(data) >= len(magic) && string(data[:len(magic)]) == magic
}

// encryptedPackage is the stream name of an encrypted OOXML package as an
// OLE directory entry spells it (UTF-16LE).
var encryptedPackage = func() []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune("EncryptedPackage")) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}()

// OLEEncrypted reports whether an OLE compound file holds an encrypted
// OOXML package (a workbook with an opening password) rather than a legacy
// binary document: such a file has a stream named "EncryptedPackage".
// Directory entry names are UTF-16LE, so a byte search for that name finds
// it without parsing the container.
func OLEEncrypted(data []byte) bool { return bytes.Contains(data, encryptedPackage) }

// ImageExt returns the extension of an image format recognised by its
// magic bytes (.jpg, .png, .gif, .webp, .tif, .heic, .bmp), "" when data
// is not one.
func ImageExt(d []byte) string {
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
