package delivery

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/message"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		want message.Response
		err  error
	}{
		{"250 2.1.0 Ok\r\n", message.Response{Code: 250, Enhanced: "2.1.0", Text: "Ok"}, nil},
		{"250 Ok\r\n", message.Response{Code: 250, Text: "Ok"}, nil},
		{"250\r\n", message.Response{Code: 250}, nil},
		{"354 End data with <CR><LF>.<CR><LF>\r\n", message.Response{Code: 354, Text: "End data with <CR><LF>.<CR><LF>"}, nil},
		{"550-5.7.1 line one\r\n550-5.7.1 line two\r\n550 5.7.1 line three\r\n",
			message.Response{Code: 550, Enhanced: "5.7.1", Text: "line one\nline two\nline three"}, nil},
		{"421-mx.test busy\n421 closing\n", message.Response{Code: 421, Text: "mx.test busy\nclosing"}, nil},
		// the code on the last line only (go-smtp's layout), or differing
		{"450-The user is receiving mail\r\n450 4.2.1 too quickly\r\n",
			message.Response{Code: 450, Enhanced: "4.2.1", Text: "The user is receiving mail\ntoo quickly"}, nil},
		{"550-5.7.1 first\r\n550 5.1.1 second\r\n", message.Response{Code: 550, Enhanced: "5.7.1", Text: "first\nsecond"}, nil},
		{"550-first\r\n550-5.1.1 second\r\n550 5.7.1 third\r\n", message.Response{Code: 550, Enhanced: "5.1.1", Text: "first\nsecond\nthird"}, nil},
		{"452 4.2.2 Mailbox full\r\n", message.Response{Code: 452, Enhanced: "4.2.2", Text: "Mailbox full"}, nil},
		{"550 4.2.2 class mismatch\r\n", message.Response{Code: 550, Text: "4.2.2 class mismatch"}, nil},
		{"250 2.0.0\r\n", message.Response{Code: 250, Enhanced: "2.0.0"}, nil},
		{"250 2.100.0 three digits\r\n", message.Response{Code: 250, Enhanced: "2.100.0", Text: "three digits"}, nil},
		{"250 2.1000.0 four digits\r\n", message.Response{Code: 250, Text: "2.1000.0 four digits"}, nil},
		{"250 2.1.5.3 four parts\r\n", message.Response{Code: 250, Text: "2.1.5.3 four parts"}, nil},
		{"250 1.1.1.1 is an address\r\n", message.Response{Code: 250, Text: "1.1.1.1 is an address"}, nil},
		{"250-first\r\n251 second\r\n", message.Response{}, ErrProtocol},
		{"25 short\r\n", message.Response{}, ErrProtocol},
		{"abc hello\r\n", message.Response{}, ErrProtocol},
		{"250xhello\r\n", message.Response{}, ErrProtocol},
		{"150 below range\r\n", message.Response{}, ErrProtocol},
	}
	for _, tt := range tests {
		rr := newReplyReader(bufio.NewReader(strings.NewReader(tt.in)))
		got, err := rr.read()
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%q: error %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestReadReplyInternsTexts(t *testing.T) {
	in := strings.Repeat("250 2.0.0 Ok: queued\r\n", 50)
	rr := newReplyReader(bufio.NewReader(strings.NewReader(in)))
	rr.read()
	allocs := testingAllocs(func() { rr.read() })
	if allocs != 0 {
		t.Errorf("reading a repeated reply allocated %v times, want 0", allocs)
	}
}

func testingAllocs(f func()) float64 { return testing.AllocsPerRun(20, f) }

func TestReadReplyLongLine(t *testing.T) {
	rr := newReplyReader(bufio.NewReaderSize(strings.NewReader("250 "+strings.Repeat("x", 9000)+"\r\n"), 4096))
	if _, err := rr.read(); !errors.Is(err, ErrProtocol) {
		t.Errorf("9000-byte line: %v", err)
	}
}

func FuzzReadReply(f *testing.F) {
	f.Add("250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n")
	f.Add("550 5.1.1 <x@y>: no such user\r\n")
	f.Add("421 4.7.0\n")
	f.Fuzz(func(t *testing.T, in string) {
		rr := newReplyReader(bufio.NewReader(strings.NewReader(in)))
		for range 5 {
			resp, err := rr.read()
			if err != nil {
				return
			}
			if resp.Code < 200 || resp.Code > 599 {
				t.Fatalf("code %d accepted from %q", resp.Code, in)
			}
			if resp.Enhanced != "" && resp.Enhanced[0] != byte('0'+resp.Code/100) {
				t.Fatalf("enhanced %q for code %d", resp.Enhanced, resp.Code)
			}
		}
	})
}
