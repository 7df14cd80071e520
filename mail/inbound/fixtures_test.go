package inbound

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// fileSum is what the fixture table checks of a file.
type fileSum struct{ Name, Kind string }

func fileSums(m *Message) []fileSum {
	var out []fileSum
	for _, f := range m.Files {
		out = append(out, fileSum{f.Name, f.Kind})
	}
	return out
}

var clientCases = []struct {
	file      string
	from      Address
	subject   string
	auto      string
	subjAuto  bool // SubjectAuto
	inReplyTo []string
	files     []fileSum
	text      string // a substring of Text, "" to skip
	date      time.Time
}{
	{
		file:      "foxmail.eml",
		from:      Address{"张三", "zhangsan@fgw.metro.example"},
		subject:   "回复：【报送提醒】请于6月7日前报送2023-05推进情况（市发展改革委）",
		inReplyTo: []string{"remind.2023-05.fgw@metro.example"},
		files:     []fileSum{{"市发展改革委2023年5月推进情况表.xlsx", "xlsx"}},
		text:      "市发展改革委2023年5月推进情况表已填好",
		date:      time.Date(2023, 6, 5, 2, 23, 45, 0, time.UTC),
	},
	{
		file:      "qqmail.eml",
		from:      Address{"李𬌗", "1234567890@qq.com"},
		subject:   "回复：【报送提醒】请于6月7日前报送2023-05推进情况（市商务局）",
		inReplyTo: []string{"remind.2023-05.swj@metro.example"},
		files:     []fileSum{{"市商务局5月推进情况（李𬌗）.xlsx", "xlsx"}},
		text:      "附件为市商务局5月推进情况",
	},
	{
		file:      "outlook.eml",
		from:      Address{"王强", "wangqiang@jtj.metro.example"},
		subject:   "答复: 【报送提醒】请于6月7日前报送2023-05推进情况（市交通运输局）",
		inReplyTo: []string{"remind.2023-05.jtj@metro.example"},
		files:     []fileSum{{"市交通运输局2023年5月推进情况表.xlsx", "xlsx"}},
		text:      "市交通运输局2023年5月推进情况表见附件",
	},
	{
		file:      "outlook-rfc2231-continuation.eml",
		from:      Address{"王强", "wangqiang@jtj.metro.example"},
		subject:   "答复: 【报送提醒】请于6月7日前报送2023-05推进情况（市交通运输局）",
		inReplyTo: []string{"remind.2023-05.jtj@metro.example"},
		files:     []fileSum{{"市交通运输局关于2023年5月推进都市圈一体化建设工作要点落实情况的报告（含附表）.xlsx", "xlsx"}},
	},
	{
		file:      "applemail.eml",
		from:      Address{"赵六", "zhaoliu@kjj.metro.example"},
		subject:   "Re: 【报送提醒】请于6月7日前报送2023-05推进情况（市科技局）",
		inReplyTo: []string{"remind.2023-05.kjj@metro.example"},
		files:     []fileSum{{"市科技局2023年5月推进都市圈一体化建设工作情况表.xlsx", "xlsx"}},
		text:      "市科技局5月推进情况见附件",
	},
	{
		file:      "netease163.eml",
		from:      Address{"陈静", "chenjing_hb@163.com"},
		subject:   "回复:【报送提醒】请于6月7日前报送2023-05推进情况（市生态环境局）",
		inReplyTo: []string{"remind.2023-05.sthjj@metro.example"},
		files:     []fileSum{{"市生态环境局5月推进情况.xlsx", "xlsx"}},
		text:      "附件是市生态环境局2023年5月推进情况表",
	},
	{
		file:      "gbk-rfc2231.eml",
		from:      Address{"周敏", "rsj_zhou@126.com"},
		subject:   "回复:【报送提醒】请于6月7日前报送2023-05推进情况（市人力资源社会保障局）",
		inReplyTo: []string{"remind.2023-05.rsj@metro.example"},
		files:     []fileSum{{"市人力资源社会保障局5月推进情况.xlsx", "xlsx"}},
	},
	{
		file:      "coremail.eml",
		from:      Address{"刘洋", "liuyang@zjj.metro.example"},
		subject:   "回复：【报送提醒】请于6月7日前报送2023-05推进情况（市住房城乡建设局）",
		inReplyTo: []string{"remind.2023-05.zjj@metro.example"},
		files:     []fileSum{{"市住房城乡建设局推进情况（2023年5月）.xlsx", "xlsx"}},
		text:      "市住房城乡建设局5月推进情况表已上传为附件",
		date:      time.Date(2023, 6, 7, 0, 47, 20, 0, time.UTC),
	},
	{
		file:    "forwarded.eml",
		from:    Address{"孙丽", "sunli@wglj.metro.example"},
		subject: "转发: 回复：【报送提醒】请于6月7日前报送2023-05推进情况（市文化广电旅游局）",
		files:   []fileSum{{"市文化广电旅游局2023年5月推进情况表.xlsx", "xlsx"}},
		text:    "转发我局5月推进情况表",
	},
	{
		file:      "several-attachments.eml",
		from:      Address{"黄蕾", "huanglei@wjw.metro.example"},
		subject:   "回复：【报送提醒】请于6月7日前报送2023-05推进情况（市卫生健康委）",
		inReplyTo: []string{"remind.2023-05.wjw@metro.example"},
		files: []fileSum{
			{"现场照片.jpg", "image"},
			{"情况说明.docx", "zip"},
			{"市卫生健康委5月推进情况表.xlsx", "xlsx"},
		},
	},
	{
		file:      "inline-xlsx.eml",
		from:      Address{"钱进", "qianjin@jyj.metro.example"},
		subject:   "Re: 【报送提醒】请于6月7日前报送2023-05推进情况（市教育局）",
		inReplyTo: []string{"remind.2023-05.jyj@metro.example"},
		files:     []fileSum{{"市教育局5月推进情况.xlsx", "xlsx"}},
	},
	{
		file:      "no-attachment.eml",
		from:      Address{"吴刚", "wugang_slj@163.com"},
		subject:   "回复:【报送提醒】请于6月7日前报送2023-05推进情况（市水利局）",
		inReplyTo: []string{"remind.2023-05.slj@metro.example"},
		text:      "明天上午补发附件",
	},
	{
		file:      "autoreply-qq.eml",
		from:      Address{"农业农村局办公室", "2345678901@qq.com"},
		subject:   "自动回复：【报送提醒】请于6月7日前报送2023-05推进情况（市农业农村局）",
		auto:      "auto-reply",
		subjAuto:  true,
		inReplyTo: []string{"remind.2023-05.nyj@metro.example"},
		text:      "我最近正在休假中",
	},
	{
		file:    "bounce.eml",
		from:    Address{"Mail Delivery System", "mailer-daemon@mx.metro.example"},
		subject: "Undelivered Mail Returned to Sender",
		auto:    "bounce",
		files:   []fileSum{{"市司法局-2023年5月推进情况.xlsx", "xlsx"}},
		text:    "could not\nbe delivered",
	},
	{
		file:      "xls-attachment.eml",
		from:      Address{"郑华", "zhenghua@mzj.metro.example"},
		subject:   "答复: 【报送提醒】请于6月7日前报送2023-05推进情况（市民政局）",
		inReplyTo: []string{"remind.2023-05.mzj@metro.example"},
		files:     []fileSum{{"市民政局5月推进情况.xls", "ole"}},
	},
}

