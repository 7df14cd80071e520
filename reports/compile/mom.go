package compile

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/duban/duban/plan"
	"github.com/duban/duban/reports"
)

// Texts of the month-over-month sheet (环比).
const (
	noPrevious = "—" // 上月状态 when last month has no answer

	changeBetter    = "好转"
	changeWorse     = "退步"
	changeSame      = "持平"
	changeFirst     = "首次报送" // answered this month, not last month
	changeMissing   = "本月未报"
	changeClosed    = closedLabel
	changeUndecided = "—" // a status outside the four: not ranked

	echoSame    = "与上月相同" // 本月进展 repeats last month's: flagged
	echoUpdated = "更新"
)

// statusRank orders the statuses from worst to best:
// 未启动 < 滞后 < 序时推进 < 已完成. 滞后 ranks above 未启动 because 变化 follows a
// task towards completion: a task that went from 未启动 to 滞后 has started,
// which is progress (好转), while whether it is late is what its 预警 colour
// says (it turns 黄 anyway). The reverse, a started task reported not
// started again, is a step back (退步) worth a look. An unknown status ranks
// 0 and is not compared.
func statusRank(s plan.Status) int {
	switch s {
	case plan.StatusNotStarted:
		return 1
	case plan.StatusBehind:
		return 2
	case plan.StatusOnTrack:
		return 3
	case plan.StatusDone:
		return 4
	}
	return 0
}

// month is one month's answer of a task, if any.
type month struct {
	answer   plan.Answer
	answered bool
}

// change is the 变化 column: how the task's status moved since last
// month.
func change(prev, cur month, closed bool) string {
	switch {
	case closed:
		return changeClosed
	case !cur.answered:
		return changeMissing
	case !prev.answered:
		return changeFirst
	}
	p, c := statusRank(prev.answer.Status), statusRank(cur.answer.Status)
	switch {
	case p == 0 || c == 0:
		if prev.answer.Status == cur.answer.Status {
			return changeSame
		}
		return changeUndecided
	case c > p:
		return changeBetter
	case c < p:
		return changeWorse
	}
	return changeSame
}

// echo is the 进展文字 column: whether this month's 本月进展 is last
// month's again (a known way of reporting without reporting), once
// whitespace is set aside; empty unless both months have an answer.
func echo(prev, cur month, closed bool) string {
	if closed || !prev.answered || !cur.answered {
		return ""
	}
	if sameText(prev.answer.Progress, cur.answer.Progress) {
		return echoSame
	}
	return echoUpdated
}

// sameText reports whether two texts are the same once every
// whitespace character is dropped, full-width spaces and line breaks
// included: Chinese text has no spaces between words, so a copy that differs
// only there is the same text. It compares in place: 环比 asks it of every
// task.
func sameText(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		switch {
		case ra == rb: // a space matched with a space is dropped all the same
			a, b = a[na:], b[nb:]
		case unicode.IsSpace(ra):
			a = a[na:]
		case unicode.IsSpace(rb):
			b = b[nb:]
		default:
			return false
		}
	}
	return allSpace(a) && allSpace(b)
}

// allSpace reports whether s is whitespace only.
func allSpace(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// momSheet is 环比: each task's status last month and this month, how it
// moved, and whether its progress text was merely repeated.
func (m *model) momSheet(st *styles) *sheet {
	s := newSheet(sheetMoM, 6, 26, 20, 12, 12, 12, 14)
	s.header = 2
	m.title(s, st, "推进情况环比")
	s.add(styledRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "上月状态", "本月状态", "变化", "进展文字")...)
	s.grow(m.groupRows())
	for _, g := range m.groups {
		s.addSpan(g.label(), st.category, len(s.widths))
		s.addLater(len(g.tasks), func(i int, row []cell) []cell {
			t := g.tasks[i]
			var prev month
			prev.answer, prev.answered = m.in.Previous[t.task.ID]
			cur := month{answer: t.answer, answered: t.answered}
			before := noPrevious
			if prev.answered {
				before = shortStatusOr(prev.answer.Status, noPrevious)
			}
			status := t.status()
			change, echo := change(prev, cur, t.closed), echo(prev, cur, t.closed)
			return append(row,
				cell{text: strconv.Itoa(t.number), style: st.center},
				cell{text: t.task.Title, style: st.text},
				cell{text: t.unit, style: st.text},
				cell{text: before, style: st.statusStyle(before)},
				cell{text: status, style: st.statusStyle(status)},
				cell{text: change, style: changeStyle(st, change)},
				cell{text: echo, style: echoStyle(st, echo)},
			)
		})
	}
	return s
}

// shortStatusOr is the status text, or def when there is none.
func shortStatusOr(s plan.Status, def string) string {
	if s == "" {
		return def
	}
	return string(s)
}

// changeStyle colours 变化: green for better or closed, red for worse,
// grey for not reported.
func changeStyle(st *styles, change string) int {
	switch change {
	case changeBetter, changeClosed:
		return st.colorStyle(plan.ColorGreen)
	case changeWorse:
		return st.colorStyle(plan.ColorRed)
	case changeMissing:
		return st.statusStyle(notReported)
	}
	return st.center
}

// echoStyle flags a repeated progress text in red.
func echoStyle(st *styles, echo string) int {
	if echo == echoSame {
		return st.colorStyle(plan.ColorRed)
	}
	return st.center
}
