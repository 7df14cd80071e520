package plan

import (
	"reflect"
	"testing"
)

func testPlan() *Plan {
	return &Plan{
		Title: "t", Year: 2023,
		Tasks: []Task{{ID: "T01", Lead: "a"}, {ID: "T02", Lead: "b"}, {ID: "T03", Lead: "a"}},
		Units: []Unit{
			{ID: "a", Name: "甲局", Contacts: []Contact{{Email: "Zhang@A.example"}}},
			{ID: "b", Name: "乙局", Contacts: []Contact{{Email: "li@b.example"}, {Email: "shared@x.example"}}, Domains: []string{"B.example"}},
			{ID: "c", Name: "丙局", Contacts: []Contact{{Email: "shared@x.example"}}, Domains: []string{"a.example"}},
		},
	}
}

// A frozen plan answers every lookup exactly as the plain scan does.
func TestFreezeAnswersAsTheScan(t *testing.T) {
	plain, frozen := testPlan(), testPlan().Freeze()
	ids := func(us []Unit) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	for _, email := range []string{"zhang@a.example", " ZHANG@a.example ", "other@a.example", "li@b.example",
		"x@b.example", "shared@x.example", "", "nobody@none.example", "noat"} {
		if got, want := ids(frozen.UnitsOwning(email)), ids(plain.UnitsOwning(email)); !reflect.DeepEqual(got, want) {
			t.Errorf("UnitsOwning(%q): frozen %v, scan %v", email, got, want)
		}
	}
	for _, id := range []string{"a", "b", "c", "z", ""} {
		gu, gok := frozen.Unit(id)
		wu, wok := plain.Unit(id)
		if gok != wok || !reflect.DeepEqual(gu, wu) {
			t.Errorf("Unit(%q): frozen %v %v, scan %v %v", id, gu, gok, wu, wok)
		}
		if got, want := frozen.TasksLedBy(id), plain.TasksLedBy(id); !reflect.DeepEqual(got, want) {
			t.Errorf("TasksLedBy(%q): frozen %v, scan %v", id, got, want)
		}
	}
	for _, id := range []string{"T01", "T02", "T03", "T99", ""} {
		if got, want := frozen.TaskNumber(id), plain.TaskNumber(id); got != want {
			t.Errorf("TaskNumber(%q): frozen %d, scan %d", id, got, want)
		}
	}
	if got, want := frozen.UnitNames(), plain.UnitNames(); !reflect.DeepEqual(got, want) {
		t.Errorf("UnitNames: frozen %v, scan %v", got, want)
	}
	// What a caller does with a returned slice never reaches the plan.
	frozen.TasksLedBy("a")[0].ID = "changed"
	if frozen.TasksLedBy("a")[0].ID != "T01" {
		t.Error("TasksLedBy returned the frozen plan's own slice")
	}
}
