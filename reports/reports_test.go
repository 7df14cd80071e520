package reports

import "testing"

func TestNoIssue(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true}, {"  ", true}, {"无", true}, {"无。", true}, {"暂无", true}, {"暂无问题。", true},
		{"无法按期开工", false}, {"资金不足", false},
	}
	for _, tc := range tests {
		if got := NoIssue(tc.in); got != tc.want {
			t.Errorf("NoIssue(%q) = %t, want %t", tc.in, got, tc.want)
		}
	}
}
