package reader

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/duban/duban/reports"
)

// Magic bytes of the containers a unit may send.
var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	magicPDF = []byte("%PDF")
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
	case bytes.HasPrefix(data, magicOLE):
		return sniffOLE(data)
	case bytes.HasPrefix(data, magicZip):
		return sniffZip(data, lim)
	}
	return notExcel(data)
}

// sniffOLE tells an encrypted OOXML package from a legacy binary workbook.
// Both are OLE compound files; an encrypted package holds a stream named
// "EncryptedPackage". Directory entry names are UTF-16LE, so a byte search
// for that name finds it without parsing the container.
func sniffOLE(data []byte) *reports.Problem {
	if bytes.Contains(data, utf16LE("EncryptedPackage")) {
		return &reports.Problem{Kind: KindEncrypted, Message: "文件设置了打开密码，系统无法读取。" +
			"请在 Excel/WPS 中打开文件，取消“打开密码”（文件→信息→保护工作簿→用密码进行加密，清空密码）后保存，再重新发送。"}
	}
	return &reports.Problem{Kind: KindLegacyXLS, Message: "文件为旧版 Excel（.xls）或 WPS（.et）格式，系统无法读取。" +
		"请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后重新发送。"}
}

// sniffZip checks that a zip is an .xlsx workbook, not an .ods, a macro
// workbook, a Word document or an archive of files, and that it does not
// inflate beyond the limit. The sizes come from the zip directory; Go's zip
// reader refuses to inflate an entry past its declared size, so a lying
// directory cannot get around the check.
func sniffZip(data []byte, lim reports.Limits) *reports.Problem {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &reports.Problem{Kind: KindCorrupt, Message: "文件已损坏或不完整，无法打开。" +
			"请在 Excel/WPS 中打开确认内容无误后，“另存为”Excel 工作簿（.xlsx）重新发送。"}
	}
	if len(zr.File) > maxZipEntries {
		return notWorkbook()
	}
	var total uint64
	files := make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		files[strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))] = zf
	}
	if total > uint64(lim.MaxUnzipBytes) {
		return &reports.Problem{Kind: KindUnzipTooLarge, Message: fmt.Sprintf(
			"文件解压后的内容为 %s，超过了 %s 的上限，系统拒绝读取。请只保留本期模板中的内容后重新发送。",
			size(int64(min(total, 1<<62))), size(lim.MaxUnzipBytes))}
	}
	if zf, ok := files["mimetype"]; ok {
		mime := readEntry(zf, 256)
		if strings.Contains(mime, "opendocument.spreadsheet") {
			return &reports.Problem{Kind: KindODS, Message: "文件为 OpenDocument 表格（.ods）格式，系统无法读取。" +
				"请在 WPS/LibreOffice 中“另存为”Excel 工作簿（.xlsx）后重新发送。"}
		}
		return notExcel(data)
	}
	ct, ok := files["[content_types].xml"]
	if !ok {
		return notWorkbook()
	}
	types := readEntry(ct, 1<<20)
	if _, macro := files["xl/vbaproject.bin"]; macro || strings.Contains(types, "macroEnabled") {
		return &reports.Problem{Kind: KindMacro, Message: "文件为启用宏的工作簿（.xlsm），系统不接收含宏的文件。" +
			"请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx，不含宏）后重新发送。"}
	}
	_, hasWorkbook := files["xl/workbook.xml"]
	if !hasWorkbook && !strings.Contains(types, "spreadsheetml.sheet.main") &&
		!strings.Contains(types, "spreadsheetml.template.main") {
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
	case bytes.HasPrefix(data, magicPDF):
		what = "PDF 文件"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(data, []byte("\x89PNG")),
		bytes.HasPrefix(data, []byte("GIF8")), bytes.HasPrefix(data, []byte("BM")):
		what = "图片"
	case bytes.HasPrefix(data, magicZip):
		what = "OpenDocument 文档"
	}
	return &reports.Problem{Kind: KindNotXLSX, Message: "附件是" + what + "，不是 Excel 工作簿，系统无法读取。" +
		"请直接附上本期模板填好后的 .xlsx 文件重新发送，不要发送截图、PDF 或其他格式。"}
}

// readEntry reads at most n bytes of a zip entry as text; errors give "".
func readEntry(zf *zip.File, n int64) string {
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, n))
	return string(b)
}

func utf16LE(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// size writes a byte count for people: 12.3 MB, 850 KB.
func size(n int64) string { return reports.SizeText(n) }
