package reader

import (
	"errors"
	"fmt"
	"strings"

	"github.com/duban/duban/internal/filekind"
	"github.com/duban/duban/reports"
)

// maxZipEntries bounds the zip directory: a workbook has a few dozen parts.
const maxZipEntries = 10000

// sniff looks at the bytes before any spreadsheet library does: size,
// container type, and what kind of document the container holds. It returns
// nil when the data looks like an .xlsx workbook worth opening.
func sniff(data []byte, lim reports.Limits) *reports.Problem {
	switch {
	case len(data) == 0:
		return &reports.Problem{Kind: KindEmptyFile, Message: "附件是空文件（0 字节），无法读取。请重新附上填好的 .xlsx 文件后发送。"}
	case int64(len(data)) > lim.MaxFileBytes:
		return &reports.Problem{Kind: KindFileTooLarge, Message: fmt.Sprintf(
			"附件大小为 %s，超过了 %s 的上限。请删除表格中的图片等无关内容，只保留本期模板后重新发送。",
			size(int64(len(data))), size(lim.MaxFileBytes))}
	case filekind.IsOLE(data):
		return sniffOLE(data)
	case filekind.IsZip(data):
		return sniffZip(data, lim)
	}
	return notExcel(data)
}

// sniffOLE tells an encrypted OOXML package from a legacy binary workbook.
func sniffOLE(data []byte) *reports.Problem {
	if filekind.OLEEncrypted(data) {
		return &reports.Problem{Kind: KindEncrypted, Message: "文件设置了打开密码，系统无法读取。" +
			"请在 Excel/WPS 中打开文件，取消“打开密码”（文件→信息→保护工作簿→用密码进行加密，清空密码）后保存，再重新发送。"}
	}
	return &reports.Problem{Kind: KindLegacyXLS, Message: "文件为旧版 Excel（.xls）或 WPS（.et）格式，系统无法读取。" +
		"请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后重新发送。"}
}

// sniffZip checks that a zip is an .xlsx workbook, not an .ods, a macro
// workbook, a Word document or an archive of files, and that it does not
// inflate beyond the limit. The sizes come from the zip directory
// (filekind.ReadZip inflates nothing but two small entries).
func sniffZip(data []byte, lim reports.Limits) *reports.Problem {
	z, err := filekind.ReadZip(data, maxZipEntries)
	switch {
	case errors.Is(err, filekind.ErrTooManyEntries):
		return notWorkbook()
	case err != nil, z.InsecurePath:
		return &reports.Problem{Kind: KindCorrupt, Message: "文件已损坏或不完整，无法打开。" +
			"请在 Excel/WPS 中打开确认内容无误后，“另存为”Excel 工作簿（.xlsx）重新发送。"}
	}
	if z.Unzipped > uint64(lim.MaxUnzipBytes) {
		return &reports.Problem{Kind: KindUnzipTooLarge, Message: fmt.Sprintf(
			"文件解压后的内容为 %s，超过了 %s 的上限，系统拒绝读取。请只保留本期模板中的内容后重新发送。",
			size(int64(min(z.Unzipped, 1<<62))), size(lim.MaxUnzipBytes))}
	}
	if z.HasMimetype {
		if strings.Contains(z.Mimetype, "opendocument.spreadsheet") {
			return &reports.Problem{Kind: KindODS, Message: "文件为 OpenDocument 表格（.ods）格式，系统无法读取。" +
				"请在 WPS/LibreOffice 中“另存为”Excel 工作簿（.xlsx）后重新发送。"}
		}
		return notExcel(data)
	}
	if !z.HasContentTypes {
		return notWorkbook()
	}
	if z.VBAProject || strings.Contains(z.ContentTypes, "macroEnabled") {
		return &reports.Problem{Kind: KindMacro, Message: "文件为启用宏的工作簿（.xlsm），系统不接收含宏的文件。" +
			"请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx，不含宏）后重新发送。"}
	}
	if !z.Workbook && !strings.Contains(z.ContentTypes, "spreadsheetml.sheet.main") &&
		!strings.Contains(z.ContentTypes, "spreadsheetml.template.main") {
		return notWorkbook()
	}
	return nil
}

// notWorkbook answers a zip that is not a spreadsheet: a Word document, a
// presentation, or files compressed together.
func notWorkbook() *reports.Problem {
	return &reports.Problem{Kind: KindNotWorkbook, Message: "附件不是 Excel 工作簿（可能是压缩包、Word 文档或其他格式），系统无法读取。" +
		"请直接附上本期模板填好后的 .xlsx 文件（不要压缩）重新发送。"}
}

// notExcel answers anything that is not a workbook container at all.
func notExcel(data []byte) *reports.Problem {
	what := "其他格式的文件"
	switch {
	case filekind.IsPDF(data):
		what = "PDF 文件"
	case filekind.ImageExt(data) != "":
		what = "图片"
	case filekind.IsZip(data):
		what = "OpenDocument 文档"
	}
	return &reports.Problem{Kind: KindNotXLSX, Message: "附件是" + what + "，不是 Excel 工作簿，系统无法读取。" +
		"请直接附上本期模板填好后的 .xlsx 文件重新发送，不要发送截图、PDF 或其他格式。"}
}

// size writes a byte count for people: 12.3 MB, 850 KB.
func size(n int64) string { return reports.SizeText(n) }
