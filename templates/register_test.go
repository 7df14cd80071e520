package templates

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// isoDate is a date written the machine's way, 2023-06-07, never in prose.
var isoDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// TestRegister renders every message to a unit or to the office and holds
// it to the office's register (issue 14, item 5), in the subject, the text
// and the html alike: the program is never named, no date is ISO, a unit is
// 贵单位 (您 only for a sender matched to no unit), no deadline says 下班前
// (it is the end of the day, 24时), every mail to a unit ends with the
// office's contact when one is configured and is signed with the office's
// name only.
func TestRegister(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range goldenCases() {
		seen[c.tmpl] = true
		if c.tmpl == OperatorNote {
			continue // for IT staff: technical, English, names the program
		}
		t.Run(c.name, func(t *testing.T) {
			r, err := set.Render(c.tmpl, c.data)
			if err != nil {
				t.Fatal(err)
			}
			parts := map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML}
			for part, s := range parts {
				if strings.Contains(strings.ToLower(s), "duban") {
					t.Errorf("%s names the program:\n%s", part, s)
				}
				if d := isoDate.FindString(s); d != "" {
					t.Errorf("%s writes the date %s the machine's way:\n%s", part, d, s)
				}
				for _, bad := range []string{"您单位", "下班前", "报送系统", "系统管理员", "quarantine"} {
					if strings.Contains(s, bad) {
						t.Errorf("%s says %q:\n%s", part, bad, s)
					}
				}
			}
			unit, office, ct := dataFields(c.data)
			if unit != "" && strings.Contains(r.Text+r.HTML, "您") {
				t.Errorf("a mail to %s says 您; a unit is 贵单位:\n%s", unit, r.Text)
			}
			if unit == "" && c.tmpl != Compiled && c.tmpl != Digest && c.tmpl != OfficeNote && !strings.HasPrefix(r.Text, "您好：") {
				t.Errorf("a mail to a sender matched to no unit opens %q, want 您好：", firstLine(r.Text))
			}
			for _, w := range []string{"贵单位", "您"} {
				if strings.Contains(r.Text, w) != strings.Contains(r.HTML, w) {
					t.Errorf("the text and the html disagree on %q:\n%s\n%s", w, r.Text, r.HTML)
				}
			}
			if ct == nil {
				return // to the office: no contact line, no signature
			}
			line := ct.Sentence(office)
			for part, s := range map[string]string{"text": r.Text, "html": r.HTML} {
				if line != "" && !strings.Contains(s, line) {
					t.Errorf("%s does not end with the office's contact %q:\n%s", part, line, s)
				}
				if line == "" && strings.Contains(s, "如有疑问") {
					t.Errorf("%s names a contact though none is configured:\n%s", part, s)
				}
			}
			if !strings.Contains(r.Text, "\n\n"+office+"\n（本邮件由系统自动发送") {
				t.Errorf("text is not signed with the office's name alone:\n%s", r.Text)
			}
		})
	}
	for _, name := range Names {
		if !seen[name] {
			t.Errorf("message %s has no case in goldenCases", name)
		}
	}
}

// dataFields reads a message's Unit, Office and Contact fields; contact is
// nil for a message without one (those to the office).
func dataFields(data any) (unit, office string, contact *OfficeContact) {
	v := reflect.ValueOf(data)
	if f := v.FieldByName("Unit"); f.IsValid() {
		unit = f.String()
	}
	if f := v.FieldByName("Office"); f.IsValid() {
		office = f.String()
	}
	if f := v.FieldByName("Contact"); f.IsValid() {
		ct := f.Interface().(OfficeContact)
		contact = &ct
	}
	return unit, office, contact
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestOfficeContactSentence(t *testing.T) {
	tests := []struct {
		c    OfficeContact
		want string
	}{
		{OfficeContact{}, ""},
		{OfficeContact{Name: "张敏", Phone: "0551-63000000"}, "如有疑问，请联系都市圈办公室张敏，电话0551-63000000。"},
		{OfficeContact{Name: "综合处张敏", Phone: "0551-63000000转8001", Email: "zhang.min@metro.example"},
			"如有疑问，请联系都市圈办公室综合处张敏，电话0551-63000000转8001，邮箱zhang.min@metro.example。"},
	}
	for _, tt := range tests {
		if got := tt.c.Sentence("都市圈办公室"); got != tt.want {
			t.Errorf("%+v.Sentence() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// The operator's note is plain text: no html part, and an override folder
// need not hold one.
func TestOperatorNoteIsPlainText(t *testing.T) {
	set, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Render(OperatorNote, OperatorNoteData{Title: "test", Lines: []string{"line one"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.HTML != "" || r.Subject != "[duban] test" || !strings.Contains(r.Text, "line one") {
		t.Errorf("Render(operator_note) = %+v, want a plain-text note", r)
	}
}
