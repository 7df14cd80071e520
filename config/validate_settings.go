package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/duban/duban/mail"
	"github.com/duban/duban/plan"
)

// Ranges of the schedule's working days.
const (
	maxRemindWorkday   = 10
	maxDeadlineWorkday = 20
)

func (c *Config) checkSchedule(ck *checker) {
	s := c.ScheduleSpec
	switch {
	case s.Timezone == "":
		ck.addf("schedule.timezone", "missing; write an IANA time zone such as Asia/Shanghai")
	default:
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			ck.addf("schedule.timezone", "unknown time zone %q; write an IANA name such as Asia/Shanghai", s.Timezone)
		}
	}
	remindOK := s.Remind.Workday >= 1 && s.Remind.Workday <= maxRemindWorkday
	if !remindOK {
		ck.addf("schedule.remind.workday", "%d is out of range; write a working day from 1 to %d (1 = the first working day of the month after the period)",
			s.Remind.Workday, maxRemindWorkday)
	}
	if _, _, err := parseClock(s.Remind.At); err != nil {
		ck.addf("schedule.remind.at", "%v; write a time of day as HH:MM between 00:00 and 23:59, in quotes, e.g. \"09:00\"", err)
	}
	switch d := s.Deadline.Workday; {
	case d < 1 || d > maxDeadlineWorkday:
		ck.addf("schedule.deadline.workday", "%d is out of range; write a working day from 1 to %d, not before schedule.remind.workday",
			d, maxDeadlineWorkday)
	case remindOK && d < s.Remind.Workday:
		ck.addf("schedule.deadline.workday", "%d comes before the reminders (schedule.remind.workday %d); make it %d or later",
			d, s.Remind.Workday, s.Remind.Workday)
	}
}

// checkOfficeAndChase checks the office hours and the chase ladder.
func (c *Config) checkOfficeAndChase(ck *checker) {
	s := c.ScheduleSpec
	start, startErr := clockMinutes(s.OfficeHours.Start)
	end, endErr := clockMinutes(s.OfficeHours.End)
	if startErr != nil {
		ck.addf("schedule.office_hours.start", "%v; write a time of day as HH:MM, in quotes, e.g. \"08:30\"", startErr)
	}
	if endErr != nil {
		ck.addf("schedule.office_hours.end", "%v; write a time of day as HH:MM, in quotes, e.g. \"17:30\"", endErr)
	}
	if startErr == nil && endErr == nil && end <= start {
		ck.addf("schedule.office_hours.end", "%s is not after the start %s; office hours run from start to end on the same day",
			s.OfficeHours.End, s.OfficeHours.Start)
	}
	ch := s.Chase
	if ch.BeforeDeadline < 0 || ch.BeforeDeadline > maxDeadlineWorkday {
		ck.addf("schedule.chase.before_deadline", "%d is out of range; write 0 (no reminder before the deadline) to %d working days", ch.BeforeDeadline, maxDeadlineWorkday)
	}
	if ch.MaxOverdueNotices < 0 || ch.MaxOverdueNotices > 10 {
		ck.addf("schedule.chase.max_overdue_notices", "%d is out of range; write 0 (no overdue notices) to 10", ch.MaxOverdueNotices)
	}
	if ch.MaxOverdueNotices > 1 && (ch.OverdueEveryDays < 1 || ch.OverdueEveryDays > 31) {
		ck.addf("schedule.chase.overdue_every_days", "%d is out of range; write the days between overdue notices, 1 to 31 (7 = weekly)", ch.OverdueEveryDays)
	}
}

// checkDaemon checks the daemon's cron specs and its HTTP address.
func (c *Config) checkDaemon(ck *checker) {
	for _, k := range []struct{ key, spec string }{{"daemon.collect", c.Daemon.Collect}, {"daemon.tick", c.Daemon.Tick}} {
		if _, err := cronParser.Parse(k.spec); err != nil {
			key, spec := k.key, k.spec
			ck.addf(key, "%q is not a schedule: %v; write a cron spec of 5 fields (\"*/10 * * * *\") or \"@every 5m\"", spec, err)
		}
	}
	if l := c.HTTP.Listen; l != "" {
		host, _, err := net.SplitHostPort(l)
		switch {
		case err != nil:
			ck.addf("http.listen", "%q is not host:port (%v); write e.g. \"127.0.0.1:9464\", or leave it empty for no endpoint", l, err)
		case !c.HTTP.AllowPublic && !mail.IsLoopback(host):
			ck.addf("http.listen", "%q is not a loopback address; /metrics and /healthz are for this machine. Write 127.0.0.1:PORT, or set http.allow_public: true if a firewall guards the port", l)
		}
	}
	if u := c.HTTP.PublicURL; u != "" {
		pu, err := url.Parse(u)
		switch {
		case err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "":
			ck.addf("http.public_url", "%q is not a web address; write the address people reach the desk at, e.g. \"https://duban.example.gov.cn\"", u)
		case c.HTTP.Listen == "":
			ck.addf("http.public_url", "is set but http.listen is empty: nothing would answer at %s; set http.listen (e.g. \"127.0.0.1:8080\" behind a reverse proxy)", u)
		}
	}
}

