package bulletin

import "strings"

// A 公文 title that does not fit one line is broken so that every line
// keeps its words whole (GB/T 9704 §7.3.3: 回行时，要做到词意完整). A word
// processor breaks where the line is full, which may be in the middle of
// 一体化 or of a number; this file decides the breaks instead and writes
// them as line breaks.

// titleWord is a piece of the title a line may not split. quoted marks a
// word inside the 书名号 after its first: breaking before it splits the
// plan's name, which is allowed but avoided.
type titleWord struct {
	text   string
	quoted bool
}

// planSuffixes are the nouns a plan's name ends with; a title may break
// before them: 《2023年推进都市圈一体化建设 | 工作要点》.
var planSuffixes = []string{"工作要点", "工作方案", "实施方案", "行动方案", "行动计划", "工作计划", "任务清单"}

// titleLines is the bulletin's title, 关于2023年5月《…》推进情况的通报, in
// the lines it is printed in: at most titleWidth half-width characters each
// where the words allow it.
func titleLines(in Input) []string {
	words := []titleWord{{text: "关于"}}
	if period := line(in.Period); period != "" {
		words = append(words, titleWord{text: period})
	}
	words = append(words, planWords(line(in.PlanTitle))...)
	words = append(words, titleWord{text: "推进情况的通报"})
	return breakTitle(words, titleWidth)
}

// planWords is the plan's name in 书名号, in the words a title may break
// between: a leading year (2023年), the name, and a closing noun of
// planSuffixes.
func planWords(name string) []titleWord {
	name = strings.TrimSuffix(strings.TrimPrefix(name, "《"), "》")
	if name == "" {
		return nil
	}
	var words []string
	if n := leadingYear(name); n > 0 && n < len(name) {
		words, name = append(words, name[:n]), name[n:]
	}
	suffix := ""
	for _, s := range planSuffixes {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			suffix, name = s, strings.TrimSuffix(name, s)
			break
		}
	}
	words = append(words, name)
	if suffix != "" {
		words = append(words, suffix)
	}
	words[0] = "《" + words[0]
	words[len(words)-1] += "》"
	out := make([]titleWord, len(words))
	for i, w := range words {
		out[i] = titleWord{text: w, quoted: i > 0}
	}
	return out
}

// leadingYear is the length of the year s starts with ("2023年"), or 0.
func leadingYear(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(s[i:], "年") {
		return 0
	}
	return i + len("年")
}

// titleCost ranks a way of breaking the title, smaller first: the width
// that sticks out of lines too long, the number of lines, the breaks inside
// the 书名号, then the longest line (balanced lines before one long and one
// short).
type titleCost struct{ overflow, lines, quoted, longest int }

func (c titleCost) less(d titleCost) bool {
	switch {
	case c.overflow != d.overflow:
		return c.overflow < d.overflow
	case c.lines != d.lines:
		return c.lines < d.lines
	case c.quoted != d.quoted:
		return c.quoted < d.quoted
	}
	return c.longest < d.longest
}

// breakTitle joins words into lines of at most width half-width characters,
// trying every set of breaks between words and keeping the cheapest. A title
// has at most six words (关于, the period, three of the plan's name, the
// ending), so that is at most 32 ways.
func breakTitle(words []titleWord, width int) []string {
	var best []string
	var bestCost titleCost
	for breaks := 0; breaks < 1<<(len(words)-1); breaks++ {
		lines := []string{words[0].text}
		var cost titleCost
		for i, w := range words[1:] {
			if breaks&(1<<i) != 0 {
				lines = append(lines, w.text)
				if w.quoted {
					cost.quoted++
				}
			} else {
				lines[len(lines)-1] += w.text
			}
		}
		cost.lines = len(lines)
		for _, l := range lines {
			w := halfWidths(l)
			cost.overflow += max(0, w-width)
			cost.longest = max(cost.longest, w)
		}
		if best == nil || cost.less(bestCost) {
			best, bestCost = lines, cost
		}
	}
	return best
}

// halfWidths is how wide s prints, in half-width characters: ASCII takes
// one, a Chinese character or full-width punctuation two.
func halfWidths(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 {
			n++
		} else {
			n += 2
		}
	}
	return n
}
