// Package templates holds the texts of every email duban sends, as Go
// templates embedded in the binary. An operator may override any file by
// putting one of the same name in a folder named in config.
//
// Each message NAME has two files: NAME.txt.tmpl defines the blocks
// "subject" and "text" (text/template), NAME.html.tmpl defines "html"
// (html/template, so unit-supplied text is escaped). The operator's
// technical note is plain text only (no html file).
//
// The texts to units and to the office are written in the office's
// register: units are addressed as 贵单位 (您 only for a sender matched to
// no unit), dates read 2023年6月7日（星期三）, moments 2023年6月7日9时30分,
// a deadline is the day and the hour it ends (2023年6月7日（星期三）24时),
// every mail to a unit ends with the office's contact (OfficeContact) and
// is signed with the office's name only, and none of them names the
// program. The data carry the words ready-made: jobs formats them.
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
	// OperatorNote is a technical note to the IT staff (config operator),
	// plain text: what the office's short notes leave out.
	OperatorNote = "operator_note"
	// Login is the one-time link that signs an office address in to the
	// web desk.
	Login = "login"
)

// Names lists every message the product sends.
var Names = []string{Reminder, Receipt, Rejection, NoWorkbook, OfficeNote, Chase, Compiled, Extension, Closure, Digest, OperatorNote, Login}

// textOnly are the messages without an html part.
var textOnly = map[string]bool{OperatorNote: true}

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
		tt, err := parseFile(overrideDir, name+".txt.tmpl",
			texttemplate.New(name).Option("missingkey=error").Funcs(texttemplate.FuncMap(funcs)).Parse,
			(*texttemplate.Template).Lookup, "subject", "text")
		if err != nil {
			return nil, err
		}
		s.text[name] = tt
		if textOnly[name] {
			continue
		}
		ht, err := parseFile(overrideDir, name+".html.tmpl",
			htmltemplate.New(name).Option("missingkey=error").Funcs(htmltemplate.FuncMap(funcs)).Parse,
			(*htmltemplate.Template).Lookup, "html")
		if err != nil {
			return nil, err
		}
		s.html[name] = ht
	}
	return s, nil
}

// parseFile parses file (built in, or its override) with parse, and checks
// that it defines each of the blocks the messages are made of. T is a text
// or an HTML template.
func parseFile[T comparable](overrideDir, file string, parse func(string) (T, error), lookup func(T, string) T, blocks ...string) (T, error) {
	var none T
	src, err := source(overrideDir, file)
	if err != nil {
		return none, err
	}
	t, err := parse(src)
	if err != nil {
		return none, fmt.Errorf("parsing template %s: %w", file, err)
	}
	for _, block := range blocks {
		if lookup(t, block) == none {
			return none, fmt.Errorf("template %s: missing {{define %q}}", file, block)
		}
	}
	return t, nil
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
	ht, ok := s.html[name]
	if !ok {
		return r, nil // a plain-text message
	}
	b.Reset()
	if err := ht.ExecuteTemplate(&b, "html", data); err != nil {
		return Rendered{}, fmt.Errorf("rendering %s html: %w", name, err)
	}
	r.HTML = strings.TrimLeft(b.String(), "\n")
	return r, nil
}

// OfficeContact is the person at the office whom a unit may call about a
// mail (config office.contact); zero when none is configured.
type OfficeContact struct {
	Name  string // 综合处张敏
	Phone string // 0551-63000000
	Email string // optional
}

// Sentence is the closing line of a mail to a unit naming the contact at
// office, e.g. 如有疑问，请联系都市圈办公室综合处张敏，电话0551-63000000。;
// "" when no contact is configured, and the mail has no such line.
func (c OfficeContact) Sentence(office string) string {
	if c.Name == "" && c.Phone == "" {
		return ""
	}
	s := "如有疑问，请联系" + office + c.Name
	if c.Phone != "" {
		s += "，电话" + c.Phone
	}
	if c.Email != "" {
		s += "，邮箱" + c.Email
	}
	return s + "。"
}

// Letter is what every message to a unit carries: who writes (the office
// and its contact), to whom, and about which period.
type Letter struct {
	Office  string // 都市圈办公室
	Contact OfficeContact
	Unit    string // the unit's name; may be empty when a file could not be attributed
	Period  string // 2023年5月
}

