package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// DKIM wired into the engine: messages received over SMTP and HTTP leave
// signed, and the signatures are checked at the sink by two verifiers that
// share no code with mta/dkim: Debian's python3-dkim and go-msgauth.

const keyDir = "../dkim/testdata/keys"

// installKeys copies test keys into dir under the names the configuration
// uses: rsa.pem, ed.pem (sender.example) and other.pem (other.example).
func installKeys(t *testing.T, dir string) {
	t.Helper()
	for dst, src := range map[string]string{"rsa.pem": "rsa2048-pkcs1.pem", "ed.pem": "ed25519-pkcs8.pem", "other.pem": "ed25519-b.pem"} {
		copyFile(t, filepath.Join(keyDir, src), filepath.Join(dir, dst))
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Write then rename, as docs/dkim.md asks of operators: a reload never
	// reads half a key.
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

func dkimConfig(dir string) string {
	key := func(domain, sel, file string) string {
		return "[[dkim.key]]\ndomain = \"" + domain + "\"\nselector = \"" + sel + "\"\nkey_file = \"" + filepath.Join(dir, file) + "\"\n"
	}
	return "[dkim]\n" + key("sender.example", "rsa", "rsa.pem") + key("sender.example", "ed", "ed.pem") +
		key("other.example", "s1", "other.pem")
}

// txtRecords is what the engine says to publish: record name to TXT value.
func txtRecords(e *Engine) map[string]string {
	out := map[string]string{}
	for _, k := range e.DKIMKeys() {
		out[k.RecordName] = k.Record
	}
	return out
}

// verifyPython runs mta/dkim's python3-dkim script; nil: every signature passed.
func verifyPython(t *testing.T, msg []byte, recs map[string]string) (string, error) {
	t.Helper()
	args := []string{"../dkim/testdata/dkimverify.py"}
	for name, txt := range recs {
		args = append(args, name+"="+txt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", args...)
	cmd.Stdin = bytes.NewReader(msg)
	var out bytes.Buffer
	cmd.Stderr = &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return out.String(), err
	}
	if err != nil {
		t.Fatalf("python3-dkim verifier did not run (apt-get install -y python3-dkim): %v\n%s", err, out.String())
	}
	return out.String(), nil
}

// verifyGo checks every signature with go-msgauth, keys from recs.
func verifyGo(t *testing.T, msg []byte, recs map[string]string) []*msgauth.Verification {
	t.Helper()
	vs, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), &msgauth.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if r, ok := recs[strings.TrimSuffix(name, ".")]; ok {
				return []string{r}, nil
			}
			return nil, &netError{name}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

type netError struct{ name string }

func (e *netError) Error() string { return "no TXT record for " + e.name }

// requireSigned: the message has want signatures, all by domain, and both
// verifiers accept every one.
func requireSigned(t *testing.T, msg []byte, recs map[string]string, domain string, want int) {
	t.Helper()
	if out, err := verifyPython(t, msg, recs); err != nil {
		t.Fatalf("python3-dkim rejects the message: %v\n%s\n%s", err, out, msg)
	}
	vs := verifyGo(t, msg, recs)
	if len(vs) != want {
		t.Fatalf("%d signatures, want %d\n%s", len(vs), want, msg)
	}
	for _, v := range vs {
		if v.Err != nil || v.Domain != domain {
			t.Fatalf("go-msgauth: d=%s: %v, want d=%s passing", v.Domain, v.Err, domain)
		}
	}
}

func TestDKIMSignsSMTPAndHTTP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	installKeys(t, dir)
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, httpConfig("", routeTo(sink)+dkimConfig(dir)), Options{})
	send(t, addr, "b@sender.example", []string{"r@example.org"},
		"From: Shop <shop@sender.example>\r\nTo: r@example.org\r\nSubject: over smtp\r\nX-Campaign: c1\r\n\r\nhello\r\n")
	mustAccept(t, apiURL(e), jsonObj{"sender": "b@sender.example", "recipients": []jsonObj{{"address": "r@example.org"}},
		"content": jsonObj{"from": "Shöp <shop@sender.example>", "subject": "über http", "text": "héllo", "html": "<p>x</p>",
			"attachments": []jsonObj{{"filename": "a.bin", "data": "AAECAw=="}}}})
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	for _, m := range sink.Messages() {
		requireSigned(t, m.Data, txtRecords(e), "sender.example", 2)
	}
}

// choicePolicy is a native Go policy whose on_message picks the signing
// by the subject; every other hook falls back to the configuration.
type choicePolicy struct{}

func (choicePolicy) Version() string { return "choice" }
func (choicePolicy) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}
func (choicePolicy) OnRcpt(context.Context, *policy.RcptInput) (policy.RcptResult, error) {
	return policy.RcptResult{}, policy.ErrNotImplemented
}
func (choicePolicy) OnMessage(_ context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	_, subject, _ := strings.Cut(string(in.Header), "Subject: ")
	subject, _, _ = strings.Cut(subject, "\r\n")
	return policy.MessageResult{DKIM: strings.TrimPrefix(subject, "sign:")}, nil
}
func (choicePolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, policy.ErrNotImplemented
}
func (choicePolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}
func (choicePolicy) Shape(context.Context, *policy.ShapeInput) (policy.Shape, error) {
	return policy.Shape{}, policy.ErrNotImplemented
}
func (choicePolicy) Classify(context.Context, *policy.ClassifyInput) (policy.Classification, error) {
	return policy.Classification{}, policy.ErrNotImplemented
}

