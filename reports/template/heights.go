package template

import (
	"regexp"
	"strconv"
)

// formSheetPart is the part of the workbook that holds 填报表, the first
// sheet of a new excelize file.
const formSheetPart = "xl/worksheets/sheet1.xml"

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
		return rewriteRowTags(sheet, func(r string) bool { return auto[r] })
	}
}
