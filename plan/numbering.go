package plan

import (
	"regexp"
	"strconv"
	"strings"
)

// The plan document's own numbering: categories 一、二、… in config order,
// tasks 1. 2. … across the whole plan (TaskNumber).

// Numeral writes n (1…999) in Chinese numerals, the way plan documents
// number their parts: 一, 十, 十一, 二十, 一百零五, 一百一十. Other numbers
// are written in digits.
func Numeral(n int) string {
	if n <= 0 || n > 999 {
		return strconv.Itoa(n)
	}
	const digits = "零一二三四五六七八九" // 3 bytes each in UTF-8
	digit := func(d int) string { return digits[3*d : 3*d+3] }
	hundreds, tens, units := n/100, n/10%10, n%10
	var b strings.Builder
	if hundreds > 0 {
		b.WriteString(digit(hundreds) + "百")
	}
	switch {
	case tens == 1 && hundreds == 0: // 十二, not 一十二
		b.WriteString("十")
	case tens > 0:
		b.WriteString(digit(tens) + "十")
	case hundreds > 0 && units > 0: // 一百零五
		b.WriteString("零")
	}
	if units > 0 {
		b.WriteString(digit(units))
	}
	return b.String()
}

// numberedName matches a number the configuration wrote before a
// category's name ("一、", "3.").
var numberedName = regexp.MustCompile(`^\s*[零一二三四五六七八九十百0-9]+\s*[、.．]\s*`)

// CategoryHeading is a category's heading as the plan document writes it:
// its numeral by its place among the configured categories and its name
// without any number the configuration gave it, e.g. 一、推进规划统筹一体化.
// It is "" for an unknown category.
func (p *Plan) CategoryHeading(id string) string {
	seen := make(map[string]bool, len(p.Categories))
	for _, c := range p.Categories {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		if c.ID == id {
			return Numeral(len(seen)) + "、" + strings.TrimSpace(numberedName.ReplaceAllString(c.Name, ""))
		}
	}
	return ""
}
