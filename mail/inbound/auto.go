package inbound

import (
	"strings"

	"github.com/emersion/go-message/textproto"
)

// autoReplyHeaders mark auto-responders (QQ Mail, Coremail, vacation
// scripts) whatever their value, unless it is "no".
var autoReplyHeaders = []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Mail-Autoreply"}

// autoReplySubjects start the subjects of out-of-office and auto replies,
// lowercased.
var autoReplySubjects = []string{
	"自动回复", "自动答复", "自动应答", "自動回覆", "自動回复", "外出", "休假",
	"auto reply", "auto-reply", "autoreply", "automatic reply", "auto response",
	"auto-response", "autoresponse", "out of office", "out of the office",
}

// bounceSubjects start the subjects of non-delivery reports whose sender is
// not recognisable.
var bounceSubjects = []string{
	"undelivered mail returned to sender", "undeliverable:", "delivery status notification",
	"mail delivery failed", "delivery failure", "returned mail:", "系统退信", "退信",
}

// classify says why a message was sent by a machine ("" when a person sent
// it). Strong signs of a bounce come first, then auto-replies, then other
// Auto-Submitted mail, then a null Return-Path, then mailing lists.
func classify(h textproto.Header, ct headerParams, from Address, subject string) string {
	local, _, _ := strings.Cut(from.Email, "@")
	subj := subjectStart(subject)
	switch {
	case ct.value == "multipart/report" && strings.EqualFold(strings.TrimSpace(ct.plain["report-type"]), "delivery-status"):
		return AutoBounce
	case local == "mailer-daemon" || local == "postmaster" || strings.HasPrefix(local, "mailer-daemon"):
		return AutoBounce
	case hasPrefixAny(subj, bounceSubjects) && (nullPath(h.Get("Return-Path")) || h.Get("Auto-Submitted") != ""):
		return AutoBounce
	case ct.value == "multipart/report":
		return AutoReply // a read receipt (disposition-notification) or another report
	case autoReplyHeader(h), autoPrecedence(h.Get("Precedence")), hasPrefixAny(subj, autoReplySubjects):
		return AutoReply
	}
	if v := autoSubmitted(h.Get("Auto-Submitted")); v != "" && v != "no" {
		if v == "auto-replied" {
			return AutoReply
		}
		return AutoSubmitted
	}
	switch {
	case nullPath(h.Get("Return-Path")):
		return AutoBounce
	case h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "":
		return AutoList
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

func autoPrecedence(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "auto_reply", "auto-reply", "bulk", "junk", "list":
		return true
	}
	return false
}

// subjectStart lowercases a subject and strips leading spaces and brackets
// (【自动回复】, [Auto Reply]).
func subjectStart(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimLeft(s, " \t[【(（")
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
