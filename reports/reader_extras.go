package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// rdExtras is what the reader needs from a worksheet beyond its values:
// the formulas of cells that have no cached value, and the merged ranges.
// It is read by streaming the sheet's XML, not through excelize's
// worksheet model, which allocates a row for every row number up to the
// last one (a single cell in row 1048000 costs tens of megabytes).
type rdExtras struct {
	formulas map[string]string // cell → formula text, for formula cells without a value
	merges   map[string]string // first cell → last cell of each merged range
}

// rdMaxPartBytes bounds the small parts read to locate a sheet.
const rdMaxPartBytes = 4 << 20

// rdReadExtras reads the extras of the named sheet. Anything it cannot
// read leaves the maps empty: the extras only refine what Rows gave.
func rdReadExtras(data []byte, sheet string) *rdExtras {
	x := &rdExtras{formulas: map[string]string{}, merges: map[string]string{}}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return x
	}
	part, ok := rdSheetPart(zr, sheet)
	if !ok {
		return x
	}
	zf := rdZipFile(zr, part)
	if zf == nil {
		return x
	}
	rc, err := zf.Open()
	if err != nil {
		return x
	}
	defer rc.Close()
	x.scan(xml.NewDecoder(rc))
	return x
}

// scan walks the sheet XML once.
func (x *rdExtras) scan(dec *xml.Decoder) {
	var (
		ref            string // the cell being read
		inF            bool
		formula        strings.Builder
		hasF, hasValue bool
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "c":
				ref, hasF, hasValue = rdAttr(el, "r"), false, false
				formula.Reset()
			case "f":
				inF, hasF = true, true
			case "v", "is":
				hasValue = true
			case "mergeCell":
				if first, last, ok := strings.Cut(rdAttr(el, "ref"), ":"); ok {
					x.merges[strings.ToUpper(first)] = strings.ToUpper(last)
				}
			}
		case xml.CharData:
			if inF && formula.Len() < 1<<15 {
				formula.Write(el)
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "f":
				inF = false
			case "c":
				if hasF && !hasValue && ref != "" {
					x.formulas[strings.ToUpper(ref)] = formula.String()
				}
				ref = ""
			}
		}
	}
}

// rdSheetPart finds the zip part of a sheet by name, following the package
// relationships to the workbook and the workbook's to the sheet.
func rdSheetPart(zr *zip.Reader, sheet string) (string, bool) {
	workbook := "xl/workbook.xml"
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if b := rdReadPart(zr, "_rels/.rels"); b != nil && xml.Unmarshal(b, &rels) == nil {
		for _, r := range rels.Rel {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				workbook = rdResolve("", r.Target)
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if xml.Unmarshal(rdReadPart(zr, workbook), &wb) != nil {
		return "", false
	}
	dir := path.Dir(workbook)
	rels.Rel = nil
	if xml.Unmarshal(rdReadPart(zr, path.Join(dir, "_rels", path.Base(workbook)+".rels")), &rels) != nil {
		return "", false
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rel {
			if r.ID == s.RID {
				return rdResolve(dir, r.Target), true
			}
		}
	}
	return "", false
}

// rdResolve resolves a relationship target against the directory of the
// part that holds the relationship.
func rdResolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(dir, target)
}

// rdZipFile finds a part by name, ignoring case and backslashes as
// excelize does.
func rdZipFile(zr *zip.Reader, name string) *zip.File {
	for _, zf := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(zf.Name, "\\", "/"), name) {
			return zf
		}
	}
	return nil
}

// rdReadPart reads a small part; nil when absent, unreadable or too large.
func rdReadPart(zr *zip.Reader, name string) []byte {
	zf := rdZipFile(zr, name)
	if zf == nil {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, rdMaxPartBytes+1))
	if err != nil || len(b) > rdMaxPartBytes {
		return nil
	}
	return b
}

// rdAttr returns an attribute's value by local name.
func rdAttr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
