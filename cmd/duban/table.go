package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/duban/duban/reports"
)

// table prints rows in columns aligned by display width: in a terminal a
// Chinese character takes two columns, which text/tabwriter (counting
// runes) gets wrong.
type table struct {
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// write prints the rows, each prefixed by indent, columns two spaces apart.
func (t *table) write(w io.Writer, indent string) error {
	var widths []int
	for _, row := range t.rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], runewidth.StringWidth(cell))
		}
	}
	for _, row := range t.rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, cell := range row {
			if i == len(row)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(runewidth.FillRight(cell, widths[i]+2))
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// The words and dates a person reads on the command line: the same as in
// the office's workbook and mail.

// dateCN is a day as the office writes it: 2023年6月7日.
func dateCN(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// minuteCN is a moment: 2023年6月7日 09:30.
func minuteCN(t time.Time) string { return dateCN(t) + t.Format(" 15:04") }

var weekdaysCN = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// dayCN is a day with its weekday: 2023年6月7日（星期三）.
func dayCN(t time.Time) string { return dateCN(t) + "（" + weekdaysCN[t.Weekday()] + "）" }

// stateCN is a unit's standing for a period, in the workbook's words.
func stateCN(s reports.SubmissionState) string {
	switch s {
	case reports.StateSubmitted:
		return "按时报送"
	case reports.StateLate:
		return "逾期报送"
	case reports.StateRejected:
		return "退回待改"
	default:
		return "未报送"
	}
}

// orDash shows an empty cell as "-" (ASCII: "—" is of ambiguous width
// and would misalign in some terminals).
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
