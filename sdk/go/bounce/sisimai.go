package bounce

import "github.com/wasmta/wasmta/sdk/go/wasmta"

// SisimaiEquivalents is the category mapping of
// policies/go/classifier/MAPPING.md as data: each Sisimai reason names
// the wasmta category it means first, then the categories also accepted
// for it (MAPPING.md says why each alternate is there). The corpus tests
// of the classifier and of out-of-band report parsing (mta/feedback) score
// agreement with it, so both measure against one documented table.
// Issue 15's eighth round added two alternates from Sisimai's own status
// table: it reads X.5.3 "too many recipients" as toomanyconn and 5.2.1
// "mailbox disabled" as filtered.
var SisimaiEquivalents = map[string][]string{
	"userunknown":     {wasmta.InvalidRecipient},
	"filtered":        {wasmta.InvalidRecipient, wasmta.PolicyRelated, wasmta.InactiveMailbox},
	"mailboxfull":     {wasmta.QuotaIssues},
	"rejected":        {wasmta.InvalidSender, wasmta.PolicyRelated, wasmta.InvalidRecipient, wasmta.BadDomain},
	"policyviolation": {wasmta.PolicyRelated, wasmta.ProhibitedContent},
	"blocked":         {wasmta.SpamBlock, wasmta.ReputationBlock},
	"authfailure":     {wasmta.AuthenticationFailed},
	"spamdetected":    {wasmta.SpamContent},
	"requireptr":      {wasmta.PolicyRelated},
	"networkerror":    {wasmta.BadConnection, wasmta.NoAnswerFromHost, wasmta.DNSFailure, wasmta.BadDomain, wasmta.RoutingErrors},
	"hostunknown":     {wasmta.BadDomain, wasmta.DNSFailure},
	"expired":         {wasmta.MessageExpired, wasmta.NoAnswerFromHost, wasmta.BadConnection},
	"suspend":         {wasmta.InactiveMailbox},
	"norelaying":      {wasmta.RelayDenied},
	"toomanyconn":     {wasmta.RateLimited, wasmta.TooManyRecipients},
	"systemerror":     {wasmta.TransientFailure, wasmta.BadConfiguration},
	"securityerror":   {wasmta.AuthenticationFailed, wasmta.PolicyRelated, wasmta.TLSFailure},
	"notaccept":       {wasmta.BadDomain},
	"mailererror":     {wasmta.Other, wasmta.TransientFailure, wasmta.BadConfiguration},
	"hasmoved":        {wasmta.InvalidRecipient},
	"syntaxerror":     {wasmta.ProtocolErrors},
	"onhold":          {wasmta.TransientFailure},
	"notcompliantrfc": {wasmta.PolicyRelated, wasmta.ProtocolErrors},
	"exceedlimit":     {wasmta.MessageTooLarge},
	"mesgtoobig":      {wasmta.MessageTooLarge},
	"contenterror":    {wasmta.ProtocolErrors, wasmta.ProhibitedContent},
	"virusdetected":   {wasmta.Virus},
	"systemfull":      {wasmta.TransientFailure},
	"speeding":        {wasmta.RateLimited},
	"ratelimited":     {wasmta.RateLimited},
	"badreputation":   {wasmta.ReputationBlock},
	"failedstarttls":  {wasmta.TLSFailure},
	"suppressed":      {wasmta.Suppressed},
}
