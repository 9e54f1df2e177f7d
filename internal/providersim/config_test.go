package providersim

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wantFromFiles is what testdata/sim.toml and testdata/sim.json describe.
func wantFromFiles(t *testing.T) []Provider {
	gm, _ := Preset("gmail")
	gm.Addr = "127.0.20.1:2526"
	gm.RatePerIP, gm.Burst, gm.ThrottleHold = 2.5, 3, 30*time.Second
	gm.UnknownUsers = []string{"nobody@gmail.test"}
	gm.TLS, gm.Seed = false, 7
	gm.Latency.DataEnd.Fixed = 50 * ms
	gm.ThrottleReply = Reply{Code: 450, Enhanced: "4.2.1", Text: "The user you are trying to contact is " +
		"receiving mail at a rate that prevents additional messages from being delivered. {id} - gsmtp"}
	y, _ := Preset("yahoo")
	y.Name, y.Hostname, y.Domains, y.MaxMsgsPerConn = "yahoo-eu", "mx-eu.mail.am0.yahoodns.net", []string{"yahoo.eu.test"}, 0
	y.StrictConnLimit = true
	y.Changes = []LimitChange{{After: 90 * time.Second, RatePerIP: 2.5, MaxConnsPerIP: 5}}
	tiny := Provider{
		Name: "tiny", Addr: "127.0.20.3:2525",
		TempFailRate: 0.5, TempFailAt: StageRcpt,
		TempFailReply: Reply{Code: 451, Enhanced: "4.3.0", Text: "try later"},
		Latency:       Latency{Banner: Delay{Fixed: time.Second, Jitter: 500 * ms}},
	}
	return []Provider{gm, y, tiny}
}

func TestLoadConfig(t *testing.T) {
	for _, file := range []string{"testdata/sim.toml", "testdata/sim.json"} {
		t.Run(file, func(t *testing.T) {
			got, err := LoadConfig(file)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantFromFiles(t); !reflect.DeepEqual(got, want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, format, data, want string
	}{
		{"unknown toml key", "toml", "[[provider]]\npreset = \"gmail\"\nrate = 3\n", "unknown keys"},
		{"unknown json key", "json", `{"provider":[{"preset":"gmail","rate":3}]}`, "unknown field"},
		{"bad duration", "toml", "[[provider]]\npreset = \"gmail\"\nthrottle_hold = \"soon\"\n", "duration"},
		{"no provider", "toml", "", "no [[provider]]"},
		{"no preset no name", "json", `{"provider":[{"addr":"127.0.0.1:25"}]}`, "neither preset nor name"},
		{"unknown preset", "toml", "[[provider]]\npreset = \"aol\"\n", "no preset"},
		{"invalid result", "toml", "[[provider]]\npreset = \"gmail\"\nthrottle_at = \"helo\"\n", "stage"},
		{"unknown format", "yaml", "", "unknown format"},
		{"change without after", "toml", "[[provider]]\npreset = \"gmail\"\n[[provider.change]]\nrate_per_ip = 1\n", "after must be > 0"},
		{"change of nothing", "json", `{"provider":[{"preset":"gmail","change":[{"after":"1s"}]}]}`, "changes nothing"},
		{"change of an absent limit", "toml", "[[provider]]\nname = \"x\"\naddr = \"127.0.0.1:25\"\n[[provider.change]]\nafter = \"1s\"\nrate_per_ip = 1\n", "no rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.data), tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// FuzzParseConfig feeds arbitrary bytes to both decoders: they must return
// providers that pass validation, or an error, and never panic.
func FuzzParseConfig(f *testing.F) {
	for _, file := range []string{"testdata/sim.toml", "testdata/sim.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[[provider]]` + "\n" + `preset = "apple"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"toml", "json"} {
			ps, err := ParseConfig(data, format)
			if err != nil {
				continue
			}
			for _, p := range ps {
				p = p.withDefaults()
				if err := p.validate(); err != nil {
					t.Fatalf("%s: accepted an invalid provider: %v", format, err)
				}
			}
		}
	})
}
