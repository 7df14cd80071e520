// Package config loads duban's one YAML file, lets the environment override
// it, checks it, and turns it into the domain types of package plan.
//
// # Environment overrides
//
// Every scalar key can be overridden by an environment variable named
// DUBAN_ followed by the key path in upper case with "." replaced by "_":
// mail.smtp.password is DUBAN_MAIL_SMTP_PASSWORD, storage.data_dir is
// DUBAN_STORAGE_DATA_DIR, schedule.remind.at is DUBAN_SCHEDULE_REMIND_AT.
// This works whether or not the key appears in the file. Lists of plain
// strings (calendar.extra_holidays, calendar.extra_workdays) take a
// comma-separated value, which replaces the whole list.
//
// Lists of records — plan.categories, plan.tasks, units (with their contacts
// and cc), office.recipients — cannot be overridden by the environment, neither
// whole nor element by element: edit the file for those. An environment
// variable set to the empty string counts as unset.
package config

// EmbeddedSource is Config.Source when the embedded example was loaded.
const EmbeddedSource = "embedded:config/examples/metro-2023.yaml"

// Config is the whole configuration file. Keys are snake_case; see the
// embedded example (Example) for a complete, commented file.
//
// The plan and schedule sections live in PlanSpec and ScheduleSpec because
// the methods Plan and Schedule return their domain forms.
type Config struct {
	PlanSpec     PlanConfig      `mapstructure:"plan"`
	Units        []UnitConfig    `mapstructure:"units"`
	Office       OfficeConfig    `mapstructure:"office"`
	ScheduleSpec ScheduleConfig  `mapstructure:"schedule"`
	Calendar     CalendarConfig  `mapstructure:"calendar"`
	Mail         MailConfig      `mapstructure:"mail"`
	Storage      StorageConfig   `mapstructure:"storage"`
	Limits       LimitsConfig    `mapstructure:"limits"`
	Security     SecurityConfig  `mapstructure:"security"`
	Retention    RetentionConfig `mapstructure:"retention"`
	Daemon       DaemonConfig    `mapstructure:"daemon"`
	HTTP         HTTPConfig      `mapstructure:"http"`
	Colors       ColorsConfig    `mapstructure:"colors"`
	// Operator is the IT staff who run duban: technical notes (a message
	// that could not be delivered, where the messages set aside are and
	// how to take one in) go to this address, never to the office.
	// Optional: without it they are only logged.
	Operator AddressConfig `mapstructure:"operator"`

	// Source says where the configuration came from: the file path, or
	// EmbeddedSource when no file was given and ./duban.yaml does not exist.
	Source string `mapstructure:"-"`
	// Embedded is true when the embedded example was loaded.
	Embedded bool `mapstructure:"-"`

	// unknown holds the paths of keys in the file that match no field;
	// Validate reports them.
	unknown []string
}

// PlanConfig is the yearly work plan: its categories and numbered tasks.
type PlanConfig struct {
	Title      string           `mapstructure:"title"`
	Year       int              `mapstructure:"year"`
	Categories []CategoryConfig `mapstructure:"categories"`
	Tasks      []TaskConfig     `mapstructure:"tasks"`
}

// CategoryConfig is one heading of the plan, e.g. {C1, 推进规划统筹一体化}.
type CategoryConfig struct {
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
}

// TaskConfig is one numbered item of the plan. Lead and CoUnits are unit ids.
type TaskConfig struct {
	ID          string   `mapstructure:"id"`
	Category    string   `mapstructure:"category"`
	Title       string   `mapstructure:"title"`
	Requirement string   `mapstructure:"requirement"`
	Lead        string   `mapstructure:"lead"`
	CoUnits     []string `mapstructure:"co_units"`
	// Indicators are the quantified targets the plan text sets for the
	// task; its lead unit reports each month's count.
	Indicators []IndicatorConfig `mapstructure:"indicators"`
}

