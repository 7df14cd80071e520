package bulletin

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
)

// update rewrites the golden files under testdata/ instead of comparing.

var shanghai = time.FixedZone("CST", 8*3600)

// realisticInput is a May bulletin of the metro plan: 8 categories, a red
// unit, a red task and 3 yellow ones (one for its quantified target), one
// late and one missing unit, an extension, problems.
func realisticInput() Input {
	return Input{
		Office:    "市推进都市圈建设办公室",
		PlanTitle: "2023年推进都市圈一体化建设工作要点",
		Period:    "2023年5月",
		Issue:     5,
		Date:      time.Date(2023, 6, 8, 0, 0, 0, 0, shanghai),
		Deadline:  time.Date(2023, 6, 5, 0, 0, 0, 0, shanghai),
		Expected:  17,
		OnTime: []string{"市发展改革委", "市科技局", "市经济和信息化局", "市农业农村局", "市商务局",
			"市生态环境局", "市水务局", "市教育局", "市卫生健康委", "市医保局", "市文化和旅游局",
			"市人力资源社会保障局", "市数据资源局", "市自然资源和规划局"},
		Late:     []string{"市市场监管局"},
		Missing:  []string{"市公共资源交易监管局"},
		Extended: []Extension{{Unit: "市交通运输局", Until: time.Date(2023, 6, 20, 0, 0, 0, 0, shanghai)}},
		MainTo:   []string{"各牵头单位"},
		CopyTo:   []string{"市推进都市圈建设领导小组", "各配合单位"},
		Categories: []Category{
			{Name: "推进规划统筹一体化", Tasks: 3, Done: 1, OnTrack: 2},
			{Name: "推进基础设施一体化", Tasks: 4, OnTrack: 1, Behind: 1, NotReported: 2},
			{Name: "推进产业协同一体化", Tasks: 3, OnTrack: 3},
			{Name: "推进科创协同一体化", Tasks: 3, OnTrack: 2, Behind: 1},
			{Name: "推进生态治理一体化", Tasks: 3, OnTrack: 2, NotStarted: 1},
			{Name: "推进开放合作一体化", Tasks: 2, Done: 1, OnTrack: 1},
			{Name: "推进公共服务一体化", Tasks: 5, OnTrack: 4, NotReported: 1},
			{Name: "推进市场体系一体化", Tasks: 3, OnTrack: 2, Behind: 1},
		},
		RedUnits: []Unit{{Name: "市公共资源交易监管局", Why: "逾期6个工作日未报送"}},
		RedTasks: []Task{
			{Number: 4, Title: "优化轨道交通布局", Unit: "市交通运输局", Status: "滞后", Why: "已连续两个月"},
		},
		YellowTasks: []Task{
			{Number: 3, Title: "推进合作专题落实", Unit: "市发展改革委", Status: "序时推进",
				Why: "“对口部门联席会”年度目标至少1次，累计完成0次，按序时进度应完成1次"},
			{Number: 12, Title: "建设高水平创新平台", Unit: "市科技局", Status: "滞后", Why: "首次出现"},
			{Number: 15, Title: "开展大气污染联防联治", Unit: "市生态环境局", Status: "未启动", Why: "已超过序时启动时间"},
			{Number: 26, Title: "共建统一市场监管体系", Unit: "市市场监管局", Status: "滞后", Why: "首次出现"},
		},
		Problems: []Problem{
			{Task: "优化轨道交通布局", Unit: "市交通运输局", Text: "部分项目用地指标尚未落实，需市自然资源和规划局协调"},
			{Task: "建设高水平创新平台", Unit: "市科技局", Text: "共建平台合作协议仍在商谈中。\n下月将召开专题会议推进。"},
		},
	}
}

// hostileInput carries markup, entities, control characters, broken UTF-8
// and a very long text where users type.
func hostileInput() Input {
	in := realisticInput()
	in.Office = "办公室<script>&amp;\t\"'"
	in.PlanTitle = "要点]]><!-- \x01"
	in.Late = []string{"<b>逾期单位</b>&\x01\x1f\x7f\u0085\uFFFE\xff"}
	in.RedTasks[0].Title = "标题 <w:t>注入</w:t> & 符号\x00"
	in.Problems = append(in.Problems, Problem{Unit: "长文本单位", Text: strings.Repeat("很长的问题描述&<>", 20000)})
	return in
}

