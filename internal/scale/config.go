package scale

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/duban/duban/config"
)

// ConfigYAML is the embedded example configuration with its tasks and units
// replaced by units × tasksPerUnit generated ones (each task with a
// ~200-character requirement, each unit with two contacts): the file a
// province's office would write.
func ConfigYAML(units, tasksPerUnit int) []byte {
	ex := string(config.Example())
	tasksAt := strings.Index(ex, "\n  tasks:\n")
	unitsAt := strings.Index(ex, "\nunits:\n")
	afterUnits := strings.Index(ex, "\n# The office that follows up")
	if tasksAt < 0 || unitsAt < 0 || afterUnits < 0 {
		panic("scale: the example configuration changed its layout")
	}
	var b bytes.Buffer
	b.WriteString(ex[:tasksAt])
	b.WriteString("\n  tasks:\n")
	requirement := strings.Repeat("围绕都市圈重点发展方向，加快推进项目前期工作和建设进度，", 7)
	n := 0
	for u := range units {
		for range tasksPerUnit {
			n++
			fmt.Fprintf(&b, "    - {id: T%05d, category: C%d, title: 重点任务%d, requirement: %s, lead: u%04d}\n", n, n%8+1, n, requirement, u)
		}
	}
	// The section between the tasks and the units (comments only).
	rest := ex[tasksAt+1:]
	if i := strings.Index(rest, "\n# The units"); i >= 0 {
		b.WriteString(rest[i:strings.Index(rest, "\nunits:\n")])
	}
	b.WriteString("\nunits:\n")
	for u := range units {
		fmt.Fprintf(&b, "  - id: u%04d\n    name: 第%d单位\n    contacts:\n", u, u)
		for c := range 2 {
			fmt.Fprintf(&b, "      - {name: 联系人%d, email: c%d@u%04d.metro.example, phone: 0551-6%07d}\n", c, c, u, u*10+c)
		}
	}
	b.WriteString(ex[afterUnits:])
	return b.Bytes()
}
