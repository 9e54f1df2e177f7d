package spool

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// sameMessage compares envelopes, times by instant (a decoded time has no
// monotonic reading) and nil and empty collections as equal.
func sameMessage(a, b *message.Message) bool {
	if !a.ReceivedAt.Equal(b.ReceivedAt) || len(a.Meta) != len(b.Meta) || !maps.Equal(a.Meta, b.Meta) ||
		len(a.Recipients) != len(b.Recipients) || !slices.Equal(a.Recipients, b.Recipients) {
		return false
	}
	x, y := *a, *b
	x.ReceivedAt, y.ReceivedAt = time.Time{}, time.Time{}
	x.Meta, y.Meta, x.Recipients, y.Recipients = nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}

func sameState(a, b message.RcptState) bool {
	return a.Due.Equal(b.Due) && a.Status == b.Status && a.Attempts == b.Attempts && a.Last == b.Last &&
		a.RetryPool == b.RetryPool && a.RetrySource == b.RetrySource
}

func TestMessageRoundTrip(t *testing.T) {
	id := message.NewID(time.Unix(1700000000, 5))
	tests := []struct {
		name string
		m    message.Message
	}{
		{"minimal", message.Message{Recipients: []message.Recipient{{Addr: "a@b"}}}},
		{"full", message.Message{
			Tenant: "acme", Campaign: "spring", Sender: "bounces@acme.example",
			Recipients: []message.Recipient{{Addr: "Jo@Example.com"}, {Addr: "ü@ü.example"}},
			ReceivedAt: time.Unix(1700000000, 123456789), Size: 4096,
			Peer: "[::1]:5000", Helo: "mx.example", AuthUser: "acme-bulk", Protocol: "ESMTPSA",
			Meta: map[string]string{"b": "2", "a": "", "": "empty key"}, Pool: "warm",
		}},
		{"REQUIRETLS (v2)", message.Message{Sender: "s@x", Recipients: []message.Recipient{{Addr: "a@b"}},
			Meta: map[string]string{"k": "v"}, RequireTLS: true}},
		{"epoch and negative size", message.Message{ReceivedAt: time.Unix(0, 0), Size: -1}},
		{"before epoch", message.Message{ReceivedAt: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.ID = id
			enc := encodeMessage(nil, &tt.m)
			got, err := decodeMessage(id, enc)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !sameMessage(got, &tt.m) {
				t.Fatalf("round trip = %+v, want %+v", got, tt.m)
			}
			if again := encodeMessage(nil, got); string(again) != string(enc) {
				t.Errorf("encoding is not deterministic: %x then %x", enc, again)
			}
			if want := byte(messageV1); tt.m.RequireTLS && enc[0] != messageV2 || !tt.m.RequireTLS && enc[0] != want {
				t.Errorf("encoded as version %d", enc[0])
			}
			at, err := decodeReceivedAt(enc)
			if err != nil || !at.Equal(tt.m.ReceivedAt) {
				t.Errorf("decodeReceivedAt = %v, %v; want %v", at, err, tt.m.ReceivedAt)
			}
		})
	}
}

func TestStateRoundTrip(t *testing.T) {
	tests := []message.RcptState{
		{},
		{Status: message.Deferred, Attempts: 3, Due: time.Unix(1700001200, 0),
			Last: message.Response{Code: 451, Enhanced: "4.7.1", Text: "greylisted, try again"}},
		{Status: message.Delivered, Attempts: 1, Last: message.Response{Code: 250, Text: "2.0.0 ok queued as X"}},
		{Status: message.Bounced, Last: message.Response{Text: "connection refused"}},
		{Status: message.Deferred, Attempts: 1, Due: time.Unix(1700001200, 0), RetryPool: "default", RetrySource: "ip2",
			Last: message.Response{Code: 451, Enhanced: "4.7.1", Text: "Greylisted, try again in 300 seconds"}},
	}
	for _, st := range tests {
		got, err := decodeState(encodeState(nil, st))
		if err != nil || !sameState(got, st) {
			t.Errorf("round trip of %+v = %+v, %v", st, got, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	id := message.ID{1}
	valid := encodeMessage(nil, &message.Message{Tenant: "t", Recipients: []message.Recipient{{Addr: "a@b"}}})
	validState := encodeState(nil, message.RcptState{Status: message.Deferred, Last: message.Response{Text: "x"}})
	msgs := map[string][]byte{
		"empty":           {},
		"future version":  append([]byte{messageV2 + 1}, valid[1:]...),
		"truncated":       valid[:len(valid)-1],
		"trailing byte":   append(slices.Clone(valid), 0),
		"bad time flag":   {messageV1, 9},
		"huge string":     {messageV1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge rcpt count": append(append([]byte{messageV1, 0, 0}, make([]byte, 8)...), 0xff, 0xff, 0xff, 0x7f),
	}
	for name, b := range msgs {
		if _, err := decodeMessage(id, b); err == nil {
			t.Errorf("decodeMessage(%s) succeeded", name)
		}
	}
	states := map[string][]byte{
		"empty":             {},
		"future version":    append([]byte{stateV2 + 1}, validState[1:]...),
		"v2 without source": append([]byte{stateV2}, validState[1:]...),
		"bad status":        {stateV1, byte(message.Bounced) + 1, 0, 0, 0, 0, 0},
		"truncated":         validState[:len(validState)-1],
		"trailing":          append(slices.Clone(validState), 1),
		"attempts overflow": {stateV1, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x1f, 0, 0, 0},
	}
	for name, b := range states {
		if _, err := decodeState(b); err == nil {
			t.Errorf("decodeState(%s) succeeded", name)
		}
	}
}

// The fuzz targets check what matters at a storage boundary: garbage never
// panics, and whatever decodes re-encodes to something that decodes to the
// same value. Seeds are in testdata/fuzz/.
func FuzzDecodeMessage(f *testing.F) {
	f.Add(encodeMessage(nil, &message.Message{Tenant: "t", Recipients: []message.Recipient{{Addr: "a@b"}},
		ReceivedAt: time.Unix(1, 2), Meta: map[string]string{"k": "v"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		id := message.ID{9}
		m, err := decodeMessage(id, data)
		if err != nil {
			return
		}
		again, err := decodeMessage(id, encodeMessage(nil, m))
		if err != nil || !sameMessage(m, again) {
			t.Fatalf("re-encoded %+v decodes to %+v, %v", m, again, err)
		}
	})
}

func FuzzDecodeState(f *testing.F) {
	f.Add(encodeState(nil, message.RcptState{Status: message.Deferred, Attempts: 2, Due: time.Unix(5, 0),
		Last: message.Response{Code: 451, Enhanced: "4.2.0", Text: "t"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeState(data)
		if err != nil {
			return
		}
		again, err := decodeState(encodeState(nil, st))
		if err != nil || !sameState(st, again) {
			t.Fatalf("re-encoded %+v decodes to %+v, %v", st, again, err)
		}
	})
}
