package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/duban/duban/plan"
)

// Answers is what unit reports on the tasks it leads in p: each with a
// ~200-character progress text, a next step, and every seventh one
// behind with its reason, varied by unit so no two workbooks are alike.
func Answers(p *plan.Plan, unit string) []plan.Answer {
	var out []plan.Answer
	for j, t := range p.TasksLedBy(unit) {
		progress := fmt.Sprintf("%s本月%s%s", t.Title, unit,
			strings.Repeat("召开专题推进会，协调解决项目前期手续和要素保障问题，完成年度投资计划的阶段目标，", 4))
		a := plan.Answer{TaskID: t.ID, Progress: progress, Status: plan.StatusOnTrack,
			NextSteps: "下月继续按序时推进，重点抓好项目开工和资金拨付，确保完成全年目标任务。"}
		if (len(out)+j+len(unit))%7 == 0 {
			a.Status, a.Issues = plan.StatusBehind, "审批手续进度慢于预期，用地和环评仍在办理中，需协调相关部门加快办理。"
		}
		out = append(out, a)
	}
	return out
}

// Fill fills a unit's template with its answers and contact, as
// reports/reader.Fill does (passed in: this package may not import it).
type Fill func(template []byte, contact, phone string, answers []plan.Answer) ([]byte, error)

// WriteWorkbooks writes into dir one filled workbook per lead unit of p,
// the way each unit's spreadsheet program would save it: build makes the
// unit's template (file name and bytes, as the reminder sends it) and
// fill writes Answers into it. It returns the paths in unit order and
// runs on every core: 2,000 workbooks take a while.
func WriteWorkbooks(dir string, p *plan.Plan, build func(u plan.Unit) (string, []byte, error), fill Fill) ([]string, error) {
	units := p.LeadUnits()
	paths := make([]string, len(units))
	errs := make([]error, len(units))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				paths[i], errs[i] = writeWorkbook(dir, p, units[i], build, fill)
			}
		})
	}
	for i := range units {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return paths, nil
}

func writeWorkbook(dir string, p *plan.Plan, u plan.Unit, build func(u plan.Unit) (string, []byte, error), fill Fill) (string, error) {
	name, tpl, err := build(u)
	if err != nil {
		return "", fmt.Errorf("building %s's template: %w", u.ID, err)
	}
	data, err := fill(tpl, "王晓明", "0551-63000000", Answers(p, u.ID))
	if err != nil {
		return "", fmt.Errorf("filling %s's template: %w", u.ID, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", err
	}
	return path, nil
}
