package config

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// seedTask is one numbered item of the plan document.
type seedTask struct {
	Number      int
	Category    int // 1-based position of its heading
	Title       string
	Requirement string
}

// parseSeed reads the plan document: headings "一、…" and tasks "N.标题。正文".
func parseSeed(t *testing.T, path string) (categories []string, tasks []seedTask) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^[一二三四五六七八九十]+、(.+)$`)
	task := regexp.MustCompile(`^(\d+)\.([^。]+)。(.+)$`)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := heading.FindStringSubmatch(line); m != nil {
			categories = append(categories, m[1])
			continue
		}
		if m := task.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			tasks = append(tasks, seedTask{Number: n, Category: len(categories), Title: m[2], Requirement: m[3]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return categories, tasks
}

// TestExampleMatchesSeed checks that the embedded example carries the plan
// document word for word: every heading, and every task with its number,
// heading, title and full requirement.
func TestExampleMatchesSeed(t *testing.T) {
	categories, tasks := parseSeed(t, "testdata/work-plan-2023.txt")
	if len(categories) != 8 || len(tasks) != 26 {
		t.Fatalf("parseSeed() = %d categories, %d tasks; want 8 and 26", len(categories), len(tasks))
	}
	cfg, err := Load("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.PlanSpec
	if p.Title != "2023年推进都市圈一体化建设工作要点" || p.Year != 2023 {
		t.Errorf("example plan = %q %d, want 2023年推进都市圈一体化建设工作要点 2023", p.Title, p.Year)
	}
	if len(p.Categories) != len(categories) {
		t.Errorf("example has %d categories, the seed %d", len(p.Categories), len(categories))
	}
	for i, name := range categories {
		want := CategoryConfig{ID: fmt.Sprintf("C%d", i+1), Name: name}
		if i >= len(p.Categories) || p.Categories[i] != want {
			t.Errorf("example category %d = %+v, want %+v", i, p.Categories[min(i, len(p.Categories)-1)], want)
		}
	}
	if len(p.Tasks) != len(tasks) {
		t.Errorf("example has %d tasks, the seed %d", len(p.Tasks), len(tasks))
	}
	for i, st := range tasks {
		if st.Number != i+1 {
			t.Fatalf("seed task %d is numbered %d", i+1, st.Number)
		}
		if i >= len(p.Tasks) {
			break
		}
		got := p.Tasks[i]
		wantID, wantCat := fmt.Sprintf("T%02d", st.Number), fmt.Sprintf("C%d", st.Category)
		if got.ID != wantID || got.Category != wantCat || got.Title != st.Title || got.Requirement != st.Requirement {
			t.Errorf("example task %d = {%s %s %q %q}, want {%s %s %q %q}",
				i, got.ID, got.Category, got.Title, got.Requirement, wantID, wantCat, st.Title, st.Requirement)
		}
	}
}

func TestExampleValidates(t *testing.T) {
	cfg, err := Load("examples/metro-2023.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps := cfg.Validate(); ps != nil {
		t.Errorf("example Validate() =\n%v\nwant no problems", ps)
	}
	if ws := cfg.Warnings(); ws != nil {
		t.Errorf("example Warnings() =\n%v\nwant none", ws)
	}
	for i, u := range cfg.Units {
		if n := len(u.Contacts); n < 1 || n > 2 {
			t.Errorf("example units[%d] (%s) has %d contacts, want one or two", i, u.ID, n)
		}
		for _, c := range u.Contacts {
			if !strings.HasSuffix(c.Email, ".example") || c.Name == "" || c.Phone == "" {
				t.Errorf("example units[%d] contact %+v: want a name, a phone and an address on a .example domain", i, c)
			}
		}
	}
	if cfg.Mail.SMTP.Password != "" || cfg.Mail.IMAP.Password != "" || cfg.Security.TokenSecret != "" {
		t.Error("example carries a secret; it must not")
	}
}