// TestClients parses every client fixture and checks what the collector
// relies on.
func TestClients(t *testing.T) {
	xlsx := readFixture(t, "reply.xlsx")
	for _, tc := range clientCases {
		t.Run(tc.file, func(t *testing.T) {
			m, err := Parse(readFixture(t, tc.file), Limits{})
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", tc.file, err)
			}
			assertNoInternalError(t, tc.file, m)
			if m.From != tc.from {
				t.Errorf("Parse(%s) From = %+v, want %+v", tc.file, m.From, tc.from)
			}
			if m.Subject != tc.subject {
				t.Errorf("Parse(%s) Subject = %q, want %q", tc.file, m.Subject, tc.subject)
			}
			if m.Auto != tc.auto || m.SubjectAuto != tc.subjAuto {
				t.Errorf("Parse(%s) Auto = %q SubjectAuto = %v, want %q %v", tc.file, m.Auto, m.SubjectAuto, tc.auto, tc.subjAuto)
			}
			if m.Auth != (AuthResults{}) {
				t.Errorf("Parse(%s) Auth = %+v, want none: the fixture has no Authentication-Results", tc.file, m.Auth)
			}
			if !slices.Equal(m.InReplyTo, tc.inReplyTo) {
				t.Errorf("Parse(%s) InReplyTo = %q, want %q", tc.file, m.InReplyTo, tc.inReplyTo)
			}
			if got := fileSums(m); !slices.Equal(got, tc.files) {
				t.Errorf("Parse(%s) files = %v, want %v", tc.file, got, tc.files)
			}
			if tc.text != "" && !strings.Contains(m.Text, tc.text) {
				t.Errorf("Parse(%s) Text = %q, want it to contain %q", tc.file, m.Text, tc.text)
			}
			if !tc.date.IsZero() && !m.Date.Equal(tc.date) {
				t.Errorf("Parse(%s) Date = %v, want %v", tc.file, m.Date, tc.date)
			}
			if m.MessageID == "" {
				t.Errorf("Parse(%s) MessageID is empty", tc.file)
			}
			if len(m.Notes) > 0 {
				t.Errorf("Parse(%s) Notes = %q, want none for a well-formed client message", tc.file, m.Notes)
			}
			wantBooks := 0
			for _, f := range tc.files {
				if f.Kind == "xlsx" {
					wantBooks++
				}
			}
			wbs := m.Workbooks()
			if len(wbs) != wantBooks {
				t.Fatalf("Parse(%s) Workbooks() = %d, want %d", tc.file, len(wbs), wantBooks)
			}
			if wantBooks > 0 && !bytes.Equal(wbs[0].Data, xlsx) {
				t.Errorf("Parse(%s) Workbooks()[0].Data differs from the generated workbook (%d vs %d bytes)", tc.file, len(wbs[0].Data), len(xlsx))
			}
		})
	}
}
