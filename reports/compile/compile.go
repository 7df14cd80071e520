// Package compile writes the consolidated monthly workbook: the summary,
// the details, the month over month, the year at a glance and its charts.
package compile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/reports"
)

// Compile writes the consolidated workbook of a period, its sheets in order:
//
//   - 汇总: what a leader reads first — 应报/按时/逾期/未报 as disjoint counts
//     with 报送率 and 按时报送率 (the period and the year so far), the units
//     not reported or late with their 催报次数 and contact, tasks and units by
//     warning colour, the tasks in red and yellow with the reason in words,
//     status counts by category, and the units ranked by timeliness over
//     the year;
//   - 明细: one row per task under its category, the office's usual layout,
//     with each task's 预警 colour;
//   - 报送情况: every lead unit's submissions, contact, timeliness, chase
//     notices and extension;
//   - 环比: each task's status last month and this month, how it moved, and
//     whether its progress text merely repeats last month's;
//   - 全年概览: the year at a glance, task × month and lead unit × month, the
//     twelve months of the year, those whose deadline is not over left blank;
//   - 量化指标: the quantified targets (only when the input has some);
//   - 图表: two native charts and the figures they draw;
//   - 问题清单: every problem reported.
//
// The colours, their reasons, the chase counts, the previous period, the
// close-outs, the year and the indicators are optional: without them the
// sheets show no colours, no reasons, 0, "—", and a year of one month, the
// compiled period (see model.months).
//
// Every value is written as text, so an answer starting with "=" stays text;
// only counts we compute for the charts and indicators are numbers. Every
// date is written 2023年6月7日. Each sheet is streamed, prints on A4
// landscape fitted to the page width — its columns chosen narrow enough
// that this is 80 % or more — with its header rows repeated, and records its
// used range. The cost is linear in units, tasks, answers and months.
func Compile(w io.Writer, in reports.CompileInput) error {
	buf, err := workbook(in)
	if err != nil {
		return err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("writing %s workbook: %w", in.Period, err)
	}
	return nil
}

// Bytes is Compile into memory: the workbook's bytes as excelize zipped
// them, held once rather than copied into another buffer.
func Bytes(in reports.CompileInput) ([]byte, error) {
	buf, err := workbook(in)
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// workbook builds the workbook of in and zips it into memory (excelize
// always does: File.Write copies its own buffer).
func workbook(in reports.CompileInput) (*bytes.Buffer, error) {
	m, err := newModel(in)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(fastZipWriter)
	if err := m.writeWorkbook(f); err != nil {
		return nil, fmt.Errorf("compiling %s workbook: %w", in.Period, err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("writing %s workbook: %w", in.Period, err)
	}
	return buf, nil
}

func (m *model) writeWorkbook(f *excelize.File) error {
	if err := f.SetDefaultFont(reports.FontCJK); err != nil {
		return fmt.Errorf("setting default font: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	type sheetSpec struct {
		name  string
		build func(*styles) *sheet
	}
	sheets := []sheetSpec{
		{sheetSummary, m.summarySheet},
		{sheetDetail, m.detailSheet},
		{sheetLog, m.logSheet},
		{sheetMoM, m.momSheet},
		{sheetYear, m.yearSheet},
	}
	if len(m.in.Indicators) > 0 {
		sheets = append(sheets, sheetSpec{sheetIndicators, m.indicatorSheet})
	}
	sheets = append(sheets,
		sheetSpec{sheetCharts, m.chartSheet},
		sheetSpec{sheetProblems, m.problemSheet},
	)
	// The new workbook's only sheet becomes the first one, so no Sheet1 is
	// left over and 汇总 is the sheet shown on opening.
	if err := f.SetSheetName(f.GetSheetName(0), sheets[0].name); err != nil {
		return fmt.Errorf("naming sheet %s: %w", sheets[0].name, err)
	}
	for _, s := range sheets[1:] {
		if _, err := f.NewSheet(s.name); err != nil {
			return fmt.Errorf("adding sheet %s: %w", s.name, err)
		}
	}
	// Before any sheet is streamed: this touches every sheet's view.
	f.SetActiveSheet(0)

	// Sheets are laid out and streamed on sheetWorkers goroutines, each
	// sheet's rows held only while it is written. With more than one, only
	// the stream writers' rows go on in parallel: everything that touches
	// the workbook's shared parts (setting a sheet up, creating its stream
	// writer, its charts, flushing it, its print titles) holds mu.
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan int)
		errs = make([]error, len(sheets))
	)
	for range min(sheetWorkers, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = sheets[i].build(st).write(f, &mu)
			}
		})
	}
	for i := range sheets {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	stamp := m.in.GeneratedAt.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          fmt.Sprintf("%s %s推进情况汇总（%s）", m.in.Plan.Title, m.in.Period.Label(), versionLabel(m.in.Version)),
		Creator:        m.in.Office,
		LastModifiedBy: m.in.Office,
		Created:        stamp,
		Modified:       stamp,
		Language:       "zh-CN",
	}); err != nil {
		return fmt.Errorf("setting document properties: %w", err)
	}
	return nil
}

// sheetWorkers is how many sheets are written at once: two keep both of a
// small server's cores busy. At 2,000 units × 15 tasks that takes the
// compile from 1.21–1.26 s to 0.98–1.02 s (the 1.2 s target) for 20–45 MB
// more at the peak (two stream writers' buffers growing together); with
// one, the peak is still over the 250 MB target (docs/performance.md,
// issue 16).
const sheetWorkers = 2

// fastZipWriter deflates at the fastest level: a workbook is mostly
// repetitive XML, and the default level spends most of its time here. The
// zip writer finishes one part before it starts the next, so one compressor
// (about 1 MB of state) serves every part.
func fastZipWriter(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(out, flate.BestSpeed)
			return fw, err
		}
		fw.Reset(out)
		return fw, nil
	})
	return zw
}
