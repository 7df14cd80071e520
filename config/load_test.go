package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadMissingExplicitPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	cfg, err := Load(path)
	if err == nil {
		t.Fatalf("Load(%q) = %+v, want an error", path, cfg)
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "check the path") {
		t.Errorf("Load(%q) error = %v, want a not-exist error naming the path and saying what to do", path, err)
	}
}

func TestLoadDefaultPath(t *testing.T) {
	tests := []struct {
		name         string
		file         string // content of ./duban.yaml; none when empty
		wantSource   string
		wantEmbedded bool
		wantTitle    string
	}{
		{
			name:         "no duban.yaml: embedded example",
			wantSource:   EmbeddedSource,
			wantEmbedded: true,
			wantTitle:    "2023年推进都市圈一体化建设工作要点",
		},
		{
			name:       "duban.yaml in the working directory",
			file:       baseYAML,
			wantSource: DefaultPath,
			wantTitle:  "测试计划",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, DefaultPath), []byte(tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := Load("")
			if err != nil {
				t.Fatalf("Load(\"\") error = %v", err)
			}
			if cfg.Source != tt.wantSource || cfg.Embedded != tt.wantEmbedded || cfg.PlanSpec.Title != tt.wantTitle {
				t.Errorf("Load(\"\") = source %q, embedded %v, title %q; want %q, %v, %q",
					cfg.Source, cfg.Embedded, cfg.PlanSpec.Title, tt.wantSource, tt.wantEmbedded, tt.wantTitle)
			}
		})
	}
}

func TestLoadExplicitPathRecordsSource(t *testing.T) {
	path := writeConfig(t, baseYAML)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source != path || cfg.Embedded {
		t.Errorf("Load(%q) source = %q, embedded = %v; want the path, false", path, cfg.Source, cfg.Embedded)
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg := mustLoad(t, baseYAML)
	want := defaults()
	got := Config{ScheduleSpec: cfg.ScheduleSpec, Mail: cfg.Mail, Storage: cfg.Storage, Limits: cfg.Limits}
	if got.ScheduleSpec != want.ScheduleSpec || got.Mail != want.Mail || got.Storage != want.Storage || got.Limits != want.Limits {
		t.Errorf("Load(base) settings = %+v, want the defaults %+v", got, want)
	}
	if cfg.Limits.MaxAttachmentBytes != 10*1024*1024 || cfg.Limits.MaxUnzipBytes != 100*1024*1024 || cfg.Limits.MaxTextChars != 5000 ||
		cfg.ScheduleSpec.Timezone != "Asia/Shanghai" || cfg.ScheduleSpec.Remind.At != "09:00" || cfg.ScheduleSpec.Remind.Workday != 1 ||
		cfg.ScheduleSpec.Deadline.Workday != 5 || cfg.Mail.IMAP.Folder != "INBOX" || cfg.Storage.DataDir != "./duban-data" {
		t.Errorf("Load(base) defaults = %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		wantText string
		wantKeys []string // keys of the Problems in the error, if any
	}{
		{
			name:     "invalid YAML",
			content:  "plan: [\n",
			wantText: "parsing YAML",
		},
		{
			name:     "duplicate key",
			content:  baseYAML + "plan: {}\n",
			wantText: "parsing YAML",
		},
		{
			name:     "values of the wrong type, all reported",
			content:  variant(t, []edit{{"year: 2023", "year: twenty"}}, "schedule:\n  remind: {workday: first}\nlimits: {max_unzip_bytes: [1, 2]}\n"),
			wantText: `plan.year: found "twenty", not a whole number`,
			wantKeys: []string{"limits.max_unzip_bytes", "plan.year", "schedule.remind.workday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.content)
			cfg, err := Load(path)
			if err == nil {
				t.Fatalf("Load() = %+v, want an error", cfg)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), path) {
				t.Errorf("Load() error = %v, want it to name the file and contain %q", err, tt.wantText)
			}
			if tt.wantKeys == nil {
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load() error = %v, want Problems inside", err)
			}
			if got := sortedKeys(ps); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("Load() problem keys = %q, want %q", got, tt.wantKeys)
			}
		})
	}
}

func TestLoadTrimsAndReadsUnquotedValues(t *testing.T) {
	cfg := mustLoad(t, variant(t,
		[]edit{{"title: 测试计划", `title: "  测试计划 "`}, {"lead: fgw", `lead: " fgw"`}},
		"calendar:\n  extra_holidays: [2023-10-09]\nschedule:\n  remind: {at: 10:30}\n"))
	if cfg.PlanSpec.Title != "测试计划" || cfg.PlanSpec.Tasks[0].Lead != "fgw" {
		t.Errorf("Load() title = %q, lead = %q; want them trimmed", cfg.PlanSpec.Title, cfg.PlanSpec.Tasks[0].Lead)
	}
	if !slices.Equal(cfg.Calendar.ExtraHolidays, []string{"2023-10-09"}) {
		t.Errorf("Load() extra_holidays = %q, want [2023-10-09] (an unquoted YAML date)", cfg.Calendar.ExtraHolidays)
	}
	if cfg.ScheduleSpec.Remind.At != "10:30" {
		t.Errorf("Load() remind.at = %q, want 10:30", cfg.ScheduleSpec.Remind.At)
	}
}

func TestExampleIsACopy(t *testing.T) {
	a := Example()
	want, err := os.ReadFile("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(want) {
		t.Fatal("Example() differs from examples/metro-2023.yaml")
	}
	a[0] = 'X'
	if b := Example(); b[0] == 'X' {
		t.Error("Example() returned the embedded bytes themselves; a caller changed them")
	}
}
