package jobs

import (
	"strings"
	"testing"

	"github.com/duban/duban/internal/testtools"
)

// TestArtefactsDoNotNameTheProgram: the properties of every file a unit or
// the office opens (File › Info in Excel, WPS, Word) name the office, never
// the program (issue 14, item 5).
func TestArtefactsDoNotNameTheProgram(t *testing.T) {
	c, clock, _, _ := mailCycle(t)
	clock.Set(at(t, c, "2023-06-08 09:00"))
	tpl, err := c.BuildTemplate(t.Context(), "jtj", may)
	if err != nil {
		t.Fatal(err)
	}
	draft, err := c.Draft(t.Context(), may)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{tpl.FileName: tpl.Data, draft.FileName: draft.Data, draft.BulletinName: draft.Bulletin} {
		for part, props := range testtools.ZipParts(t, data) {
			if !strings.HasPrefix(part, "docProps/") {
				continue
			}
			if strings.Contains(strings.ToLower(string(props)), "duban") {
				t.Errorf("%s's %s names the program:\n%s", name, part, props)
			}
			if part == "docProps/core.xml" && !strings.Contains(string(props), c.Mail.Office) {
				t.Errorf("%s's author is not the office (%s):\n%s", name, c.Mail.Office, props)
			}
		}
	}
}
