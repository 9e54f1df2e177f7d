package engine

import (
	"context"
	"strings"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/smtptrace"
)

// SMTPTrace returns the hub of live delivery-session views.
func (e *Engine) SMTPTrace() *smtptrace.Hub { return e.trace }

// SiteOf returns the destination site mail to domain goes to now (route
// and MX answers as for delivery), or "" when it does not resolve.
func (e *Engine) SiteOf(ctx context.Context, domain string) string {
	site := e.siteOf(ctx, message.QueueKey{Domain: strings.ToLower(domain)})
	if strings.HasPrefix(site, "(unresolved") {
		return ""
	}
	return site
}
