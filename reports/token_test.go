package reports

import (
	"strings"
	"testing"
)

// The plan title and the secret the templates of the tests are signed with.
const tPlanTitle = "2023年推进都市圈一体化建设工作要点"

var tSecret = []byte("test-secret")

func TestSignValid(t *testing.T) {
	base := Meta{Version: TemplateVersion, Plan: tPlanTitle, Period: "2023-05", Unit: "jtj"}
	base.Token = Sign(tSecret, base)
	if len(base.Token) != tokenChars {
		t.Fatalf("Sign() = %q, want %d characters", base.Token, tokenChars)
	}
	if Sign(tSecret, base) != base.Token {
		t.Fatalf("Sign() is not deterministic")
	}
	tests := []struct {
		name   string
		edit   func(m *Meta)
		secret []byte
		want   bool
	}{
		{"as signed", func(m *Meta) {}, tSecret, true},
		{"other secret", func(m *Meta) {}, []byte("other"), false},
		{"version changed", func(m *Meta) { m.Version = "3" }, tSecret, false},
		{"plan changed", func(m *Meta) { m.Plan += " " }, tSecret, false},
		{"period changed", func(m *Meta) { m.Period = "2023-04" }, tSecret, false},
		{"unit changed", func(m *Meta) { m.Unit = "fgw" }, tSecret, false},
		{"fields shifted", func(m *Meta) { m.Plan, m.Period = m.Plan+"2023-05", "" }, tSecret, false},
		{"token truncated", func(m *Meta) { m.Token = m.Token[:tokenChars-1] }, tSecret, false},
		{"token lower case", func(m *Meta) { m.Token = strings.ToLower(m.Token) }, tSecret, false},
		{"token empty", func(m *Meta) { m.Token = "" }, tSecret, false},
	}
	for _, tc := range tests {
		m := base
		tc.edit(&m)
		if got := m.Valid(tc.secret); got != tc.want {
			t.Errorf("%s: Meta%+v.Valid() = %v, want %v", tc.name, m, got, tc.want)
		}
	}
}
