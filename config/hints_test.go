package config

import (
	"strings"
	"testing"
)

func TestIsSlug(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"fgw", true},
		{"a", true},
		{"jt_j-2", true},
		{"a" + strings.Repeat("b", 31), true},
		{"a" + strings.Repeat("b", 32), false},
		{"", false},
		{"FGW", false},
		{"2fgw", false},
		{"_fgw", false},
		{"fg w", false},
		{"发改委", false},
	}
	for _, tt := range tests {
		if got := isSlug(tt.in); got != tt.want {
			t.Errorf("isSlug(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in         string
		h, m       int
		wantErr    bool
		wantErrMsg string
	}{
		{in: "09:00", h: 9},
		{in: "9:05", h: 9, m: 5},
		{in: "00:00"},
		{in: "23:59", h: 23, m: 59},
		{in: "24:00", wantErr: true},
		{in: "12:60", wantErr: true},
		{in: "9", wantErr: true},
		{in: "9:5", wantErr: true},
		{in: "+9:00", wantErr: true},
		{in: "009:00", wantErr: true},
		{in: "", wantErr: true, wantErrMsg: "missing"},
	}
	for _, tt := range tests {
		h, m, err := parseClock(tt.in)
		if (err != nil) != tt.wantErr || h != tt.h || m != tt.m {
			t.Errorf("parseClock(%q) = %d, %d, %v; want %d, %d, error %v", tt.in, h, m, err, tt.h, tt.m, tt.wantErr)
		}
		if tt.wantErrMsg != "" && (err == nil || err.Error() != tt.wantErrMsg) {
			t.Errorf("parseClock(%q) error = %v, want %q", tt.in, err, tt.wantErrMsg)
		}
	}
}

func TestClosest(t *testing.T) {
	ids := []string{"fgw", "jtj", "kjj"}
	tests := []struct{ in, want string }{
		{"jtjj", "jtj"},
		{"FGW", "fgw"},
		{"x", ""},
		{"sthjj", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.in, ids); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
