package plan

import "testing"

func TestNumeral(t *testing.T) {
	for n, want := range map[int]string{
		1: "一", 8: "八", 10: "十", 11: "十一", 20: "二十", 26: "二十六", 99: "九十九",
		100: "一百", 105: "一百零五", 110: "一百一十", 115: "一百一十五", 999: "九百九十九",
		0: "0", -3: "-3", 1000: "1000",
	} {
		if got := Numeral(n); got != want {
			t.Errorf("Numeral(%d) = %q, want %q", n, got, want)
		}
	}
}

// CategoryHeading numbers categories by their place in the configuration
// (a duplicate id counts once) and drops a number the configuration wrote.
func TestCategoryHeading(t *testing.T) {
	p := &Plan{Categories: []Category{
		{ID: "C1", Name: "一、推进规划统筹一体化"},
		{ID: "C2", Name: "推进基础设施一体化"},
		{ID: "C1", Name: "重复"},
		{ID: "C3", Name: " 3. 推进产业协同一体化 "},
		{ID: "C4", Name: "十一是个名字"},
	}}
	for id, want := range map[string]string{
		"C1": "一、推进规划统筹一体化",
		"C2": "二、推进基础设施一体化",
		"C3": "三、推进产业协同一体化",
		"C4": "四、十一是个名字",
		"C9": "",
	} {
		if got := p.CategoryHeading(id); got != want {
			t.Errorf("CategoryHeading(%s) = %q, want %q", id, got, want)
		}
	}
}
