package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

func TestPlan(t *testing.T) {
	cfg, err := Load("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Plan()
	if len(p.Categories) != 8 || len(p.Tasks) != 26 || len(p.Units) != len(cfg.Units) {
		t.Fatalf("Plan() = %d categories, %d tasks, %d units; want 8, 26, %d", len(p.Categories), len(p.Tasks), len(p.Units), len(cfg.Units))
	}
	if got := p.TaskNumber("T26"); got != 26 {
		t.Errorf("Plan().TaskNumber(T26) = %d, want 26", got)
	}
	task := p.Tasks[2]
	if task.ID != "T03" || task.Category != "C1" || task.Title != "推进合作专题落实" || task.Lead != "fgw" ||
		!strings.Contains(task.Requirement, "牵头责任单位每月向都市圈办公室报送1次合作专题推进情况") {
		t.Errorf("Plan().Tasks[2] = %+v", task)
	}
	fgw, ok := p.Unit("fgw")
	if !ok || fgw.Name != "市发展改革委" || len(fgw.Contacts) != len(cfg.Units[0].Contacts) || len(fgw.CC) != len(cfg.Units[0].CC) ||
		fgw.Contacts[0].Email != cfg.Units[0].Contacts[0].Email {
		t.Errorf("Plan().Unit(fgw) = %+v, %v", fgw, ok)
	}
	// Every lead is a unit, and changing the plan leaves the config alone.
	for _, u := range p.LeadUnits() {
		if len(p.TasksLedBy(u.ID)) == 0 {
			t.Errorf("lead unit %s leads no task", u.ID)
		}
	}
	before := slices.Clone(cfg.PlanSpec.Tasks[2].CoUnits)
	p.Tasks[2].CoUnits[0] = "changed"
	if !slices.Equal(cfg.PlanSpec.Tasks[2].CoUnits, before) {
		t.Error("Plan() shares co_units with the config")
	}
}

func TestScheduleFromExample(t *testing.T) {
	cfg, err := Load("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Schedule()
	if err != nil {
		t.Fatalf("Schedule() error = %v", err)
	}
	if s.Location.String() != "Asia/Shanghai" {
		t.Errorf("Schedule().Location = %s, want Asia/Shanghai", s.Location)
	}
	// September 2023 is reported in October, which starts with the National
	// Day holiday (1–6) and two make-up working days (7 and 8, a weekend).
	sep := plan.Period{Year: 2023, Month: time.September}
	if got, want := s.RemindAt(sep), time.Date(2023, 10, 7, 9, 0, 0, 0, s.Location); !got.Equal(want) {
		t.Errorf("Schedule().RemindAt(2023-09) = %v, want %v", got, want)
	}
	if got, want := s.Deadline(sep), time.Date(2023, 10, 11, 0, 0, 0, 0, s.Location); !got.Equal(want) {
		t.Errorf("Schedule().Deadline(2023-09) = %v, want %v", got, want)
	}
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name       string
		extra      string
		wantErr    string
		wantRemind time.Time // for 2023-04, in UTC
	}{
		{
			name:       "defaults",
			wantRemind: time.Date(2023, 5, 4, 1, 0, 0, 0, time.UTC), // 1–3 May is Labour Day
		},
		{
			name:       "other zone, time and overrides",
			extra:      "schedule: {timezone: Europe/Berlin, remind: {workday: 2, at: \"7:15\"}}\ncalendar: {extra_holidays: [2023-05-04]}\n",
			wantRemind: time.Date(2023, 5, 6, 5, 15, 0, 0, time.UTC), // 4 May off; 6 May a make-up day
		},
		{
			name:    "unknown zone",
			extra:   "schedule: {timezone: Mars/Olympus}\n",
			wantErr: "Mars/Olympus",
		},
		{
			name:    "bad time",
			extra:   "schedule: {remind: {at: \"25:00\"}}\n",
			wantErr: "schedule.remind.at",
		},
		{
			name:    "date in both lists",
			extra:   "calendar: {extra_holidays: [2023-05-06], extra_workdays: [2023-05-06]}\n",
			wantErr: "2023-05-06",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, baseYAML+tt.extra)
			s, err := cfg.Schedule()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Schedule() error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Schedule() error = %v", err)
			}
			if got := s.RemindAt(plan.Period{Year: 2023, Month: time.April}); !got.Equal(tt.wantRemind) {
				t.Errorf("Schedule().RemindAt(2023-04) = %v, want %v", got.UTC(), tt.wantRemind)
			}
		})
	}
}

func TestColorRules(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  plan.ColorRules
	}{
		{name: "defaults", want: plan.DefaultColorRules()},
		{
			name:  "set in the file",
			extra: "colors:\n  timeliness: {blue_within_workdays: 3, red_after_workdays: 8}\n  progress: {not_started_after_month: 5}\n",
			want:  plan.ColorRules{BlueWithinWorkdays: 3, RedAfterWorkdays: 8, NotStartedAfterMonth: 5},
		},
		{
			name:  "one key set, the others default",
			extra: "colors:\n  timeliness: {red_after_workdays: 0}\n",
			want:  plan.ColorRules{BlueWithinWorkdays: 2, RedAfterWorkdays: 0, NotStartedAfterMonth: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, variant(t, nil, tt.extra))
			if got := cfg.ColorRules(); got != tt.want {
				t.Errorf("ColorRules() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
