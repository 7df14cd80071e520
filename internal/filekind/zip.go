package filekind

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// The errors of ReadZip.
var (
	ErrZipCorrupt     = errors.New("the zip cannot be opened")
	ErrTooManyEntries = errors.New("the zip has more entries than allowed")
)

// Zip is what a zip's directory says, and the start of the two entries
// that name an office document's type. Entry names are matched without
// regard to case and with backslashes read as slashes (as excelize reads
// them); where a name stands twice, its last entry is read.
type Zip struct {
	Entries    int    // the entries of the directory
	Unzipped   uint64 // their declared uncompressed sizes added up (at most math.MaxUint64)
	Workbook   bool   // has xl/workbook.xml, an OOXML workbook's main part
	VBAProject bool   // has xl/vbaProject.bin: macros

	HasContentTypes bool   // has [Content_Types].xml
	ContentTypes    string // its first MaxContentTypes bytes
	HasMimetype     bool   // has mimetype (an OpenDocument's type)
	Mimetype        string // its first MaxMimetype bytes

	// InsecurePath: archive/zip found an entry name that climbs out of the
	// archive and said so with zip.ErrInsecurePath, which it does only
	// under GODEBUG=zipinsecurepath=0; a later zip.NewReader of the same
	// bytes fails.
	InsecurePath bool
}

// The caps on what ReadZip inflates of the two entries it reads.
const (
	MaxContentTypes = 1 << 20
	MaxMimetype     = 256
)

// dirSignature starts every central directory entry.
const dirSignature = "PK\x01\x02"

// ReadZip opens a complete zip and reads its directory; only
// [Content_Types].xml and mimetype are inflated, up to their caps. Sizes
// come from the directory: archive/zip refuses to inflate an entry past its
// declared size, so a lying directory cannot get around a check on them.
//
// archive/zip holds a few hundred bytes per entry of the directory, so a
// zip of many empty entries costs several times its size: when data holds
// more than maxEntries directory signatures (an upper bound of the entries
// archive/zip would read), the error is ErrTooManyEntries and nothing is
// read. A zip that cannot be opened (truncated, damaged) gives an error
// wrapping ErrZipCorrupt. zip.ErrInsecurePath is no error here (nothing
// is extracted): the facts are read and InsecurePath says so.
func ReadZip(data []byte, maxEntries int) (Zip, error) {
	if bytes.Count(data, []byte(dirSignature)) > maxEntries {
		return Zip{}, ErrTooManyEntries
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return Zip{}, fmt.Errorf("%w: %v", ErrZipCorrupt, err)
	}
	z := Zip{Entries: len(zr.File), InsecurePath: err != nil}
	var contentTypes, mimetype *zip.File
	for _, f := range zr.File {
		z.Unzipped += min(f.UncompressedSize64, math.MaxUint64-z.Unzipped)
		switch z.see(f.Name) {
		case "[content_types].xml":
			contentTypes = f
		case "mimetype":
			mimetype = f
		}
	}
	if contentTypes != nil {
		z.HasContentTypes, z.ContentTypes = true, readEntry(contentTypes, MaxContentTypes)
	}
	if mimetype != nil {
		z.HasMimetype, z.Mimetype = true, readEntry(mimetype, MaxMimetype)
	}
	return z, nil
}

// ZipHead reads what the head of a zip tells when the rest of it was not
// kept (a file too large to hold): the entry names of the local file
// headers it holds, up to 10,000 of them. Entries counts those headers;
// only Workbook and VBAProject are told besides.
func ZipHead(data []byte) Zip {
	var z Zip
	for off := 0; off+30 <= len(data) && z.Entries < 10000; {
		i := bytes.Index(data[off:], []byte(MagicZip))
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
		z.Entries++
		z.see(string(data[off+30 : off+30+n]))
		off += 30 + n
	}
	return z
}

// see notes an entry of the names Zip tells of, and returns its name as
// PartName gives it ("" for a name too long to be one of them).
func (z *Zip) see(name string) string {
	if len(name) > 64 {
		return "" // none of the names looked for is that long: no lowercased copy
	}
	name = PartName(name)
	switch name {
	case "xl/workbook.xml":
		z.Workbook = true
	case "xl/vbaproject.bin":
		z.VBAProject = true
	}
	return name
}

// PartName normalises a zip entry or OPC part name for lookup: lower case
// (part names are case-insensitive in OPC) with backslashes read as
// slashes (excelize accepts them).
func PartName(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
}

// readEntry reads at most n bytes of a zip entry as text; errors give "".
func readEntry(f *zip.File, n int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, n))
	return string(b)
}
