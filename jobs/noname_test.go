package jobs

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/duban/duban/plan"
)

// TestArtefactsDoNotNameTheProgram: the properties of every file a unit or
// the office opens (File › Info in Excel, WPS, Word) name the office, never
// the program (issue 14, item 5).
func TestArtefactsDoNotNameTheProgram(t *testing.T) {
	c, clock, _, _ := mailCycle(t)
	may := plan.Period{Year: 2023, Month: time.May}
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
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range zr.File {
			if !strings.HasPrefix(f.Name, "docProps/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			props, _ := io.ReadAll(rc)
			rc.Close()
			if strings.Contains(strings.ToLower(string(props)), "duban") {
				t.Errorf("%s's %s names the program:\n%s", name, f.Name, props)
			}
			if f.Name == "docProps/core.xml" && !strings.Contains(string(props), c.Mail.Office) {
				t.Errorf("%s's author is not the office (%s):\n%s", name, c.Mail.Office, props)
			}
		}
	}
}