type onePolicy struct{ p policy.Policy }

func (r onePolicy) For(string) policy.Policy { return r.p }

// TestDKIMPolicyChoice: on_message turns signing off, picks another
// domain or one selector; a key that does not exist refuses the message
// temporarily (SMTP 451, HTTP 503) rather than sending it unsigned.
func TestDKIMPolicyChoice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	installKeys(t, dir)
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, httpConfig("", routeTo(sink)+dkimConfig(dir)), Options{Registry: onePolicy{choicePolicy{}}})
	tests := []struct {
		choice, domain string
		sigs           int
	}{
		{"", "sender.example", 2},
		{"off", "", 0},
		{"other.example", "other.example", 1},
		{"sender.example:ed", "sender.example", 1},
	}
	for i, tt := range tests {
		send(t, addr, "b@sender.example", []string{"r@example.org"},
			"From: shop@sender.example\r\nSubject: sign:"+tt.choice+"\r\n\r\nbody\r\n")
		rec.WaitFor(t, events.Delivery, i+1, 10*time.Second)
		msg := sink.Messages()[i].Data
		if tt.sigs == 0 {
			if bytes.Contains(msg, []byte("DKIM-Signature")) {
				t.Errorf("choice off: message signed\n%s", msg)
			}
			continue
		}
		requireSigned(t, msg, txtRecords(e), tt.domain, tt.sigs)
	}
	err := trySend(addr, "b@sender.example", []string{"r@example.org"}, "From: shop@sender.example\r\nSubject: sign:nokey.example\r\n\r\nx\r\n")
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 451 {
		t.Errorf("SMTP with a missing key: %v, want 451", err)
	}
	code, _, body := postJSON(t, apiURL(e), apiToken, jsonObj{"sender": "b@sender.example", "recipients": []jsonObj{{"address": "r@example.org"}},
		"content": jsonObj{"from": "shop@sender.example", "subject": "sign:nokey.example", "text": "x"}})
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"code":451`) {
		t.Errorf("HTTP with a missing key: %d %s", code, body)
	}
}

// TestDKIMReload: ReloadDKIM (what SIGHUP calls) signs with a key file
// replaced on disk; a broken file is refused and the key in use stays.
func TestDKIMReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	installKeys(t, dir)
	sink := testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, httpConfig("", routeTo(sink)+dkimConfig(dir)), Options{})
	oldRecs := txtRecords(e)
	msg := "From: shop@sender.example\r\nSubject: s\r\n\r\nbody\r\n"

	copyFile(t, filepath.Join(keyDir, "rsa2048-b.pem"), filepath.Join(dir, "rsa.pem"))
	if err := e.ReloadDKIM(); err != nil {
		t.Fatal(err)
	}
	newRecs := txtRecords(e)
	if newRecs["rsa._domainkey.sender.example"] == oldRecs["rsa._domainkey.sender.example"] {
		t.Fatal("reload did not change the RSA key")
	}
	send(t, addr, "b@sender.example", []string{"r@example.org"}, msg)
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	signed := sink.Messages()[0].Data
	requireSigned(t, signed, newRecs, "sender.example", 2)
	if _, err := verifyPython(t, signed, oldRecs); err == nil {
		t.Error("the old RSA key still verifies a message signed after the reload")
	}

	if err := os.WriteFile(filepath.Join(dir, "ed.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := e.ReloadDKIM()
	if err == nil || !strings.Contains(err.Error(), "ed._domainkey.sender.example") || !strings.Contains(err.Error(), "ed.pem") {
		t.Fatalf("reload of a broken key: %v, want an error naming the key and its file", err)
	}
	send(t, addr, "b@sender.example", []string{"r@example.org"}, msg)
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	requireSigned(t, sink.Messages()[1].Data, newRecs, "sender.example", 2)
}

func TestDKIMBadKeyAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	installKeys(t, dir)
	os.Remove(filepath.Join(dir, "ed.pem"))
	copyFile(t, filepath.Join(keyDir, "rsa768.pem"), filepath.Join(dir, "rsa.pem"))
	cfg := mustConfig(t, dir, dkimConfig(dir))
	_, err := New(cfg, Options{})
	if err == nil {
		t.Fatal("engine started with broken keys")
	}
	for _, want := range []string{"ed._domainkey.sender.example", "no such file", "rsa._domainkey.sender.example", "768 bits"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start error does not say %q:\n%v", want, err)
		}
	}
}

func mustConfig(t *testing.T, dir, toml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n", dir) + toml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
