package inbound

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/duban/duban/internal/filekind"
	"github.com/duban/duban/internal/testtools"
)

// TestGenerateFixtures writes testdata/clients: one small real .xlsx and,
// around it, the messages each mail client writes when a unit replies to a
// reminder. Run it only with -update; the other tests read the committed
// files.
func TestGenerateFixtures(t *testing.T) {
	if !testtools.Update() {
		t.Skip("run with -update to rewrite testdata/clients")
	}
	dir := filepath.Join("testdata", "clients")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	g := &gen{t: t, xlsx: makeWorkbook(t)}
	files := map[string][]byte{"reply.xlsx": g.xlsx}
	for name, build := range map[string]func() string{
		"foxmail.eml":                      g.foxmail,
		"qqmail.eml":                       g.qqmail,
		"outlook.eml":                      g.outlook,
		"outlook-rfc2231-continuation.eml": g.outlookContinuation,
		"applemail.eml":                    g.applemail,
		"netease163.eml":                   g.netease163,
		"gbk-rfc2231.eml":                  g.gbkRFC2231,
		"coremail.eml":                     g.coremail,
		"forwarded.eml":                    g.forwarded,
		"several-attachments.eml":          g.severalAttachments,
		"inline-xlsx.eml":                  g.inlineXLSX,
		"no-attachment.eml":                g.noAttachment,
		"autoreply-qq.eml":                 g.autoreplyQQ,
		"bounce.eml":                       g.bounce,
		"xls-attachment.eml":               g.xlsAttachment,
	} {
		files[name] = []byte(crlf(build()))
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// makeWorkbook builds the tiny workbook every fixture carries.
func makeWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "填报表"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"2023年推进都市圈一体化建设工作要点 2023-05 推进情况"},
		{"序号", "任务编号", "重点任务", "本月进展", "完成状态"},
		{1, "T03", "推进合作专题落实", "已召开专题会议2次，形成工作清单。", "序时推进"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("填报表", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type gen struct {
	t    *testing.T
	xlsx []byte
}

// crlf turns the \n line ends of a template into the CRLF of mail.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// tmpl reads the template testdata/clients/src/name and replaces its
// {{KEY}} placeholders, given as key, value pairs, in one pass. A template
// is taken byte for byte (carriage returns aside, as in a Go raw string):
// the spaces at some line ends and the missing final newline of some
// bodies are what the clients write.
func (g *gen) tmpl(name string, kv ...string) string {
	g.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "clients", "src", name))
	if err != nil {
		g.t.Fatal(err)
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{{"+kv[i]+"}}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(strings.ReplaceAll(string(b), "\r", ""))
}

// body fills an HTML body template with the wording of unit's reply: the
// unit, the sender, the office and the reminder's subject.
func (g *gen) body(name, unit, sender string, kv ...string) string {
	return g.tmpl(name, append([]string{
		"UNIT", unit, "SENDER", sender, "OFFICE", officeName, "OFFICEADDR", officeAddr,
		"REMINDER", reminderSubject(unit),
	}, kv...)...)
}

// b64 encodes data as mail clients do: lines of width characters.
func b64(data []byte, width int) string {
	s := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(s) > width {
		lines = append(lines, s[:width])
		s = s[width:]
	}
	return strings.Join(append(lines, s), "\n")
}

func (g *gen) enc(e encoding.Encoding, s string) []byte {
	g.t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		g.t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

func (g *gen) gbk(s string) []byte     { return g.enc(simplifiedchinese.GBK, s) }
func (g *gen) gb18030(s string) []byte { return g.enc(simplifiedchinese.GB18030, s) }

// bword is an RFC 2047 B encoded-word of data in charset.
func bword(charset string, data []byte) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(data) + "?="
}

// qword is an RFC 2047 Q encoded-word of UTF-8 text, every non-ASCII byte
// escaped (as Apple Mail does).
func qword(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c < 0x80 && c != '=' && c != '?' && c != '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return "=?utf-8?Q?" + b.String() + "?="
}

// words2 encodes s as two B encoded-words split near byte n, on a
// character boundary as careful encoders do.
func words2(charset string, s []byte, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return bword(charset, s[:n]) + "\n " + bword(charset, s[n:])
}

// pct percent-encodes bytes for RFC 2231 (unreserved ASCII kept).
func pct(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

// sectionsDisposition is an attachment's Content-Disposition whose UTF-8
// filename is split into RFC 2231 sections of at most n characters.
func sectionsDisposition(name string, n int) string {
	secs := pctSections(pct([]byte(name)), n)
	disp := "attachment;\n\tfilename*0*=utf-8''" + secs[0]
	for i, s := range secs[1:] {
		disp += ";\n\tfilename*" + string(rune('1'+i)) + "*=" + s
	}
	return disp
}

// pctSections splits an RFC 2231 value into sections of at most n
// characters without cutting a %XX escape.
func pctSections(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && (s[cut-1] == '%' || cut >= 2 && s[cut-2] == '%') {
			cut--
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// qp encodes text as quoted-printable with CRLF soft breaks.
func (g *gen) qp(data []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		g.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		g.t.Fatal(err)
	}
	return strings.ReplaceAll(buf.String(), "\r\n", "\n")
}

// Shared wording of the cycle.
const (
	officeName = "都市圈办公室"
	officeAddr = "duban@metro.example"
)

func reminderSubject(unit string) string {
	return "【报送提醒】请于6月7日前报送2023-05推进情况（" + unit + "）"
}

func reminderID(unitID string) string { return "remind.2023-05." + unitID + "@metro.example" }

// reminderTasks are the tasks the quoted reminder lists (seed wording).
var reminderTasks = []string{
	"1.加快规划报批实施。《*都市圈发展规划》报经省政府同意后，配合省发改委按程序上报国家发改委，争取早日获批实施。",
	"2.深化重大课题研究。结合圈内城市产业和要素禀赋的差异性、互补性，开展圈内城市互补合作专项课题研究。围绕都市圈重点发展方向，完成合六同城化发展顶层设计前期研究。",
	"3.推进合作专题落实。围绕工业、交通基础设施、科技创新等11个合作专题，各牵头责任单位组织至少1次圈内城市对口部门联席会，开展2—3次合作交流活动。完善信息报送制度，牵头责任单位每月向都市圈办公室报送1次合作专题推进情况。",
	"4.优化轨道交通布局。加快*等项目建设，推动*前期规划研究。",
	"6.完善航空枢纽功能。加快*新桥机场航站楼改扩建工程建设，推进飞行区改扩建工程前期工作。正式运营*通用机场，加快*等通用机场前期工作。",
	"7.提高水运通江能力。协助推进*改造工程建设，加快*项目建设，推进*前期工作，与*市开展“飞地”港口合作。推进*联运中心建设，提升江河海联运中转功能。",
}

// replyText is what a clerk types above the quoted reminder.
func replyText(sender, unit string) string {
	return "李主任：\n    您好！" + unit + "2023年5月推进情况表已填好，见附件，请查收。\n\n" +
		sender + "\n" + unit + "\n\n" +
		"发件人： " + officeName + "\n发送时间： 2023-06-01 09:00\n收件人： " + sender + "\n" +
		"主题： " + reminderSubject(unit) + "\n\n" +
		sender + "：\n您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。本月需报送的任务：\n" +
		strings.Join(reminderTasks, "\n") + "\n" + officeName + "\n"
}

// gbkWords encodes s as GB2312 B encoded-words of at most n characters
// each, folded as Foxmail folds a long subject.
func (g *gen) gbkWords(s string, n int) string {
	r := []rune(s)
	var words []string
	for len(r) > 0 {
		k := min(n, len(r))
		words = append(words, bword("GB2312", g.gbk(string(r[:k]))))
		r = r[k:]
	}
	return strings.Join(words, "\n\t")
}

func (g *gen) foxmail() string {
	const unit, sender = "市发展改革委", "张三"
	name := unit + "2023年5月推进情况表.xlsx"
	var rows []string
	for _, task := range reminderTasks {
		rows = append(rows, "<tr><td>"+task+"</td></tr>")
	}
	html := g.body("foxmail.html.tmpl", unit, sender, "TASKROWS", strings.Join(rows, "\n"))
	return g.tmpl("foxmail.eml.tmpl",
		"FROMNAME", bword("GB2312", g.gbk(sender)),
		"TONAME", bword("GB2312", g.gbk(officeName)),
		"SUBJECT", g.gbkWords("回复："+reminderSubject(unit), 20),
		"REF", reminderID("fgw"),
		"TEXT", b64(g.gbk(replyText(sender, unit)), 76),
		"HTML", g.qp(g.gbk(html)),
		"FILE", bword("GB2312", g.gbk(name)),
		"XLSX", b64(g.xlsx, 76),
	)
}

func (g *gen) qqmail() string {
	const unit, sender = "市商务局", "李𬌗"
	name := unit + "5月推进情况（" + sender + "）.xlsx"
	html := g.body("qqmail.html.tmpl", unit, sender)
	text := "李主任好，附件为" + unit + "5月推进情况，请查收。\n\n------------------ 原始邮件 ------------------\n发件人: \"" + officeName + "\"<" + officeAddr + ">;\n主题: " + reminderSubject(unit) + "\n"
	return g.tmpl("qqmail.eml.tmpl",
		"FROMNAME", bword("gb18030", g.gb18030(sender)),
		"TONAME", bword("gb18030", g.gb18030(officeName)),
		"SUBJECT", bword("gb18030", g.gb18030("回复："+reminderSubject(unit))),
		"REF", reminderID("swj"),
		"TEXT", b64(g.gb18030(text), 76),
		"HTML", b64(g.gb18030(html), 76),
		"FILE", bword("gb18030", g.gb18030(name)),
		"XLSX", b64(g.xlsx, 76),
	)
}

// outlookMessage is what Outlook 16 writes; disposition is the attachment's
// Content-Disposition value.
func (g *gen) outlookMessage(subjectHeader, name, disposition string) string {
	const unit, sender = "市交通运输局", "王强"
	text := "李主任：\n\n您好！" + unit + "2023年5月推进情况表见附件，请查收。\n\n" + sender + "\n\n" +
		"发件人: " + officeName + " <" + officeAddr + ">\n发送时间: 2023年6月1日 9:00\n收件人: " + sender + "\n主题: " + reminderSubject(unit) + "\n"
	html := g.body("outlook.html.tmpl", unit, sender)
	return g.tmpl("outlook.eml.tmpl",
		"FROMNAME", bword("utf-8", []byte(sender)),
		"TONAME", bword("utf-8", []byte(officeName)),
		"SUBJECT", subjectHeader,
		"REF", reminderID("jtj"),
		"TEXT", b64([]byte(text), 76),
		"HTML", b64([]byte(html), 76),
		"NAMEWORD", bword("utf-8", []byte(name)),
		"DISPOSITION", disposition,
		"XLSX", b64(g.xlsx, 76),
	)
}

func (g *gen) outlook() string {
	subject := []byte("答复: " + reminderSubject("市交通运输局"))
	name := "市交通运输局2023年5月推进情况表.xlsx"
	return g.outlookMessage(
		words2("utf-8", subject, 39),
		name,
		"attachment;\n\tfilename*=utf-8''"+pct([]byte(name)))
}

// outlookContinuation has a long name in RFC 2231 sections, and a subject
// whose encoded-words split a UTF-8 character (some encoders do).
func (g *gen) outlookContinuation() string {
	subject := []byte("答复: " + reminderSubject("市交通运输局"))
	name := "市交通运输局关于2023年5月推进都市圈一体化建设工作要点落实情况的报告（含附表）.xlsx"
	disp := sectionsDisposition(name, 60)
	return g.outlookMessage(
		bword("utf-8", subject[:21])+"\n "+bword("utf-8", subject[21:]), // splits 提
		name, disp)
}

func (g *gen) applemail() string {
	const unit, sender = "市科技局", "赵六"
	name := "市科技局2023年5月推进都市圈一体化建设工作情况表.xlsx"
	disp := sectionsDisposition(name, 72)
	text := "李主任好：\n\n" + unit + "5月推进情况见附件。\n\n" + sender + "\n\n> 2023年6月1日 09:00，" + officeName + " <" + officeAddr + "> 写道：\n> \n> " + sender + "：\n> 您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n"
	subject := []byte(reminderSubject(unit))
	return g.tmpl("applemail.eml.tmpl",
		"SUBJECT", words2("utf-8", subject, 45),
		"FROMNAME", bword("utf-8", []byte(sender)),
		"TONAME", bword("utf-8", []byte(officeName)),
		"REF", reminderID("kjj"),
		"TEXT", b64([]byte(text), 76),
		"DISPOSITION", disp,
		"NAMEWORD", qword(name),
		"XLSX", b64(g.xlsx, 76),
	)
}

// neteaseMessage is what NetEase webmail (163.com, 126.com) writes; the
// attachment's headers are given whole.
func (g *gen) neteaseMessage(domain, user, unit, unitID, sender, attachHeaders string) string {
	text := "李主任：\n附件是" + unit + "2023年5月推进情况表，请查收。\n" + sender + "\n\n\n在 2023-06-01 09:00:00，\"" + officeName + "\" <" + officeAddr + "> 写道：\n" + sender + "：\n您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n"
	html := g.body("netease.html.tmpl", unit, sender)
	return g.tmpl("netease.eml.tmpl",
		"FROMNAME", bword("GBK", g.gbk(sender)),
		"TONAME", bword("GBK", g.gbk(officeName)),
		"USER", user,
		"DOMAIN", domain,
		"SHORT", strings.TrimSuffix(domain, ".com"),
		"SUBJECT", bword("GBK", g.gbk("回复:"+reminderSubject(unit))),
		"REF", reminderID(unitID),
		"TEXT", b64(g.gbk(text), 76),
		"HTML", b64(g.gbk(html), 76),
		"ATTACH", attachHeaders,
		"XLSX", b64(g.xlsx, 76),
	)
}

func (g *gen) netease163() string {
	raw := string(g.gbk("市生态环境局5月推进情况.xlsx"))
	return g.neteaseMessage("163.com", "chenjing_hb", "市生态环境局", "sthjj", "陈静",
		"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\""+raw+"\"\n"+
			"Content-Transfer-Encoding: base64\n"+
			"Content-Disposition: attachment; filename=\""+raw+"\"")
}

func (g *gen) gbkRFC2231() string {
	name := "市人力资源社会保障局5月推进情况.xlsx"
	return g.neteaseMessage("126.com", "rsj_zhou", "市人力资源社会保障局", "rsj", "周敏",
		"Content-Type: application/octet-stream; name=\""+bword("GBK", g.gbk(name))+"\"\n"+
			"Content-Transfer-Encoding: base64\n"+
			"Content-Disposition: attachment; filename*=GBK''"+pct(g.gbk(name)))
}

func (g *gen) coremail() string {
	const unit, sender = "市住房城乡建设局", "刘洋"
	name := "市住房城乡建设局推进情况（2023年5月）.xlsx"
	html := g.body("coremail.html.tmpl", unit, sender)
	return g.tmpl("coremail.eml.tmpl",
		"FROMNAME", bword("UTF-8", []byte(sender)),
		"TONAME", bword("UTF-8", []byte(officeName)),
		"SUBJECT", bword("UTF-8", []byte("回复："+reminderSubject(unit))),
		"REF", reminderID("zjj"),
		"HTML", b64([]byte(html), 76),
		"NAMEWORD", bword("UTF-8", []byte(name)),
		"XLSX", b64(g.xlsx, 76),
	)
}

// forwarded: a colleague's Foxmail reply, forwarded as an attachment from
// Outlook by the unit's liaison.
func (g *gen) forwarded() string {
	const unit = "市文化广电旅游局"
	inner := g.tmpl("forwarded-inner.eml.tmpl",
		"FROMNAME", bword("GB2312", g.gbk("周明")),
		"TONAME", bword("GB2312", g.gbk("孙丽")),
		"SUBJECT", bword("GB2312", g.gbk("5月推进情况表（已填）")),
		"TEXT", b64(g.gbk("孙老师：\n5月推进情况表已填好，请转都市圈办公室。\n周明\n"), 76),
		"FILE", bword("GB2312", g.gbk(unit+"2023年5月推进情况表.xlsx")),
		"XLSX", b64(g.xlsx, 76),
	)
	subject := []byte("转发: 回复：" + reminderSubject(unit))
	return g.tmpl("forwarded.eml.tmpl",
		"FROMNAME", bword("gb2312", g.gbk("孙丽")),
		"TONAME", bword("gb2312", g.gbk(officeName)),
		"SUBJECT", words2("utf-8", subject, 30),
		"TEXT", b64(g.gbk("李主任：\n转发我局5月推进情况表，请查收。\n孙丽\n"), 76),
		"INNER", inner,
	)
}

func makeJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeDOCX builds a minimal Word document: a zip without xl/.
func makeDOCX(t *testing.T) []byte {
	t.Helper()
	mod := time.Date(2023, 6, 5, 10, 0, 0, 0, time.UTC)
	return testtools.ZipOf(t,
		testtools.ZipEntry{Name: "[Content_Types].xml", Modified: mod, Content: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)},
		testtools.ZipEntry{Name: "_rels/.rels", Modified: mod, Content: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)},
		testtools.ZipEntry{Name: "word/document.xml", Modified: mod, Content: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>情况说明</w:t></w:r></w:p></w:body></w:document>`)},
	)
}

// makeOLE returns the start of a compound file (an .xls): its header sector
// and two empty sectors — enough for the magic bytes.
func makeOLE() []byte {
	b := make([]byte, 1536)
	copy(b, filekind.MagicOLE)
	b[24], b[25] = 0x3E, 0x00 // minor version
	b[26], b[27] = 0x03, 0x00 // major version 3
	b[28], b[29] = 0xFE, 0xFF // byte order
	b[30], b[31] = 0x09, 0x00 // sector shift: 512
	b[32], b[33] = 0x06, 0x00 // mini sector shift: 64
	for i := 76; i < 512; i++ {
		b[i] = 0xFF // free DIFAT entries
	}
	return b
}

func (g *gen) severalAttachments() string {
	const unit, sender = "市卫生健康委", "黄蕾"
	text := "李主任：\n附件为" + unit + "5月推进情况表，另附情况说明和现场照片。\n" + sender + "\n"
	return g.tmpl("several-attachments.eml.tmpl",
		"FROMNAME", bword("GB2312", g.gbk(sender)),
		"TONAME", bword("GB2312", g.gbk(officeName)),
		"SUBJECT", bword("GB2312", g.gbk("回复："+reminderSubject(unit))),
		"REF", reminderID("wjw"),
		"TEXT", b64(g.gbk(text), 76),
		"JPGNAME", bword("GB2312", g.gbk("现场照片.jpg")),
		"JPG", b64(makeJPEG(g.t), 76),
		"DOCXNAME", bword("GB2312", g.gbk("情况说明.docx")),
		"DOCX", b64(makeDOCX(g.t), 76),
		"FILE", bword("GB2312", g.gbk(unit+"5月推进情况表.xlsx")),
		"XLSX", b64(g.xlsx, 76),
	)
}

// inlineXLSX: Apple Mail sends a file dropped into the body inline.
func (g *gen) inlineXLSX() string {
	const unit, sender = "市教育局", "钱进"
	name := "市教育局5月推进情况.xlsx"
	return g.tmpl("inline-xlsx.eml.tmpl",
		"SUBJECT", bword("utf-8", []byte(reminderSubject(unit))),
		"FROMNAME", bword("utf-8", []byte(sender)),
		"TONAME", bword("utf-8", []byte(officeName)),
		"REF", reminderID("jyj"),
		"TEXT", b64([]byte("李主任，5月情况见下。\n\n"+sender+"\n"), 76),
		"PCT", pct([]byte(name)),
		"NAMEWORD", qword(name),
		"XLSX", b64(g.xlsx, 76),
	)
}

func (g *gen) noAttachment() string {
	const unit, sender = "市水利局", "吴刚"
	return g.tmpl("no-attachment.eml.tmpl",
		"FROMNAME", bword("GBK", g.gbk(sender)),
		"TONAME", bword("GBK", g.gbk(officeName)),
		"SUBJECT", bword("GBK", g.gbk("回复:"+reminderSubject(unit))),
		"REF", reminderID("slj"),
		"TEXT", b64(g.gbk("李主任：\n表格还在领导审核，明天上午补发附件。\n"+sender+"\n"), 76),
	)
}

func (g *gen) autoreplyQQ() string {
	const unit = "市农业农村局"
	text := "这是来自QQ邮箱的假期自动回复邮件。\n \n您好，我最近正在休假中，无法亲自回复您的邮件。我将在假期结束后，尽快给您回复。"
	return g.tmpl("autoreply-qq.eml.tmpl",
		"FROMNAME", bword("gb18030", g.gb18030("农业农村局办公室")),
		"TONAME", bword("gb18030", g.gb18030(officeName)),
		"SUBJECT", bword("gb18030", g.gb18030("自动回复："+reminderSubject(unit))),
		"REF", reminderID("nyj"),
		"TEXT", b64(g.gb18030(text), 76),
	)
}

// bounce: Postfix returns our reminder to an address that does not exist,
// with the reminder and its template attached.
func (g *gen) bounce() string {
	const unit = "市司法局"
	name := unit + "-2023年5月推进情况.xlsx"
	subject := []byte(reminderSubject(unit))
	reminder := g.tmpl("bounce-reminder.eml.tmpl",
		"OFFICE", bword("UTF-8", []byte(officeName)),
		"SUBJECT", words2("UTF-8", subject, 36),
		"ID", reminderID("sfj"),
		"TEXT", g.qp([]byte("李华：\n\n您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n\n"+officeName+"\n")),
		"NAMEWORD", bword("UTF-8", []byte(name)),
		"PCT", pct([]byte(name)),
		"XLSX", b64(g.xlsx, 76),
	)
	return g.tmpl("bounce.eml.tmpl", "REMINDER", reminder)
}

// xlsAttachment: an old Excel 97-2003 file from Outlook 2007.
func (g *gen) xlsAttachment() string {
	const unit, sender = "市民政局", "郑华"
	name := unit + "5月推进情况.xls"
	return g.tmpl("xls-attachment.eml.tmpl",
		"FROMNAME", bword("gb2312", g.gbk(sender)),
		"TONAME", bword("gb2312", g.gbk(officeName)),
		"REF", reminderID("mzj"),
		"SUBJECT", bword("gb2312", g.gbk("答复: "+reminderSubject(unit))),
		"TEXT", b64(g.gbk("李主任：\n附件请查收。\n"+sender+"\n"), 76),
		"FILE", bword("gb2312", g.gbk(name)),
		"XLS", b64(makeOLE(), 76),
	)
}
