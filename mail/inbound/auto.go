package inbound

import (
	"strings"

	"github.com/emersion/go-message/textproto"
)

// autoReplyHeaders mark auto-responders (QQ Mail, Coremail, vacation
// scripts) whatever their value, unless it is "no".
var autoReplyHeaders = []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Mail-Autoreply"}

// autoReplySubjects start the subjects of out-of-office and auto replies,
// lowercased. They only set Message.SubjectAuto, never Message.Auto.
var autoReplySubjects = []string{
	"自动回复", "自动答复", "自动应答", "自動回覆", "自動回复", "自動答覆",
	"auto reply", "auto-reply", "autoreply", "automatic reply", "auto response",
	"auto-response", "autoresponse", "out of office", "out of the office",
}

// awaySubjects are words that start out-of-office subjects only in some
// forms (外出自动回复, 休假通知, 外出：…, a subject that is just 外出) and
// ordinary ones in others (外出调研期间报送……, 休假期间的报表): see
// awaySubject.
var awaySubjects = []string{"外出", "休假"}

// awayFollowers may follow an awaySubjects word in an out-of-office
// subject, after spaces and closing brackets.
var awayFollowers = []string{"自动", "自動", "回复", "回覆", "答复", "答覆", "通知", ":", "："}

// bounceSubjects start the subjects of non-delivery reports whose sender is
// not recognisable. They count only together with a header (see classify).
var bounceSubjects = []string{
	"undelivered mail returned to sender", "undeliverable:", "delivery status notification",
	"mail delivery failed", "delivery failure", "returned mail:", "系统退信", "退信",
}

// classify says why a message was sent by a machine ("" when a person sent
// it), from headers that machines write — never from the subject alone, so
// that no unit's report is dropped because of a guess:
//
//   - a bounce: multipart/report with report-type=delivery-status; a From
//     local part mailer-daemon… or postmaster; a bounce subject
//     (bounceSubjects) together with a null Return-Path or an
//     Auto-Submitted field other than "no";
//   - any other multipart/report (a read receipt): AutoReply;
//   - X-Autoreply and the like (autoReplyHeaders) other than "no",
//     Precedence auto_reply, bulk or junk, X-Auto-Response-Suppress with any
//     value: AutoReply;
//   - Auto-Submitted other than "no": auto-replied is AutoReply, any other
//     value AutoSubmitted.
//
// Not signs on their own: the subject (see subjectAuto), Precedence: list,
// List-Id and List-Unsubscribe, a null Return-Path.
//
// X-Auto-Response-Suppress is the weakest of these signs: it asks for no
// auto-reply rather than says one is, and Exchange has been seen to add
// it to mail a person sent through a distribution list (glpi#2170;
// Discourse, osTicket and Redmine stopped counting it). A unit replying
// to duban's reminder writes to duban directly, but if reports are ever
// dropped for it, this is the line to remove.
func classify(h textproto.Header, ct headerParams, from Address, subject string) string {
	local, _, _ := strings.Cut(from.Email, "@")
	submitted := autoSubmitted(h.Get("Auto-Submitted"))
	machine := submitted != "" && submitted != "no"
	switch {
	case ct.value == "multipart/report" && strings.EqualFold(strings.TrimSpace(ct.plain["report-type"]), "delivery-status"):
		return AutoBounce
	case local == "mailer-daemon" || local == "postmaster" || strings.HasPrefix(local, "mailer-daemon"):
		return AutoBounce
	case hasPrefixAny(subjectStart(subject), bounceSubjects) && (nullPath(h.Get("Return-Path")) || machine):
		return AutoBounce
	case ct.value == "multipart/report":
		return AutoReply // a read receipt (disposition-notification) or another report
	case autoReplyHeader(h), autoPrecedence(h.Get("Precedence")), h.Has("X-Auto-Response-Suppress"):
		return AutoReply
	case submitted == "auto-replied":
		return AutoReply
	case machine:
		return AutoSubmitted
	}
	return ""
}

func autoSubmitted(v string) string {
	v, _, _ = strings.Cut(v, ";")
	v, _, _ = strings.Cut(v, "(")
	return strings.ToLower(strings.TrimSpace(v))
}

func autoReplyHeader(h textproto.Header) bool {
	for _, k := range autoReplyHeaders {
		if h.Has(k) {
			v := strings.ToLower(strings.TrimSpace(h.Get(k)))
			if v != "no" && v != "false" && v != "0" {
				return true
			}
		}
	}
	return false
}

// autoPrecedence reports the Precedence values of auto-replies and bulk
// mail. "list" is not one: a unit's reply can pass through a list.
func autoPrecedence(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "auto_reply", "auto-reply", "bulk", "junk":
		return true
	}
	return false
}

// subjectAuto reports a subject that starts like an auto-reply's: one of
// autoReplySubjects, or 外出/休假 in an out-of-office form (awaySubject).
// Leading spaces and opening brackets are skipped (【自动回复】, [Auto
// Reply]); "Re:" is not, as a person answering an auto-reply writes it.
func subjectAuto(subject string) bool {
	s := subjectStart(subject)
	return hasPrefixAny(s, autoReplySubjects) || awaySubject(s)
}

// awaySubject reports 外出 or 休假 used as an out-of-office notice: the
// word alone, or followed (after spaces and closing brackets) by 自动,
// 回复, 答复, 通知 or a colon — 外出自动回复, 【休假】通知, 外出：…. The
// word followed by anything else is an ordinary subject: 外出调研期间报送……,
// 休假期间的报表, 【外出】调研.
func awaySubject(s string) bool {
	for _, w := range awaySubjects {
		rest, ok := strings.CutPrefix(s, w)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t\u3000]】)）")
		if rest == "" || hasPrefixAny(rest, awayFollowers) {
			return true
		}
	}
	return false
}

// subjectStart lowercases a subject and strips leading spaces and brackets
// (【自动回复】, [Auto Reply]).
func subjectStart(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimLeft(s, " \t\u3000[【(（")
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
