package reader

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/duban/duban/internal/filekind"
	"github.com/duban/duban/reports"
)

// book is an opened workbook: its zip, its sheets as the workbook lists
// them, and the shared strings once a sheet needed them.
type book struct {
	lim    *reports.Limits
	files  map[string]*zip.File // by lower-case name, '/' separated
	sheets []sheetRef           // in workbook order
	sst    sst
	text   int64 // bytes of text kept so far (shared strings, cells, formulas)
	read   int64 // bytes read from the parts so far
}

// sheetRef is one sheet of the workbook.
type sheetRef struct {
	name  string
	state string // "", "visible", "hidden", "veryHidden"
	part  string // its part, lower case; "" when the workbook does not say where it is
}

func (s sheetRef) visible() bool { return s.state == "" || s.state == "visible" }

// sst is the shared-string table, read on first need.
type sst struct {
	part   string
	loaded bool
	err    error
	items  []string
}

// errSheetMissing: the workbook names a sheet whose part is not there.
var errSheetMissing = errors.New("sheet part missing")

// openBook opens the workbook and reads its list of sheets. The error is
// a *limitError when a part exceeds the bounds, anything else when the
// workbook cannot be read.
func openBook(data []byte, lim *reports.Limits) (*book, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	b := &book{lim: lim, files: make(map[string]*zip.File, len(zr.File))}
	for _, zf := range zr.File {
		b.files[filekind.PartName(zf.Name)] = zf
	}
	// The package's relationships name the workbook part; without them,
	// the usual place.
	workbook := "xl/workbook.xml"
	rels, err := b.readRels("_rels/.rels")
	if err != nil {
		var le *limitError
		if errors.As(err, &le) {
			return nil, err
		}
	}
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			workbook = resolve("", r.target)
			break
		}
	}
	dir := path.Dir(workbook)
	wbRels, err := b.readRels(path.Join(dir, "_rels", path.Base(workbook)+".rels"))
	if err != nil {
		return nil, err
	}
	b.sst.part = "xl/sharedstrings.xml"
	for _, r := range wbRels {
		if strings.HasSuffix(r.typ, "/sharedStrings") {
			if p := resolve(dir, r.target); b.files[p] != nil {
				b.sst.part = p
			}
		}
	}
	if err := b.readWorkbook(workbook, dir, wbRels); err != nil {
		return nil, err
	}
	return b, nil
}

// resolve resolves a relationship target against the directory of the
// part that holds the relationship; an absolute target (/xl/…) is taken
// from the package root.
func resolve(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return filekind.PartName(strings.TrimPrefix(path.Clean(target), "/"))
	}
	return filekind.PartName(strings.TrimPrefix(path.Join(dir, target), "/"))
}

// open opens a part for bounded reading; nil, nil when it is absent. raw
// leaves names untranslated (see xmlPart).
func (b *book) open(part, sheet string, raw bool) (*xmlPart, error) {
	zf := b.files[part]
	if zf == nil {
		return nil, nil
	}
	return openXML(zf, b.lim, &b.read, sheet, raw)
}

// rel is one relationship.
type rel struct{ id, typ, target string }

// readRels reads a relationships part; none when it is absent.
func (b *book) readRels(part string) ([]rel, error) {
	x, err := b.open(part, "", false)
	if x == nil || err != nil {
		return nil, err
	}
	defer x.close()
	var out []rel
	for {
		tok, err := x.token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if el, ok := tok.(xml.StartElement); ok && x.depth == 2 && el.Name.Local == "Relationship" {
			var r rel
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.target = a.Value
				}
			}
			if len(out) >= maxZipEntries {
				return out, &limitError{reason: fmt.Sprintf("关系超过 %d 条", maxZipEntries)}
			}
			out = append(out, r)
		}
	}
}

// readWorkbook reads the list of sheets (<sheets><sheet name state r:id>)
// and finds each sheet's part through the workbook's relationships.
func (b *book) readWorkbook(part, dir string, rels []rel) error {
	x, err := b.open(part, "", false)
	if x == nil || err != nil {
		return err
	}
	defer x.close()
	inSheets := false
	for {
		tok, err := x.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch {
			case x.depth == 2 && el.Name.Local == "sheets":
				inSheets = true
			case x.depth == 3 && inSheets && el.Name.Local == "sheet":
				var s sheetRef
				id := ""
				for _, a := range el.Attr {
					switch {
					case a.Name.Local == "name":
						s.name = a.Value
					case a.Name.Local == "state":
						s.state = a.Value
					case a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "/relationships"):
						id = a.Value
					}
				}
				for _, r := range rels {
					if r.id == id && id != "" {
						if p := resolve(dir, r.target); b.files[p] != nil {
							s.part = p
						}
					}
				}
				if len(b.sheets) >= maxZipEntries {
					return &limitError{reason: fmt.Sprintf("工作表超过 %d 个", maxZipEntries)}
				}
				b.sheets = append(b.sheets, s)
			}
		case xml.EndElement:
			if x.depth == 1 && el.Name.Local == "sheets" {
				inSheets = false
			}
		}
	}
}

// sheet returns the sheet of that name: the first with exactly that name,
// else the first with that name in another case (as Excel compares them).
func (b *book) sheet(name string) (sheetRef, bool) {
	for _, s := range b.sheets {
		if s.name == name {
			return s, true
		}
	}
	for _, s := range b.sheets {
		if strings.EqualFold(s.name, name) {
			return s, true
		}
	}
	return sheetRef{}, false
}

// keep counts n bytes of text kept against MaxTextBytes.
func (b *book) keep(n int, sheet string) error {
	if b.text += int64(n); b.text > b.lim.MaxTextBytes {
		return &limitError{sheet: sheet, reason: "文字内容合计超过 " + size(b.lim.MaxTextBytes)}
	}
	return nil
}

// sharedStrings reads the shared-string table on first call.
func (b *book) sharedStrings() ([]string, error) {
	if !b.sst.loaded {
		b.sst.loaded = true
		b.sst.items, b.sst.err = b.readSST()
	}
	return b.sst.items, b.sst.err
}

// readSST reads the <si> items of the shared-string table.
func (b *book) readSST() ([]string, error) {
	x, err := b.open(b.sst.part, "", true)
	if x == nil || err != nil {
		return nil, err
	}
	defer x.close()
	var (
		items []string
		s     stringItem
		inSI  bool
	)
	for {
		tok, err := x.token()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch {
			case x.depth == 2 && el.Name.Local == "si":
				s.reset(2)
				inSI = true
			case inSI:
				s.start(el.Name.Local, x.depth)
			}
		case xml.CharData:
			if inSI {
				s.text(el, x.depth)
			}
		case xml.EndElement:
			if !inSI {
				continue
			}
			if x.depth+1 > 2 {
				s.end(x.depth + 1)
				continue
			}
			inSI = false
			if len(items) >= b.lim.MaxSharedStrings {
				return items, &limitError{reason: fmt.Sprintf("共享字符串超过 %d 条", b.lim.MaxSharedStrings)}
			}
			if err := b.keep(s.len(), ""); err != nil {
				return items, err
			}
			items = append(items, s.value())
		}
	}
}
