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
	chartWidth     = 640
	chartRowPixels = 18
	chartMonthsH   = 360 // 报送时效 by month
	chartMinBarsH  = 300 // 各类任务推进状态: at least this, or per category:
	chartBarH      = 40
	chartBarExtraH = 110 // title, axis and legend
)

// chartSeries is one series of a chart: its name (a header cell of
// the data table) and colour.
type chartSeries struct {
	name, color string
}

var (
	timelinessSeries = []chartSeries{
		{reports.StateSubmitted.Label(), chartDone},
		{reports.StateLate.Label(), chartNotStarted},
		{notReported, chartMissing},
	}
	progressSeries = []chartSeries{
		{string(plan.StatusDone), chartDone},
		{string(plan.StatusOnTrack), chartOnTrack},
		{string(plan.StatusBehind), chartBehind},
		{string(plan.StatusNotStarted), chartNotStarted},
		{notReported, chartMissing},
	}
)

// chartSheet is 图表: two native charts on top — the lead units' timeliness
// month by month (stacked columns) and the tasks' status by category for the
// compiled period (stacked bars) — and under them the tables they draw
// from, as numbers. The sheet is streamed like the others; the charts are
// added before the stream is flushed (see sheet.stream).
func (m *model) chartSheet(st *styles) *sheet {
	s := newSheet(sheetCharts, 28, 12, 12, 12, 12, 12)
	s.header = 1
	m.title(s, st, "图表")

	// The months whose deadline day is over: the others have nothing to
	// count yet.
	var due []int
	for j := range m.months {
		if m.due[j] {
			due = append(due, j)
		}
	}

	// Room for the charts, top to bottom, each on a printed page of its
	// own, then the tables on the next page.
	monthsAt := len(s.rows) + 1
	if len(due) > 0 {
		reserve(s, chartMonthsH)
	}
	barsAt, barsH := 0, 0
	if len(m.groups) > 0 {
		barsAt = len(s.rows) + 1
		barsH = max(chartMinBarsH, chartBarExtraH+chartBarH*len(m.groups))
		if len(due) > 0 {
			s.breaks = append(s.breaks, barsAt)
		}
		reserve(s, barsH)
	}
	s.breaks = append(s.breaks, len(s.rows)+1)

	// 报送时效 by month: units on time, late, not reported (missing or
	// only rejected files).
	section(s, st, "图表数据：各月报送时效（单位数）")
	header := []string{"月份"}
	for _, sr := range timelinessSeries {
		header = append(header, sr.name)
	}
	monthsHeader := s.add(styledRow(st.header, header...)...)
	peak := 0
	for _, j := range due {
		p := m.months[j]
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
		s.add(cell{text: m.monthLabel(p), style: st.center},
			number(onTime, st.center), number(late, st.center), number(missing, st.center))
	}
	if len(due) == 0 {
		s.addSpan("尚无报送截止日已过的月份", st.center, len(s.widths))
	} else {
		s.charts = append(s.charts, chart{
			cell: fmt.Sprintf("A%d", monthsAt),
			chart: m.stackedChart(excelize.ColStacked, "各月报送时效（单位数）", timelinessSeries,
				monthsHeader, len(due), peak, chartMonthsH),
		})
	}

	section(s, st, fmt.Sprintf("图表数据：%s各类任务推进状态（项）", m.in.Period.Label()))
	header = []string{"类别"}
	for _, sr := range progressSeries {
		header = append(header, sr.name)
	}
	barsHeader := s.add(styledRow(st.header, header...)...)
	perGroup, _ := m.statusCounts()
	peak = 0
	for i, g := range m.groups {
		c := perGroup[i]
		peak = max(peak, c.Tasks)
		s.add(cell{text: g.name, style: st.text},
			number(c.Done, st.center), number(c.OnTrack, st.center), number(c.Behind, st.center),
			number(c.NotStarted, st.center), number(c.NotReported, st.center))
	}
	if len(m.groups) == 0 {
		s.addSpan("本期无重点任务", st.center, len(s.widths))
		return s
	}
	bars := m.stackedChart(excelize.BarStacked, m.in.Period.Label()+"各类任务推进状态（项）", progressSeries,
		barsHeader, len(m.groups), peak, barsH)
	bars.XAxis.ReverseOrder = true // categories top to bottom, as in the table
	s.charts = append(s.charts, chart{cell: fmt.Sprintf("A%d", barsAt), chart: bars})
	return s
}

// reserve appends the empty rows a chart of the given height covers.
func reserve(s *sheet, height int) {
	for range (height+chartRowPixels-1)/chartRowPixels + 1 {
		s.blank()
	}
}

// stackedChart is a stacked column or bar chart of a data table on the
// chart sheet: the header row names the series (from column B on), the n
// rows under it hold the category labels (column A) and the counts. peak is
// the largest stack, to choose whole-number gridlines.
func (m *model) stackedChart(typ excelize.ChartType, title string, series []chartSeries,
	header, n, peak, height int) *excelize.Chart {
	ref := func(col string, from, to int) string {
		if from == to {
			return fmt.Sprintf("'%s'!$%s$%d", sheetCharts, col, from)
		}
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheetCharts, col, from, col, to)
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
		Dimension:  excelize.ChartDimension{Width: chartWidth, Height: uint(height)},
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &titleFont}}},
		Legend:     excelize.ChartLegend{Position: "bottom", Font: &legendFont},
		VaryColors: &noVary,
		GapWidth:   &gap,
		XAxis:      excelize.ChartAxis{Font: axisFont},
		YAxis: excelize.ChartAxis{
			Font: axisFont, MajorGridLines: true, Minimum: &zero, MajorUnit: axisStep(peak),
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

// axisStep is the gridline step of a count axis up to peak: a whole
// number (1, 2, 5, 10, 20, 50, …) giving at most 10 steps, so the axis never
// shows half a unit.
func axisStep(peak int) float64 {
	for base := 1; ; base *= 10 {
		for _, step := range []int{base, 2 * base, 5 * base} {
			if peak <= 10*step {
				return float64(step)
			}
		}
	}
}
