package template

import (
	"bytes"
	"strconv"
)

// formSheetPart is the part of the workbook that holds 填报表, the first
// sheet of a new excelize file.
const formSheetPart = "xl/worksheets/sheet1.xml"

// rowTagStart opens a row's start tag in a worksheet, before its number.
var rowTagStart = []byte(`<row r="`)

// customHeights are the forms of the attribute that marks a row's height
// as set by hand.
var customHeights = [][]byte{[]byte(` customHeight="true"`), []byte(` customHeight="1"`)}

// rewriteRowTags drops customHeight from the start tags of the rows in
// auto, by their numbers. It reads the sheet once: a text cell's content
// cannot hold a tag (it is escaped, and excelize keeps it in the shared
// strings).
func rewriteRowTags(sheet []byte, auto map[string]bool) []byte {
	out := make([]byte, 0, len(sheet))
	for {
		i := bytes.Index(sheet, rowTagStart)
		if i < 0 {
			return append(out, sheet...)
		}
		n := bytes.IndexByte(sheet[i:], '>')
		if n < 0 {
			return append(out, sheet...)
		}
		tag := sheet[i : i+n+1]
		out = append(out, sheet[:i]...)
		sheet = sheet[i+n+1:]
		num := tag[len(rowTagStart):]
		if q := bytes.IndexByte(num, '"'); q < 0 || !auto[string(num[:q])] {
			out = append(out, tag...)
			continue
		}
		for _, attr := range customHeights {
			if j := bytes.Index(tag, attr); j >= 0 {
				out = append(out, tag[:j]...)
				tag = tag[j+len(attr):]
				break
			}
		}
		out = append(out, tag...)
	}
}

// autoHeights is the edit of the form sheet, as it is written, that keeps
// the height of the rows listed but no longer marks it as set by hand
// (customHeight): Excel, WPS and LibreOffice then fit such a row to its
// text again when the unit edits it, where they leave a hand-set row as
// it is. excelize marks every height it writes as set by hand. It is nil
// when no row is listed.
func autoHeights(rows []int) func([]byte) []byte {
	if len(rows) == 0 {
		return nil
	}
	auto := make(map[string]bool, len(rows))
	for _, r := range rows {
		auto[strconv.Itoa(r)] = true
	}
	return func(sheet []byte) []byte {
		return rewriteRowTags(sheet, auto)
	}
}
