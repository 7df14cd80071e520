// Package templates holds the texts of every email duban sends, in Chinese,
// as Go templates embedded in the binary. An operator may override any file
// by putting one of the same name in a folder named in config.
//
// Each message NAME has two files: NAME.txt.tmpl defines the blocks
// "subject" and "text" (text/template), NAME.html.tmpl defines "html"
// (html/template, so unit-supplied text is escaped).
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
)

//go:embed mail/*.tmpl
var builtin embed.FS

// Names of the messages.
const (
	Reminder   = "reminder"    // 报送提醒: the period's template, to each lead unit
	Receipt    = "receipt"     // 回执: a submission was accepted
	Rejection  = "rejection"   // 退回: a submission was rejected, with the problems
	NoWorkbook = "no_workbook" // a registered contact wrote without a workbook
	OfficeNote = "office_note" // to the office: quarantine, bounces, delivery failures
	Chase      = "chase"       // 催报: before the deadline, then overdue notices
	Compiled   = "compiled"    // to the office: a version of the consolidated workbook
	// Extension is the answer on an extension (延期): the receipt of a
	// request made in a workbook, or the office's decision on it.
	Extension = "extension"
	// Closure tells a unit that one of its tasks was closed out (销号) or
	// reopened.
	Closure = "closure"
	// Digest is the office's daily list of the messages set aside:
	// strangers', bounces, unreadable ones, those over a limit.
	Digest = "digest"
)

// Names lists every message the product sends.
var Names = []string{Reminder, Receipt, Rejection, NoWorkbook, OfficeNote, Chase, Compiled, Extension, Closure, Digest}

