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
	compileNoPrevious = "—" // 上月状态 when last month has no answer

	compileChangeBetter    = "好转"
	compileChangeWorse     = "退步"
	compileChangeSame      = "持平"
	compileChangeFirst     = "首次报送" // answered this month, not last month
	compileChangeMissing   = "本月未报"
	compileChangeClosed    = compileClosedLabel
	compileChangeUndecided = "—" // a status outside the four: not ranked

	compileEchoSame    = "与上月相同" // 本月进展 repeats last month's: flagged
	compileEchoUpdated = "更新"
)

// compileStatusRank orders the statuses from worst to best:
// 未启动 < 滞后 < 序时推进 < 已完成. 滞后 ranks above 未启动 because 变化 follows a
// task towards completion: a task that went from 未启动 to 滞后 has started,
// which is progress (好转), while whether it is late is what its 预警 colour
// says (it turns 黄 anyway). The reverse, a started task reported not
// started again, is a step back (退步) worth a look. An unknown status ranks
// 0 and is not compared.
func compileStatusRank(s plan.Status) int {
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

// compileMonth is one month's answer of a task, if any.
type compileMonth struct {
	answer   plan.Answer
	answered bool
}

// compileChange is the 变化 column: how the task's status moved since last
// month.
func compileChange(prev, cur compileMonth, closed bool) string {
	switch {
	case closed:
		return compileChangeClosed
	case !cur.answered:
		return compileChangeMissing
	case !prev.answered:
		return compileChangeFirst
	}
	p, c := compileStatusRank(prev.answer.Status), compileStatusRank(cur.answer.Status)
	switch {
	case p == 0 || c == 0:
		if prev.answer.Status == cur.answer.Status {
			return compileChangeSame
		}
		return compileChangeUndecided
	case c > p:
		return compileChangeBetter
	case c < p:
		return compileChangeWorse
	}
	return compileChangeSame
}

// compileEcho is the 进展文字 column: whether this month's 本月进展 is last
// month's again (a known way of reporting without reporting), once
// whitespace is set aside; empty unless both months have an answer.
func compileEcho(prev, cur compileMonth, closed bool) string {
	if closed || !prev.answered || !cur.answered {
		return ""
	}
	if compileSameText(prev.answer.Progress, cur.answer.Progress) {
		return compileEchoSame
	}
	return compileEchoUpdated
}

// compileSameText reports whether two texts are the same once every
// whitespace character is dropped, full-width spaces and line breaks
// included: Chinese text has no spaces between words, so a copy that differs
// only there is the same text. It compares in place: 环比 asks it of every
// task.
func compileSameText(a, b string) bool {
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
	return compileAllSpace(a) && compileAllSpace(b)
}

// compileAllSpace reports whether s is whitespace only.
func compileAllSpace(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// momSheet is 环比: each task's status last month and this month, how it
// moved, and whether its progress text was merely repeated.
func (m *compileModel) momSheet(st *compileStyles) *compileSheet {
	s := newCompileSheet(compileSheetMoM, 6, 26, 20, 12, 12, 12, 14)
	s.header = 2
	m.title(s, st, "推进情况环比")
	s.add(compileRow(st.header, "序号", reports.HeaderTitle, "牵头单位", "上月状态", "本月状态", "变化", "进展文字")...)
	s.grow(m.groupRows())
	for _, g := range m.groups {
		s.addSpan(g.label(), st.category, len(s.widths))
		for _, t := range g.tasks {
			var prev compileMonth
			prev.answer, prev.answered = m.in.Previous[t.task.ID]
			cur := compileMonth{answer: t.answer, answered: t.answered}
			before := compileNoPrevious
			if prev.answered {
				before = compileShortStatusOr(prev.answer.Status, compileNoPrevious)
			}
			status := t.status()
			change, echo := compileChange(prev, cur, t.closed), compileEcho(prev, cur, t.closed)
			s.add(
				compileCell{text: strconv.Itoa(t.number), style: st.center},
				compileCell{text: t.task.Title, style: st.text},
				compileCell{text: t.unit, style: st.text},
				compileCell{text: before, style: st.statusStyle(before)},
				compileCell{text: status, style: st.statusStyle(status)},
				compileCell{text: change, style: compileChangeStyle(st, change)},
				compileCell{text: echo, style: compileEchoStyle(st, echo)},
			)
		}
	}
	return s
}

// compileShortStatusOr is the status text, or def when there is none.
func compileShortStatusOr(s plan.Status, def string) string {
	if s == "" {
		return def
	}
	return string(s)
}

// compileChangeStyle colours 变化: green for better or closed, red for worse,
// grey for not reported.
func compileChangeStyle(st *compileStyles, change string) int {
	switch change {
	case compileChangeBetter, compileChangeClosed:
		return st.colorStyle(plan.ColorGreen)
	case compileChangeWorse:
		return st.colorStyle(plan.ColorRed)
	case compileChangeMissing:
		return st.statusStyle(compileNotReported)
	}
	return st.center
}

// compileEchoStyle flags a repeated progress text in red.
func compileEchoStyle(st *compileStyles, echo string) int {
	if echo == compileEchoSame {
		return st.colorStyle(plan.ColorRed)
	}
	return st.center
}
