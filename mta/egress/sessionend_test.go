package egress

import (
	"testing"

	"github.com/wasmta/wasmta/mta/message"
)

// What a reply to a used session's MAIL FROM must say to be read as the
// session's end rather than an answer about the message (endedBeforeMail
// for a 421, countUsedUp for a refusal that keeps the session open).
// Texts are those of testdata/corpora's public replies and the servers'
// documentation cited in sessionend.go.
func TestSessionEndWords(t *testing.T) {
	for _, c := range []struct {
		name string
		r    message.Response
		want bool
	}{
		{"Yahoo's count", message.Response{Code: 421, Text: "Max message per connection reached, closing transmission channel"}, true},
		{"Exim's count", message.Response{Code: 421, Text: "too many messages in this connection"}, true},
		{"Postfix's idle close", message.Response{Code: 421, Enhanced: "4.4.2", Text: "mx.example.com Error: timeout exceeded"}, true},
		{"an IP filter that closes this connection", message.Response{Code: 421, Enhanced: "4.3.2",
			Text: "Your IP(192.0.2.1) is filtered and this connection will be closed. You must register your IP to http://realip.naver.com"}, false},
		{"Postfix's too many errors", message.Response{Code: 421, Enhanced: "4.7.0", Text: "mx.example.com Error: too many errors"}, false},
		{"a generic 421", message.Response{Code: 421, Enhanced: "4.7.0", Text: "Try again later, closing connection."}, false},
	} {
		if got := sessionUsedUp(c.r); got != c.want {
			t.Errorf("421 %s: session's end %v, want %v", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		r    message.Response
		want bool
	}{
		{"Stalwart's count", message.Response{Code: 452, Enhanced: "4.4.5", Text: "Maximum number of messages per session exceeded."}, true},
		{"GoDaddy's count", message.Response{Code: 550, Text: "192.0.2.1> This message has exceded the max number of messages per session. Please open a new session and try again. IB510"}, true},
		{"Postal's count", message.Response{Code: 450, Text: "too many emails per connection"}, true},
		{"a sequence error naming this session", message.Response{Code: 503, Enhanced: "5.5.1", Text: "Bad sequence of commands (already authenticated for this session)"}, false},
		{"a sender refused", message.Response{Code: 550, Enhanced: "5.7.1", Text: "Sender address rejected: Access denied"}, false},
	} {
		if got := countUsedUp(c.r); got != c.want {
			t.Errorf("%d %s: count used up %v, want %v", c.r.Code, c.name, got, c.want)
		}
	}
}
