package mailbox

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/duban/duban/internal/limit"
	"github.com/duban/duban/mail"
)

// Defaults of IMAPConfig.
const (
	DefaultFolder      = "INBOX"
	DefaultIMAPTimeout = 60 * time.Second
)

// DefaultFolders are the folders messages are settled in, by outcome.
// Folder names use "/" as the hierarchy separator; it is translated to the
// server's own separator.
func DefaultFolders() map[Outcome]string {
	return map[Outcome]string{
		Processed:  "duban/processed",
		Rejected:   "duban/rejected",
		Quarantine: "duban/quarantine",
	}
}

// IMAPConfig says how to reach the incoming IMAP mailbox.
type IMAPConfig struct {
	Host string
	Port int
	// TLS is implicit or starttls; there is never a fallback to plain
	// text. insecure-plain (mail.TLSPlain) is accepted only when Host is a loopback
	// address, for test servers.
	TLS      mail.TLSMode
	Username string
	Password string // never logged nor put in errors
	// Folder is the folder polled for replies (default "INBOX").
	Folder string
	// Folders are where settled messages go (default DefaultFolders); missing
	// outcomes take their default, and missing folders are created.
	Folders map[Outcome]string
	// Timeout bounds the dial and each command (default 60 s).
	Timeout time.Duration
	// TLSConfig is cloned; nil means the system roots with verification on.
	TLSConfig *tls.Config
	// MaxMessageBytes: larger messages are returned with TooLarge set and no
	// body (default DefaultMaxMessageBytes).
	MaxMessageBytes int64
	// MaxHeaderBytes bounds the header block FetchHeaders reads (default
	// DefaultMaxHeaderBytes).
	MaxHeaderBytes int
}

// String describes the configuration without the password.
func (c IMAPConfig) String() string {
	return fmt.Sprintf("IMAPConfig{Host:%s Port:%d TLS:%s Username:%s Password:%s Folder:%s Folders:%v Timeout:%s MaxMessageBytes:%d}",
		c.Host, c.Port, c.TLS, c.Username, redacted(c.Password), c.Folder, c.Folders, c.Timeout, c.MaxMessageBytes)
}

// GoString is String, so that %#v does not print the password either.
func (c IMAPConfig) GoString() string { return c.String() }

// LogValue lets slog log the configuration without the password.
func (c IMAPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("tls", string(c.TLS)),
		slog.String("username", c.Username),
		slog.String("password", redacted(c.Password)),
		slog.String("folder", c.Folder),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return "[redacted]"
}

// withDefaults returns a copy with defaults filled in, or every problem found.
func (c IMAPConfig) withDefaults() (IMAPConfig, error) {
	if c.Folder == "" {
		c.Folder = DefaultFolder
	}
	folders := DefaultFolders()
	for out, name := range c.Folders {
		folders[out] = name
	}
	c.Folders = folders
	c.Timeout = limit.Or(c.Timeout, DefaultIMAPTimeout)
	c.MaxMessageBytes = limit.Or(c.MaxMessageBytes, DefaultMaxMessageBytes)
	c.MaxHeaderBytes = limit.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)

	var problems []error
	if c.Host == "" {
		problems = append(problems, errors.New("host is empty"))
	}
	if c.Port <= 0 || c.Port > 65535 {
		problems = append(problems, fmt.Errorf("port %d is not between 1 and 65535", c.Port))
	}
	if err := c.TLS.Check(c.Host); err != nil {
		problems = append(problems, err)
	}
	if c.Username == "" {
		problems = append(problems, errors.New("username is empty"))
	}
	seen := map[string]Outcome{}
	for _, out := range Outcomes() {
		name := c.Folders[out]
		switch {
		case name == "":
			problems = append(problems, fmt.Errorf("folder for %s is empty", out))
		case sameFolder(name, c.Folder):
			problems = append(problems, fmt.Errorf("folder for %s is the polled folder %q", out, c.Folder))
		case seen[folderKey(name)] != "":
			problems = append(problems, fmt.Errorf("folders for %s and %s are both %q", seen[folderKey(name)], out, name))
		}
		seen[folderKey(name)] = out
	}
	for out := range c.Folders {
		if err := out.valid(); err != nil {
			problems = append(problems, fmt.Errorf("folders: %w", err))
		}
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid imap configuration: %w", errors.Join(problems...))
	}
	return c, nil
}

// folderKey compares folder names the way IMAP does: INBOX is
// case-insensitive, every other name is case-sensitive.
func folderKey(name string) string {
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return name
}

func sameFolder(a, b string) bool { return folderKey(a) == folderKey(b) }
