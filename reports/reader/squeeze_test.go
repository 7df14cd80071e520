package reader

import "testing"

// TestSqueezedIs: squeezedIs(s, w) is squeeze(s) == w.
func TestSqueezedIs(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"指标名称", "指标名称"},
		{" 指 标\n名称\u200b ", "指标名称"},
		{"指标名称（万元）", "指标名称"},
		{"指标", "指标名称"},
		{"", ""},
		{" \n", ""},
		{"a", ""},
		{"\xff指标", "\ufffd指标"},
		{"本月召开专题推进会，协调解决项目前期问题", "本月完成数"},
	} {
		if got, want := squeezedIs(tc.s, tc.want), squeeze(tc.s) == tc.want; got != want {
			t.Errorf("squeezedIs(%q, %q) = %v, squeeze says %v", tc.s, tc.want, got, want)
		}
	}
}
