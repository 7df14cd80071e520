package config

import (
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		extra string
		want  []string // keys of the expected problems
		// wantText, when set, must appear in the problem of key want[0]
		wantText string
	}{
		{name: "valid base"},
		{
			name:  "title missing and year out of range",
			edits: []edit{{"title: 测试计划", `title: "  "`}, {"year: 2023", "year: 1999"}},
			want:  []string{"plan.title", "plan.year"},
		},
		{
			name:  "duplicate category id leaves a task without category",
			edits: []edit{{"{id: C2, name: 类别二}", "{id: C1, name: ''}"}},
			want:  []string{"plan.categories[1].id", "plan.categories[1].name", "plan.tasks[1].category"},
		},
		{
			name:     "unknown lead unit",
			edits:    []edit{{"lead: jtj", "lead: jtjj"}},
			want:     []string{"plan.tasks[1].lead"},
			wantText: `unknown unit "jtjj" (did you mean "jtj"?); known units: fgw, jtj`,
		},
		{
			name:  "task fields missing and duplicate id",
			edits: []edit{{"{id: T02, category: C2, title: 任务二, requirement: 要求二, lead: jtj,", "{id: T01, category: '', title: '', requirement: '', lead: '',"}},
			want:  []string{"plan.tasks[1].id", "plan.tasks[1].category", "plan.tasks[1].title", "plan.tasks[1].requirement", "plan.tasks[1].lead"},
		},
		{
			name:  "co-units: the lead, twice, unknown, empty",
			edits: []edit{{"co_units: [jtj]", "co_units: [fgw, jtj, jtj, xyz, '']"}},
			want:  []string{"plan.tasks[0].co_units[0]", "plan.tasks[0].co_units[2]", "plan.tasks[0].co_units[3]", "plan.tasks[0].co_units[4]"},
		},
		{
			name:  "no tasks, no categories",
			edits: []edit{{"  categories:\n    - {id: C1, name: 类别一}\n    - {id: C2, name: 类别二}\n", ""}, {"  tasks:\n", "  tasks: []\n  old_tasks:\n"}},
			want:  []string{"plan.old_tasks", "plan.categories", "plan.tasks"},
		},
		{
			name:     "unit id not a slug",
			edits:    []edit{{"- id: fgw", "- id: FGW"}},
			want:     []string{"units[0].id", "plan.tasks[0].lead"},
			wantText: `"FGW" is not a valid unit id`,
		},
		{
			name:  "duplicate unit id and missing name",
			edits: []edit{{"- id: jtj\n    name: 市交通运输局", "- id: fgw\n    name: ''"}},
			want:  []string{"units[1].id", "units[1].name", "plan.tasks[0].co_units[0]", "plan.tasks[1].lead"},
		},
		{
			name:     "contact address shared between units, case-insensitively",
			edits:    []edit{{"liu.yang@jtj.test.example", "Zhang.Wei@FGW.test.example"}},
			want:     []string{"units[1].contacts[0].email"},
			wantText: "also a contact of unit fgw (units[0].contacts[0].email)",
		},
		{
			name:     "allowed domains: malformed, shared between units",
			edits:    []edit{{"contacts: [{name: 刘洋, email: liu.yang@jtj.test.example}]", "contacts: [{name: 刘洋, email: liu.yang@jtj.test.example}]\n    domains: [jtj.test.example, '@jtj', JTJ.test.example]"}},
			want:     []string{"units[1].domains[1]", "units[1].domains[2]"},
			wantText: "is not a mail domain",
		},
		{
			name:  "contact listed twice in one unit",
			edits: []edit{{"contacts: [{name: 刘洋, email: liu.yang@jtj.test.example}]", "contacts: [{email: liu.yang@jtj.test.example}, {email: liu.yang@jtj.test.example}]"}},
			want:  []string{"units[1].contacts[1].email"},
		},
		{
			name: "bad addresses",
			edits: []edit{
				{"zhang.wei@fgw.test.example", "zhang.wei@"},
				{"liu.yang@jtj.test.example", `"刘洋 <liu.yang@jtj.test.example>"`},
				{"cao.liang@jtj.test.example", "''"},
				{"office@test.example", "office at test"},
			},
			want: []string{"units[0].contacts[0].email", "units[1].contacts[0].email", "units[1].cc[0].email", "office.recipients[0].email"},
		},
		{
			name:  "unit without contacts, office without name or recipients",
			edits: []edit{{"contacts: [{name: 张伟, email: zhang.wei@fgw.test.example, phone: 0551-63500101}]", "contacts: []"}, {"name: 都市圈办公室\n  recipients: [{name: 办公室, email: office@test.example}]", "recipients: []"}},
			want:  []string{"units[0].contacts", "office.name", "office.recipients"},
		},
		{
			name:  "schedule out of range",
			extra: "schedule: {timezone: Mars/Olympus, remind: {workday: 0, at: \"24:00\"}, deadline: {workday: 21}}\n",
			want:  []string{"schedule.timezone", "schedule.remind.workday", "schedule.remind.at", "schedule.deadline.workday"},
		},
		{
			name:     "deadline before reminder; unquoted time is fine",
			extra:    "schedule: {remind: {workday: 6, at: 09:30}, deadline: {workday: 5}}\n",
			want:     []string{"schedule.deadline.workday"},
			wantText: "make it 6 or later",
		},
		{
			name:  "remind time malformed and timezone empty",
			extra: "schedule: {timezone: '', remind: {at: 9h}}\n",
			want:  []string{"schedule.timezone", "schedule.remind.at"},
		},
		{
			name:     "office contact without a name, phone not a number",
			edits:    []edit{{"contact: {name: 张敏, phone: 0551-63000000}", "contact: {name: ' ', phone: 电话六三零零, email: zhang min}"}},
			want:     []string{"office.contact.phone", "office.contact.name", "office.contact.email"},
			wantText: `"电话六三零零" is not a phone number`,
		},
		{
			name:     "office contact without a phone",
			edits:    []edit{{"contact: {name: 张敏, phone: 0551-63000000}", "contact: {name: 张敏}"}},
			want:     []string{"office.contact.phone"},
			wantText: "missing; write the number units call",
		},
		{
			name:  "office contact with an extension and an email",
			edits: []edit{{"contact: {name: 张敏, phone: 0551-63000000}", "contact: {name: 综合处张敏, phone: 0551-63000000转8001, email: zhang.min@test.example}"}},
		},
		{
			name:  "no office contact is allowed",
			edits: []edit{{"  contact: {name: 张敏, phone: 0551-63000000}\n", ""}},
		},
		{
			name:  "operator with a name and no address",
			extra: "operator: {name: 信息中心}\n",
			want:  []string{"operator.email"},
		},
		{
			name:  "operator address malformed",
			extra: "operator: {name: 信息中心, email: '信息中心 <it@test.example>'}\n",
			want:  []string{"operator.email"},
		},
		{
			name:  "operator is optional",
			extra: "operator: {name: 信息中心, email: it@test.example}\n",
		},
		{
			name:  "office hours backwards, chase out of range",
			extra: "schedule: {office_hours: {start: \"17:30\", end: \"08:30\"}, chase: {before_deadline: -1, overdue_every_days: 0, max_overdue_notices: 11}}\n",
			want:  []string{"schedule.office_hours.end", "schedule.chase.before_deadline", "schedule.chase.max_overdue_notices", "schedule.chase.overdue_every_days"},
		},
		{
			name:  "daemon specs malformed, public http address",
			extra: "daemon: {collect: every five minutes, tick: \"61 * * * *\"}\nhttp: {listen: \"0.0.0.0:9464\"}\n",
			want:  []string{"daemon.collect", "daemon.tick", "http.listen"},
		},
		{
			name:  "public url not a web address",
			extra: "http: {listen: \"127.0.0.1:8080\", public_url: \"desk.example.gov.cn\"}\n",
			want:  []string{"http.public_url"},
		},
		{
			name:  "public url without a listener",
			extra: "http: {public_url: \"https://desk.example.gov.cn\"}\n",
			want:  []string{"http.public_url"},
		},
		{
			name:  "public url behind a proxy",
			extra: "http: {listen: \"127.0.0.1:8080\", public_url: \"https://desk.example.gov.cn/duban\"}\n",
		},
		{
			name:     "colour thresholds out of range",
			extra:    "colors:\n  timeliness: {blue_within_workdays: -1, red_after_workdays: 21}\n  progress: {not_started_after_month: 7}\n",
			want:     []string{"colors.progress.not_started_after_month", "colors.timeliness.blue_within_workdays", "colors.timeliness.red_after_workdays"},
			wantText: "from July on it is 红 anyway",
		},
		{
			name:  "colour thresholds at their limits",
			extra: "colors:\n  timeliness: {blue_within_workdays: 0, red_after_workdays: 20}\n  progress: {not_started_after_month: 6}\n",
		},
		{
			name:     "colour key misspelt",
			extra:    "colors:\n  timeliness: {blue_within_workday: 3}\n",
			want:     []string{"colors.timeliness.blue_within_workday"},
			wantText: `did you mean "blue_within_workdays"?`,
		},
		{
			name:  "calendar dates malformed or in both lists",
			extra: "calendar:\n  extra_holidays: [2023-10-09, 2023/10/10, 2023-02-30]\n  extra_workdays: [2023-10-09, 2023-10-14]\n",
			want:  []string{"calendar.extra_holidays[1]", "calendar.extra_holidays[2]", "calendar.extra_workdays[0]"},
		},
		{
			name:  "mail servers with host but bad port and tls",
			extra: "mail:\n  templates_dir: /nonexistent/duban-templates\n  from: {email: not-an-address}\n  message_id_domain: '@metro.example'\n  smtp: {host: smtp.test.example, port: 0, tls: ssl}\n  imap: {host: imap.test.example, port: 70000, tls: starttls, folder: ''}\n",
			want:  []string{"mail.templates_dir", "mail.from.email", "mail.message_id_domain", "mail.smtp.port", "mail.smtp.tls", "mail.imap.port", "mail.imap.folder"},
		},
		{
			name:  "mail servers without host are not checked",
			extra: "mail:\n  smtp: {port: 0, tls: ssl}\n  imap: {tls: none}\n",
		},
		{
			name:  "storage and limits",
			extra: "storage: {data_dir: ''}\nlimits: {max_attachment_bytes: 0, max_unzip_bytes: -1, max_text_chars: 0}\n",
			want:  []string{"storage.data_dir", "limits.max_attachment_bytes", "limits.max_unzip_bytes", "limits.max_text_chars"},
		},
		{
			name:  "unknown keys at every level",
			edits: []edit{{"    name: 市交通运输局", "    name: 市交通运输局\n    contact: [{email: x@y.example}]"}, {"lead: jtj,", "lead: jtj, leed: jtj,"}},
			// An empty misspelt section (mial: {}) is not reported: it
			// holds nothing that could be lost.
			extra:    "schedule:\n  dead_line: {workday: 3}\nmial: {smtp: {host: smtp.test.example}}\n",
			want:     []string{"schedule.dead_line", "mial", "units[1].contact", "plan.tasks[1].leed"},
			wantText: `unknown key (did you mean "deadline"?); the keys allowed in schedule are: timezone, remind, deadline`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, variant(t, tt.edits, tt.extra))
			ps := cfg.Validate()
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if got := sortedKeys(ps); !slices.Equal(got, want) {
				t.Fatalf("Validate() problem keys = %q, want %q\nproblems:\n%v", got, want, ps)
			}
			if len(tt.want) == 0 && ps != nil {
				t.Errorf("Validate() = %#v, want nil", ps)
			}
			for _, p := range ps {
				if strings.TrimSpace(p.Message) == "" {
					t.Errorf("problem %q has no message", p.Key)
				}
			}
			if tt.wantText != "" {
				i := slices.IndexFunc(ps, func(p Problem) bool { return p.Key == tt.want[0] })
				if !strings.Contains(ps[i].Message, tt.wantText) {
					t.Errorf("Validate() problem %q = %q, want it to contain %q", tt.want[0], ps[i].Message, tt.wantText)
				}
			}
		})
	}
}

