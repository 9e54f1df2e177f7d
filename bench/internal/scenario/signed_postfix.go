package scenario

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/sink"
)

// milterSubject is Postfix with its OpenDKIM milters: CPU and memory are
// all together, since signing is part of relaying signed mail.
type milterSubject struct {
	postfixSubject
	milters []*proc.Child
}

func (m milterSubject) CPU() time.Duration {
	c := m.postfixSubject.CPU()
	for _, ch := range m.milters {
		if s, err := proc.ReadStat(ch.PID()); err == nil {
			c += s.CPU()
		}
	}
	return c
}

func (m milterSubject) Mem() int64 {
	total := m.postfixSubject.Mem()
	for _, ch := range m.milters {
		mem, _ := proc.ReadMemory(ch.PID())
		total += mem.RSS
	}
	return total
}

// signedPostfix relays l through Postfix with two OpenDKIM milters, one
// per algorithm: OpenDKIM 2.11 takes its signature algorithm from the
// configuration, not from the key, so dual signing is two instances in a
// row (smtpd_milters), the setup its users describe.
func (e *Env) signedPostfix(ctx context.Context, l Load, k *signKeys) (Outcome, int, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, 0, err
	}
	defer s.Close()
	var ms []*proc.Child
	defer func() {
		for _, m := range ms {
			m.Stop(5 * time.Second)
		}
	}()
	var addrs []string
	for _, key := range []struct{ sel, algo, file string }{
		{"rsa", "rsa-sha256", k.rsa}, {"ed", "ed25519-sha256", k.ed}} {
		m, addr, err := e.startOpenDKIM(ctx, key.sel, key.algo, key.file)
		if err != nil {
			return Outcome{}, 0, err
		}
		ms, addrs = append(ms, m), append(addrs, "inet:"+addr)
	}
	p, err := e.startPostfix(ctx, s, "smtpd_milters = "+strings.Join(addrs, ", "),
		"milter_default_action = tempfail", "milter_protocol = 6")
	if err != nil {
		return Outcome{}, 0, err
	}
	defer p.Stop(context.Background())
	return measureSigned(ctx, milterSubject{p, ms}, s, l, k)
}

// startOpenDKIM runs opendkim in the foreground on a free loopback port,
// signing mail from signDomain with one key.
func (e *Env) startOpenDKIM(ctx context.Context, sel, algo, keyFile string) (*proc.Child, string, error) {
	dir, err := e.dir("opendkim-" + sel)
	if err != nil {
		return nil, "", err
	}
	port, err := proc.FreePort()
	if err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	files := map[string]string{
		"keytable":     fmt.Sprintf("%s %s:%s:%s\n", sel, signDomain, sel, keyFile),
		"signingtable": fmt.Sprintf("*@%s %s\n", signDomain, sel),
		"opendkim.conf": strings.Join([]string{"Syslog no", "Mode s", "Canonicalization relaxed/relaxed",
			"SignatureAlgorithm " + algo,
			"KeyTable file:" + filepath.Join(dir, "keytable"),
			"SigningTable refile:" + filepath.Join(dir, "signingtable"),
			"RequireSafeKeys false",
			fmt.Sprintf("Socket inet:%d@127.0.0.1", port),
			"PidFile " + filepath.Join(dir, "opendkim.pid"), ""}, "\n"),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, "", fmt.Errorf("scenario: opendkim: %w", err)
		}
	}
	c, err := proc.Start("opendkim", []string{"-f", "-x", filepath.Join(dir, "opendkim.conf")}, filepath.Join(dir, "opendkim.log"))
	if err != nil {
		return nil, "", fmt.Errorf("scenario: opendkim (Debian package opendkim): %w", err)
	}
	wctx, cancel := within(ctx, 10*time.Second)
	defer cancel()
	if err := proc.WaitPort(wctx, addr, c); err != nil {
		c.Stop(time.Second)
		return nil, "", fmt.Errorf("scenario: opendkim not ready: %w", err)
	}
	return c, addr, nil
}

// verify counts the DKIM signatures of msg that verify against the run's
// keys (published through a lookup function, no DNS).
func (k *signKeys) verify(msg []byte) int {
	if len(msg) == 0 {
		return 0
	}
	rsaDER, err := x509.MarshalPKIXPublicKey(k.rsaPub)
	if err != nil {
		return 0
	}
	recs := map[string]string{
		"rsa._domainkey." + signDomain: "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaDER),
		"ed._domainkey." + signDomain:  "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.edPub),
	}
	lookup := func(name string) ([]string, error) {
		if r, ok := recs[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
			return []string{r}, nil
		}
		return nil, fmt.Errorf("no TXT record for %s", name)
	}
	vs, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), &msgauth.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		return 0
	}
	n := 0
	for _, v := range vs {
		if v.Err == nil {
			n++
		}
	}
	return n
}

// speedLine is openssl speed's result line for RSA 2048: the seconds per
// signature come first.
var speedLine = regexp.MustCompile(`(?m)^rsa 2048 bits\s+([0-9.]+)s\s`)

// opensslSpeedRSA returns `openssl speed rsa2048`'s CPU microseconds per
// signature (openssl speed divides by user CPU time unless -elapsed).
func opensslSpeedRSA(ctx context.Context, secs string) (float64, error) {
	ctx, cancel := within(ctx, time.Minute)
	defer cancel()
	out, err := proc.Run(ctx, "openssl", "speed", "-seconds", secs, "rsa2048")
	if err != nil {
		return 0, fmt.Errorf("%w: %s", err, out)
	}
	m := speedLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no rsa 2048 line in: %s", out)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	return v * 1e6, err
}
