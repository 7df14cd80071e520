package config

import (
	"github.com/duban/duban/mail"
	"github.com/duban/duban/mail/inbound"
	"github.com/duban/duban/reports"
)

// The values other packages take, derived from the configuration here once
// so that the program and the tests that play its configuration map it the
// same way.

// WorkbookLimits are the bounds of reading a returned workbook.
func (c *Config) WorkbookLimits() reports.Limits {
	l := c.Limits
	return reports.Limits{
		MaxFileBytes:     l.MaxAttachmentBytes,
		MaxUnzipBytes:    l.MaxUnzipBytes,
		MaxTextChars:     l.MaxTextChars,
		MaxRows:          l.MaxSheetRows,
		MaxColumns:       l.MaxSheetColumns,
		MaxCellsOutside:  l.MaxCellsOutside,
		MaxXMLDepth:      l.MaxXMLDepth,
		MaxXMLElements:   l.MaxXMLElements,
		MaxSharedStrings: l.MaxSharedStrings,
		MaxTextBytes:     l.MaxWorkbookTextBytes,
	}
}

// MessageLimits are the bounds of parsing a received message.
func (c *Config) MessageLimits() inbound.Limits {
	l := c.Limits
	return inbound.Limits{
		MaxMessageBytes: l.MessageBytes(),
		MaxHeaderBytes:  l.MaxHeaderBytes,
		MaxParts:        l.MaxMIMEParts,
		MaxDepth:        l.MaxMIMEDepth,
		MaxFileBytes:    l.MaxAttachmentBytes,
		AuthServID:      c.Security.AuthServID,
	}
}

// Address is the configured address as a message carries it.
func (a AddressConfig) Address() mail.Address { return mail.Address{Name: a.Name, Email: a.Email} }

// RecipientAddresses are the office's recipients of the compiled workbook.
func (o OfficeConfig) RecipientAddresses() []mail.Address {
	out := make([]mail.Address, 0, len(o.Recipients))
	for _, r := range o.Recipients {
		out = append(out, r.Address())
	}
	return out
}
