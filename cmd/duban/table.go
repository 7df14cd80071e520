package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/duban/duban/plan"
	"github.com/mattn/go-runewidth"
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

// dayCN is a day with its weekday: 2023年6月7日（星期三）.
func dayCN(t time.Time) string { return plan.DateCN(t) + "（" + plan.WeekdayCN(t) + "）" }

// orDash shows an empty cell as "-" (ASCII: "—" is of ambiguous width
// and would misalign in some terminals).
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
