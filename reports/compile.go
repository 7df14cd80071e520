package reports

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Compile writes the consolidated workbook of a period: 汇总 (who reported,
// status counts by category, who is missing, which tasks are behind), 明细
// (one row per task under its category, the office's usual layout), 问题清单
// (every problem reported) and 报送情况 (every lead unit's submissions).
//
// Every value is written as text, so an answer starting with "=" stays text.
// Each sheet is streamed, prints on A4 landscape fitted to the page width with
// its header rows repeated, and records its used range. The cost is linear in
// units, tasks and answers.
func Compile(w io.Writer, in CompileInput) error {
	m, err := newCompileModel(in)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(fastZipWriter)
	if err := m.writeWorkbook(f); err != nil {
		return fmt.Errorf("compiling %s workbook: %w", in.Period, err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("writing %s workbook: %w", in.Period, err)
	}
	return nil
}

func (m *compileModel) writeWorkbook(f *excelize.File) error {
	if err := f.SetDefaultFont(FontCJK); err != nil {
		return fmt.Errorf("setting default font: %w", err)
	}
	st, err := newCompileStyles(f)
	if err != nil {
		return err
	}
	sheets := []struct {
		name  string
		build func(*compileStyles) *compileSheet
	}{
		{compileSheetSummary, m.summarySheet},
		{compileSheetDetail, m.detailSheet},
		{compileSheetProblems, m.problemSheet},
		{compileSheetLog, m.logSheet},
	}
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

	// One sheet at a time, so only one sheet's rows are held in memory.
	for _, sh := range sheets {
		s := sh.build(st)
		if err := s.write(f); err != nil {
			return err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: s.printTitles(), Scope: s.name,
		}); err != nil {
			return fmt.Errorf("setting print titles of %s: %w", s.name, err)
		}
	}

	stamp := m.in.GeneratedAt.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          fmt.Sprintf("%s %s推进情况汇总（第%d版）", m.in.Plan.Title, m.in.Period.Label(), m.in.Version),
		Creator:        "duban",
		LastModifiedBy: "duban",
		Created:        stamp,
		Modified:       stamp,
		Language:       "zh-CN",
	}); err != nil {
		return fmt.Errorf("setting document properties: %w", err)
	}
	return nil
}

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