// ReplyData is what receipts and rejections show.
type ReplyData struct {
	Letter
	FileName   string
	ReceivedAt string // 2023年6月2日9时30分
	Deadline   string // the unit's deadline, 2023年6月7日（星期三）24时
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
	Number string // the plan's own number of the task, "4."
	Title  string
	Status string
}

// ReminderData is what a reminder shows.
type ReminderData struct {
	Letter
	Plan     string
	Deadline string // 2023年6月7日（星期三）24时
	FileName string
	Tasks    []TaskLine // the tasks to report: never one closed out (销号)
	Closed   int        // the unit's tasks closed out, shown in the workbook only
	// UploadLink is the unit's personal upload page for the period (the
	// desk, http.public_url); "" when the desk is not public.
	UploadLink string
}

// ChaseData is what a chase shows: a reminder before the deadline
// (Overdue 0) or the n-th overdue notice.
type ChaseData struct {
	Letter
	Deadline     string // the unit's deadline, 2023年6月7日（星期三）24时
	DaysLeft     int    // working days to the deadline day, before it
	Overdue      int    // 0 before the deadline; n for the n-th overdue notice
	DaysLate     int    // working days past the deadline day
	OfficeCopied bool
	Leader       string // the office leader copied on the notice that turns the unit red; "" when none
	FileName     string // the fresh template attached
	UploadLink   string // as in ReminderData
}

// ExtensionData is what a message about an extension (延期) shows: the
// receipt of the request (Decision empty) or the office's decision.
type ExtensionData struct {
	Letter
	Deadline   string // the period's deadline, 2023年6月7日（星期三）24时
	Requested  string // the day asked for, 2023年6月20日（星期二）; "" when the office decided unasked
	Reason     string
	ReceivedAt string // when the request came, 2023年6月5日10时12分
	Decision   string // "", "granted" or "refused"
	Until      string // the new deadline when granted, 2023年6月16日（星期五）24时
	Note       string // the office's note
	FileName   string // the template attached (with the decision), "" when none
}

// ClosureData is what the message about a close-out (销号) shows; its
// period is the one whose 已完成 report is confirmed.
type ClosureData struct {
	Letter
	Task     string // T03 推进合作专题落实
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
	GeneratedAt     string // 2023年6月8日8时30分
	Deadline        string // 2023年6月7日（星期三）24时
	Expected        int
	Submitted       int
	Late            int
	Missing         []string // unit names
	Changes         []string // one line per unit new or updated since the previous version, 市科技局：补报（6月9日10时12分）
	// The warning colours at compilation: tasks in red, in yellow, units in
	// red (by name), and the bulletin draft attached ("" when none).
	RedTasks    []string
	YellowTasks int
	RedUnits    []string
	Bulletin    string
}

// NoWorkbookData is what the reply to a message without a workbook shows.
type NoWorkbookData struct {
	Letter
	ReceivedAt string // 2023年6月2日9时30分
	Deadline   string // 2023年6月7日（星期三）24时
	Found      string // the files that were attached instead, e.g. "照片.jpg、说明.docx"
	// TooLarge, when set, says the message was not read for its size, e.g.
	// "42.0 MB，超过了 40 MB 的上限".
	TooLarge string
}

// DigestData is the office's daily digest of the messages set aside.
type DigestData struct {
	Office        string
	Date          string // 2023年6月7日（星期三）
	Count         int
	Groups        []DigestGroup
	RetentionDays int // strangers' messages are deleted after this many days
	// Operator names the IT staff to ask about a message listed (config
	// operator), "" when none is configured.
	Operator string
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
	ReceivedAt string // 6月2日10时00分
	From       string
	Subject    string
	Size       string // 1.2 MB
}

// OfficeNoteData is a note to the office: short, in its words, with no
// instructions for IT staff (those go to the operator).
type OfficeNoteData struct {
	Office string
	Title  string   // one line, e.g. 邮件未能送达：市交通运输局
	Lines  []string // details, one per paragraph
}

// OperatorNoteData is a technical note to the IT staff who run the
// program (config operator): plain text, any language.
type OperatorNoteData struct {
	Title string   // one line, the subject
	Lines []string // details, one per paragraph
}

// LoginData is the web desk's one-time login link.
type LoginData struct {
	Office      string
	RequestedAt string // 2023年6月7日9时30分
	Link        string
	Minutes     int // how long the link is valid
}

// ProblemLine is one problem as the unit reads it.
type ProblemLine struct {
	Cell    string
	Task    string
	Message string
}
