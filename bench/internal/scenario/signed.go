package scenario

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
	"github.com/wasmta/wasmta/bench/internal/wasmta"
)

// SysWasmtaUnsigned is wasmta relaying the same load without keys: the
// difference to the signed row is what signing costs in place.
const SysWasmtaUnsigned = "wasmta, unsigned"

// signDomain is the From: domain of smtp-source's messages (benchFrom),
// which both signers sign for.
const signDomain = "source.bench.example"

// Rows of the key-op comparison (package report reads them by these names).
const (
	sysOpenSSLSpeed = "openssl speed rsa2048"
	sysKeyOpenSSL   = "wasmta, -tags openssl"
	sysKeyPureGo    = "wasmta, crypto/rsa (pure Go)"
)

// signKeys are the run's two signing keys, written once per run.
type signKeys struct {
	dir, rsa, ed string
	rsaPub       *rsa.PublicKey
	edPub        ed25519.PublicKey
}

// signedLoads are the signed relay's cases: the reference 4 KiB and the
// 100 KiB of KumoMTA's published benchmark.
func (e *Env) signedLoads() []Load {
	if e.Quick {
		return []Load{{Size: 4096, Rcpts: 1, Count: 300, Sessions: sessions},
			{Size: 102400, Rcpts: 1, Count: 150, Sessions: sessions}}
	}
	return []Load{{Size: 4096, Rcpts: 1, Count: 2000, Sessions: sessions},
		{Size: 102400, Rcpts: 1, Count: 1000, Sessions: sessions}}
}

// Signed measures relay throughput with every message signed twice
// (RSA-2048 and Ed25519, as ESPs sign): wasmta with two [[dkim.key]]s
// against Postfix with OpenDKIM as its milter, and the RSA signature's
// CPU cost in wasmta's builds against `openssl speed rsa2048`.
func (e *Env) Signed(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("signed", "Signed relay: RSA-2048 + Ed25519 on every message")
	keys, err := e.writeSignKeys()
	if err != nil {
		sc.Notes = append(sc.Notes, "no keys: "+err.Error())
		return e.end(sc, t0)
	}
	loads := e.signedLoads()
	sc.Command = append(sc.Command, loads[0].Command("MTA:PORT"), loads[1].Command("MTA:PORT"))
	sc.Notes = append(sc.Notes, signedNotes...)
	e.keyOpCosts(ctx, sc)
	for rep := range e.Repeats {
		for _, l := range loads {
			if ctx.Err() != nil {
				return e.end(sc, t0)
			}
			e.Log.Info("signed", "rep", rep+1, "case", l.Case())
			e.signedOnce(ctx, sc, l, keys)
		}
	}
	return e.end(sc, t0)
}

var signedNotes = []string{
	"Both MTAs sign every message with an RSA-2048 and an Ed25519 key of the From: domain, relaxed/relaxed; the sink counts the DKIM-Signature fields and verifies one sample message's signatures per run (dkim_valid: signatures that verify, of 2).",
	"wasmta: the binary `make bench` builds (the openssl build when libssl-dev is there; the key op rows say which costs what). Postfix: OpenDKIM 2.11 as smtpd milters (`smtpd_milters = inet:…, inet:…`), one instance per algorithm since OpenDKIM takes the algorithm from its configuration; their CPU and memory are added to Postfix's.",
	"Key op: CPU per RSA-2048 PKCS#1 v1.5 signature of a SHA-256 digest: `openssl speed rsa2048` (user CPU) against `go test -bench KeyOp/rsa2048 ./mta/dkim` (cpu-ns/op), in both of wasmta's builds. OpenSSL and the openssl build run in alternation (three rounds, seconds apart) and the goal reads the median of the per-round ratios: one signature's CPU time on this machine moves by a factor of two or more with the load, so only figures taken together compare the code.",
}

// signedOnce runs l through signed wasmta, unsigned wasmta and Postfix
// with OpenDKIM.
func (e *Env) signedOnce(ctx context.Context, sc *result.Scenario, l Load, k *signKeys) {
	o, valid, err := e.signedWasmta(ctx, l, k, true)
	e.noteSigned(sc, SysWasmta, l, o, valid, err)
	o, _, err = e.signedWasmta(ctx, l, k, false)
	e.note(sc, SysWasmtaUnsigned, l, o, err, true)
	if e.Postfix {
		o, valid, err = e.signedPostfix(ctx, l, k)
		e.noteSigned(sc, SysPostfix, l, o, valid, err)
	}
}

