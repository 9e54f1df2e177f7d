package mx

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

func TestLookupHosts(t *testing.T) {
	r, d, _ := newResolver(t, Options{Port: 2525})
	d.SetA("smart.test", 300, "127.0.0.1")
	d.SetAAAA("smart.test", 300, "::1")
	d.SetRcode("broken.test", dns.RcodeServerFailure)
	tests := []struct {
		in   []string
		want string
		err  error
		temp bool
	}{
		{[]string{"smart.test"}, "[{smart.test 0 [127.0.0.1 ::1] 2525}]", nil, false},
		{[]string{"Smart.Test:26", "127.0.0.9:2526", "[::1]:25", "192.0.2.1", "::2", "[::3]"},
			"[{smart.test 0 [127.0.0.1 ::1] 26} {127.0.0.9 1 [127.0.0.9] 2526} {::1 2 [::1] 25} " +
				"{192.0.2.1 3 [192.0.2.1] 2525} {::2 4 [::2] 2525} {::3 5 [::3] 2525}]", nil, false},
		{[]string{"missing.test", "smart.test"}, "[{smart.test 1 [127.0.0.1 ::1] 2525}]", nil, false},
		{[]string{"missing.test"}, "", ErrNoAddress, false},
		{[]string{"missing.test", "broken.test"}, "", ErrNoAddress, true},
		{[]string{"smart.test:0"}, "", ErrBadName, false},
		{[]string{"smart.test:99999"}, "", ErrBadName, false},
		{[]string{"bad..test"}, "", ErrBadName, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			got, err := r.LookupHosts(context.Background(), tt.in)
			if tt.err != nil {
				var merr *Error
				if !errors.Is(err, tt.err) || !errors.As(err, &merr) || merr.Temporary != tt.temp {
					t.Fatalf("error %v, want %v temporary=%v", err, tt.err, tt.temp)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != tt.want {
				t.Errorf("got %v, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}