// Set is a parsed collection of message templates.
type Set struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// Rendered is one message ready to be composed into mail.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Load parses the built-in templates, each replaced by a file of the same
// name in overrideDir when overrideDir is set and holds one.
func Load(overrideDir string) (*Set, error) {
	s := &Set{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range Names {
		txt, err := source(overrideDir, name+".txt.tmpl")
		if err != nil {
			return nil, err
		}
		tt, err := texttemplate.New(name).Option("missingkey=error").Funcs(texttemplate.FuncMap(funcs)).Parse(txt)
		if err != nil {
			return nil, fmt.Errorf("parsing template %s.txt.tmpl: %w", name, err)
		}
		for _, block := range []string{"subject", "text"} {
			if tt.Lookup(block) == nil {
				return nil, fmt.Errorf("template %s.txt.tmpl: missing {{define %q}}", name, block)
			}
		}
		htm, err := source(overrideDir, name+".html.tmpl")
		if err != nil {
			return nil, err
		}
		ht, err := htmltemplate.New(name).Option("missingkey=error").Funcs(htmltemplate.FuncMap(funcs)).Parse(htm)
		if err != nil {
			return nil, fmt.Errorf("parsing template %s.html.tmpl: %w", name, err)
		}
		if ht.Lookup("html") == nil {
			return nil, fmt.Errorf("template %s.html.tmpl: missing {{define \"html\"}}", name)
		}
		s.text[name], s.html[name] = tt, ht
	}
	return s, nil
}

// funcs are available to every template.
var funcs = map[string]any{
	"inc":  func(i int) int { return i + 1 },
	"join": strings.Join,
}

func source(overrideDir, file string) (string, error) {
	if overrideDir != "" {
		b, err := os.ReadFile(filepath.Join(overrideDir, file))
		switch {
		case err == nil:
			return string(b), nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("reading template override: %w", err)
		}
	}
	b, err := builtin.ReadFile("mail/" + file)
	if err != nil {
		return "", fmt.Errorf("reading built-in template %s: %w", file, err)
	}
	return string(b), nil
}

// Render executes message name with data.
func (s *Set) Render(name string, data any) (Rendered, error) {
	tt, ok := s.text[name]
	if !ok {
		return Rendered{}, fmt.Errorf("no template named %q", name)
	}
	var r Rendered
	var b bytes.Buffer
	if err := tt.ExecuteTemplate(&b, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("rendering %s subject: %w", name, err)
	}
	// A subject is one line: a template or a value must not inject headers.
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := tt.ExecuteTemplate(&b, "text", data); err != nil {
		return Rendered{}, fmt.Errorf("rendering %s text: %w", name, err)
	}
	r.Text = strings.TrimLeft(b.String(), "\n")
	b.Reset()
	if err := s.html[name].ExecuteTemplate(&b, "html", data); err != nil {
		return Rendered{}, fmt.Errorf("rendering %s html: %w", name, err)
	}
	r.HTML = strings.TrimLeft(b.String(), "\n")
	return r, nil
}

// ReplyData is what receipts and rejections show.
type ReplyData struct {
	Office     string // 都市圈办公室
	Unit       string // unit name; may be empty when the file could not be attributed
	Period     string // period label, e.g. 2023年5月
	FileName   string
	ReceivedAt string // YYYY-MM-DD HH:MM
	Deadline   string // YYYY年M月D日
	Version    int
	Late       bool
	Tasks      []TaskLine // receipts: each task with the status reported
	Problems   []ProblemLine
	// Others says what became of the message's other files, one line each
	// (several workbooks in one message get one answer).
	Others []string
}

// TaskLine is one task as a message lists it.
type TaskLine struct {
	ID     string
	Title  string
	Status string
}

// ReminderData is what a reminder shows.
type ReminderData struct {
	Office          string
	Plan            string
	Unit            string
	Period          string // 2023年5月
	Deadline        string // 2023年6月7日
	DeadlineWeekday string // 星期三
	FileName        string
	Tasks           []TaskLine
}

// ChaseData is what a chase shows: a reminder before the deadline
// (Overdue 0) or the n-th overdue notice.
type ChaseData struct {
	Office          string
	Unit            string
	Period          string // 2023年5月
	Deadline        string // 2023年6月7日
	DeadlineWeekday string
	DaysLeft        int // working days to the deadline day, before it
	Overdue         int // 0 before the deadline; n for the n-th overdue notice
	DaysLate        int // working days past the deadline day
	OfficeCopied    bool
	Leader          string // the office leader copied on the notice that turns the unit red; "" when none
	FileName        string // the fresh template attached
}

// ExtensionData is what a message about an extension (延期) shows: the
// receipt of the request (Decision empty) or the office's decision.
type ExtensionData struct {
	Office     string
	Unit       string
	Period     string // 2023年5月
	Deadline   string // the period's deadline day, 2023年6月7日
	Requested  string // the day asked for, 2023年6月20日; "" when the office decided unasked
	Reason     string
	ReceivedAt string // when the request came, YYYY-MM-DD HH:MM
	Decision   string // "", "granted" or "refused"
	Until      string // the new deadline day when granted
	Note       string // the office's note
	FileName   string // the template attached (with the decision), "" when none
}

// ClosureData is what the message about a close-out (销号) shows.
type ClosureData struct {
	Office   string
	Unit     string
	Task     string // T03 推进合作专题落实
	Period   string // the period whose 已完成 report is confirmed
	Next     string // the first period no longer asked, 2023年7月
	Reopened bool
	Note     string
}

// CompiledData is what the mail carrying a consolidated workbook shows.
type CompiledData struct {
	Office          string
	Period          string
	FileName        string
	Version         int
	PreviousVersion int
	GeneratedAt     string // YYYY-MM-DD HH:MM
	Deadline        string
	Expected        int
	Submitted       int
	Late            int
	Missing         []string // unit names
	Changes         []string // one line per unit new or updated since the previous version
	// The warning colours at compilation: tasks in red, in yellow, units in
	// red (by name), and the bulletin draft attached ("" when none).
	RedTasks    []string
	YellowTasks int
	RedUnits    []string
	Bulletin    string
}

// NoWorkbookData is what the reply to a message without a workbook shows.
type NoWorkbookData struct {
	Office     string
	Unit       string
	Period     string
	ReceivedAt string
	Deadline   string
	Found      string // the files that were attached instead, e.g. "照片.jpg、说明.docx"
	// TooLarge, when set, says the message was not read for its size, e.g.
	// "42.0 MB，超过了 40 MB 的上限".
	TooLarge string
}

// DigestData is the office's daily digest of the messages set aside.
type DigestData struct {
	Office        string
	Date          string // 2023年6月7日
	Count         int
	Groups        []DigestGroup
	RetentionDays int // strangers' messages are deleted after this many days
}

// DigestGroup is the messages set aside for one reason.
type DigestGroup struct {
	Number string // 一, 二, …
	Reason string // e.g. 未登记的发件人
	Items  []DigestItem
	More   int // messages of the group left out of the list
}

// DigestItem is one message set aside.
type DigestItem struct {
	ReceivedAt string // 6月2日 10:00
	From       string
	Subject    string
	Size       string // 1.2 MB
}

// OfficeNoteData is a note to the office.
type OfficeNoteData struct {
	Office   string
	Title    string   // one line, e.g. 收到未登记发件人的邮件，已隔离
	Lines    []string // details, one per paragraph
	Attached bool     // the original message is attached
}

// ProblemLine is one problem as the unit reads it.
type ProblemLine struct {
	Cell    string
	Task    string
	Message string
}
