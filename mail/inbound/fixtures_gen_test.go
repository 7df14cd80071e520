package inbound

import (
	"archive/zip"
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

// fill replaces {{KEY}} placeholders.
func fill(tmpl string, kv ...string) string {
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{{"+kv[i]+"}}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
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

// foxmailHTML is the HTML alternative Foxmail writes, quoted reminder included.
func foxmailHTML(sender, unit, charset string) string {
	return `<html><head><meta http-equiv="content-type" content="text/html; charset=` + charset + `"><style>body { line-height: 1.5; }blockquote { margin-top: 0px; margin-bottom: 0px; margin-left: 0.5em; }body { font-size: 14px; font-family: 'Microsoft YaHei UI'; color: rgb(0, 0, 0); line-height: 1.5; }</style></head><body>
<div><span></span>李主任：</div><div>&nbsp; &nbsp; 您好！` + unit + `2023年5月推进情况表已填好，见附件，请查收。</div>
<div><br></div><hr style="width: 210px; height: 1px;" color="#b5c4df" size="1" align="left">
<div><span><div style="MARGIN: 10px; FONT-FAMILY: verdana; FONT-SIZE: 10pt"><div>` + sender + `</div><div>` + unit + `</div></div></span></div>
<blockquote style="margin-Top: 0px; margin-Bottom: 0px; margin-Left: 0.5em; margin-Right: inherit"><div>&nbsp;</div><div style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><div style="PADDING-RIGHT: 8px; PADDING-LEFT: 8px; FONT-SIZE: 12px;FONT-FAMILY:tahoma;COLOR:#000000; BACKGROUND: #efefef; PADDING-BOTTOM: 8px; PADDING-TOP: 8px"><div><b>发件人：</b>&nbsp;<a href="mailto:` + officeAddr + `">` + officeName + `</a></div><div><b>发送时间：</b>&nbsp;2023-06-01&nbsp;09:00</div><div><b>收件人：</b>&nbsp;<a href="mailto:x@example">` + sender + `</a></div><div><b>主题：</b>&nbsp;` + reminderSubject(unit) + `</div></div></div><div><div>` + sender + `：</div><div>您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。本月需报送的任务：</div><table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse;font-size:12px"><tr><td>` + strings.Join(reminderTasks, `</td></tr>
<tr><td>`) + `</td></tr></table><div>` + officeName + `</div></div></blockquote>
</body></html>
`
}

func (g *gen) foxmail() string {
	const unit, sender = "市发展改革委", "张三"
	name := unit + "2023年5月推进情况表.xlsx"
	return fill(`Date: Mon, 5 Jun 2023 10:23:45 +0800
From: "{{FROMNAME}}" <zhangsan@fgw.metro.example>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
References: <{{REF}}>
In-Reply-To: <{{REF}}>
X-Priority: 3
X-GUID: 5D1C7A9E-3B2F-4E8A-9C1D-0F6B2A7E4C31
X-Has-Attach: yes
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202306051023450123456@fgw.metro.example>
Content-Type: multipart/mixed;
	boundary="----=_001_NextPart467136585263_=----"

This is a multi-part message in MIME format.

------=_001_NextPart467136585263_=----
Content-Type: multipart/alternative;
	boundary="----=_002_NextPart114523680384_=----"


------=_002_NextPart114523680384_=----
Content-Type: text/plain;
	charset="GB2312"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_002_NextPart114523680384_=----
Content-Type: text/html;
	charset="GB2312"
Content-Transfer-Encoding: quoted-printable

{{HTML}}
------=_002_NextPart114523680384_=------

------=_001_NextPart467136585263_=----
Content-Type: application/octet-stream;
	name="{{FILE}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{FILE}}"

{{XLSX}}

------=_001_NextPart467136585263_=------

`,
		"FROMNAME", bword("GB2312", g.gbk(sender)),
		"TONAME", bword("GB2312", g.gbk(officeName)),
		"SUBJECT", g.gbkWords("回复："+reminderSubject(unit), 20),
		"REF", reminderID("fgw"),
		"TEXT", b64(g.gbk(replyText(sender, unit)), 76),
		"HTML", g.qp(g.gbk(foxmailHTML(sender, unit, "GB2312"))),
		"FILE", bword("GB2312", g.gbk(name)),
		"XLSX", b64(g.xlsx, 76),
	)
}

func (g *gen) qqmail() string {
	const unit, sender = "市商务局", "李𬌗"
	name := unit + "5月推进情况（" + sender + "）.xlsx"
	html := `<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>李主任好，附件为` + unit + `5月推进情况，请查收。</div><div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div><div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"` + officeName + `"&lt;` + officeAddr + `&gt;;</div><div><b>主题:</b>&nbsp;` + reminderSubject(unit) + `</div></div>`
	text := "李主任好，附件为" + unit + "5月推进情况，请查收。\n\n------------------ 原始邮件 ------------------\n发件人: \"" + officeName + "\"<" + officeAddr + ">;\n主题: " + reminderSubject(unit) + "\n"
	return fill(`X-QQ-FEAT: oHWrrGTqgjF7Ra4jTnRbbMHmyVbPAvvMoDELsd/fM3CqX7iURYcEpRNFRYNwZ
	9dHOr6S4tmtYRvzeeDJ56hP7dK2FthMBzCeoYVRW1X/FxiUPdUAnhhSzHW2vXWiZUd4LP9u
	HR6rxjSTrDTKS7Wp8EDNEYcy
X-QQ-SSF: 00000000000000F000000000000000Z
X-HAS-ATTACH: yes
X-QQ-BUSINESS-ORIGIN: 2
X-Originating-IP: 183.14.29.107
X-QQ-STYLE: 
X-QQ-mid: webmail735t1685937600t5817369
From: "{{FROMNAME}}" <1234567890@qq.com>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
Mime-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_647D5AC0_0F1E2D3C_5A6B7C8D"
Content-Transfer-Encoding: 8Bit
Date: Mon, 5 Jun 2023 12:00:00 +0800
X-Priority: 3
Message-ID: <tencent_3B1F8E2A6C4D5E7F9A0B1C2D3E4F5A6B7C08@qq.com>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x
X-QQ-ReplyHash: 3907291875
In-Reply-To: <{{REF}}>
References: <{{REF}}>

This is a multi-part message in MIME format.

------=_NextPart_647D5AC0_0F1E2D3C_5A6B7C8D
Content-Type: multipart/alternative;
	boundary="----=_NextPart_647D5AC0_0F1E2D3C_1A2B3C4D";

------=_NextPart_647D5AC0_0F1E2D3C_1A2B3C4D
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_NextPart_647D5AC0_0F1E2D3C_1A2B3C4D
Content-Type: text/html;
	charset="gb18030"
Content-Transfer-Encoding: base64

{{HTML}}

------=_NextPart_647D5AC0_0F1E2D3C_1A2B3C4D--

------=_NextPart_647D5AC0_0F1E2D3C_5A6B7C8D
Content-Type: application/octet-stream;
	charset="gb18030";
	name="{{FILE}}"
Content-Disposition: attachment; filename="{{FILE}}"
Content-Transfer-Encoding: base64

{{XLSX}}
------=_NextPart_647D5AC0_0F1E2D3C_5A6B7C8D--

`,
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

// outlookParts is the body Outlook 16 writes; disposition is the attachment's
// Content-Disposition value.
func (g *gen) outlookMessage(subjectHeader, name, disposition string) string {
	const unit, sender = "市交通运输局", "王强"
	text := "李主任：\n\n您好！" + unit + "2023年5月推进情况表见附件，请查收。\n\n" + sender + "\n\n" +
		"发件人: " + officeName + " <" + officeAddr + ">\n发送时间: 2023年6月1日 9:00\n收件人: " + sender + "\n主题: " + reminderSubject(unit) + "\n"
	html := `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--
/* Font Definitions */
@font-face
	{font-family:等线;
	panose-1:2 1 6 0 3 1 1 1 1 1;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	text-align:justify;
	text-justify:inter-ideograph;
	font-size:10.5pt;
	font-family:等线;}
--></style></head><body lang=ZH-CN link="#0563C1" vlink="#954F72" style='text-justify-trim:punctuation'><div class=WordSection1><p class=MsoNormal>李主任：<o:p></o:p></p><p class=MsoNormal>您好！` + unit + `2023年5月推进情况表见附件，请查收。<o:p></o:p></p><p class=MsoNormal>` + sender + `<o:p></o:p></p></div></body></html>`
	return fill(`From: {{FROMNAME}} <wangqiang@jtj.metro.example>
To: {{TONAME}} <duban@metro.example>
References: <{{REF}}>
In-Reply-To: <{{REF}}>
Subject: {{SUBJECT}}
Date: Tue, 6 Jun 2023 09:12:33 +0800
Message-ID: <000001d99807$4a7e6f10$df7b4d30$@jtj.metro.example>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_000_0001_01D9984A.58A1AF10"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AQHZl/4c8m0y7m0h3UKm3oW6oX2Z0w==
Content-Language: zh-cn

This is a multipart message in MIME format.

------=_NextPart_000_0001_01D9984A.58A1AF10
Content-Type: multipart/alternative;
	boundary="----=_NextPart_001_0002_01D9984A.58A1AF10"


------=_NextPart_001_0002_01D9984A.58A1AF10
Content-Type: text/plain;
	charset="utf-8"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_NextPart_001_0002_01D9984A.58A1AF10
Content-Type: text/html;
	charset="utf-8"
Content-Transfer-Encoding: base64

{{HTML}}

------=_NextPart_001_0002_01D9984A.58A1AF10--

------=_NextPart_000_0001_01D9984A.58A1AF10
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
	name="{{NAMEWORD}}"
Content-Transfer-Encoding: base64
Content-Disposition: {{DISPOSITION}}

{{XLSX}}

------=_NextPart_000_0001_01D9984A.58A1AF10--

`,
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
	secs := pctSections(pct([]byte(name)), 60)
	disp := "attachment;\n\tfilename*0*=utf-8''" + secs[0]
	for i, s := range secs[1:] {
		disp += ";\n\tfilename*" + string(rune('1'+i)) + "*=" + s
	}
	return g.outlookMessage(
		bword("utf-8", subject[:21])+"\n "+bword("utf-8", subject[21:]), // splits 提
		name, disp)
}

func (g *gen) applemail() string {
	const unit, sender = "市科技局", "赵六"
	name := "市科技局2023年5月推进都市圈一体化建设工作情况表.xlsx"
	secs := pctSections(pct([]byte(name)), 72)
	disp := "attachment;\n\tfilename*0*=utf-8''" + secs[0]
	for i, s := range secs[1:] {
		disp += ";\n\tfilename*" + string(rune('1'+i)) + "*=" + s
	}
	text := "李主任好：\n\n" + unit + "5月推进情况见附件。\n\n" + sender + "\n\n> 2023年6月1日 09:00，" + officeName + " <" + officeAddr + "> 写道：\n> \n> " + sender + "：\n> 您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n"
	subject := []byte(reminderSubject(unit))
	return fill(`Content-Type: multipart/mixed;
	boundary="Apple-Mail=_8F3C2A1B-6D4E-4F5A-9B8C-7D6E5F4A3B2C"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3696.120.41.1.1\))
Subject: Re: {{SUBJECT}}
From: {{FROMNAME}} <zhaoliu@kjj.metro.example>
In-Reply-To: <{{REF}}>
Date: Tue, 6 Jun 2023 15:41:07 +0800
Cc: 
Content-Transfer-Encoding: 7bit
Message-Id: <6B3E9F2A-1C4D-4E5F-8A7B-9C0D1E2F3A4B@kjj.metro.example>
References: <{{REF}}>
To: {{TONAME}} <duban@metro.example>
X-Mailer: Apple Mail (2.3696.120.41.1.1)


--Apple-Mail=_8F3C2A1B-6D4E-4F5A-9B8C-7D6E5F4A3B2C
Content-Transfer-Encoding: base64
Content-Type: text/plain;
	charset=utf-8

{{TEXT}}

--Apple-Mail=_8F3C2A1B-6D4E-4F5A-9B8C-7D6E5F4A3B2C
Content-Disposition: {{DISPOSITION}}
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
	x-unix-mode=0644;
	name="{{NAMEWORD}}"
Content-Transfer-Encoding: base64

{{XLSX}}
--Apple-Mail=_8F3C2A1B-6D4E-4F5A-9B8C-7D6E5F4A3B2C
Content-Transfer-Encoding: 7bit
Content-Type: text/plain;
	charset=us-ascii



--Apple-Mail=_8F3C2A1B-6D4E-4F5A-9B8C-7D6E5F4A3B2C--
`,
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
	html := `<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial"><div>李主任：</div><div>附件是` + unit + `2023年5月推进情况表，请查收。</div><div>` + sender + `</div><br><div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br><pre><br>在 2023-06-01 09:00:00，"` + officeName + `" &lt;` + officeAddr + `&gt; 写道：<br>&gt;` + sender + `：<br>&gt;您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。<br></pre></div>`
	return fill(`Date: Tue, 6 Jun 2023 16:05:12 +0800 (CST)
From: "{{FROMNAME}}" <{{USER}}@{{DOMAIN}}>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
X-Priority: 3
X-Mailer: Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)
 Copyright (c) 2002-2023 www.mailtech.cn {{SHORT}}com
In-Reply-To: <{{REF}}>
References: <{{REF}}>
X-NTES-SC: AL_QuySA/mcvUwp5iSaZOkXn0oTju85XMCzuPkk249UPZh+jCTr9yESZWJyDEDO6cSCKgeMnxG3ajZC8ft4ZKlyf4sg8EvBm/6lT/1SqNZdyXDL1Q==
Content-Type: multipart/mixed; 
	boundary="----=_Part_215741_1416298631.1686038712345"
MIME-Version: 1.0
Message-ID: <5c3a2d1e.4f2b.18890a1b2c3.Coremail.{{USER}}@{{DOMAIN}}>
X-Coremail-Locale: zh_CN
X-CM-TRANSID:_____wD3_3m4Bn5kWkAFAA--.23456S2
X-Coremail-Antispam: 1Uf129KBjDUn29KB7ZKAUJUUUU8529EdanIXcx71UUUUU7v73
	VFW2AGmfu7bjvjm3AaLaJ3UbIYCTnIWIevJa73UjIFyTuYvjxUw9N3UUUUU
X-Originating-IP: [117.136.12.34]
X-CM-SenderInfo: xfkh0wxlqb3ko6rljqqrwthudrp/1tbiEBpRyWGc1x3qBAAAs6

------=_Part_215741_1416298631.1686038712345
Content-Type: multipart/alternative; 
	boundary="----=_Part_215743_902384758.1686038712345"

------=_Part_215743_902384758.1686038712345
Content-Type: text/plain; charset=GBK
Content-Transfer-Encoding: base64

{{TEXT}}
------=_Part_215743_902384758.1686038712345
Content-Type: text/html; charset=GBK
Content-Transfer-Encoding: base64

{{HTML}}
------=_Part_215743_902384758.1686038712345--

------=_Part_215741_1416298631.1686038712345
{{ATTACH}}

{{XLSX}}
------=_Part_215741_1416298631.1686038712345--
`,
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
	html := `<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial"><p>李主任：</p><p>&nbsp;&nbsp;您好！` + unit + `5月推进情况表已上传为附件，请查收。</p><p>` + sender + `</p><p>` + unit + `办公室</p><br><br><div style="font-size:12px;padding:2px 0;"><b>发件人：</b>` + officeName + ` &lt;` + officeAddr + `&gt;</div><div><b>主题：</b>` + reminderSubject(unit) + `</div></div>`
	return fill(`Received: from zjj.metro.example (unknown [10.20.30.40])
	by mail.zjj.metro.example (Coremail) with SMTP id AQAAfwD3_3m4Bn5k3mQAAA--.1234S2;
	Wed, 07 Jun 2023 08:47:21 +0800 (CST)
X-Coremail-Antispam: 1UD129KBjvJXoW7Zr4kAFy8Xr4UJw4xuw45ZFb_yoW8Gw1fpF
	yfXr1xKrn8JFyDJr4fJrZ8tFWxXa4kZ34xGrW3Ja1xZF15Ar4kJr1xJ34DGa4UJr4xZF45
	JwnnUUUUU
Date: Wed, 7 Jun 2023 08:47:20 +0800 (GMT+08:00)
From: {{FROMNAME}} <liuyang@zjj.metro.example>
To: {{TONAME}} <duban@metro.example>
Subject: {{SUBJECT}}
X-Priority: 3
X-Mailer: Coremail Webmail Server Version XT6.0.4 build 20220812(a4f5d1f3)
 Copyright (c) 2002-2023 www.mailtech.cn zjj.metro.example
In-Reply-To: <{{REF}}>
References: <{{REF}}>
Content-Transfer-Encoding: 7bit
Content-Type: multipart/mixed; 
	boundary="----=_Part_7_1947282367.1686098840123"
MIME-Version: 1.0
Message-ID: <3f7b2c1d.1a.18893c4d5e6.Coremail.liuyang@zjj.metro.example>
X-Coremail-Locale: zh_CN
X-CM-TRANSID:AQAAfwD3_3m4Bn5k3mQAAA--.1234W
X-CM-SenderInfo: xolx0tprpt01rtw6ylxw3ryrr/

------=_Part_7_1947282367.1686098840123
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

{{HTML}}
------=_Part_7_1947282367.1686098840123
Content-Type: application/octet-stream; name="{{NAMEWORD}}"
Content-Transfer-Encoding: base64

{{XLSX}}
------=_Part_7_1947282367.1686098840123--
`,
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
	inner := fill(`Date: Mon, 5 Jun 2023 17:02:11 +0800
From: "{{FROMNAME}}" <zhouming@wglj.metro.example>
To: "{{TONAME}}" <sunli@wglj.metro.example>
Subject: {{SUBJECT}}
X-Priority: 3
X-Has-Attach: yes
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202306051702110456789@wglj.metro.example>
Content-Type: multipart/mixed;
	boundary="----=_001_NextPart231884752911_=----"

This is a multi-part message in MIME format.

------=_001_NextPart231884752911_=----
Content-Type: text/plain;
	charset="GB2312"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_001_NextPart231884752911_=----
Content-Type: application/octet-stream;
	name="{{FILE}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{FILE}}"

{{XLSX}}

------=_001_NextPart231884752911_=------
`,
		"FROMNAME", bword("GB2312", g.gbk("周明")),
		"TONAME", bword("GB2312", g.gbk("孙丽")),
		"SUBJECT", bword("GB2312", g.gbk("5月推进情况表（已填）")),
		"TEXT", b64(g.gbk("孙老师：\n5月推进情况表已填好，请转都市圈办公室。\n周明\n"), 76),
		"FILE", bword("GB2312", g.gbk(unit+"2023年5月推进情况表.xlsx")),
		"XLSX", b64(g.xlsx, 76),
	)
	subject := []byte("转发: 回复：" + reminderSubject(unit))
	return fill(`From: {{FROMNAME}} <sunli@wglj.metro.example>
To: {{TONAME}} <duban@metro.example>
Subject: {{SUBJECT}}
Date: Tue, 6 Jun 2023 08:30:02 +0800
Message-ID: <000601d997f6$1b2c3d40$515db7c0$@wglj.metro.example>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_000_0007_01D99839.294F7D40"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdmX9hsD1wz6x0JdQ1i5pE3lQm8Xxg==
Content-Language: zh-cn

This is a multipart message in MIME format.

------=_NextPart_000_0007_01D99839.294F7D40
Content-Type: text/plain;
	charset="gb2312"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_NextPart_000_0007_01D99839.294F7D40
Content-Type: message/rfc822
Content-Transfer-Encoding: 7bit
Content-Disposition: attachment

{{INNER}}
------=_NextPart_000_0007_01D99839.294F7D40--

`,
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
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	mod := time.Date(2023, 6, 5, 10, 0, 0, 0, time.UTC)
	for _, e := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>情况说明</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeOLE returns the start of a compound file (an .xls): its header sector
// and two empty sectors — enough for the magic bytes.
func makeOLE() []byte {
	b := make([]byte, 1536)
	copy(b, magicOLE)
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
	return fill(`Date: Tue, 6 Jun 2023 11:20:40 +0800
From: "{{FROMNAME}}" <huanglei@wjw.metro.example>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
References: <{{REF}}>
In-Reply-To: <{{REF}}>
X-Priority: 3
X-Has-Attach: yes
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202306061120403318802@wjw.metro.example>
Content-Type: multipart/mixed;
	boundary="----=_001_NextPart836251470112_=----"

This is a multi-part message in MIME format.

------=_001_NextPart836251470112_=----
Content-Type: text/plain;
	charset="GB2312"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_001_NextPart836251470112_=----
Content-Type: image/jpeg;
	name="{{JPGNAME}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{JPGNAME}}"

{{JPG}}

------=_001_NextPart836251470112_=----
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
	name="{{DOCXNAME}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{DOCXNAME}}"

{{DOCX}}

------=_001_NextPart836251470112_=----
Content-Type: application/octet-stream;
	name="{{FILE}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{FILE}}"

{{XLSX}}

------=_001_NextPart836251470112_=------

`,
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
	return fill(`Content-Type: multipart/mixed;
	boundary="Apple-Mail=_2B7C4D1E-9F8A-4B3C-A2D1-E0F9C8B7A6D5"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3696.120.41.1.1\))
Subject: Re: {{SUBJECT}}
From: {{FROMNAME}} <qianjin@jyj.metro.example>
In-Reply-To: <{{REF}}>
Date: Tue, 6 Jun 2023 18:02:55 +0800
Content-Transfer-Encoding: 7bit
Message-Id: <0D9C8B7A-6F5E-4D3C-B2A1-F0E9D8C7B6A5@jyj.metro.example>
References: <{{REF}}>
To: {{TONAME}} <duban@metro.example>
X-Mailer: Apple Mail (2.3696.120.41.1.1)


--Apple-Mail=_2B7C4D1E-9F8A-4B3C-A2D1-E0F9C8B7A6D5
Content-Transfer-Encoding: base64
Content-Type: text/plain;
	charset=utf-8

{{TEXT}}
--Apple-Mail=_2B7C4D1E-9F8A-4B3C-A2D1-E0F9C8B7A6D5
Content-Disposition: inline;
	filename*=utf-8''{{PCT}}
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
	x-unix-mode=0644;
	name="{{NAMEWORD}}"
Content-Transfer-Encoding: base64

{{XLSX}}
--Apple-Mail=_2B7C4D1E-9F8A-4B3C-A2D1-E0F9C8B7A6D5--
`,
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
	return fill(`Date: Wed, 7 Jun 2023 09:15:30 +0800 (CST)
From: "{{FROMNAME}}" <wugang_slj@163.com>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
X-Priority: 3
X-Mailer: Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)
 Copyright (c) 2002-2023 www.mailtech.cn 163com
In-Reply-To: <{{REF}}>
References: <{{REF}}>
Content-Transfer-Encoding: base64
Content-Type: text/plain; charset=GBK
MIME-Version: 1.0
Message-ID: <71a2b3c4.5d6e.18893d1e2f3.Coremail.wugang_slj@163.com>
X-Coremail-Locale: zh_CN
X-CM-TRANSID:_____wC3_2n4Bn5kYlAFAA--.34567S2

{{TEXT}}
`,
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
	return fill(`From: "{{FROMNAME}}" <2345678901@qq.com>
To: "{{TONAME}}" <duban@metro.example>
Subject: {{SUBJECT}}
Mime-Version: 1.0
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64
Date: Thu, 1 Jun 2023 09:00:12 +0800
X-Priority: 3
Message-ID: <tencent_9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E09@qq.com>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x
Auto-Submitted: auto-replied
X-Autoreply: yes
In-Reply-To: <{{REF}}>
References: <{{REF}}>

{{TEXT}}
`,
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
	reminder := fill(`Date: Thu, 01 Jun 2023 09:00:00 +0800
From: {{OFFICE}} <duban@metro.example>
To: =?UTF-8?B?5p2O5Y2O?= <nobody@sfj.metro.example>
Subject: {{SUBJECT}}
Message-ID: <{{ID}}>
Auto-Submitted: auto-generated
X-Auto-Response-Suppress: OOF, AutoReply
X-Duban-Kind: reminder
X-Duban-Period: 2023-05
MIME-Version: 1.0
Content-Type: multipart/mixed;
 boundary=3f1c9a7be2d4c5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8

--3f1c9a7be2d4c5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain; charset=UTF-8

{{TEXT}}
--3f1c9a7be2d4c5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8
Content-Disposition: attachment;
 filename="{{NAMEWORD}}";
 filename*=UTF-8''{{PCT}}
Content-Id: <part1.{{ID}}>
Content-Transfer-Encoding: base64
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
 name="{{NAMEWORD}}"

{{XLSX}}
--3f1c9a7be2d4c5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8--
`,
		"OFFICE", bword("UTF-8", []byte(officeName)),
		"SUBJECT", words2("UTF-8", subject, 36),
		"ID", reminderID("sfj"),
		"TEXT", g.qp([]byte("李华：\n\n您好！请于2023年6月7日前填写附件中的推进情况表，并直接回复本邮件。\n\n"+officeName+"\n")),
		"NAMEWORD", bword("UTF-8", []byte(name)),
		"PCT", pct([]byte(name)),
		"XLSX", b64(g.xlsx, 76),
	)
	return fill(`Return-Path: <>
Delivered-To: duban@metro.example
Received: by mx.metro.example (Postfix)
	id 4QbR2x1Z3Kz9sWc; Thu,  1 Jun 2023 09:00:07 +0800 (CST)
Date: Thu,  1 Jun 2023 09:00:07 +0800 (CST)
From: MAILER-DAEMON@mx.metro.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: duban@metro.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4QbR2x1Z3Kz9sWc.1685581207/mx.metro.example"
Content-Transfer-Encoding: 8bit
Message-Id: <20230601010007.4QbR2x1Z3Kz9sWc@mx.metro.example>

This is a MIME-encapsulated message.

--4QbR2x1Z3Kz9sWc.1685581207/mx.metro.example
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mx.metro.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<nobody@sfj.metro.example>: host sfj.metro.example[10.2.3.4] said: 550 5.1.1
    <nobody@sfj.metro.example>: Recipient address rejected: User unknown in
    local recipient table (in reply to RCPT TO command)

--4QbR2x1Z3Kz9sWc.1685581207/mx.metro.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.metro.example
X-Postfix-Queue-ID: 4QbR2x1Z3Kz9sWc
X-Postfix-Sender: rfc822; duban@metro.example
Arrival-Date: Thu,  1 Jun 2023 09:00:05 +0800 (CST)

Final-Recipient: rfc822; nobody@sfj.metro.example
Original-Recipient: rfc822;nobody@sfj.metro.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; sfj.metro.example
Diagnostic-Code: smtp; 550 5.1.1 <nobody@sfj.metro.example>: Recipient address
    rejected: User unknown in local recipient table

--4QbR2x1Z3Kz9sWc.1685581207/mx.metro.example
Content-Description: Undelivered Message
Content-Type: message/rfc822
Content-Transfer-Encoding: 8bit

{{REMINDER}}
--4QbR2x1Z3Kz9sWc.1685581207/mx.metro.example--
`, "REMINDER", reminder)
}

// xlsAttachment: an old Excel 97-2003 file from Outlook 2007.
func (g *gen) xlsAttachment() string {
	const unit, sender = "市民政局", "郑华"
	name := unit + "5月推进情况.xls"
	return fill(`From: "{{FROMNAME}}" <zhenghua@mzj.metro.example>
To: "{{TONAME}}" <duban@metro.example>
References: <{{REF}}>
In-Reply-To: <{{REF}}>
Subject: {{SUBJECT}}
Date: Tue, 6 Jun 2023 14:30:00 +0800
Message-ID: <000a01d99834$8f2e1c50$ad8a54f0$@mzj.metro.example>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_000_000B_01D99877.9D5163F0"
X-Mailer: Microsoft Office Outlook 12.0
Thread-Index: AdmYNI8uHFCtilTwQX2m8H6dY1Y0Aw==
Content-Language: zh-cn

This is a multi-part message in MIME format.

------=_NextPart_000_000B_01D99877.9D5163F0
Content-Type: text/plain;
	charset="gb2312"
Content-Transfer-Encoding: base64

{{TEXT}}

------=_NextPart_000_000B_01D99877.9D5163F0
Content-Type: application/vnd.ms-excel;
	name="{{FILE}}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename="{{FILE}}"

{{XLS}}

------=_NextPart_000_000B_01D99877.9D5163F0--

`,
		"FROMNAME", bword("gb2312", g.gbk(sender)),
		"TONAME", bword("gb2312", g.gbk(officeName)),
		"REF", reminderID("mzj"),
		"SUBJECT", bword("gb2312", g.gbk("答复: "+reminderSubject(unit))),
		"TEXT", b64(g.gbk("李主任：\n附件请查收。\n"+sender+"\n"), 76),
		"FILE", bword("gb2312", g.gbk(name)),
		"XLS", b64(makeOLE(), 76),
	)
}
