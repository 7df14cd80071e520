package compile

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Chart geometry, in pixels. Rows under a chart are left empty at the
// default height, which excelize counts as 18 px (15 points) when it anchors
// a chart to cells; a viewer whose default row differs draws the chart a
// little larger or smaller, never over the next one.
const (
	compileChartWidth     = 640
	compileChartRowPixels = 18
	compileChartMonthsH   = 360 // 报送时效 by month
	compileChartMinBarsH  = 300 // 各类任务推进状态: at least this, or per category:
	compileChartBarH      = 40
	compileChartBarExtraH = 110 // title, axis and legend
)

// compileChartSeries is one series of a chart: its name (a header cell of
// the data table) and colour.
type compileChartSeries struct {
	name, color string
}

var (
	compileTimelinessSeries = []compileChartSeries{
		{compileStateLabel(reports.StateSubmitted), compileChartDone},
		{compileStateLabel(reports.StateLate), compileChartNotStarted},
		{compileNotReported, compileChartMissing},
	}
	compileProgressSeries = []compileChartSeries{
		{string(plan.StatusDone), compileChartDone},
		{string(plan.StatusOnTrack), compileChartOnTrack},
		{string(plan.StatusBehind), compileChartBehind},
		{string(plan.StatusNotStarted), compileChartNotStarted},
		{compileNotReported, compileChartMissing},
	}
)

// chartSheet is 图表: two native charts on top — the lead units' timeliness
// month by month (stacked columns) and the tasks' status by category for the
// compiled period (stacked bars) — and under them the tables they draw
// from, as numbers. The sheet is streamed like the others; the charts are
// added before the stream is flushed (see compileSheet.stream).
func (m *compileModel) chartSheet(st *compileStyles) *compileSheet {
	s := newCompileSheet(compileSheetCharts, 28, 12, 12, 12, 12, 12)
	s.header = 1
	m.title(s, st, "图表")

	// Room for the charts, top to bottom, each on a printed page of its
	// own, then the tables on the next page.
	monthsAt := len(s.rows) + 1
	compileReserve(s, compileChartMonthsH)
	barsAt, barsH := 0, 0
	if len(m.groups) > 0 {
		barsAt = len(s.rows) + 1
		barsH = max(compileChartMinBarsH, compileChartBarExtraH+compileChartBarH*len(m.groups))
		s.breaks = append(s.breaks, barsAt)
		compileReserve(s, barsH)
	}
	s.breaks = append(s.breaks, len(s.rows)+1)

	// 报送时效 by month: units on time, late, not reported (missing or
	// only rejected files).
	compileSection(s, st, "图表数据：各月报送时效（单位数）")
	header := []string{"月份"}
	for _, sr := range compileTimelinessSeries {
		header = append(header, sr.name)
	}
	monthsHeader := s.add(compileRow(st.header, header...)...)
	peak := 0
	for j, p := range m.months {
		var onTime, late, missing int
		for i := range m.in.Units {
			switch m.monthState(&m.in.Units[i], j) {
			case reports.StateSubmitted:
				onTime++
			case reports.StateLate:
				late++
			case reports.StateMissing, reports.StateRejected:
				missing++
			}
		}
		peak = max(peak, onTime+late+missing)
		s.add(compileCell{text: m.monthLabel(p), style: st.center},
			compileNumber(onTime, st.center), compileNumber(late, st.center), compileNumber(missing, st.center))
	}
	s.charts = append(s.charts, compileChart{
		cell: fmt.Sprintf("A%d", monthsAt),
		chart: m.stackedChart(excelize.ColStacked, "各月报送时效（单位数）", compileTimelinessSeries,
			monthsHeader, len(m.months), peak, compileChartMonthsH),
	})

	compileSection(s, st, fmt.Sprintf("图表数据：%s各类任务推进状态（项）", m.in.Period.Label()))
	header = []string{"类别"}
	for _, sr := range compileProgressSeries {
		header = append(header, sr.name)
	}
	barsHeader := s.add(compileRow(st.header, header...)...)
	perGroup, _ := m.statusCounts()
	peak = 0
	for i, g := range m.groups {
		c := perGroup[i]
		peak = max(peak, c.Tasks)
		s.add(compileCell{text: g.name, style: st.text},
			compileNumber(c.Done, st.center), compileNumber(c.OnTrack, st.center), compileNumber(c.Behind, st.center),
			compileNumber(c.NotStarted, st.center), compileNumber(c.NotReported, st.center))
	}
	if len(m.groups) == 0 {
		s.addSpan("本期无重点任务", st.center, len(s.widths))
		return s
	}
	bars := m.stackedChart(excelize.BarStacked, m.in.Period.Label()+"各类任务推进状态（项）", compileProgressSeries,
		barsHeader, len(m.groups), peak, barsH)
	bars.XAxis.ReverseOrder = true // categories top to bottom, as in the table
	s.charts = append(s.charts, compileChart{cell: fmt.Sprintf("A%d", barsAt), chart: bars})
	return s
}

// compileReserve appends the empty rows a chart of the given height covers.
func compileReserve(s *compileSheet, height int) {
	for range (height+compileChartRowPixels-1)/compileChartRowPixels + 1 {
		s.blank()
	}
}

// stackedChart is a stacked column or bar chart of a data table on the
// chart sheet: the header row names the series (from column B on), the n
// rows under it hold the category labels (column A) and the counts. peak is
// the largest stack, to choose whole-number gridlines.
func (m *compileModel) stackedChart(typ excelize.ChartType, title string, series []compileChartSeries,
	header, n, peak, height int) *excelize.Chart {
	ref := func(col string, from, to int) string {
		if from == to {
			return fmt.Sprintf("'%s'!$%s$%d", compileSheetCharts, col, from)
		}
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", compileSheetCharts, col, from, col, to)
	}
	font := func(size float64, bold bool) excelize.Font {
		return excelize.Font{Family: reports.FontCJK, Size: size, Bold: bold, Color: "000000"}
	}
	titleFont, axisFont, legendFont := font(12, true), font(9, false), font(9, false)
	noVary := false
	gap := uint(60)
	zero := 0.0
	c := &excelize.Chart{
		Type:       typ,
		Dimension:  excelize.ChartDimension{Width: compileChartWidth, Height: uint(height)},
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &titleFont}}},
		Legend:     excelize.ChartLegend{Position: "bottom", Font: &legendFont},
		VaryColors: &noVary,
		GapWidth:   &gap,
		XAxis:      excelize.ChartAxis{Font: axisFont},
		YAxis: excelize.ChartAxis{
			Font: axisFont, MajorGridLines: true, Minimum: &zero, MajorUnit: compileAxisStep(peak),
		},
		Format: excelize.GraphicOptions{Name: title, AltText: title},
	}
	for i, sr := range series {
		col, _ := excelize.ColumnNumberToName(i + 2)
		c.Series = append(c.Series, excelize.ChartSeries{
			Name:       ref(col, header, header),
			Categories: ref("A", header+1, header+n),
			Values:     ref(col, header+1, header+n),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{sr.color}},
		})
	}
	return c
}

// compileAxisStep is the gridline step of a count axis up to peak: a whole
// number (1, 2, 5, 10, 20, 50, …) giving at most 10 steps, so the axis never
// shows half a unit.
func compileAxisStep(peak int) float64 {
	for base := 1; ; base *= 10 {
		for _, step := range []int{base, 2 * base, 5 * base} {
			if peak <= 10*step {
				return float64(step)
			}
		}
	}
}
