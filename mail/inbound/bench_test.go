package inbound

import "testing"

// BenchmarkParseReply parses a Foxmail reply (GB2312 text and HTML bodies,
// the quoted reminder, the workbook attached): about 16 KB.
func BenchmarkParseReply(b *testing.B) {
	raw := readFixture(b, "foxmail.eml")
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(raw, Limits{})
		if err != nil || len(m.Workbooks()) != 1 {
			b.Fatalf("Parse(foxmail.eml) = %v workbooks, %v", len(m.Workbooks()), err)
		}
	}
}
