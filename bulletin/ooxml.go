package bulletin

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"time"
)

// This file writes the minimal WordprocessingML package Word, WPS and
// LibreOffice all open: the parts, their relationships, styles that carry
// every font so the body only names styles, and one A4 section. Elements are
// written in the order the ECMA-376 schema requires; Word refuses a file
// whose pPr or rPr children are out of order.

// Fonts, after GB/T 9704. Offices without the _GB2312 and 方正 fonts get the
// altName of fontTable.xml instead.
const (
	fontBody       = "仿宋_GB2312"
	fontHeading1   = "黑体"
	fontHeading2   = "楷体_GB2312"
	fontTitle      = "方正小标宋简体"
	fontPageNumber = "宋体"
)

// Page geometry in twentieths of a point: A4, margins 3.7/3.5/2.8/2.6 cm.
const (
	pageWidth    = 11906
	pageHeight   = 16838
	marginTop    = 2098 // 3.7 cm
	marginBottom = 1984 // 3.5 cm
	marginLeft   = 1587 // 2.8 cm
	marginRight  = 1474 // 2.6 cm
	textWidth    = pageWidth - marginLeft - marginRight
)

// Column widths of the category table: the counts just wide enough for
// their headers at 12pt on one line (序时推进 has four characters, the others
// three), the rest for 类别 so a category name fits on one line.
var tableColumns = []int{textWidth - 5*900 - 1100, 900, 900, 1100, 900, 900, 900}

// titleSize is the title's size in points: 二号 (GB/T 9704 §7.3.3).
const titleSize = 22

// titleWidth is how many half-width characters a title line holds.
const titleWidth = 2 * textWidth / (20 * titleSize)

// One character of the 版记's 四号 (14pt), and the rules above and below it
// (粗线, 0.35 mm) and between its lines (细线, 0.25 mm) in eighths of a
// point (GB/T 9704 §8.3).
const (
	imprintChar  = 280
	imprintThick = 8
	imprintThin  = 6
)

const red = "C00000"

// documentProperties fill docProps/core.xml.
type documentProperties struct {
	Title   string
	Creator string
	Date    time.Time
}

