package testtools

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
	"testing"
)

// Parts are the parts of a workbook's zip, by name.
type Parts map[string][]byte

// ZipParts reads every part of a workbook's zip.
func ZipParts(t testing.TB, data []byte) Parts {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reading workbook zip: %v", err)
	}
	parts := Parts{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("opening %s: %v", zf.Name, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", zf.Name, err)
		}
		parts[strings.TrimPrefix(zf.Name, "/")] = b
	}
	return parts
}

// Rel is one relationship of a part.
type Rel struct {
	ID string
	// Kind is the last word of the relationship's type: worksheet,
	// drawing, chart, …
	Kind string
	// Target is the part it points to, resolved against the folder of the
	// part the relationship belongs to.
	Target string
}

// Rels reads the relationships of a part, in their order; none when the
// part has no relationships part.
func (p Parts) Rels(t testing.TB, owner string) []Rel {
	t.Helper()
	dir, file := path.Split(owner)
	raw, ok := p[dir+"_rels/"+file+".rels"]
	if !ok {
		return nil
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(raw, &rels); err != nil {
		t.Fatalf("relationships of %s: %v", owner, err)
	}
	out := make([]Rel, 0, len(rels.Rel))
	for _, r := range rels.Rel {
		target, absolute := strings.CutPrefix(r.Target, "/")
		if !absolute {
			target = path.Join(dir, target)
		}
		out = append(out, Rel{ID: r.ID, Kind: r.Type[strings.LastIndex(r.Type, "/")+1:], Target: target})
	}
	return out
}

// Targets are the parts a part's relationships of one kind point to.
func (p Parts) Targets(t testing.TB, owner, kind string) []string {
	t.Helper()
	var out []string
	for _, r := range p.Rels(t, owner) {
		if r.Kind == kind {
			out = append(out, r.Target)
		}
	}
	return out
}

// SheetParts maps each sheet's name to its worksheet part, as the
// workbook part and its relationships name them.
func (p Parts) SheetParts(t testing.TB) map[string]string {
	t.Helper()
	const workbook = "xl/workbook.xml"
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(p[workbook], &wb); err != nil {
		t.Fatalf("%s: %v", workbook, err)
	}
	rels := p.Rels(t, workbook)
	out := map[string]string{}
	for _, s := range wb.Sheets {
		for _, r := range rels {
			if r.ID == s.RID {
				out[s.Name] = r.Target
			}
		}
		if _, ok := out[s.Name]; !ok {
			t.Fatalf("%s: sheet %q has no part", workbook, s.Name)
		}
	}
	return out
}
