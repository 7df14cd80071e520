package config

import (
	"reflect"
	"strings"
)

// defaults returns the values a key takes when neither the file nor the
// environment sets it. Keys not set here default to their zero value.
func defaults() Config {
	return Config{
		ScheduleSpec: ScheduleConfig{
			Timezone:    "Asia/Shanghai",
			Remind:      RemindConfig{Workday: 1, At: "09:00"},
			Deadline:    DeadlineConfig{Workday: 5},
			OfficeHours: OfficeHoursConfig{Start: "08:30", End: "17:30"},
			Chase:       ChaseConfig{BeforeDeadline: 2, OverdueEveryDays: 7, MaxOverdueNotices: 3},
		},
		Colors: ColorsConfig{
			Timeliness: TimelinessColorsConfig{BlueWithinWorkdays: 2, RedAfterWorkdays: 5},
			Progress:   ProgressColorsConfig{NotStartedAfterMonth: 3},
		},
		Daemon: DaemonConfig{Collect: "@every 5m", Tick: "*/10 * * * *"},
		Mail: MailConfig{
			SMTP: SMTPConfig{RatePerSecond: 10, TimeoutSeconds: 30},
			IMAP: IMAPConfig{Folder: "INBOX", TimeoutSeconds: 60},
		},
		Storage: StorageConfig{DataDir: "./duban-data"},
		Limits: LimitsConfig{
			MaxAttachmentBytes:    10 << 20,
			MaxUnzipBytes:         100 << 20,
			MaxTextChars:          5000,
			MaxHeaderBytes:        256 << 10,
			MaxMIMEParts:          200,
			MaxMIMEDepth:          8,
			MaxAttachments:        10,
			MaxBatchBytes:         64 << 20,
			QuarantineBytes:       1 << 20,
			SenderMessagesPerHour: 20,
			MaxSheetRows:          5000,
			MaxSheetColumns:       32,
			MaxCellsOutside:       20,
			MaxXMLDepth:           32,
			MaxXMLElements:        1_000_000,
			MaxSharedStrings:      100_000,
			MaxWorkbookTextBytes:  32 << 20,
		},
		Retention: RetentionConfig{QuarantineDays: 90},
	}
}

// tagName is the config key of a struct field, or "" when the field is not
// read from the file.
func tagName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// isRecordList reports whether t is a list of records (tasks, units, …):
// such lists are not walked into and cannot be set from the environment.
func isRecordList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
}

// walkScalars calls fn for every key that holds a scalar or a list of
// strings, with its dotted path and the field's value in v (a struct).
// Nested sections are walked into; lists of records are skipped.
func walkScalars(v reflect.Value, prefix string, fn func(key string, field reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		name := tagName(t.Field(i))
		if name == "" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.Struct:
			walkScalars(fv, key, fn)
		case isRecordList(fv.Type()):
			// lists of records: set in the file only
		default:
			fn(key, fv)
		}
	}
}

// scalarKeys lists every key walkScalars visits, in struct order.
func scalarKeys() []string {
	var keys []string
	walkScalars(reflect.ValueOf(Config{}), "", func(key string, _ reflect.Value) {
		keys = append(keys, key)
	})
	return keys
}

// knownKeysAt returns the keys allowed inside the section at path (e.g.
// "schedule" or "units[2].contacts[0]"), or nil when path names no section.
func knownKeysAt(path string) []string {
	t := reflect.TypeOf(Config{})
	if path != "" {
		for part := range strings.SplitSeq(path, ".") {
			part, _, _ = strings.Cut(part, "[") // units[2] → units
			f, ok := fieldByKey(t, part)
			if !ok {
				return nil
			}
			t = f.Type
			if t.Kind() == reflect.Slice {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct {
				return nil
			}
		}
	}
	var keys []string
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

// fieldByKey finds the field of struct type t whose key is name.
func fieldByKey(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); tagName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
