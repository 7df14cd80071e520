package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban/plan"
)

// Phone is the phone number the simulated units write in their reports.
const Phone = "0551-63000000"

// Answers makes plausible answers of the unit's tasks: most on track,
// some done, one behind with a problem raised, every seventh task of the
// plan behind from April on, and an indicator's event every six months (so
// the year shows some lagging behind the pace).
func Answers(pl *plan.Plan, p plan.Period, unit string) []plan.Answer {
	tasks := pl.TasksLedBy(unit)
	out := make([]plan.Answer, len(tasks))
	for i, t := range tasks {
		a := plan.Answer{
			TaskID:    t.ID,
			Progress:  fmt.Sprintf("%s，围绕“%s”召开专题推进会1次，对照年度目标逐项梳理，完成阶段性工作。", p.Label(), t.Title),
			Status:    plan.StatusOnTrack,
			NextSteps: "继续按序时推进，加强与圈内城市对口部门沟通对接。",
		}
		switch (i + int(p.Month)) % 5 {
		case 0:
			a.Status = plan.StatusDone
			a.NextSteps = "巩固工作成果，做好总结。"
		case 3:
			a.Status = plan.StatusBehind
			a.Issues = "部分前期手续办理进度慢于预期，需协调相关部门加快审批。"
		}
		if pl.TaskNumber(t.ID)%7 == 0 && p.Month >= time.April {
			// A task stuck from spring on: two months behind turn it red.
			a.Status = plan.StatusBehind
			a.Issues = "受要素保障制约，项目推进滞后于年度计划，需市级层面协调解决。"
		}
		for k, ind := range pl.IndicatorsOf(t.ID) {
			if a.Counts == nil {
				a.Counts = map[string]int{}
			}
			a.Counts[ind.Name] = 0
			if (int(p.Month)+2*k)%6 == 2 {
				a.Counts[ind.Name] = 1
			}
		}
		out[i] = a
	}
	return out
}

// DomainOf is the domain of an address: what a client names its
// Message-IDs after.
func DomainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}