// writePackage writes the .docx: the zip of all parts.
func writePackage(w io.Writer, props documentProperties, body []any) error {
	// A fixed timestamp keeps the bytes the same for the same input.
	modified := props.Date
	if modified.IsZero() {
		modified = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	parts := []struct{ name, data string }{
		{"[Content_Types].xml", contentTypesXML},
		{"_rels/.rels", packageRelsXML},
		{"docProps/core.xml", coreXML(props)},
		{"docProps/app.xml", appXML(props)},
		{"word/document.xml", documentXML(body)},
		{"word/_rels/document.xml.rels", documentRelsXML},
		{"word/styles.xml", stylesXML()},
		{"word/settings.xml", settingsXML},
		{"word/fontTable.xml", fontTableXML},
		{"word/footer1.xml", footerXML()},
	}
	zw := zip.NewWriter(w)
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("writing bulletin part %s: %w", p.name, err)
		}
		if _, err := io.WriteString(f, p.data); err != nil {
			return fmt.Errorf("writing bulletin part %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("writing bulletin: %w", err)
	}
	return nil
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const (
	nsW = `http://schemas.openxmlformats.org/wordprocessingml/2006/main`
	nsR = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

const contentTypesXML = xmlHeader +
	`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
	`<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
	`</Types>`

const packageRelsXML = xmlHeader +
	`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

// footerID is the footer's relationship id in document.xml.rels.
const footerID = "rId4"

const documentRelsXML = xmlHeader +
	`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>` +
	`<Relationship Id="` + footerID + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
	`</Relationships>`

func coreXML(p documentProperties) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
		` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`)
	b.WriteString(`<dc:title>` + escape(p.Title) + `</dc:title>`)
	b.WriteString(`<dc:creator>` + escape(p.Creator) + `</dc:creator>`)
	if !p.Date.IsZero() {
		d := p.Date.UTC().Format("2006-01-02T15:04:05Z")
		b.WriteString(`<dcterms:created xsi:type="dcterms:W3CDTF">` + d + `</dcterms:created>`)
		b.WriteString(`<dcterms:modified xsi:type="dcterms:W3CDTF">` + d + `</dcterms:modified>`)
	}
	b.WriteString(`</cp:coreProperties>`)
	return b.String()
}

func appXML(p documentProperties) string {
	return xmlHeader +
		`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` +
		`<Company>` + escape(p.Creator) + `</Company></Properties>`
}

const settingsXML = xmlHeader +
	`<w:settings xmlns:w="` + nsW + `">` +
	`<w:zoom w:percent="100"/>` +
	`<w:defaultTabStop w:val="420"/>` +
	`<w:characterSpacingControl w:val="compressPunctuation"/>` +
	`<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>` +
	`<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>` +
	`</w:settings>`

// fontTableXML gives each GB/T 9704 font the name to fall back to where it
// is not installed (ECMA-376 §17.8.3.1 altName).
const fontTableXML = xmlHeader +
	`<w:fonts xmlns:w="` + nsW + `">` +
	`<w:font w:name="` + fontBody + `"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>` +
	`<w:font w:name="` + fontHeading2 + `"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>` +
	`<w:font w:name="` + fontTitle + `"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>` +
	`<w:font w:name="` + fontHeading1 + `"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>` +
	`<w:font w:name="` + fontPageNumber + `"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>` +
	`</w:fonts>`

// rFonts names one font for Latin, CJK and complex script text alike, so no
// application picks its own default for digits or punctuation.
func rFonts(font string) string {
	return fmt.Sprintf(`<w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[1]s" w:cs="%[1]s"/>`, font)
}

// size is a font size in points as w:sz and w:szCs (half-points).
func size(points int) string {
	return fmt.Sprintf(`<w:sz w:val="%[1]d"/><w:szCs w:val="%[1]d"/>`, 2*points)
}

// noIndent cancels Normal's two-character first-line indent.
const noIndent = `<w:ind w:firstLineChars="0" w:firstLine="0"/>`

// exactly is line spacing of exactly points.
func exactly(points int) string {
	return fmt.Sprintf(`<w:spacing w:line="%d" w:lineRule="exact"/>`, 20*points)
}

func paragraphStyle(id, name, basedOn, pPr, rPr string) string {
	s := `<w:style w:type="paragraph" w:styleId="` + id + `"><w:name w:val="` + name + `"/>`
	if basedOn != "" {
		s += `<w:basedOn w:val="` + basedOn + `"/><w:next w:val="` + styleNormal + `"/>`
	}
	return s + `<w:qFormat/><w:pPr>` + pPr + `</w:pPr><w:rPr>` + rPr + `</w:rPr></w:style>`
}

func stylesXML() string {
	border := func(side string) string { return rule(side, 4) }
	return xmlHeader + `<w:styles xmlns:w="` + nsW + `">` +
		`<w:docDefaults><w:rPrDefault><w:rPr>` + rFonts(fontBody) + size(16) +
		`<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
		`<w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>` +

		// Normal is the body: 仿宋 三号, two-character indent, exactly 28pt.
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>` +
		`<w:pPr><w:widowControl w:val="0"/>` + exactly(28) + `<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr>` +
		`<w:rPr>` + rFonts(fontBody) + `<w:kern w:val="2"/>` + size(16) + `</w:rPr></w:style>` +

		paragraphStyle(styleMasthead, "Masthead", styleNormal,
			`<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>`+noIndent+`<w:jc w:val="center"/>`,
			rFonts(fontTitle)+`<w:b/><w:bCs/><w:color w:val="`+red+`"/>`+size(22)) +
		paragraphStyle(styleIssueNumber, "Issue Number", styleNormal,
			noIndent+`<w:jc w:val="center"/>`, "") +
		paragraphStyle(styleIssuer, "Issuer Line", styleNormal,
			`<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="4" w:color="`+red+`"/></w:pBdr>`+
				fmt.Sprintf(`<w:tabs><w:tab w:val="right" w:pos="%d"/></w:tabs>`, textWidth)+
				`<w:spacing w:after="560"/>`+noIndent, "") +
		paragraphStyle(styleTitle, "Title", styleNormal,
			`<w:keepNext/><w:spacing w:before="0" w:after="560" w:line="700" w:lineRule="exact"/>`+noIndent+`<w:jc w:val="center"/>`,
			rFonts(fontTitle)+`<w:b/><w:bCs/>`+size(titleSize)) +
		paragraphStyle(styleHeading1, "heading 1", styleNormal,
			`<w:keepNext/><w:keepLines/><w:outlineLvl w:val="0"/>`,
			rFonts(fontHeading1)) +
		paragraphStyle(styleHeading2, "heading 2", styleNormal,
			`<w:keepNext/><w:keepLines/><w:outlineLvl w:val="1"/>`,
			rFonts(fontHeading2)) +
		paragraphStyle(styleSignature, "Signature", styleNormal,
			`<w:ind w:rightChars="400" w:right="1280" w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="right"/>`, "") +
		paragraphStyle(styleTableText, "Table Text", styleNormal,
			`<w:spacing w:before="60" w:after="60" w:line="240" w:lineRule="auto"/>`+noIndent+`<w:jc w:val="center"/>`,
			size(12)) +
		paragraphStyle(styleTableHeader, "Table Header", styleTableText, "", `<w:b/><w:bCs/>`) +
		// The 版记's lines: 四号, one character in from either side; a line
		// that wraps goes on under the first organ, after 主送：/抄送：.
		paragraphStyle(styleImprint, "Imprint", styleNormal,
			`<w:keepNext/>`+exactly(28)+
				fmt.Sprintf(`<w:ind w:left="%d" w:right="%d" w:hanging="%d" w:firstLineChars="0"/><w:jc w:val="left"/>`,
					4*imprintChar, imprintChar, 3*imprintChar),
			size(14)) +
		paragraphStyle(styleImprintIssuer, "Imprint Issuer", styleImprint,
			fmt.Sprintf(`<w:keepNext w:val="0"/><w:tabs><w:tab w:val="right" w:pos="%d"/></w:tabs>`, textWidth-imprintChar)+
				fmt.Sprintf(`<w:ind w:left="%d" w:right="%d" w:firstLine="0" w:firstLineChars="0"/>`, imprintChar, imprintChar), "") +
		paragraphStyle("Footer", "footer", styleNormal,
			`<w:spacing w:line="240" w:lineRule="auto"/>`+noIndent+`<w:jc w:val="center"/>`,
			rFonts(fontPageNumber)+size(14)) +

		`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/>` +
		`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>` +
		`<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`<w:style w:type="table" w:styleId="BulletinTable"><w:name w:val="Bulletin Table"/><w:basedOn w:val="TableNormal"/>` +
		`<w:tblPr><w:jc w:val="center"/><w:tblBorders>` + border("top") + border("left") + border("bottom") + border("right") +
		border("insideH") + border("insideV") + `</w:tblBorders>` +
		`<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`<w:style w:type="table" w:styleId="ImprintTable"><w:name w:val="Imprint Table"/><w:basedOn w:val="TableNormal"/>` +
		`<w:tblPr><w:jc w:val="center"/><w:tblBorders>` +
		rule("top", imprintThick) + `<w:left w:val="nil"/>` + rule("bottom", imprintThick) + `<w:right w:val="nil"/>` +
		rule("insideH", imprintThin) + `<w:insideV w:val="nil"/></w:tblBorders>` +
		`<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`</w:styles>`
}

// rule is a black table border of width eighths of a point.
func rule(side string, width int) string {
	return fmt.Sprintf(`<w:%s w:val="single" w:sz="%d" w:space="0" w:color="000000"/>`, side, width)
}

// footerXML is the page number, centred: — 1 —.
func footerXML() string {
	return xmlHeader + `<w:ftr xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>` +
		`<w:r><w:t xml:space="preserve">— </w:t></w:r>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r>` +
		`<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
		`<w:r><w:fldChar w:fldCharType="separate"/></w:r>` +
		`<w:r><w:t>1</w:t></w:r>` +
		`<w:r><w:fldChar w:fldCharType="end"/></w:r>` +
		`<w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`
}

// documentXML is the body: paragraphs and tables, then the section.
func documentXML(body []any) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString(`<w:document xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:body>`)
	for _, blk := range body {
		switch blk := blk.(type) {
		case paragraph:
			writeParagraph(&b, blk.style, blk.text)
		case table:
			writeTable(&b, blk)
		case imprint:
			writeImprint(&b, blk)
		default:
			panic(fmt.Sprintf("bulletin: unknown block %T", blk))
		}
	}
	fmt.Fprintf(&b, `<w:sectPr><w:footerReference w:type="default" r:id="%s"/>`+
		`<w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="1304" w:gutter="0"/>`+
		`<w:cols w:space="425"/></w:sectPr>`,
		footerID, pageWidth, pageHeight, marginTop, marginRight, marginBottom, marginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

// writeParagraph writes one paragraph of style with text as a single run:
// "\t" becomes a tab and "\n" a line break, everything else escaped text.
func writeParagraph(b *strings.Builder, style, text string) {
	b.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	if text != "" {
		b.WriteString(`<w:r>`)
		for i, ln := range strings.Split(text, "\n") {
			if i > 0 {
				b.WriteString(`<w:br/>`)
			}
			for j, seg := range strings.Split(ln, "\t") {
				if j > 0 {
					b.WriteString(`<w:tab/>`)
				}
				if seg != "" {
					b.WriteString(`<w:t xml:space="preserve">` + escape(seg) + `</w:t>`)
				}
			}
		}
		b.WriteString(`</w:r>`)
	}
	b.WriteString(`</w:p>`)
}

// writeTable writes the category table: header row shaded and repeated on
// each page, the total row in bold.
func writeTable(b *strings.Builder, t table) {
	startTable(b, "BulletinTable", tableColumns)
	row := func(cells []string, style string, header bool) {
		b.WriteString(`<w:tr><w:trPr><w:cantSplit/>`)
		if header {
			b.WriteString(`<w:tblHeader/>`)
		}
		b.WriteString(`</w:trPr>`)
		for i, c := range cells {
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, tableColumns[i])
			if header {
				b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>`)
			}
			b.WriteString(`<w:vAlign w:val="center"/></w:tcPr>`)
			writeParagraph(b, style, c)
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	row(t.header, styleTableHeader, true)
	for _, r := range t.rows {
		row(r, styleTableText, false)
	}
	row(t.total, styleTableHeader, false)
	b.WriteString(`</w:tbl>`)
}

// writeImprint writes the 版记: a table as wide as the text, one line a row,
// with the rules of its style and no vertical ones. Its rows keep together
// (keepNext in each but the last), so the 版记 is never split over pages.
func writeImprint(b *strings.Builder, im imprint) {
	startTable(b, "ImprintTable", []int{textWidth})
	for _, l := range im.lines {
		fmt.Fprintf(b, `<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, textWidth)
		writeParagraph(b, l.style, l.text)
		b.WriteString(`</w:tc></w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
}

// startTable opens a table of style as wide as the text, with columns of
// these widths.
func startTable(b *strings.Builder, style string, columns []int) {
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="` + style + `"/>`)
	fmt.Fprintf(b, `<w:tblW w:w="%d" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>`, textWidth)
	b.WriteString(`<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	for _, w := range columns {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
}

// escape makes s safe as XML character data or an attribute value, dropping
// characters XML 1.0 cannot carry at all.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\t' || r == '\n' || r == '\r':
			// Literal whitespace in attributes and w:t would be normalised
			// away or kept inconsistently: writeParagraph has already
			// turned tabs and line breaks into elements.
			b.WriteString(" ")
		case xmlChar(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
