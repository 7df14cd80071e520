package config

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		get  func(*Config) any
		want any
	}{
		{
			name: "key absent from the file",
			yaml: baseYAML,
			env:  map[string]string{"DUBAN_MAIL_SMTP_PASSWORD": "s3cret"},
			get:  func(c *Config) any { return c.Mail.SMTP.Password },
			want: "s3cret",
		},
		{
			name: "key present in the file",
			yaml: baseYAML + "storage:\n  data_dir: /from/file\n",
			env:  map[string]string{"DUBAN_STORAGE_DATA_DIR": "/from/env"},
			get:  func(c *Config) any { return c.Storage.DataDir },
			want: "/from/env",
		},
		{
			name: "key with a default, absent from the file",
			yaml: baseYAML,
			env:  map[string]string{"DUBAN_SCHEDULE_REMIND_AT": "10:30"},
			get:  func(c *Config) any { return c.ScheduleSpec.Remind.At },
			want: "10:30",
		},
		{
			name: "number",
			yaml: baseYAML + "mail:\n  smtp: {host: smtp.test.example, port: 465}\n",
			env:  map[string]string{"DUBAN_MAIL_SMTP_PORT": "587"},
			get:  func(c *Config) any { return c.Mail.SMTP.Port },
			want: 587,
		},
		{
			name: "section left empty in the file",
			yaml: baseYAML + "mail:\nsecurity:\n",
			env:  map[string]string{"DUBAN_MAIL_SMTP_HOST": "smtp.env.example", "DUBAN_SECURITY_TOKEN_SECRET": "tok"},
			get:  func(c *Config) any { return c.Mail.SMTP.Host + " " + c.Security.TokenSecret + " " + c.Mail.IMAP.Folder },
			want: "smtp.env.example tok INBOX",
		},
		{
			name: "list of dates, comma-separated, replaces the file's list",
			yaml: baseYAML + "calendar:\n  extra_holidays: [2023-01-03]\n",
			env:  map[string]string{"DUBAN_CALENDAR_EXTRA_HOLIDAYS": "2023-10-09, 2023-10-10"},
			get:  func(c *Config) any { return c.Calendar.ExtraHolidays },
			want: []string{"2023-10-09", "2023-10-10"},
		},
		{
			name: "empty variable counts as unset",
			yaml: baseYAML + "storage:\n  data_dir: /from/file\n",
			env:  map[string]string{"DUBAN_STORAGE_DATA_DIR": ""},
			get:  func(c *Config) any { return c.Storage.DataDir },
			want: "/from/file",
		},
		{
			name: "lists of records are not overridden",
			yaml: baseYAML,
			env:  map[string]string{"DUBAN_PLAN_TITLE": "环境计划", "DUBAN_UNITS_0_NAME": "改名", "DUBAN_PLAN_TASKS_0_LEAD": "jtj", "DUBAN_UNITS": "x", "DUBAN_PLAN_TASKS": "y"},
			get:  func(c *Config) any { return c.PlanSpec.Title + " " + c.Units[0].Name + " " + c.PlanSpec.Tasks[0].Lead },
			want: "环境计划 市发展改革委 fgw",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg := mustLoad(t, tt.yaml)
			if got := tt.get(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load() with %v = %#v, want %#v", tt.env, got, tt.want)
			}
		})
	}
}

// TestEnvOverridesEveryScalarKey sets DUBAN_* for every scalar key the
// Config struct has, so a field added later cannot miss its override. The
// example has some of the keys and lacks others (passwords, helo, …).
func TestEnvOverridesEveryScalarKey(t *testing.T) {
	keys := scalarKeys()
	for _, must := range []string{"mail.smtp.password", "mail.imap.password", "storage.data_dir", "schedule.remind.at", "security.token_secret", "limits.max_text_chars"} {
		if !slices.Contains(keys, must) {
			t.Fatalf("scalarKeys() = %q, missing %q", keys, must)
		}
	}
	if got := envVar("mail.smtp.password"); got != "DUBAN_MAIL_SMTP_PASSWORD" {
		t.Fatalf("envVar(mail.smtp.password) = %q", got)
	}
	want := map[string]any{}
	walkScalars(reflect.ValueOf(Config{}), "", func(key string, f reflect.Value) {
		env := envVar(key)
		switch f.Kind() {
		case reflect.String:
			want[key] = "env " + key
			t.Setenv(env, "env "+key)
		case reflect.Int, reflect.Int64:
			n := 1000 + len(want)
			want[key] = fmt.Sprint(n)
			t.Setenv(env, fmt.Sprint(n))
		case reflect.Float64:
			n := 1000.5 + float64(len(want))
			want[key] = fmt.Sprint(n)
			t.Setenv(env, fmt.Sprint(n))
		case reflect.Bool:
			want[key] = "true"
			t.Setenv(env, "true")
		case reflect.Slice:
			day := fmt.Sprintf("2031-01-%02d", len(want))
			want[key] = fmt.Sprint([]string{day, "x"})
			t.Setenv(env, day+",x")
		default:
			t.Fatalf("key %s has kind %s; teach this test to set it", key, f.Kind())
		}
	})
	cfg, err := Load("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	walkScalars(reflect.ValueOf(*cfg), "", func(key string, f reflect.Value) {
		if got := fmt.Sprint(f.Interface()); got != want[key] {
			t.Errorf("Load() %s = %q, want %q from the environment", key, got, want[key])
		}
	})
	if len(want) != len(keys) {
		t.Errorf("set %d variables for %d keys", len(want), len(keys))
	}
}
