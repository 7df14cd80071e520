// Package mail writes and sends duban's outgoing mail.
//
// Compose turns a Message into RFC 5322 bytes (jordan-wright/email builds
// the MIME body; this package writes every header itself, because the
// library's headers are not safe for Chinese names or attacker-chosen file
// names). The bytes then go out through a transport: SMTP (one verified-TLS
// connection reused across a fan-out, with deadlines and a rate limit) or
// Folder (an .eml file per message, for dry runs and the demo).
//
// Incoming mail lives in the subpackages inbound and mailbox.
package mail