// IndicatorConfig is one quantified target of a task, counted over the plan
// year: 至少1次 is min 1; 2—3次 is min 2, max 3.
type IndicatorConfig struct {
	Name string `mapstructure:"name"`
	// Unit is the unit of count, 次 when empty.
	Unit string `mapstructure:"unit"`
	Min  int    `mapstructure:"min"`
	Max  int    `mapstructure:"max"`
	// PerMonthMax is the most that can happen in one month; it decides when
	// the target is out of reach (红). 0: no limit, red only at year end.
	PerMonthMax int `mapstructure:"per_month_max"`
}

// UnitConfig is a bureau. Contacts may send reports and receive reminders;
// CC addresses are copied on the unit's mail but are not accepted as senders.
type UnitConfig struct {
	ID       string          `mapstructure:"id"`
	Name     string          `mapstructure:"name"`
	Contacts []ContactConfig `mapstructure:"contacts"`
	CC       []AddressConfig `mapstructure:"cc"`
	// Domains are mail domains whose every address counts as this unit's
	// (for units whose staff change often); contacts are preferred.
	Domains []string `mapstructure:"domains"`
}

// ContactConfig is a person at a unit.
type ContactConfig struct {
	Name  string `mapstructure:"name"`
	Email string `mapstructure:"email"`
	Phone string `mapstructure:"phone"`
}

// AddressConfig is a named email address.
type AddressConfig struct {
	Name  string `mapstructure:"name"`
	Email string `mapstructure:"email"`
}

// OfficeConfig is the office that receives the compiled workbook.
type OfficeConfig struct {
	Name       string          `mapstructure:"name"`
	Recipients []AddressConfig `mapstructure:"recipients"`
	// Leader is copied on the notice that turns a unit red (the second
	// overdue notice); optional.
	Leader AddressConfig `mapstructure:"leader"`
	// Contact is the person at the office whom units may call about a
	// mail: every mail to a unit ends with their name and phone. Optional
	// (duban check recommends it).
	Contact OfficeContactConfig `mapstructure:"contact"`
}

// OfficeContactConfig is the office's contact person for the units: a name
// (with the division if the office wants it, e.g. 综合处张敏), a phone
// number, and optionally an email address.
type OfficeContactConfig struct {
	Name  string `mapstructure:"name"`
	Phone string `mapstructure:"phone"`
	Email string `mapstructure:"email"`
}

// ScheduleConfig places reminders and deadlines on working days of the
// month after each period.
type ScheduleConfig struct {
	Timezone    string            `mapstructure:"timezone"`
	Remind      RemindConfig      `mapstructure:"remind"`
	Deadline    DeadlineConfig    `mapstructure:"deadline"`
	OfficeHours OfficeHoursConfig `mapstructure:"office_hours"`
	Chase       ChaseConfig       `mapstructure:"chase"`
}

// OfficeHoursConfig bounds when scheduled mail (reminders, chases, compiled
// workbooks) goes out on working days: from Start ("HH:MM") until End.
type OfficeHoursConfig struct {
	Start string `mapstructure:"start"`
	End   string `mapstructure:"end"`
}

// ChaseConfig is the ladder of notices to units that have not submitted.
type ChaseConfig struct {
	// BeforeDeadline is how many working days before the deadline day a
	// reminder goes to units that have not submitted; 0 turns it off.
	BeforeDeadline int `mapstructure:"before_deadline"`
	// OverdueEveryDays is the number of days between overdue notices after
	// the first (which goes on the first working day after the deadline,
	// the office in copy).
	OverdueEveryDays int `mapstructure:"overdue_every_days"`
	// MaxOverdueNotices caps the overdue notices per unit and period; 0
	// sends none.
	MaxOverdueNotices int `mapstructure:"max_overdue_notices"`
}

// DaemonConfig is how often `duban run` wakes its jobs (robfig/cron specs
// in schedule.timezone, or "@every 5m").
type DaemonConfig struct {
	// Collect is how often the mailbox is polled.
	Collect string `mapstructure:"collect"`
	// Tick is how often remind, chase and compile look for what is due:
	// they act only when something is, so a frequent tick only bounds how
	// late a step can be after a missed run.
	Tick string `mapstructure:"tick"`
}

