package plan

import (
	"testing"
	"time"
)

func TestWordsCN(t *testing.T) {
	wed := time.Date(2023, 6, 7, 9, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{DateCN(wed), "2023年6月7日"},
		{WeekdayCN(wed), "星期三"},
		{MomentCN(wed), "2023年6月7日 09:05"},
		{DateCN(time.Time{}), ""},
		{MomentCN(time.Time{}), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
