package arch

import (
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/duban/duban/"

// mayImport is the map of the code: for each package, the packages of this
// module it may import (its tests aside). Data flows one way: config → plan
// → jobs → (reports…, mail, store); reports (with its template, reader and
// compile) and mail know nothing of each other or of the store; the three
// workbook packages share only reports, never each other; jobs is where
// they meet; internal/app wires it all; cmd and the demo sit on top. A
// package missing here fails the test: a new package is placed on the map
// when it is made.
var mayImport = map[string][]string{
	"plan":         nil,
	"config":       {"plan", "mail", "mail/inbound", "reports"},
	"templates":    nil,
	"bulletin":     nil,
	"reports":      {"plan"},
	"store":        {"plan"},
	"mail":         nil,
	"mail/inbound": {"internal/limit", "internal/filekind"},
	"mail/mailbox": {"mail", "internal/limit"},
	// What tests read back of the mail duban wrote.
	"mail/mailtest": {"mail/inbound"},
	// The workbooks, a package a job, sharing only reports. The reader
	// reads file types with internal/filekind, as mail/inbound does.
	"reports/template": {"plan", "reports"},
	"reports/reader":   {"plan", "reports", "internal/filekind"},
	"reports/compile":  {"plan", "reports"},
	// The fixtures their tests share.
	"reports/internal/reportstest": {"plan", "reports", "reports/template"},
	"jobs": {"plan", "reports", "reports/template", "reports/reader", "reports/compile", "store", "templates",
		"bulletin", "mail", "mail/inbound", "mail/mailbox", "internal/crashpoint", "internal/limit"},
	"internal/app": {"config", "jobs", "reports", "store", "templates", "mail", "mail/inbound", "mail/mailbox"},
	"internal/demo": {"plan", "jobs", "reports/reader", "store", "mail", "mail/inbound", "mail/mailbox",
		"internal/clock", "internal/sim"},
	"internal/sim":        {"plan", "mail", "mail/inbound", "mail/mailbox", "internal/mailserver"},
	"internal/mailserver": {"internal/selfsigned"},
	"internal/selfsigned": nil,
	"internal/clock":      nil,
	"internal/limit":      nil,
	"internal/filekind":   nil,
	"internal/crashpoint": nil,
	"internal/datalock":   nil,
	"internal/telemetry":  nil,
	"internal/testtools":  {"internal/filekind"},
	"internal/scale":      {"config", "plan", "store"},
	"internal/arch":       nil,
	"e2e":                 nil, // tests only
	"desk":                {"plan", "jobs", "reports", "store"},
	"cmd/duban": {"config", "plan", "jobs", "reports", "store", "desk", "internal/app", "internal/clock",
		"internal/datalock", "internal/demo", "internal/telemetry"},
}

// testOnly are packages no production code may import.
var testOnly = []string{"internal/testtools", "e2e", "internal/arch", "reports/internal/reportstest", "mail/mailtest"}

func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		seen[pkg] = true
		allowed, known := mayImport[pkg]
		if !known {
			t.Errorf("package %s is not on the map: add it to mayImport (and to README's layout) with what it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			switch {
			case strings.HasPrefix(dep, "cmd/"):
				t.Errorf("%s imports %s: nothing imports a command", pkg, dep)
			case slices.Contains(testOnly, dep):
				t.Errorf("%s imports %s, which is for tests only", pkg, dep)
			case !slices.Contains(allowed, dep):
				t.Errorf("%s imports %s; it may import only %v", pkg, dep, allowed)
			}
		}
	}
	var missing []string
	for pkg := range mayImport {
		if !seen[pkg] {
			missing = append(missing, pkg)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("packages on the map that do not exist any more: %v", missing)
	}
}