// TestValidateEverythingAtOnce checks that one pass reports problems from
// every section, not only the first one found.
func TestValidateEverythingAtOnce(t *testing.T) {
	const broken = `plan:
  title: ""
  year: 20230
  categories:
    - {id: C1, name: 类别一}
  tasks:
    - {id: T01, category: C9, title: 任务一, requirement: 要求一, lead: jtjj, co_units: [fgw, fwg]}
units:
  - id: fgw
    name: 市发展改革委
    contacts: [{name: 张伟, email: zhang.wei@}]
  - id: Jtj
    name: 市交通运输局
    contacts: []
office:
  name: 都市圈办公室
  recpients: [{email: office@test.example}]
schedule:
  timezone: Asia/Shanghia
  remind: {workday: 11, at: "9"}
calendar:
  extra_workdays: [tomorrow]
mail:
  smtp: {host: smtp.test.example, tls: tls}
storage: {data_dir: ""}
limits: {max_text_chars: -5}
`
	want := []string{
		"office.recpients",
		"plan.title", "plan.year", "plan.tasks[0].category", "plan.tasks[0].lead", "plan.tasks[0].co_units[1]",
		"units[0].contacts[0].email", "units[1].id", "units[1].contacts",
		"office.recipients",
		"schedule.timezone", "schedule.remind.workday", "schedule.remind.at",
		"calendar.extra_workdays[0]",
		"mail.smtp.port", "mail.smtp.tls",
		"storage.data_dir", "limits.max_text_chars",
	}
	ps := mustLoad(t, broken).Validate()
	if got := ps.Keys(); !slices.Equal(got, want) {
		t.Errorf("Validate() problem keys = %q, want %q (in this order)\nproblems:\n%v", got, want, ps)
	}
	if err := ps.Err(); err == nil || strings.Count(err.Error(), "\n") != len(want)-1 {
		t.Errorf("Validate().Err() = %v, want %d lines", err, len(want))
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{name: "every unit involved, data for 2023 and 2024"},
		{
			name:  "unit without task",
			edits: []edit{{"office:\n", "  - id: sjj\n    name: 市数据资源局\n    contacts: [{email: he.ping@sjj.test.example}]\noffice:\n"}},
			want:  []string{"units[2]"},
		},
		{
			name:  "a co-unit is involved",
			edits: []edit{{"office:\n", "  - id: sjj\n    name: 市数据资源局\n    contacts: [{email: he.ping@sjj.test.example}]\noffice:\n"}, {"co_units: []", "co_units: [sjj]"}},
		},
		{
			name:  "no office contact",
			edits: []edit{{"  contact: {name: 张敏, phone: 0551-63000000}\n", ""}},
			want:  []string{"office.contact"},
		},
		{
			name:  "years without official holiday data",
			edits: []edit{{"year: 2023", "year: 2099"}},
			want:  []string{"calendar", "calendar"},
		},
	}
	// Turning certificate checks off is allowed, never silently.
	t.Run("TLS verification off", func(t *testing.T) {
		t.Setenv("DUBAN_MAIL_SMTP_INSECURE_SKIP_VERIFY", "true")
		t.Setenv("DUBAN_MAIL_IMAP_INSECURE_SKIP_VERIFY", "true")
		ws := mustLoad(t, variant(t, nil, "")).Warnings()
		if got := ws.Keys(); !slices.Equal(got, []string{"mail.smtp.insecure_skip_verify", "mail.imap.insecure_skip_verify"}) {
			t.Errorf("Warnings() keys = %q\n%v", got, ws)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, variant(t, tt.edits, ""))
			if ps := cfg.Validate(); ps != nil {
				t.Fatalf("Validate() = %v, want no problems", ps)
			}
			ws := cfg.Warnings()
			if got := ws.Keys(); !slices.Equal(got, tt.want) {
				t.Errorf("Warnings() keys = %q, want %q\n%v", got, tt.want, ws)
			}
			if len(tt.want) == 0 && ws != nil {
				t.Errorf("Warnings() = %#v, want nil", ws)
			}
		})
	}
}

func TestProblemsFormatting(t *testing.T) {
	ps := Problems{
		{Key: "plan.tasks[3].lead", Message: `unknown unit "jtjj"`},
		{Key: "", Message: "general"},
	}
	if got, want := ps[0].String(), `plan.tasks[3].lead: unknown unit "jtjj"`; got != want {
		t.Errorf("Problem.String() = %q, want %q", got, want)
	}
	if got, want := ps.Error(), "plan.tasks[3].lead: unknown unit \"jtjj\"\ngeneral"; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
	if err := Problems(nil).Err(); err != nil {
		t.Errorf("Problems(nil).Err() = %v, want nil", err)
	}
	if err := ps.Err(); err == nil {
		t.Error("Problems.Err() = nil, want an error")
	}
}
