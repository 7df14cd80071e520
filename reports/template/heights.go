package template

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
)

// formSheetPart is the part of the workbook that holds 填报表, the first
// sheet of a new excelize file.
const formSheetPart = "xl/worksheets/sheet1.xml"

// rewritePart returns the zip data with the part named name replaced by
// what edit makes of it; the other parts are copied as they are.
func rewritePart(data []byte, name string, edit func([]byte) []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("reopening the workbook: %w", err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		if f.Name != name {
			if err := zw.Copy(f); err != nil {
				return nil, fmt.Errorf("copying %s: %w", f.Name, err)
			}
			continue
		}
		found = true
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		part, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		hdr := f.FileHeader
		hdr.Method = zip.Deflate
		w, err := zw.CreateHeader(&hdr)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
		if _, err := w.Write(edit(part)); err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if !found {
		return nil, fmt.Errorf("the workbook has no part %s", name)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("closing the workbook: %w", err)
	}
	return out.Bytes(), nil
}

// rowTag is a row's start tag in a worksheet, with its number.
var rowTag = regexp.MustCompile(`<row r="(\d+)"[^>]*>`)

// customHeight is the attribute that marks a row's height as set by hand.
var customHeight = regexp.MustCompile(` customHeight="(?:1|true)"`)

// rewriteRowTags drops customHeight from the start tags of the rows
// auto says yes to.
func rewriteRowTags(sheet []byte, auto func(row string) bool) []byte {
	return rowTag.ReplaceAllFunc(sheet, func(tag []byte) []byte {
		if !auto(string(rowTag.FindSubmatch(tag)[1])) {
			return tag
		}
		return customHeight.ReplaceAll(tag, nil)
	})
}
