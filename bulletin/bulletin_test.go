package bulletin

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/internal/testtools"
)

// update rewrites the golden files under testdata/ instead of comparing.

var shanghai = time.FixedZone("CST", 8*3600)

// realisticInput is a May bulletin of the metro plan: 8 categories, 2 red
// and 3 yellow tasks, one late and one missing unit, an extension, problems.
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
		Extended: []string{"市交通运输局（延期至6月20日）"},
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
		RedTasks: []Task{
			{Number: 4, Title: "优化轨道交通布局", Unit: "市交通运输局", Status: "滞后", Why: "连续两个月滞后"},
			{Number: 28, Title: "推进公共资源交易一体化", Unit: "市公共资源交易监管局", Status: "未报送", Why: "逾期5个工作日未报送"},
		},
		YellowTasks: []Task{
			{Number: 12, Title: "建设高水平创新平台", Unit: "市科技局", Status: "滞后", Why: "本月滞后"},
			{Number: 15, Title: "开展大气污染联防联治", Unit: "市生态环境局", Status: "未启动", Why: "4月后仍未启动"},
			{Number: 27, Title: "共建统一市场监管体系", Unit: "市市场监管局", Status: "滞后", Why: "逾期报送，本月滞后"},
		},
		Indicators: []Indicator{
			{Task: "推进合作专题落实", Unit: "市发展改革委", Name: "对口部门联席会", Target: "至少1次", YearToDate: 0, Expected: 1, Color: "黄"},
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

// unzip returns the package's parts by name.
func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("opening %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", f.Name, err)
		}
		parts[f.Name] = b
	}
	return parts
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
				"关于2023年5月《2023年推进都市圈一体化建设工作要点》推进情况的通报",
				"现将2023年5月各牵头单位工作推进情况通报如下。",
				"本期报送截止日期为2023年6月5日。",
				"应报17家，按时报送14家，逾期报送1家（市市场监管局），未报送1家（市公共资源交易监管局）。",
				"另有1家单位经批准延期报送：市交通运输局（延期至6月20日）。",
				"类别 | 任务数 | 已完成 | 序时推进 | 滞后 | 未启动 | 未报送",
				"推进基础设施一体化 | 4 | 0 | 1 | 1 | 0 | 2",
				"合计 | 26 | 2 | 17 | 3 | 1 | 3",
				"1. 4.优化轨道交通布局（市交通运输局）：滞后，连续两个月滞后。",
				"2. 28.推进公共资源交易一体化（市公共资源交易监管局）：未报送，逾期5个工作日未报送。",
				"3. 27.共建统一市场监管体系（市市场监管局）：滞后，逾期报送，本月滞后。",
				"（三）量化指标预警",
				"对口部门联席会年度目标至少1次，截至本期累计完成0次，按序时进度应完成1次（黄色）。",
				"市交通运输局（优化轨道交通布局）：部分项目用地指标尚未落实，需市自然资源和规划局协调。",
				"共建平台合作协议仍在商谈中。\n下月将召开专题会议推进。",
			},
		},
		{
			name: "everyone on time, nothing flagged",
			in: Input{
				Office: "市推进都市圈建设办公室", PlanTitle: "工作要点", Period: "2023年6月", Issue: 6,
				Date: time.Date(2023, 7, 10, 0, 0, 0, 0, shanghai), Expected: 2,
				OnTime:     []string{"市发展改革委", "市科技局"},
				Categories: []Category{{Name: "推进规划统筹一体化", Tasks: 3, OnTrack: 3}},
			},
			want: []string{"应报2家，均按时报送。", "本期无红色预警任务。", "本期无黄色预警任务。",
				"本期各牵头单位未反映问题。", "合计 | 3 | 0 | 3 | 0 | 0 | 0"},
			notWant: []string{"（三）量化指标预警", "逾期", "截止日期为", "预警任务的牵头单位"},
		},
		{
			name: "zero input",
			in:   Input{},
			want: []string{"第0期", "应报0家，均按时报送。", "合计 | 0 | 0 | 0 | 0 | 0 | 0"},
		},
		{
			name: "hostile text",
			in:   hostileInput(),
			want: []string{
				"办公室<script>&amp; \"'", "《要点]]><!--》",
				"逾期报送1家（<b>逾期单位</b>&）",
				"1. 4.标题 <w:t>注入</w:t> & 符号（市交通运输局）",
				"长文本单位：" + strings.Repeat("很长的问题描述&<>", 20000) + "。",
			},
			notWant: []string{"\x00", "\x01", "\x1f", "\x7f", "\u0085", "\uFFFE", "\uFFFD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := unzip(t, writeDocx(t, tt.in))
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
	parts := unzip(t, writeDocx(t, realisticInput()))
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
	parts := unzip(t, writeDocx(t, realisticInput()))
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

// TestLibreOffice has a real word processor open the bulletin: it must
// print it to PDF and read back its text.
func TestLibreOffice(t *testing.T) {
	bin := soffice(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "bulletin.docx")
	in := realisticInput()
	if err := os.WriteFile(src, writeDocx(t, in), 0o644); err != nil {
		t.Fatal(err)
	}
	convert := func(format, ext string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
		defer cancel()
		out := filepath.Join(dir, ext)
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--headless", "--norestore", "--convert-to", format, "--outdir", out, src)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, msg)
		}
		t.Logf("soffice --convert-to %s took %v", format, time.Since(start).Round(time.Millisecond))
		data, err := os.ReadFile(filepath.Join(out, "bulletin."+ext))
		if err != nil {
			t.Fatalf("soffice --convert-to %s wrote nothing: %v", format, err)
		}
		return data
	}

	pdf := convert("pdf", "pdf")
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10_000 {
		t.Errorf("PDF is %d bytes starting %q, want a real document", len(pdf), pdf[:min(8, len(pdf))])
	}

	// "Text" alone writes the system charset, which is ASCII in a bare
	// container; ask for UTF-8.
	txt := string(convert("txt:Text (encoded):UTF8", "txt"))
	for _, want := range []string{in.Period, in.RedTasks[0].Title, in.RedTasks[1].Title, "推进情况通报", "市市场监管局", "合计"} {
		if !strings.Contains(txt, want) {
			t.Errorf("LibreOffice's text of the bulletin lacks %q", want)
		}
	}
}