// HTTPConfig is the daemon's web server: the office's desk, the units'
// upload links, /healthz and /metrics.
type HTTPConfig struct {
	// Listen is host:port, empty for none. Only a loopback address unless
	// AllowPublic.
	Listen      string `mapstructure:"listen"`
	AllowPublic bool   `mapstructure:"allow_public"`
	// PublicURL is the address the desk is reached at (e.g. behind a
	// reverse proxy), used in every link that is mailed: login links, and
	// the units' upload links in reminders and chases (only when set).
	PublicURL string `mapstructure:"public_url"`
}

// ColorsConfig holds the thresholds of the warning colours (package plan,
// colors.go, has the rules): 蓝/黄/红 for a unit's timeliness in a period,
// 绿/黄/红 for a task's progress.
type ColorsConfig struct {
	Timeliness TimelinessColorsConfig `mapstructure:"timeliness"`
	Progress   ProgressColorsConfig   `mapstructure:"progress"`
}

// TimelinessColorsConfig: a unit that has not submitted is 蓝 once the
// deadline day is at most BlueWithinWorkdays working days away, 黄 after the
// deadline, 红 once more than RedAfterWorkdays working days have passed.
type TimelinessColorsConfig struct {
	BlueWithinWorkdays int `mapstructure:"blue_within_workdays"`
	RedAfterWorkdays   int `mapstructure:"red_after_workdays"`
}

// ProgressColorsConfig: a task reported 未启动 is 黄 in periods after
// NotStartedAfterMonth (and 红 from July on, whatever this says).
type ProgressColorsConfig struct {
	NotStartedAfterMonth int `mapstructure:"not_started_after_month"`
}

// RemindConfig is when reminders go out: At ("HH:MM") on the Workday-th
// working day.
type RemindConfig struct {
	Workday int    `mapstructure:"workday"`
	At      string `mapstructure:"at"`
}

// DeadlineConfig is the working day by whose end reports are due.
type DeadlineConfig struct {
	Workday int `mapstructure:"workday"`
}

// CalendarConfig overrides the official holiday calendar with YYYY-MM-DD
// dates.
type CalendarConfig struct {
	ExtraHolidays []string `mapstructure:"extra_holidays"`
	ExtraWorkdays []string `mapstructure:"extra_workdays"`
}

// MailConfig is how duban sends and receives mail.
type MailConfig struct {
	From            AddressConfig `mapstructure:"from"`
	MessageIDDomain string        `mapstructure:"message_id_domain"`
	SMTP            SMTPConfig    `mapstructure:"smtp"`
	IMAP            IMAPConfig    `mapstructure:"imap"`
	// TemplatesDir, when set, is a folder whose files replace the built-in
	// email texts of the same name (package templates).
	TemplatesDir string `mapstructure:"templates_dir"`
	// OutboxDir receives outgoing mail as .eml files when smtp.host is empty
	// (offline use); default <data_dir>/mail-out.
	OutboxDir string `mapstructure:"outbox_dir"`
	// DropDir is read for incoming .eml files when imap.host is empty (sites
	// without IMAP); default <data_dir>/mail-in.
	DropDir string `mapstructure:"drop_dir"`
}