// Ranges of the colour thresholds. After June a task still 未启动 is 红
// anyway, so a start month past 6 would never show 黄.
const (
	maxColorWorkdays        = 20
	maxNotStartedAfterMonth = 6
)

// checkColors checks the thresholds of the warning colours.
func (c *Config) checkColors(ck *checker) {
	t := c.Colors.Timeliness
	if t.BlueWithinWorkdays < 0 || t.BlueWithinWorkdays > maxColorWorkdays {
		ck.addf("colors.timeliness.blue_within_workdays", "%d is out of range; write 0 (蓝 on the deadline day only) to %d working days before the deadline day, e.g. 2",
			t.BlueWithinWorkdays, maxColorWorkdays)
	}
	if t.RedAfterWorkdays < 0 || t.RedAfterWorkdays > maxColorWorkdays {
		ck.addf("colors.timeliness.red_after_workdays", "%d is out of range; write 0 (红 from the first day past the deadline) to %d working days past the deadline day, e.g. 5",
			t.RedAfterWorkdays, maxColorWorkdays)
	}
	if m := c.Colors.Progress.NotStartedAfterMonth; m < 0 || m > maxNotStartedAfterMonth {
		ck.addf("colors.progress.not_started_after_month", "%d is out of range; write a month from 0 to %d: a task still 未启动 after it is 黄 (3 = from April); from July on it is 红 anyway",
			m, maxNotStartedAfterMonth)
	}
}

// cronParser reads the daemon's specs as the scheduler does.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// clockMinutes is parseClock as minutes after midnight.
func clockMinutes(s string) (int, error) {
	h, m, err := parseClock(s)
	return h*60 + m, err
}

// parseClock parses "HH:MM" (the hour may have one digit).
func parseClock(s string) (hour, minute int, err error) {
	if s == "" {
		return 0, 0, errors.New("missing")
	}
	bad := fmt.Errorf("%q is not a time of day", s)
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !allDigits(hs) || !allDigits(ms) {
		return 0, 0, bad
	}
	hour, _ = strconv.Atoi(hs)
	minute, _ = strconv.Atoi(ms)
	if hour > 23 || minute > 59 {
		return 0, 0, bad
	}
	return hour, minute, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (c *Config) checkCalendar(ck *checker) {
	holidays := map[string]bool{}
	for i, d := range c.Calendar.ExtraHolidays {
		if checkDate(ck, fmt.Sprintf("calendar.extra_holidays[%d]", i), d) {
			holidays[d] = true
		}
	}
	for i, d := range c.Calendar.ExtraWorkdays {
		key := fmt.Sprintf("calendar.extra_workdays[%d]", i)
		if checkDate(ck, key, d) && holidays[d] {
			ck.addf(key, "%s is also in calendar.extra_holidays; a day is either a holiday or a working day, keep it in one list", d)
		}
	}
}

// checkDate reports a date that is not YYYY-MM-DD and tells whether it is.
func checkDate(ck *checker, key, d string) bool {
	if _, err := time.Parse(plan.DateLayout, d); err != nil {
		ck.addf(key, "%q is not a date; write it as YYYY-MM-DD, e.g. 2023-10-09", d)
		return false
	}
	return true
}

func (c *Config) checkMail(ck *checker) {
	m := c.Mail
	ck.checkEmail("mail.from.email", m.From.Email, false)
	if d := m.MessageIDDomain; d != "" && (strings.ContainsAny(d, "@<> \t") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".")) {
		ck.addf("mail.message_id_domain", "%q is not a domain name; write one like metro.example, without @", d)
	}
	if dir := m.TemplatesDir; dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			ck.addf("mail.templates_dir", "%s is not a folder; create it, or leave the key empty to use the built-in texts", dir)
		}
	}
	if m.SMTP.Host != "" {
		checkServer(ck, "mail.smtp", m.SMTP.Host, m.SMTP.Port, m.SMTP.TLS, "465", "587")
	}
	if m.IMAP.Host != "" {
		checkServer(ck, "mail.imap", m.IMAP.Host, m.IMAP.Port, m.IMAP.TLS, "993", "143")
		if m.IMAP.Folder == "" {
			ck.addf("mail.imap.folder", "missing; write the mailbox folder replies arrive in, usually INBOX")
		}
	}
}

