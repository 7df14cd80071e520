package reports

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

// WrappedLines estimates from each paragraph's width; TextLines counts
// as a spreadsheet wraps, never less.
func TestLineCounts(t *testing.T) {
	tests := []struct {
		text           string
		width          float64
		wrapped, lines int
	}{
		{"", 10, 1, 1},
		{"abc", 10, 1, 1},
		{"一二三四五", 11, 1, 1}, // 10 units in 10 usable
		{"一二三四五六", 11, 2, 2},
		{"a\nb\nc", 40, 3, 3},
		{"a\n\nb", 40, 3, 3},
		{"a一二三四五", 11, 2, 2},      // 11 units: 五 does not fit the 10 usable
		{"一二三四五六七八九十", 12, 2, 2},  // 11 usable: 5 a line
		{"一二三四五六七八九十十", 12, 2, 3}, // 22 units in 11 usable, but 5 a line
	}
	for _, tc := range tests {
		if got := WrappedLines(tc.text, tc.width); got != tc.wrapped {
			t.Errorf("WrappedLines(%q, %g) = %d, want %d", tc.text, tc.width, got, tc.wrapped)
		}
		if got := TextLines(tc.text, tc.width); got != tc.lines {
			t.Errorf("TextLines(%q, %g) = %d, want %d", tc.text, tc.width, got, tc.lines)
		}
	}
}

// SplitLines keeps every character, in order, in parts that each fit,
// cutting after a sentence where one ends near the cut.
func TestSplitLines(t *testing.T) {
	sentence := "推进都市圈一体化建设取得积极进展。" // 17 characters
	tests := []struct {
		name     string
		text     string
		maxLines int
		want     []string
	}{
		{"empty", "", 3, nil},
		{"fits", "一二三", 3, []string{"一二三"}},
		{"at a sentence", strings.Repeat(sentence, 4), 4, // 10 a line: 7 lines
			[]string{sentence + sentence, sentence + sentence}},
		{"a sentence too early: at the line", strings.Repeat(sentence, 4), 3,
			[]string{strings.Repeat(sentence, 2)[:90], strings.Repeat(sentence, 4)[90:153], strings.Repeat(sentence, 4)[153:]}},
		{"no sentence: at the line", strings.Repeat("一二三四五六七八九十", 4), 3,
			[]string{strings.Repeat("一二三四五六七八九十", 3), "一二三四五六七八九十"}},
		{"at a line break", "一\n二\n三\n四", 2, []string{"一\n二", "三\n四"}},
		{"blank lines dropped", "一\n\n\n\n\n二", 2, []string{"一", "二"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitLines(tc.text, 21, tc.maxLines)
			if !slices.Equal(got, tc.want) {
				t.Errorf("SplitLines = %q, want %q", got, tc.want)
			}
			for _, part := range got {
				if n := TextLines(part, 21); n > tc.maxLines {
					t.Errorf("part %q has %d lines, more than %d", part, n, tc.maxLines)
				}
			}
		})
	}
}

func TestBeforeMax(t *testing.T) {
	may := plan.Period{Year: 2023, Month: time.May}
	if got := BeforeMax(plan.Indicator{Min: 1}, may); got != 4*CountMax {
		t.Errorf("BeforeMax(no monthly bound, May) = %d, want %d", got, 4*CountMax)
	}
	if got := BeforeMax(plan.Indicator{Min: 1, PerMonthMax: 2}, may); got != 8 {
		t.Errorf("BeforeMax(2 a month, May) = %d, want 8", got)
	}
	if got := BeforeMax(plan.Indicator{Min: 1, PerMonthMax: 2}, plan.Period{Year: 2023, Month: time.January}); got != 0 {
		t.Errorf("BeforeMax(January) = %d, want 0", got)
	}
}

func TestAskBefore(t *testing.T) {
	ind := plan.Indicator{TaskID: "T03", Name: "联席会"}
	may, april := plan.Period{Year: 2023, Month: time.May}, plan.Period{Year: 2023, Month: time.April}
	counted := []plan.Answer{{TaskID: "T03", Counts: map[string]int{"联席会": 0}}}
	declared := []plan.Answer{{TaskID: "T03", Before: map[string]int{"联席会": 2}}}
	other := []plan.Answer{{TaskID: "T03", Counts: map[string]int{"交流活动": 1}}, {TaskID: "T04"}}
	tests := []struct {
		name       string
		p          plan.Period
		last       []plan.Answer
		lastPeriod plan.Period
		want       bool
	}{
		{"no earlier report", may, nil, plan.Period{}, true},
		{"January: nothing before", plan.Period{Year: 2023, Month: time.January}, nil, plan.Period{}, false},
		{"counted in April", may, counted, april, false},
		{"declared in April", may, declared, april, false},
		{"April without it", may, other, april, true},
		{"last year's report", may, counted, plan.Period{Year: 2022, Month: time.December}, true},
	}
	for _, tc := range tests {
		if got := AskBefore(ind, tc.p, tc.last, tc.lastPeriod); got != tc.want {
			t.Errorf("AskBefore(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
