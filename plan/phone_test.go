package plan

import "testing"

func TestIsPhone(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"0551-63000000", true},
		{"63000000", true},
		{"(0551) 6300 0000", true},
		{"13800000000", true},
		{"+86 138 0000 0000", true},
		{"0551-63000000转8001", true},
		{"0551-63000000 分机 12", true},
		{"0551-63000000 ext. 12", true},
		{" 0551-63000000 ", true},
		{"", false},
		{"123456", false},           // too short
		{"1234567890123456", false}, // too long
		{"张敏", false},
		{"0551-6300000x", false},
		{"0551-63000000、13800000000", false}, // one number only
		{"0551-63000000转", false},
		{"-0551-63000000", false},
		{"0551--63000000", true}, // a doubled separator is still a number
	}
	for _, tt := range tests {
		if got := IsPhone(tt.in); got != tt.want {
			t.Errorf("IsPhone(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