// checkServer checks the port and TLS mode of a mail server whose host is
// set. Plain text (insecure-plain) is for a server on this machine only: a
// local Postfix relay, a local Dovecot.
func checkServer(ck *checker, section, host string, port int, tls, implicitPort, starttlsPort string) {
	if port < 1 || port > 65535 {
		ck.addf(section+".port", "%d is not a port; write the server's port, usually %s for implicit TLS or %s for STARTTLS",
			port, implicitPort, starttlsPort)
	}
	switch mode := mail.TLSMode(tls); mode {
	case mail.TLSImplicit, mail.TLSStartTLS:
	case mail.TLSPlain:
		if err := mode.Check(host); err != nil {
			ck.addf(section+".tls", "%s is allowed only for a server on this machine (localhost, 127.0.0.1); use %s or %s for %s",
				mail.TLSPlain, mail.TLSImplicit, mail.TLSStartTLS, host)
		}
	default:
		ck.addf(section+".tls", "%q is not a TLS mode; write %s (usually port %s) or %s (usually port %s); %s only for a server on this machine",
			tls, mail.TLSImplicit, implicitPort, mail.TLSStartTLS, starttlsPort, mail.TLSPlain)
	}
}

func (c *Config) checkStorageAndLimits(ck *checker) {
	if c.Storage.DataDir == "" {
		ck.addf("storage.data_dir", "missing; write the folder for the ledger and the archive, e.g. %s", defaults().Storage.DataDir)
	}
	all := defaults()
	d := all.Limits
	if c.Limits.MaxAttachmentBytes <= 0 {
		ck.addf("limits.max_attachment_bytes", "%d is not a size; write a positive number of bytes, e.g. %d (10 MiB)",
			c.Limits.MaxAttachmentBytes, d.MaxAttachmentBytes)
	}
	if c.Limits.MaxUnzipBytes <= 0 {
		ck.addf("limits.max_unzip_bytes", "%d is not a size; write a positive number of bytes, e.g. %d (100 MiB)",
			c.Limits.MaxUnzipBytes, d.MaxUnzipBytes)
	}
	if c.Limits.MaxTextChars <= 0 {
		ck.addf("limits.max_text_chars", "%d is not a length; write a positive number of characters, e.g. %d",
			c.Limits.MaxTextChars, d.MaxTextChars)
	}
	if c.Limits.MaxMessageBytes < 0 {
		ck.addf("limits.max_message_bytes", "%d is not a size; write a positive number of bytes, or 0 for four times limits.max_attachment_bytes",
			c.Limits.MaxMessageBytes)
	}
	for _, n := range []struct {
		key       string
		got, want int64
		what      string
	}{
		{"limits.max_header_bytes", int64(c.Limits.MaxHeaderBytes), int64(d.MaxHeaderBytes), "bytes"},
		{"limits.max_mime_parts", int64(c.Limits.MaxMIMEParts), int64(d.MaxMIMEParts), "parts"},
		{"limits.max_mime_depth", int64(c.Limits.MaxMIMEDepth), int64(d.MaxMIMEDepth), "levels"},
		{"limits.max_attachments", int64(c.Limits.MaxAttachments), int64(d.MaxAttachments), "files"},
		{"limits.max_batch_bytes", c.Limits.MaxBatchBytes, d.MaxBatchBytes, "bytes"},
		{"limits.quarantine_bytes", c.Limits.QuarantineBytes, d.QuarantineBytes, "bytes"},
		{"limits.sender_messages_per_hour", int64(c.Limits.SenderMessagesPerHour), int64(d.SenderMessagesPerHour), "messages"},
		{"limits.max_sheet_rows", int64(c.Limits.MaxSheetRows), int64(d.MaxSheetRows), "rows"},
		{"limits.max_sheet_columns", int64(c.Limits.MaxSheetColumns), int64(d.MaxSheetColumns), "columns"},
		{"limits.max_xml_depth", int64(c.Limits.MaxXMLDepth), int64(d.MaxXMLDepth), "levels"},
		{"limits.max_xml_elements", int64(c.Limits.MaxXMLElements), int64(d.MaxXMLElements), "elements"},
		{"limits.max_shared_strings", int64(c.Limits.MaxSharedStrings), int64(d.MaxSharedStrings), "strings"},
		{"limits.max_workbook_text_bytes", c.Limits.MaxWorkbookTextBytes, d.MaxWorkbookTextBytes, "bytes"},
		{"retention.quarantine_days", int64(c.Retention.QuarantineDays), int64(all.Retention.QuarantineDays), "days"},
	} {
		if n.got <= 0 {
			ck.addf(n.key, "%d is not a limit; write a positive number of %s, e.g. %d (the default)", n.got, n.what, n.want)
		}
	}
	if c.Limits.MaxCellsOutside < 0 {
		ck.addf("limits.max_cells_outside", "%d is not a count; write 0 or more, e.g. %d (the default)", c.Limits.MaxCellsOutside, d.MaxCellsOutside)
	}
	if c.Limits.MaxSheetColumns > 16384 {
		ck.addf("limits.max_sheet_columns", "%d is more columns than a sheet has (16384); write e.g. %d", c.Limits.MaxSheetColumns, d.MaxSheetColumns)
	}
}