// SMTPConfig is the outgoing mail server.
type SMTPConfig struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	TLS      string `mapstructure:"tls"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	HELO     string `mapstructure:"helo"`
	// RatePerSecond caps messages per second (0: no cap).
	RatePerSecond float64 `mapstructure:"rate_per_second"`
	// TimeoutSeconds bounds every dial and command.
	TimeoutSeconds int `mapstructure:"timeout_seconds"`
	// InsecureSkipVerify turns certificate verification off. Never in
	// production: duban logs a warning at every start while it is set.
	InsecureSkipVerify bool `mapstructure:"insecure_skip_verify"`
}

// IMAPConfig is the mailbox that replies arrive in.
type IMAPConfig struct {
	Host     string `mapstructure:"host"`
	Port     int    `mapstructure:"port"`
	TLS      string `mapstructure:"tls"`
	Username string `mapstructure:"username"`
	Password string `mapstructure:"password"`
	Folder   string `mapstructure:"folder"`
	// TimeoutSeconds bounds every dial and command.
	TimeoutSeconds int `mapstructure:"timeout_seconds"`
	// InsecureSkipVerify turns certificate verification off; see SMTPConfig.
	InsecureSkipVerify bool `mapstructure:"insecure_skip_verify"`
}

// StorageConfig is where the ledger and the archive live.
type StorageConfig struct {
	DataDir string `mapstructure:"data_dir"`
}

// LimitsConfig bounds what anyone who mails the mailbox can make duban do:
// huge attachments, zip bombs, runaway text, deep or wide XML and MIME,
// floods of messages. docs/reliability.md gives the memory each bound holds.
type LimitsConfig struct {
	MaxAttachmentBytes int64 `mapstructure:"max_attachment_bytes"`
	MaxUnzipBytes      int64 `mapstructure:"max_unzip_bytes"`
	MaxTextChars       int   `mapstructure:"max_text_chars"`

	// Mail. MaxMessageBytes 0 means four times MaxAttachmentBytes (a
	// base64 attachment and the message around it); use MessageBytes.
	MaxMessageBytes int64 `mapstructure:"max_message_bytes"`
	MaxHeaderBytes  int   `mapstructure:"max_header_bytes"`
	MaxMIMEParts    int   `mapstructure:"max_mime_parts"`
	MaxMIMEDepth    int   `mapstructure:"max_mime_depth"`
	// MaxAttachments is how many files of one message are looked at.
	MaxAttachments int `mapstructure:"max_attachments"`
	// MaxBatchBytes bounds the messages held in memory at once by a
	// collect (always at least one).
	MaxBatchBytes int64 `mapstructure:"max_batch_bytes"`
	// QuarantineBytes is how much of a stranger's message is read and
	// archived; the whole message stays in the mailbox's quarantine folder.
	QuarantineBytes int64 `mapstructure:"quarantine_bytes"`
	// SenderMessagesPerHour: a sender's messages beyond it within an hour
	// are archived unanswered and listed in the office's daily digest.
	SenderMessagesPerHour int `mapstructure:"sender_messages_per_hour"`

	// Workbooks: the area of the sheet read (cells outside it are only
	// counted, and more than MaxCellsOutside of them refuse the file) and
	// the bounds of their XML.
	MaxSheetRows         int   `mapstructure:"max_sheet_rows"`
	MaxSheetColumns      int   `mapstructure:"max_sheet_columns"`
	MaxCellsOutside      int   `mapstructure:"max_cells_outside"`
	MaxXMLDepth          int   `mapstructure:"max_xml_depth"`
	MaxXMLElements       int   `mapstructure:"max_xml_elements"`
	MaxSharedStrings     int   `mapstructure:"max_shared_strings"`
	MaxWorkbookTextBytes int64 `mapstructure:"max_workbook_text_bytes"`
}

// MessageBytes is the largest message read whole: max_message_bytes, or
// four times max_attachment_bytes when it is 0.
func (l LimitsConfig) MessageBytes() int64 {
	if l.MaxMessageBytes > 0 {
		return l.MaxMessageBytes
	}
	return 4 * l.MaxAttachmentBytes
}

// RetentionConfig says how long what is not a unit's record is kept.
type RetentionConfig struct {
	// QuarantineDays: strangers' quarantined messages are deleted from the
	// archive after this many days. Units' messages and every answer are
	// kept forever: the archive is the record.
	QuarantineDays int `mapstructure:"quarantine_days"`
}

// SecurityConfig holds secrets. An empty TokenSecret lets the ledger
// generate and keep one.
type SecurityConfig struct {
	TokenSecret string `mapstructure:"token_secret"`
	// AuthServID names the receiving server whose Authentication-Results
	// header fields are trusted (RFC 8601 authserv-id); empty: only the
	// topmost field, the one the last server added.
	AuthServID string `mapstructure:"authserv_id"`
}
