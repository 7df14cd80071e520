package testtools

import "github.com/duban/duban/internal/filekind"

// OLE builds the start of an OLE compound file whose directory names the
// given streams: the magic bytes, the rest of the header sector, then one
// 128-byte directory entry a stream with its name in UTF-16LE, as in a
// real directory sector. Names are ASCII.
func OLE(streams ...string) []byte {
	b := []byte(filekind.MagicOLE)
	b = append(b, make([]byte, 504)...)
	for _, s := range streams {
		entry := make([]byte, 128)
		for i := range min(len(s), 64) {
			entry[2*i] = s[i]
		}
		b = append(b, entry...)
	}
	return b
}
