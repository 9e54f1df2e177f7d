package mime

import (
	"bytes"
	"errors"
	stdmime "mime"
	"net/mail"
	"strings"
	"testing"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// header builds a message with the given fields and returns net/mail's
// reading of its header and the raw header lines.
func header(t *testing.T, m *Message) (mail.Header, []string) {
	t.Helper()
	if m.Text == "" {
		m.Text = "x"
	}
	if m.From.Addr == "" {
		m.From.Addr = "a@example.com"
	}
	msg, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, msg)
	r, _ := parseMessage(t, msg)
	head := string(msg[:bytes.Index(msg, []byte("\r\n\r\n"))])
	return r.Header, strings.Split(head, "\r\n")
}

var decoder = new(stdmime.WordDecoder)

func TestSubjectEncoding(t *testing.T) {
	tests := []struct {
		name, subject string
		encoded       bool
	}{
		{"ascii", "Your order has shipped", false},
		{"latin", "Votre commande a été expédiée", true},
		{"cjk", "ご注文の商品を発送しました", true},
		{"emoji", "Sale 🎉 ends tonight", true},
		{"looks encoded", "about =?utf-8?q?x?= words", true},
		{"long ascii", strings.Repeat("word ", 60), false},
		{"long latin", strings.Repeat("éléphant ", 40), true},
		{"long cjk", strings.Repeat("漢字かな交じり文", 30), true},
		{"unbreakable ascii", strings.Repeat("x", 1200), true},
		{"spaces kept", "a  b   c ", false},
		{"tab", "a\tb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, lines := header(t, &Message{Subject: tt.subject})
			raw := h.Get("Subject")
			got, err := decoder.DecodeHeader(raw)
			if err != nil {
				t.Fatalf("decode %q: %v", raw, err)
			}
			// net/textproto drops white space at the ends of a value.
			if got != tt.subject && got != strings.TrimSpace(tt.subject) {
				t.Errorf("subject reads back as %q, want %q (raw %q)", got, tt.subject, raw)
			}
			if enc := strings.Contains(raw, "=?utf-8?"); enc != tt.encoded {
				t.Errorf("encoded = %v, want %v: %q", enc, tt.encoded, raw)
			}
			checkFolding(t, lines)
		})
	}
}

// checkFolding: header lines fit in 78 characters (76 with an encoded
// word), unless a single unbreakable token is longer.
func checkFolding(t *testing.T, lines []string) {
	t.Helper()
	for _, l := range lines {
		limit := foldAt
		if strings.Contains(l, "=?utf-8?") {
			limit = maxEncodedLine
		}
		if len(l) > limit && strings.Contains(strings.TrimSpace(l[strings.Index(l, ":")+1:]), " ") {
			t.Errorf("header line of %d characters could have been folded: %q", len(l), l)
		}
		for _, w := range strings.Fields(l) {
			if strings.HasPrefix(w, "=?") && len(w) > maxWord {
				t.Errorf("encoded word of %d characters: %q", len(w), w)
			}
		}
	}
}

func TestAddressFields(t *testing.T) {
	tests := []struct {
		name string
		a    Address
	}{
		{"bare", Address{Addr: "jane@example.com"}},
		{"plain name", Address{Name: "Jane Doe", Addr: "jane@example.com"}},
		{"specials", Address{Name: `Doe, Jane "JD" (ops)`, Addr: "jane@example.com"}},
		{"non-ascii name", Address{Name: "Zoë Ångström", Addr: "zoe@example.com"}},
		{"long name", Address{Name: strings.Repeat("Ünïcödé ", 20), Addr: "u@example.com"}},
		{"quoted local", Address{Addr: "john doe@example.com"}},
		{"utf8 local", Address{Name: "Jörg", Addr: "jörg@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, lines := header(t, &Message{From: tt.a, To: []Address{tt.a, {Addr: "b@example.org"}}})
			from, err := h.AddressList("From")
			if err != nil || len(from) != 1 {
				t.Fatalf("From %q: %v", h.Get("From"), err)
			}
			if from[0].Address != tt.a.Addr || from[0].Name != strings.TrimSpace(tt.a.Name) {
				t.Errorf("From reads back as %q <%s>, want %q <%s>", from[0].Name, from[0].Address, tt.a.Name, tt.a.Addr)
			}
			to, err := h.AddressList("To")
			if err != nil || len(to) != 2 || to[1].Address != "b@example.org" {
				t.Fatalf("To %q: %v %v", h.Get("To"), to, err)
			}
			checkFolding(t, lines)
		})
	}
}

func TestManyRecipientsFold(t *testing.T) {
	var to []Address
	for i := range 50 {
		to = append(to, Address{Name: "Recipient Number", Addr: strings.Repeat("r", i%7+1) + "@example.com"})
	}
	h, lines := header(t, &Message{To: to})
	list, err := h.AddressList("To")
	if err != nil || len(list) != 50 {
		t.Fatalf("To: %d addresses, %v", len(list), err)
	}
	checkFolding(t, lines)
}

func TestExtraHeaders(t *testing.T) {
	h, _ := header(t, &Message{Headers: []Field{
		{"List-Unsubscribe", "<https://example.com/u/123>, <mailto:u@example.com>"},
		{"X-Note", "café"},
		{"Cc", "c@example.com"},
	}})
	if got := h.Get("List-Unsubscribe"); got != "<https://example.com/u/123>, <mailto:u@example.com>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got, _ := decoder.DecodeHeader(h.Get("X-Note")); got != "café" {
		t.Errorf("X-Note = %q", got)
	}
	if h.Get("Date") == "" || h.Get("Message-Id") != "" {
		t.Errorf("Date %q, Message-ID %q: want a Date and no Message-ID when none is given", h.Get("Date"), h.Get("Message-Id"))
	}
}

func TestDateAndMessageID(t *testing.T) {
	h, _ := header(t, &Message{Date: when, MessageID: "abc.123@mta.example"})
	d, err := h.Date()
	if err != nil || !d.Equal(when) {
		t.Errorf("Date %q = %v, %v", h.Get("Date"), d, err)
	}
	if got := h.Get("Message-Id"); got != "<abc.123@mta.example>" {
		t.Errorf("Message-ID = %q", got)
	}
}
