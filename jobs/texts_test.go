package jobs

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/plan"
	"github.com/duban/duban/templates"
)

// isoDate is a date written the machine's way, never in prose.
var isoDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// offRegister says what in a text a unit or the office reads breaks the
// office's register (issue 14, item 5); "" when nothing does. The deadline
// is the end of its day, so 下班前 is always wrong.
func offRegister(s string) string {
	switch {
	case strings.Contains(strings.ToLower(s), "duban"):
		return "names the program"
	case isoDate.MatchString(s):
		return "writes the date " + isoDate.FindString(s) + " the machine's way"
	case strings.Contains(s, "您单位"):
		return "says 您单位, not 贵单位"
	case strings.Contains(s, "下班前"):
		return "says 下班前 of a deadline at the end of the day"
	}
	return ""
}

// checkRegister holds a message a unit or the office reads, and its
// attachments' names, to the office's register.
func checkRegister(t *testing.T, m *inbound.Message) {
	t.Helper()
	text := m.Subject + "\n" + m.Text
	for _, f := range m.Files {
		text += "\n" + f.Name
	}
	if why := offRegister(text); why != "" {
		t.Errorf("%q %s:\n%s", m.Subject, why, text)
	}
}

// A reminder lists the tasks to report and never one closed out (销号):
// that one is only counted, as the template shows it greyed and asks
// nothing. Every mail of the run is in the office's register and ends with
// the office's contact.
func TestReminderListsNoClosedTask(t *testing.T) {
	ctx := t.Context()
	c, clock, out, _ := mailCycle(t)
	c.Mail.Contact = templates.OfficeContact{Name: "综合处张敏", Phone: "0551-63000000"}
	c.Mail.Operator = mail.Address{Name: "信息中心值班", Email: "it.duty@metro.example"}
	apr, may := plan.Period{Year: 2023, Month: time.April}, plan.Period{Year: 2023, Month: time.May}

	clock.Set(at(t, c, "2023-05-05 10:00"))
	mustIngest(t, c, filled(t, c, "fgw", apr, answersWith(c, "fgw", "四月", "T02", plan.StatusDone)), "fgw-apr.xlsx")
	if _, err := c.CloseTask(ctx, "T02", apr, "课题研究已结题", false); err != nil {
		t.Fatal(err)
	}
	clock.Set(c.Schedule.RemindAt(may))
	if _, err := c.Remind(ctx, may, RemindOptions{}); err != nil {
		t.Fatal(err)
	}

	var reminder *inbound.Message
	for _, m := range sent(t, out)["zhang.wei@fgw.metro.example"] {
		if strings.HasPrefix(m.Subject, "【报送提醒】") {
			reminder = m
		}
	}
	if reminder == nil {
		t.Fatal("fgw got no reminder for May")
	}
	if !strings.Contains(reminder.Text, "1. 加快规划报批实施") || !strings.Contains(reminder.Text, "共1项") {
		t.Errorf("fgw's reminder does not list its open task T01 alone:\n%s", reminder.Text)
	}
	if strings.Contains(reminder.Text, "T02") || strings.Contains(reminder.Text, "深化重大课题研究") {
		t.Errorf("fgw's reminder lists T02, closed out in April:\n%s", reminder.Text)
	}
	if !strings.Contains(reminder.Text, "另有1项任务已销号") {
		t.Errorf("fgw's reminder does not say a task is closed:\n%s", reminder.Text)
	}
	for _, want := range []string{"请贵单位于2023年6月7日（星期三）24时前报送", "如有疑问，请联系都市圈办公室综合处张敏，电话0551-63000000。\n\n都市圈办公室\n"} {
		if !strings.Contains(reminder.Text, want) {
			t.Errorf("fgw's reminder does not say %q:\n%s", want, reminder.Text)
		}
	}
	for _, msgs := range sent(t, out) {
		for _, m := range msgs {
			checkRegister(t, m)
		}
	}
}

// The words of dates and times in mail: a day with its weekday, a moment
// in 时 and 分, a deadline at the end of its day as 24时.
func TestWords(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	wed := time.Date(2023, time.June, 7, 9, 5, 0, 0, loc)
	for _, tt := range []struct{ got, want string }{
		{dateCN(wed), "2023年6月7日（星期三）"},
		{timeCN(wed), "2023年6月7日9时05分"},
		{shortTimeCN(wed.Add(14 * time.Hour)), "6月7日23时05分"},
		{dueCN(time.Date(2023, time.June, 7, 0, 0, 0, 0, loc)), "2023年6月7日（星期三）24时"},
		{dueByCN(time.Date(2023, time.June, 8, 0, 0, 0, 0, loc)), "2023年6月7日（星期三）24时"},
		{dueByCN(time.Date(2023, time.June, 7, 17, 30, 0, 0, loc)), "2023年6月7日（星期三）17时30分"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
