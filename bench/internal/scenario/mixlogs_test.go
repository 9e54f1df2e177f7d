package scenario

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParsePostfixLog(t *testing.T) {
	log := `Nov 26 18:00:01 pf postfix/smtp[1]: 4A: to=<user@gmail.test>, relay=gmail-smtp-in.l.google.com[127.0.10.1]:2600, delay=0.61, delays=0.01/0/0.1/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)
Nov 26 18:00:02 pf postfix/smtp[1]: 4B: to=<user@yahoo.test>, relay=x[127.0.10.2]:2600, delay=301, delays=300/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)
Nov 26 18:00:02 pf postfix/smtp[1]: 4C: to=<user@yahoo.test>, relay=x[127.0.10.2]:2600, delay=1.5, delays=1/0/0.5/0, dsn=4.7.0, status=deferred (host x said: 421 4.7.0 [TSS04])
Nov 26 18:00:03 pf postfix/qmgr[1]: 4A: removed`
	got := parsePostfixLog(log)
	if len(got["gmail.test"]) != 1 || got["gmail.test"][0] != 610*time.Millisecond {
		t.Errorf("gmail = %v", got["gmail.test"])
	}
	if len(got["yahoo.test"]) != 1 || got["yahoo.test"][0] != 301*time.Second {
		t.Errorf("yahoo = %v (deferred lines must not count)", got["yahoo.test"])
	}
}

func TestWasmtaQueueTimes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "records.jsonl")
	recs := `{"type":"Reception","id":"a","recipients":1}
{"type":"Delivery","recipient":"u@Gmail.test","queue_time":0.25}
{"type":"TransientFailure","recipient":"u@yahoo.test","queue_time":1}
{"type":"Delivery","recipient":"u@yahoo.test","queue_time":2.5}
not json
`
	if err := os.WriteFile(p, []byte(recs), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := wasmtaQueueTimes(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["gmail.test"]) != 1 || got["gmail.test"][0] != 250*time.Millisecond || len(got["yahoo.test"]) != 1 {
		t.Errorf("queue times = %v", got)
	}
}

func TestLoadArgsAndCase(t *testing.T) {
	tests := []struct {
		l        Load
		wantCase string
		wantArgs string
	}{
		{Load{Size: 4096, Rcpts: 1, Count: 10, Sessions: 20}, "4 KiB × 1 rcpt",
			"-s 20 -l 4096 -m 10 -f sender@source.bench.example -t rcpt@bench.example -M source.bench.example A"},
		{Load{Size: 1000, Rcpts: 10, Count: 5, Sessions: 2, Persistent: true, To: "u@x.test"}, "1000 B × 10 rcpts",
			"-s 2 -l 1000 -m 5 -f sender@source.bench.example -t u@x.test -M source.bench.example -r 10 -d A"},
	}
	for _, tt := range tests {
		if c := tt.l.Case(); c != tt.wantCase {
			t.Errorf("Case = %q, want %q", c, tt.wantCase)
		}
		if a := tt.l.Command("A"); a != "smtp-source "+tt.wantArgs {
			t.Errorf("Command = %q", a)
		}
	}
}
