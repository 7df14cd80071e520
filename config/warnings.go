package config

import (
	"fmt"

	"github.com/duban/duban/plan"
)

// Warnings returns things that are allowed but probably not meant, for the
// operator to read; they never stop duban. Nil when there are none.
//
//   - a unit that neither leads nor supports any task (it gets no mail);
//   - a year without official holiday data (the plan's year, and the next
//     one, where December's deadline falls): working days then fall back to
//     Monday to Friday plus calendar.extra_holidays / extra_workdays;
//   - TLS certificate verification turned off for SMTP or IMAP;
//   - no office.contact: units' mails then name nobody to call.
func (c *Config) Warnings() Problems {
	var ck checker
	involved := map[string]bool{}
	for _, t := range c.PlanSpec.Tasks {
		involved[t.Lead] = true
		for _, co := range t.CoUnits {
			involved[co] = true
		}
	}
	for i, u := range c.Units {
		if u.ID != "" && !involved[u.ID] {
			ck.addf(fmt.Sprintf("units[%d]", i), "unit %s neither leads nor supports any task, so it is never mailed; assign it to a task or remove it", u.ID)
		}
	}
	if y := c.PlanSpec.Year; y >= 2000 && y <= 2100 {
		cal, err := plan.NewCalendar(nil, nil)
		if err == nil {
			for _, year := range []int{y, y + 1} {
				if !cal.HasData(year) {
					ck.addf("calendar", "no official holiday data for %d; working days fall back to Monday to Friday: add that year's public holidays to calendar.extra_holidays and its make-up working days to calendar.extra_workdays", year)
				}
			}
		}
	}
	for _, tv := range []struct {
		key string
		on  bool
	}{{"mail.smtp.insecure_skip_verify", c.Mail.SMTP.InsecureSkipVerify}, {"mail.imap.insecure_skip_verify", c.Mail.IMAP.InsecureSkipVerify}} {
		if tv.on {
			ck.addf(tv.key, "TLS CERTIFICATE VERIFICATION IS OFF: anyone on the network path can read the mail and the password; install the server's certificate authority on this machine and remove the key")
		}
	}
	if c.Office.Contact == (OfficeContactConfig{}) {
		ck.addf("office.contact", "not set, so the mails to units name nobody at the office to call; add the office's contact person, e.g. {name: 张敏, phone: 0551-63000000}")
	}
	if len(ck.ps) == 0 {
		return nil
	}
	return ck.ps
}