func (e *Env) noteSigned(sc *result.Scenario, sys string, l Load, o Outcome, valid int, err error) {
	e.note(sc, sys, l, o, err, true)
	if err != nil {
		return
	}
	row := sc.Row(sys, l.Case())
	row.Add("dkim_per_msg", "signatures / msg", result.Higher, o.SigsPerMsg)
	row.Add("dkim_valid", "valid of 2", result.Higher, float64(valid))
}

func (e *Env) signedWasmta(ctx context.Context, l Load, k *signKeys, sign bool) (Outcome, int, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, 0, err
	}
	defer s.Close()
	o := wasmtaOpts{Routes: relayTo(s)}
	if sign {
		o.DKIM = []wasmta.DKIMKey{{Domain: signDomain, Selector: "rsa", KeyFile: k.rsa},
			{Domain: signDomain, Selector: "ed", KeyFile: k.ed}}
	}
	w, err := e.startWasmta(ctx, o)
	if err != nil {
		return Outcome{}, 0, err
	}
	defer w.Stop(10 * time.Second)
	return measureSigned(ctx, w, s, l, k)
}

// measureSigned is measure with the signature count and one sample
// message verified.
func measureSigned(ctx context.Context, m subject, s *sink.Sink, l Load, k *signKeys) (Outcome, int, error) {
	s.SampleNext()
	o, err := measure(ctx, m, s, l)
	if err != nil {
		return o, 0, err
	}
	if c := s.Counts(); c.Messages > 0 {
		o.SigsPerMsg = float64(c.Signatures) / float64(c.Messages)
	}
	return o, k.verify(s.Sample()), nil
}

// writeSignKeys makes the run's keys: new ones each run, so nothing about
// them is tuned, written as PKCS#8 PEM that both signers read.
func (e *Env) writeSignKeys() (*signKeys, error) {
	dir, err := e.dir("dkim-keys")
	if err != nil {
		return nil, err
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	k := &signKeys{dir: dir, rsa: filepath.Join(dir, "rsa.pem"), ed: filepath.Join(dir, "ed.pem"),
		rsaPub: &rk.PublicKey, edPub: edPub}
	for path, key := range map[string]any{k.rsa: rk, k.ed: edKey} {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		p := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if err := os.WriteFile(path, p, 0o600); err != nil {
			return nil, fmt.Errorf("scenario: write key: %w", err)
		}
	}
	return k, nil
}

// keyOpCosts records the CPU of one RSA-2048 signature: OpenSSL's own
// figure and wasmta's two builds, in the same run. OpenSSL and the openssl
// build are measured in alternation, a few seconds apart, and their ratio
// is taken per round: the CPU time of one signature on this shared machine
// moves by a factor of two or more with what else runs (257 µs quiet, 697 µs
// with two compilers beside it), so figures taken minutes apart compare
// the machine's load, not the code.
func (e *Env) keyOpCosts(ctx context.Context, sc *result.Scenario) {
	const cas = "RSA-2048 signature"
	rounds, secs, benchtime := 3, "2", "1s"
	if e.Quick {
		rounds, secs, benchtime = 1, "1", "500ms"
	}
	keyOp := func(sys string, count int, flags ...string) float64 {
		lines, cmd, err := e.goBench(ctx, "./mta/dkim", "^BenchmarkKeyOp$/^rsa2048$", benchtime, count, 2*time.Minute, flags...)
		if err != nil {
			sc.Notes = append(sc.Notes, sys+": "+err.Error())
			return 0
		}
		if !slices.Contains(sc.Command, cmd) {
			sc.Command = append(sc.Command, cmd)
		}
		var last float64
		for _, l := range lines {
			if v, ok := l.Metrics["cpu-ns/op"]; ok {
				last = v / 1000
				sc.Row(sys, cas).Add("cpu_us_per_sig", "CPU µs / signature", result.Lower, last)
			}
		}
		return last
	}
	speedOK := true
	for range rounds {
		if ctx.Err() != nil {
			return
		}
		// Without the openssl command the build's own figure is still
		// measured, unpaired.
		var ossl float64
		if speedOK {
			var err error
			if ossl, err = opensslSpeedRSA(ctx, secs); err != nil {
				sc.Notes = append(sc.Notes, "openssl speed: "+err.Error())
				speedOK = false
			} else {
				sc.Row(sysOpenSSLSpeed, cas).Add("cpu_us_per_sig", "CPU µs / signature", result.Lower, ossl)
			}
		}
		ours := keyOp(sysKeyOpenSSL, 1, "-tags", "openssl")
		if ours == 0 {
			break // the build failed (its note says why): once is enough
		}
		if ossl > 0 {
			sc.Row(sysKeyOpenSSL, cas).Add("paired_ratio", "× openssl speed, same round", result.Lower, ours/ossl)
		}
	}
	keyOp(sysKeyPureGo, 3)
}