func writeDocx(t *testing.T, in Input) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// wellFormed parses a whole XML part; encoding/xml is strict and refuses
// characters XML 1.0 forbids.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// visibleText is what a reader sees of document.xml: one line per
// paragraph (w:t joined, w:tab as a tab, w:br as a newline), one line per
// table row with its cells joined by " | ".
func visibleText(doc []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var (
		lines []string
		cells []string
		para  strings.Builder
		inT   bool
		inTc  int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.Join(lines, "\n") + "\n", nil
		}
		if err != nil {
			return "", err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "p":
				para.Reset()
			case "t":
				inT = true
			case "tab":
				para.WriteString("\t")
			case "br":
				para.WriteString("\n")
			case "tr":
				cells = nil
			case "tc":
				inTc++
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "t":
				inT = false
			case "p":
				if inTc > 0 {
					cells = append(cells, para.String())
				} else {
					lines = append(lines, para.String())
				}
			case "tc":
				inTc--
			case "tr":
				lines = append(lines, strings.Join(cells, " | "))
			}
		case xml.CharData:
			if inT {
				para.Write(tok)
			}
		}
	}
}

var wantParts = []string{
	"[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
	"word/document.xml", "word/_rels/document.xml.rels", "word/styles.xml",
	"word/settings.xml", "word/fontTable.xml", "word/footer1.xml",
}

