package reception

import (
	"io"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TestREQUIRETLS: the extension is offered only over TLS, a message sent
// with it is stored with the flag, and the parameter in clear is refused
// (RFC 8689 section 4).
func TestREQUIRETLS(t *testing.T) {
	f := start(t, Options{Auth: testAuth}, nil)
	if ok, _ := f.client(t).Extension("REQUIRETLS"); ok {
		t.Error("REQUIRETLS offered in clear")
	}
	clear := dialRaw(t, f.addr)
	clear.cmd("EHLO client.test", "250")
	clear.cmd("MAIL FROM:<a@example.org> REQUIRETLS", "530 5.7.10")

	c := f.tlsClient(t)
	if ok, _ := c.Extension("REQUIRETLS"); !ok {
		t.Fatal("REQUIRETLS not offered after STARTTLS")
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.org", &smtp.MailOptions{RequireTLS: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@example.net", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: x\r\n\r\nx\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := send(c, "a@example.org", []string{"c@example.net"}, "Subject: y\r\n\r\ny\r\n"); err != nil {
		t.Fatal(err)
	}
	all := f.sub.all()
	if len(all) != 2 || !all[0].m.RequireTLS || all[1].m.RequireTLS {
		t.Errorf("stored RequireTLS flags: %v, %v; want true then false", all[0].m.RequireTLS, all[1].m.RequireTLS)
	}
}
