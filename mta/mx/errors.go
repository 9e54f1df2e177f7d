package mx

import (
	"errors"
	"fmt"
)

// Causes carried by Error.Err; test them with errors.Is.
var (
	ErrNXDomain  = errors.New("domain does not exist (NXDOMAIN)")
	ErrNullMX    = errors.New("domain accepts no mail (null MX, RFC 7505)")
	ErrNoAddress = errors.New("no address for the mail hosts")
	ErrServFail  = errors.New("DNS server failure")
	ErrTimeout   = errors.New("DNS query timed out")
	ErrBadName   = errors.New("invalid domain name")
)

// Error is a failed resolution. Temporary says whether asking again later
// may succeed (server failure, timeout) or not (NXDOMAIN, null MX, no
// address at all). It is a field, not a method: Go cannot have both under
// one name, and callers already test the field.
type Error struct {
	Domain    string
	Temporary bool
	Err       error
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("mx: %s: %v (%s)", e.Domain, e.Err, kind)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is an *Error that may succeed later. Errors
// that are not *Error (a cancelled context) count as temporary.
func IsTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary
	}
	return err != nil
}

func permanent(domain string, err error) *Error { return &Error{Domain: domain, Err: err} }

func temporary(domain string, err error) *Error {
	return &Error{Domain: domain, Temporary: true, Err: err}
}
