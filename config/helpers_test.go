package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

// baseYAML is a small valid configuration; tests break it one way at a time.
const baseYAML = `plan:
  title: 测试计划
  year: 2023
  categories:
    - {id: C1, name: 类别一}
    - {id: C2, name: 类别二}
  tasks:
    - {id: T01, category: C1, title: 任务一, requirement: 要求一, lead: fgw, co_units: [jtj]}
    - {id: T02, category: C2, title: 任务二, requirement: 要求二, lead: jtj, co_units: []}
units:
  - id: fgw
    name: 市发展改革委
    contacts: [{name: 张伟, email: zhang.wei@fgw.test.example, phone: 0551-63500101}]
  - id: jtj
    name: 市交通运输局
    contacts: [{name: 刘洋, email: liu.yang@jtj.test.example}]
    cc: [{name: 曹亮, email: cao.liang@jtj.test.example}]
office:
  name: 都市圈办公室
  recipients: [{name: 办公室, email: office@test.example}]
  contact: {name: 张敏, phone: 0551-63000000}
`

// edit is one change to baseYAML: replace Old with New (Old must occur).
type edit struct{ Old, New string }

// variant applies edits to baseYAML and appends extra.
func variant(t *testing.T, edits []edit, extra string) string {
	t.Helper()
	s := baseYAML
	for _, e := range edits {
		if !strings.Contains(s, e.Old) {
			t.Fatalf("test setup: %q is not in baseYAML", e.Old)
		}
		s = strings.Replace(s, e.Old, e.New, 1)
	}
	return s + extra
}

// writeConfig writes content to a file in a fresh temporary folder.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "duban.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoad loads content written to a temporary file.
func mustLoad(t *testing.T, content string) *Config {
	t.Helper()
	cfg, err := Load(writeConfig(t, content))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	return cfg
}

// sortedKeys returns the problems' keys, sorted, for comparing as sets.
func sortedKeys(ps Problems) []string {
	keys := ps.Keys()
	slices.Sort(keys)
	return keys
}

// TestMain clears DUBAN_* variables for config keys that the environment
// running the tests may have set, so that tests start from the file alone.
func TestMain(m *testing.M) {
	for _, key := range scalarKeys() {
		os.Unsetenv(envVar(key))
	}
	os.Exit(m.Run())
}
