package reader

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// RequestOnly reports whether the workbook only asks for more time: an
// extension is requested and every answer cell of every task row (本月进展,
// 完成状态, 存在问题, 下步计划) and every indicator count is blank. The rows
// of closed tasks, which the template fills with 已销号, do not count.
func (r *Returned) RequestOnly() bool {
	if !r.Extension.Requested() {
		return false
	}
	for _, row := range r.Rows {
		a := row.Answer
		if closedRow(a) {
			continue
		}
		if a.Progress != "" || a.Status != "" || a.Issues != "" || a.NextSteps != "" {
			return false
		}
	}
	for _, c := range r.Counts {
		if c.Value != "" {
			return false
		}
	}
	return true
}

// closedRow reports whether an answer is what the template writes on a
// closed task's row.
func closedRow(a plan.Answer) bool {
	return a.Status == reports.ClosedStatus && strings.HasPrefix(a.Progress, reports.ClosedStatus) &&
		a.Issues == "" && a.NextSteps == ""
}

// readExtensionDate parses the date asked for, and readDate 填报日期,
// once the metadata has told the period (a date without a year is read in
// the period's year).
func (p *parser) readExtensionDate() { p.r.Extension.Until = p.day(&p.r.Extension.UntilText) }

func (p *parser) readDate() { p.r.Date = p.day(&p.r.DateText) }

// day reads the date in *text: zero when blank or unreadable. A date the
// unit typed into a date cell is held as Excel's serial number, which
// means nothing to the people who read it: *text is then rewritten as
// YYYY-MM-DD.
func (p *parser) day(text *string) time.Time {
	if *text == "" {
		return time.Time{}
	}
	period, _ := plan.ParsePeriod(p.r.Meta.Period) // zero when unknown: then a year is needed
	d, ok := extensionDate(*text, period)
	if !ok {
		return time.Time{}
	}
	if dateSerial.MatchString(*text) {
		*text = d.Format(time.DateOnly)
	}
	return d
}

// placeholders are what units write in a box they mean to leave empty.
var placeholders = map[string]bool{
	"无": true, "/": true, "-": true, "—": true, "——": true, "否": true, "暂无": true,
	"不延期": true, "无需延期": true, "不需要": true, "不需延期": true, "无延期": true,
}

// noPlaceholder returns "" for a placeholder, s otherwise.
func noPlaceholder(s string) string {
	if placeholders[foldWidth(squeeze(s))] {
		return ""
	}
	return s
}

// Dates as units write them. A time after the date (2023-06-20 00:00:00)
// is what a date cell turned to text looks like, and is ignored.
var (
	dateFull = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?` +
		`(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$`)
	dateCompact = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	dateShort   = regexp.MustCompile(`^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$`)
	dateSerial  = regexp.MustCompile(`^\d{5}(?:\.\d+)?$`)
	dateAside   = regexp.MustCompile(`\s*[（(][^（）()]*[）)]$`) // (星期二)
)

// Excel serial numbers of dates a request may plausibly name: 2000 to 2099.
const (
	serialMin = 36526 // 2000-01-01
	serialMax = 73051 // 2100-01-01
)

// extensionDate reads the date of an extension request, leniently:
// 2023-06-20, 2023/6/20, 2023.6.20, 2023年6月20日, 20230620, an Excel date
// serial (a date cell read without its style, e.g. 45097), and without a
// year 6月20日, 6-20, 6/20: the period's year, or the next one when that
// month comes before the period's (a December report asking for January).
// Full-width digits and a trailing weekday in brackets or 前 are accepted.
// The date is returned at midnight UTC.
func extensionDate(text string, p plan.Period) (time.Time, bool) {
	s := strings.TrimFunc(foldWidth(text), isTrim)
	s = dateAside.ReplaceAllString(s, "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "前"), "之")
	s = strings.TrimFunc(s, isTrim)
	atoi := func(v string) int { n, _ := strconv.Atoi(v); return n }
	switch {
	case dateFull.MatchString(s):
		m := dateFull.FindStringSubmatch(s)
		return civilDate(atoi(m[1]), atoi(m[2]), atoi(m[3]))
	case dateCompact.MatchString(s):
		m := dateCompact.FindStringSubmatch(s)
		return civilDate(atoi(m[1]), atoi(m[2]), atoi(m[3]))
	case dateShort.MatchString(s):
		if p.IsZero() {
			return time.Time{}, false
		}
		m := dateShort.FindStringSubmatch(s)
		month, day := atoi(m[1]), atoi(m[2])
		year := p.Year
		if time.Month(month) < p.Month {
			year++
		}
		return civilDate(year, month, day)
	case dateSerial.MatchString(s):
		serial, err := strconv.ParseFloat(s, 64)
		if err != nil || serial < serialMin || serial >= serialMax {
			return time.Time{}, false
		}
		t, err := excelize.ExcelDateToTime(serial, false)
		if err != nil {
			return time.Time{}, false
		}
		return civilDate(t.Year(), int(t.Month()), t.Day())
	}
	return time.Time{}, false
}

// civilDate is midnight UTC of a calendar date; false when there is no
// such date (2023-02-30) or the year is implausible.
func civilDate(y, m, d int) (time.Time, bool) {
	if y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// foldWidth turns full-width ASCII (０-９, －, ／, ．, letters) into
// ASCII and the ideographic space into a space, as typed with a Chinese IME.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}
