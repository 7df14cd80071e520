package plan

import (
	"reflect"
	"testing"
)

func TestAddressKey(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Li.Na@JTJ.Metro.Example", "li.na@jtj.metro.example", true},
		{" li.na@jtj.metro.example. ", "li.na@jtj.metro.example", true},
		{"张三@政府.example", "张三@xn--mxtq1m.example", true},
		{"a@政府.EXAMPLE", "a@xn--mxtq1m.example", true},
		// Look-alikes are never folded into the ASCII letters they imitate.
		{"li.na@\u212Ajj.metro.example", "li.na@xn--jj-0qu.metro.example", true}, // Kelvin sign K
		{"L\u0130.na@jtj.metro.example", "l\u0130.na@jtj.metro.example", true},   // capital I with dot above
		{"li.na@jtj.metro.ex\u0430mple", "li.na@jtj.metro.xn--exmple-4nf", true}, // Cyrillic а
		{"\uff4ci.na@jtj.metro.example", "\uff4ci.na@jtj.metro.example", true},   // full-width l
		{"", "", false},
		{"noat", "", false},
		{"@jtj.metro.example", "", false},
		{"li.na@", "", false},
		{"li na@jtj.metro.example", "", false},
		{"li.na@jtj\x00.example", "", false},
	}
	for _, tt := range tests {
		got, ok := AddressKey(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("AddressKey(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSender: who a message may speak for. An exact contact always wins
// over a domain; a look-alike of a contact's address is nobody's.
func TestSender(t *testing.T) {
	p := &Plan{Units: []Unit{
		{ID: "fgw", Contacts: []Contact{{Email: "zhang.wei@fgw.metro.example"}}, Domains: []string{"metro.example"}},
		{ID: "kjj", Contacts: []Contact{{Email: "kong@kjj.metro.example"}, {Email: "shared@metro.example"}}},
		{ID: "jtj", Contacts: []Contact{{Email: "shared@metro.example"}}, Domains: []string{"jtj.metro.example"}},
	}}
	tests := []struct {
		email   string
		want    []string
		contact bool
	}{
		{"zhang.wei@fgw.metro.example", []string{"fgw"}, true},
		{"ZHANG.WEI@FGW.metro.example", []string{"fgw"}, true},
		// A contact of kjj and jtj, at a domain fgw lists: the contacts win.
		{"shared@metro.example", []string{"kjj", "jtj"}, true},
		{"someone@metro.example", []string{"fgw"}, false},
		{"someone@jtj.metro.example", []string{"jtj"}, false},
		{"\u212Aong@kjj.metro.example", nil, false},      // Kelvin sign
		{"kong@\u212Ajj.metro.example", nil, false},      // Kelvin sign in the domain
		{"zhang.wei@fgw.metro.ex\u0430mple", nil, false}, // Cyrillic а
		{"zhang.we\u0130@fgw.metro.example", nil, false}, // İ
		{"nobody@elsewhere.example", nil, false},
		{"", nil, false},
	}
	for _, frozen := range []bool{false, true} {
		q := &Plan{Units: p.Units}
		if frozen {
			q.Freeze()
		}
		for _, tt := range tests {
			units, contact := q.Sender(tt.email)
			var ids []string
			for _, u := range units {
				ids = append(ids, u.ID)
			}
			if !reflect.DeepEqual(ids, tt.want) || contact != tt.contact {
				t.Errorf("Sender(%q) (frozen %v) = %v, %v; want %v, %v", tt.email, frozen, ids, contact, tt.want, tt.contact)
			}
		}
	}
}
