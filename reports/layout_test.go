package reports

import "testing"

func TestWrappedLines(t *testing.T) {
	tests := []struct {
		text  string
		width float64
		want  int
	}{
		{"", 10, 1},
		{"abc", 10, 1},
		{"一二三四五", 11, 1}, // 10 units in 10 usable
		{"一二三四五六", 11, 2},
		{"a\nb\nc", 40, 3},
	}
	for _, tc := range tests {
		if got := WrappedLines(tc.text, tc.width); got != tc.want {
			t.Errorf("WrappedLines(%q, %g) = %d, want %d", tc.text, tc.width, got, tc.want)
		}
	}
}
