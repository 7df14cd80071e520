package template

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/xuri/excelize/v2"
)

// Base is what the templates of one run share: the parts of the workbook
// that come out the same for every unit of a plan and period (styles,
// theme, content types, relationships, document properties but the
// title…), kept compressed once they have been written. A fan-out builds
// its 2,000 templates from one Base; compressing those parts again for
// every unit was a third of the cost of a template. The parts are learned
// from the templates built, by their bytes, so what a template holds never
// depends on which Base built it. A Base is safe for concurrent use.
//
// Once the first template is written, the Base also holds its styles and
// theme parts as excelize wrote them, and the templates after it are
// written with those rather than serialising their own again: the styles
// depend on nothing but this package (newStyles), the theme is excelize's.
type Base struct {
	mu       sync.Mutex
	parts    map[partKey]*part
	variants map[string]int // parts kept under each name
	prepared atomic.Pointer[prepared]
}

// The parts of a workbook the Base prepares.
const (
	stylesPart = "xl/styles.xml"
	themePart  = "xl/theme/theme1.xml"
)

// prepared is the styles and theme parts of a template as excelize wrote
// them.
type prepared struct {
	xfs           int // cell formats in the styles part
	styles, theme []byte
}

// prepare keeps the styles and theme parts of a template built from
// scratch (keep), whose styles have xfs cell formats.
func (b *Base) prepare(xfs int, keep map[string][]byte) {
	if keep[stylesPart] == nil || keep[themePart] == nil {
		return
	}
	b.prepared.CompareAndSwap(nil, &prepared{xfs: xfs, styles: keep[stylesPart], theme: keep[themePart]})
}

// use makes f, laid out, write the prepared styles and theme: excelize
// writes a part it holds unloaded (a nil File.Styles, File.Theme) as its
// package has it. Should f ever hold a style more than the prepared ones,
// it keeps its own styles.
func (p *prepared) use(f *excelize.File) {
	if xfs(f) == p.xfs {
		f.Pkg.Store(stylesPart, p.styles)
		f.Styles = nil
	}
	f.Pkg.Store(themePart, p.theme)
	f.Theme = nil
}

// xfs is the number of cell formats in f's styles, -1 when not loaded.
func xfs(f *excelize.File) int {
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return -1
	}
	return len(f.Styles.CellXfs.Xf)
}

// NewBase returns an empty Base: the first templates built from it
// prepare it.
func NewBase() *Base {
	return &Base{parts: map[partKey]*part{}, variants: map[string]int{}}
}

// maxVariants bounds the versions of one part a Base keeps: the parts
// that differ for every unit (the sheets, their strings) are kept only
// until the bound, a part that differs with the number of rows (the
// workbook's print area) a few times.
const maxVariants = 4

type partKey struct {
	name string
	crc  uint32
	size int
}

// part is one workbook part, compressed as archive/zip compresses it.
type part struct {
	data       []byte // uncompressed, to tell a part apart from another of the same checksum
	compressed []byte
}

// compressed returns data, the content of the part called name, deflated.
func (b *Base) compressed(name string, data []byte, crc uint32) ([]byte, error) {
	key := partKey{name, crc, len(data)}
	b.mu.Lock()
	p, ok := b.parts[key]
	b.mu.Unlock()
	if ok && bytes.Equal(p.data, data) {
		return p.compressed, nil
	}
	out, err := deflate(data)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.parts[key]; !ok && b.variants[name] < maxVariants {
		b.parts[key] = &part{data: bytes.Clone(data), compressed: out}
		b.variants[name]++
	}
	return out, nil
}

// flateLevel is the level archive/zip's own Deflate compressor uses, so
// that a part is stored as it always was.
const flateLevel = 5

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flateLevel)
	return w
}}

func deflate(data []byte) ([]byte, error) {
	var out bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&out)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// partWriter is the zip writer excelize saves a template through: it
// edits the parts listed in edit as they are written (the form sheet's
// row heights), and takes each part's compressed bytes from the Base.
type partWriter struct {
	zw   *zip.Writer
	base *Base
	edit map[string]func([]byte) []byte
	keep map[string][]byte // parts whose content to keep, by name
	name string            // the part being written, "" before the first
	buf  bytes.Buffer
}

var _ excelize.ZipWriter = (*partWriter)(nil)

// Create starts the part called name; the one before is complete.
func (p *partWriter) Create(name string) (io.Writer, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	p.name = name
	p.buf.Reset()
	return &p.buf, nil
}

// AddFS is not used by excelize's writer; a template has nothing to add.
func (p *partWriter) AddFS(fs.FS) error {
	return errors.New("template: adding files to a workbook is not supported")
}

func (p *partWriter) Close() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.zw.Close()
}

// flush writes the part being written to the zip, stored as
// zip.Writer.Create would (deflated, sizes in a data descriptor).
func (p *partWriter) flush() error {
	if p.name == "" {
		return nil
	}
	name, data := p.name, p.buf.Bytes()
	p.name = ""
	if edit := p.edit[name]; edit != nil {
		data = edit(data)
	}
	if _, ok := p.keep[name]; ok {
		p.keep[name] = bytes.Clone(data)
	}
	crc := crc32.ChecksumIEEE(data)
	compressed, err := p.base.compressed(name, data, crc)
	if err != nil {
		return err
	}
	w, err := p.zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, Flags: 0x8,
		CreatorVersion: zipVersion20, ReaderVersion: zipVersion20,
		CRC32: crc, CompressedSize64: uint64(len(compressed)), UncompressedSize64: uint64(len(data)),
	})
	if err != nil {
		return err
	}
	_, err = w.Write(compressed)
	return err
}

// zipVersion20 is the version archive/zip writes in the headers it makes.
const zipVersion20 = 20