func TestWriteParts(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		want    []string // in the visible text
		notWant []string
	}{
		{
			name: "realistic",
			in:   realisticInput(),
			want: []string{
				"推进情况通报", "第5期", "市推进都市圈建设办公室\t2023年6月8日",
				"关于2023年5月\n《2023年推进都市圈一体化建设工作要点》\n推进情况的通报",
				"现将2023年5月各牵头单位工作推进情况通报如下。",
				"本期报送截止日期为2023年6月5日。",
				"应报送的牵头单位共17个，其中按时报送14个，逾期报送1个（市市场监管局），未报送1个（市公共资源交易监管局）。",
				"另有1个单位经批准延期报送：市交通运输局（延期至2023年6月20日）。",
				"类别 | 任务数 | 已完成 | 序时推进 | 滞后 | 未启动 | 未报送",
				"推进基础设施一体化 | 4 | 0 | 1 | 1 | 0 | 2",
				"合计 | 26 | 2 | 17 | 3 | 1 | 3",
				"三、需要关注的事项\n（一）红色预警\n1.市公共资源交易监管局：逾期6个工作日未报送。\n2.优化轨道交通布局（第4项，市交通运输局）：滞后，已连续两个月。\n（二）黄色预警\n1.推进合作专题落实（第3项，市发展改革委）：序时推进，",
				"4.共建统一市场监管体系（第26项，市市场监管局）：滞后，首次出现。",
				"1.市交通运输局（优化轨道交通布局）：部分项目用地指标尚未落实，需市自然资源和规划局协调。",
				"2.市科技局（建设高水平创新平台）：共建平台合作协议仍在商谈中。\n下月将召开专题会议推进。",
				"五、下步工作要求\n请市公共资源交易监管局立即报送本期推进情况。",
				"\n市推进都市圈建设办公室\n2023年6月8日\n\n主送：各牵头单位。\n抄送：市推进都市圈建设领导小组，各配合单位。\n市推进都市圈建设办公室\t2023年6月8日印发\n",
			},
			notWant: []string{"家", "本期无红色预警", "量化指标预警", "1. "},
		},
		{
			name: "everyone on time, nothing flagged",
			in: Input{
				Office: "市推进都市圈建设办公室", PlanTitle: "工作要点", Period: "2023年6月", Issue: 6,
				Date: time.Date(2023, 7, 10, 0, 0, 0, 0, shanghai), Expected: 2,
				OnTime:     []string{"市发展改革委", "市科技局"},
				Categories: []Category{{Name: "推进规划统筹一体化", Tasks: 3, OnTrack: 3}},
				MainTo:     []string{"各牵头单位"},
			},
			want: []string{"应报送的牵头单位共2个，均按时报送。",
				"三、需要关注的事项\n本期无红色、黄色预警。\n四、存在的问题\n本期各牵头单位未反映问题。\n\n市推进都市圈建设办公室\n",
				"主送：各牵头单位。\n市推进都市圈建设办公室\t2023年7月10日印发\n",
				"合计 | 3 | 0 | 3 | 0 | 0 | 0"},
			notWant: []string{"五、", "（一）", "请", "逾期", "截止日期为", "抄送"},
		},
		{
			name: "yellow only",
			in: Input{
				Office: "市推进都市圈建设办公室", Period: "2023年6月", Issue: 2, Expected: 1, OnTime: []string{"市科技局"},
				YellowTasks: []Task{{Title: "建设高水平创新平台", Unit: "市科技局", Status: "滞后", Why: "首次出现"}},
			},
			want: []string{"三、需要关注的事项\n本期无红色预警。\n（一）黄色预警\n1.建设高水平创新平台（市科技局）：滞后，首次出现。\n",
				"五、下步工作要求\n请黄色预警任务的牵头单位加强跟踪调度，确保按序时进度推进。\n\n"},
			notWant: []string{"红色预警任务", "（二）"},
		},
		{
			name: "zero input",
			in:   Input{},
			want: []string{"第  期", "应报送的牵头单位共0个，均按时报送。", "合计 | 0 | 0 | 0 | 0 | 0 | 0",
				"关于推进情况的通报", "\t    年  月  日印发"},
		},
		{
			name: "hostile text",
			in:   hostileInput(),
			want: []string{
				"办公室<script>&amp; \"'", "《要点]]><!--》",
				"逾期报送1个（<b>逾期单位</b>&）",
				"2.标题 <w:t>注入</w:t> & 符号（第4项，市交通运输局）",
				"3.长文本单位：" + strings.Repeat("很长的问题描述&<>", 20000) + "。",
			},
			notWant: []string{"\x00", "\x01", "\x1f", "\x7f", "\u0085", "\uFFFE", "\uFFFD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := testtools.ZipParts(t, writeDocx(t, tt.in))
			for _, name := range wantParts {
				data, ok := parts[name]
				if !ok {
					t.Errorf("part %s missing", name)
					continue
				}
				if err := wellFormed(data); err != nil {
					t.Errorf("part %s is not well-formed XML: %v", name, err)
				}
			}
			if len(parts) != len(wantParts) {
				t.Errorf("package has %d parts, want %d", len(parts), len(wantParts))
			}
			text, err := visibleText(parts["word/document.xml"])
			if err != nil {
				t.Fatalf("document.xml: %v", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(text, s) {
					t.Errorf("document text lacks %.200q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(text, s) {
					t.Errorf("document text contains %q", s)
				}
			}
			if !bytes.Contains(parts["word/document.xml"], []byte(`<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"`)) {
				t.Error("document.xml lacks the A4 GB/T 9704 margins")
			}
		})
	}
}

// TestPackageConsistent checks what an application resolves: every part
// has a content type, every relationship target exists, every style the
// document names is defined.
func TestPackageConsistent(t *testing.T) {
	parts := testtools.ZipParts(t, writeDocx(t, realisticInput()))
	types := string(parts["[Content_Types].xml"])
	for name := range parts {
		if strings.HasSuffix(name, ".rels") || name == "[Content_Types].xml" {
			continue
		}
		if !strings.Contains(types, `PartName="/`+name+`"`) {
			t.Errorf("part %s has no content type override", name)
		}
	}

	attrs := func(data []byte, element, attr string) []string {
		var out []string
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			tok, err := d.Token()
			if err != nil {
				return out
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == element {
				for _, a := range se.Attr {
					if a.Name.Local == attr {
						out = append(out, a.Value)
					}
				}
			}
		}
	}
	for rels, dir := range map[string]string{"_rels/.rels": "", "word/_rels/document.xml.rels": "word/"} {
		for _, target := range attrs(parts[rels], "Relationship", "Target") {
			if _, ok := parts[dir+target]; !ok {
				t.Errorf("%s points to missing part %s", rels, dir+target)
			}
		}
	}

	defined := map[string]bool{}
	for _, id := range attrs(parts["word/styles.xml"], "style", "styleId") {
		defined[id] = true
	}
	for _, part := range []string{"word/document.xml", "word/footer1.xml"} {
		for _, element := range []string{"pStyle", "tblStyle"} {
			for _, id := range attrs(parts[part], element, "val") {
				if !defined[id] {
					t.Errorf("%s uses undefined style %s", part, id)
				}
			}
		}
	}
	for _, id := range []string{"Normal", "Title", "Heading1", "Heading2", "BulletinTable", "TableText"} {
		if !defined[id] {
			t.Errorf("styles.xml lacks %s", id)
		}
	}
	if bytes.Contains(parts["word/document.xml"], []byte("<w:rPr>")) {
		t.Error("document.xml repeats run properties; they belong in styles.xml")
	}
}

func TestGolden(t *testing.T) {
	parts := testtools.ZipParts(t, writeDocx(t, realisticInput()))
	got, err := visibleText(parts["word/document.xml"])
	if err != nil {
		t.Fatal(err)
	}
	testtools.Golden(t, filepath.Join("testdata", "bulletin.golden"), []byte(got))
}

// TestWriteDeterministic: the same input gives the same bytes, so a
// re-generated bulletin can be compared with the archived one.
func TestWriteDeterministic(t *testing.T) {
	if a, b := writeDocx(t, realisticInput()), writeDocx(t, realisticInput()); !bytes.Equal(a, b) {
		t.Error("two writes of the same input differ")
	}
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, errDiskFull
}

func TestWriteErrors(t *testing.T) {
	size := len(writeDocx(t, realisticInput()))
	for _, n := range []int{0, 100, 5000, size / 2, size - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			err := Write(&failingWriter{n: n}, realisticInput())
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("Write to a writer failing after %d of %d bytes = %v, want %v", n, size, err, errDiskFull)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		period  string
		version int
		want    string
	}{
		{"2023年5月", 1, "2023年5月推进情况通报-v1.docx"},
		{"2023年12月", 3, "2023年12月推进情况通报-v3.docx"},
		{"2023/5月:\x01 ", 2, "20235月推进情况通报-v2.docx"},
	}
	for _, tt := range tests {
		if got := FileName(tt.period, tt.version); got != tt.want {
			t.Errorf("FileName(%q, %d) = %q, want %q", tt.period, tt.version, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, line, text string
	}{
		{"plain", "市科技局", "市科技局", "市科技局"},
		{"whitespace", " 市\t科技局 \r\n", "市 科技局", "市 科技局"},
		{"lines", "第一行\r\n\r\n 第二行\r第三行", "第一行 第二行 第三行", "第一行\n第二行\n第三行"},
		{"controls", "a\x00b\x01c\x1fd\x7fe\u0085f", "abcdef", "abcdef"},
		{"non-characters and broken UTF-8", "a\uFFFEb\uFFFFc\xffd\xc3", "abcd", "abcd"},
		{"markup kept as text", "<a>&b", "<a>&b", "<a>&b"},
		{"astral", "𠀀😀", "𠀀😀", "𠀀😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := line(tt.in); got != tt.line {
				t.Errorf("line(%q) = %q, want %q", tt.in, got, tt.line)
			}
			if got := text(tt.in); got != tt.text {
				t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.text)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"需协调":    "需协调。",
		"需协调。":   "需协调。",
		"需协调；":   "需协调。",
		"需协调，  ": "需协调。",
		"是否可行？":  "是否可行？",
		"ok.":    "ok.",
		"":       "",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// soffice finds LibreOffice or skips; DUBAN_REQUIRE_SOFFICE=1 (or the
// repository-wide DUBAN_REQUIRE_TOOLS) turns the skip into a failure.
func soffice(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("soffice"); err == nil {
		return p
	} else if os.Getenv("DUBAN_REQUIRE_SOFFICE") == "1" {
		t.Fatalf("DUBAN_REQUIRE_SOFFICE=1 but soffice is not on PATH: %v", err)
	}
	return testtools.Soffice(t)
}

// pagesDir holds the pictures of the bulletin's pages README shows.
var pagesDir = filepath.Join("..", "docs", "office")

// bulletinPages is how many pages LibreOffice prints realisticInput's
// bulletin on: the body on three, the 版记 after the 落款 on the third.
const bulletinPages = 3

// TestLibreOffice has a real word processor print the bulletin to PDF and
// looks at what it printed: the number of pages, the text (pdftotext), the
// title in the lines titleLines chose, and each page as a picture
// (pdftoppm). With -update the pictures are written to docs/office, where
// README shows them.
func TestLibreOffice(t *testing.T) {
	soffice(t)
	pdftotext, pdftoppm := testtools.Poppler(t, "pdftotext"), testtools.Poppler(t, "pdftoppm")
	dir := t.TempDir()
	src := filepath.Join(dir, "bulletin.docx")
	in := realisticInput()
	if err := os.WriteFile(src, writeDocx(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pdf := testtools.Convert(t, src, "pdf")
	t.Logf("soffice --convert-to pdf took %v", time.Since(start).Round(time.Millisecond))

	// pdftotext puts spaces between Chinese and digits ("2023 年 5 月");
	// lines are compared without them.
	var lines []string
	for _, l := range strings.Split(string(testtools.Run(t, pdftotext, "-layout", pdf, "-")), "\n") {
		if l = strings.Join(strings.Fields(l), ""); l != "" {
			lines = append(lines, l)
		}
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"推进情况通报", "第5期", in.RedTasks[0].Title, in.RedUnits[0].Name, "市市场监管局", "合计",
		// The title in the lines titleLines chose, none broken again.
		"\n关于2023年5月\n《2023年推进都市圈一体化建设工作要点》\n推进情况的通报\n",
		"主送：各牵头单位。", "抄送：市推进都市圈建设领导小组，各配合单位。", "市推进都市圈建设办公室2023年6月8日印发",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the bulletin as printed lacks %q", want)
		}
	}
	if strings.Contains(text, "家") {
		t.Errorf("the bulletin as printed counts units in 家:\n%s", text)
	}
	if !strings.HasSuffix(text, "印发\n—3—") {
		t.Errorf("the bulletin as printed does not end with the 版记 on page %d:\n…%s", bulletinPages, text[max(0, len(text)-300):])
	}

	testtools.Run(t, pdftoppm, "-png", "-r", "80", pdf, filepath.Join(dir, "page"))
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != bulletinPages {
		t.Errorf("the bulletin prints on %d pages, want %d", len(pages), bulletinPages)
	}
	old, _ := filepath.Glob(filepath.Join(pagesDir, "bulletin-page-*.png"))
	if !testtools.Update() {
		if len(old) != len(pages) {
			t.Errorf("%s holds %d pictures of bulletin pages, the bulletin has %d (run the test with -update)", pagesDir, len(old), len(pages))
		}
		return
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(pagesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		// pdftoppm numbers page-1.png or page-01.png by the page count;
		// Glob has sorted them.
		if err := os.WriteFile(filepath.Join(pagesDir, fmt.Sprintf("bulletin-page-%d.png", i+1)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTitleLines breaks titles between words, in lines of at most
// titleWidth half-width characters where the words allow it: the seed
// plan's title is three lines, none in the middle of a word.
func TestTitleLines(t *testing.T) {
	tests := []struct {
		name, period, plan string
		want               []string
	}{
		{"the seed plan", "2023年5月", "2023年推进都市圈一体化建设工作要点",
			[]string{"关于2023年5月", "《2023年推进都市圈一体化建设工作要点》", "推进情况的通报"}},
		{"a two-digit month", "2023年12月", "2023年推进都市圈一体化建设工作要点",
			[]string{"关于2023年12月", "《2023年推进都市圈一体化建设工作要点》", "推进情况的通报"}},
		{"书名号 already written", "2023年5月", "《2023年推进都市圈一体化建设工作要点》",
			[]string{"关于2023年5月", "《2023年推进都市圈一体化建设工作要点》", "推进情况的通报"}},
		{"short enough for one line", "2023年6月", "工作要点", []string{"关于2023年6月《工作要点》推进情况的通报"}},
		{"two lines, the longer first", "2023年5月", "推进都市圈一体化建设",
			[]string{"关于2023年5月《推进都市圈一体化建设》", "推进情况的通报"}},
		{"inside the 书名号 only when nothing else fits", "2023年5月", "2023年推进长三角区域一体化发展和都市圈同城化建设工作要点",
			[]string{"关于2023年5月《2023年", "推进长三角区域一体化发展和都市圈同城化建设", "工作要点》推进情况的通报"}},
		{"no plan", "2023年5月", "", []string{"关于2023年5月推进情况的通报"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := titleLines(Input{Period: tt.period, PlanTitle: tt.plan})
			if !slices.Equal(got, tt.want) {
				t.Errorf("titleLines(%q, %q) = %q, want %q", tt.period, tt.plan, got, tt.want)
			}
		})
	}
	if titleWidth != 40 {
		t.Errorf("titleWidth = %d, want 40: 20 characters of 二号 on an A4 line of GB/T 9704", titleWidth)
	}
}

func TestNumeral(t *testing.T) {
	for n, want := range map[int]string{1: "一", 5: "五", 10: "十", 12: "十二", 20: "二十", 99: "九十九", 0: "0", 100: "100"} {
		if got := numeral(n); got != want {
			t.Errorf("numeral(%d) = %q, want %q", n, got, want)
		}
	}
}
