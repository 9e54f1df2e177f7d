package providersim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// File is the configuration file of cmd/provider-sim, in TOML or JSON.
// Each provider starts from a preset (or from nothing) and every field
// given overrides the preset's; a field left out keeps it.
type File struct {
	Providers []FileProvider `toml:"provider" json:"provider"`
}

// FileProvider is one [[provider]] entry; see Provider for the meanings.
type FileProvider struct {
	Preset           string       `toml:"preset" json:"preset"`
	Name             *string      `toml:"name" json:"name"`
	Addr             *string      `toml:"addr" json:"addr"`
	Hostname         *string      `toml:"hostname" json:"hostname"`
	Domains          []string     `toml:"domains" json:"domains"`
	Latency          *FileLatency `toml:"latency" json:"latency"`
	MaxConnsPerIP    *int         `toml:"max_conns_per_ip" json:"max_conns_per_ip"`
	ConnLimitReply   *FileReply   `toml:"conn_limit_reply" json:"conn_limit_reply"`
	StrictConnLimit  *bool        `toml:"strict_conn_limit" json:"strict_conn_limit"`
	MaxMsgsPerConn   *int         `toml:"max_msgs_per_conn" json:"max_msgs_per_conn"`
	MsgsPerConnReply *FileReply   `toml:"msgs_per_conn_reply" json:"msgs_per_conn_reply"`
	RatePerIP        *float64     `toml:"rate_per_ip" json:"rate_per_ip"`
	Burst            *int         `toml:"burst" json:"burst"`
	ThrottleReply    *FileReply   `toml:"throttle_reply" json:"throttle_reply"`
	ThrottleAt       *Stage       `toml:"throttle_at" json:"throttle_at"`
	ThrottleHold     *Duration    `toml:"throttle_hold" json:"throttle_hold"`
	TempFailRate     *float64     `toml:"temp_fail_rate" json:"temp_fail_rate"`
	TempFailReply    *FileReply   `toml:"temp_fail_reply" json:"temp_fail_reply"`
	TempFailAt       *Stage       `toml:"temp_fail_at" json:"temp_fail_at"`
	UnknownUsers     []string     `toml:"unknown_users" json:"unknown_users"`
	UnknownUserReply *FileReply   `toml:"unknown_user_reply" json:"unknown_user_reply"`
	Changes          []FileChange `toml:"change" json:"change"`
	TLS              *bool        `toml:"tls" json:"tls"`
	Seed             *int64       `toml:"seed" json:"seed"`
}

// FileChange is one [[provider.change]]: a LimitChange.
type FileChange struct {
	After         Duration `toml:"after" json:"after"`
	RatePerIP     float64  `toml:"rate_per_ip" json:"rate_per_ip"`
	Burst         int      `toml:"burst" json:"burst"`
	MaxConnsPerIP int      `toml:"max_conns_per_ip" json:"max_conns_per_ip"`
}

// FileLatency overrides latencies command by command.
type FileLatency struct {
	Banner  *FileDelay `toml:"banner" json:"banner"`
	EHLO    *FileDelay `toml:"ehlo" json:"ehlo"`
	Mail    *FileDelay `toml:"mail" json:"mail"`
	Rcpt    *FileDelay `toml:"rcpt" json:"rcpt"`
	DataEnd *FileDelay `toml:"data_end" json:"data_end"`
}

// FileDelay is a Delay with durations written as "250ms".
type FileDelay struct {
	Fixed  *Duration `toml:"fixed" json:"fixed"`
	Jitter *Duration `toml:"jitter" json:"jitter"`
}

// FileReply overrides a Reply field by field.
type FileReply struct {
	Code     *int    `toml:"code" json:"code"`
	Enhanced *string `toml:"enhanced" json:"enhanced"`
	Text     *string `toml:"text" json:"text"`
	Close    *bool   `toml:"close" json:"close"`
}

// Duration reads and writes a time.Duration as text ("1.5s", "250ms").
type Duration time.Duration

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// LoadConfig reads a configuration file: JSON if its name ends in .json,
// TOML otherwise.
func LoadConfig(path string) ([]Provider, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("providersim: config: %w", err)
	}
	format := "toml"
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = "json"
	}
	ps, err := ParseConfig(data, format)
	if err != nil {
		return nil, fmt.Errorf("providersim: config %s: %w", path, err)
	}
	return ps, nil
}

// ParseConfig decodes a configuration in format "toml" or "json" and
// returns its providers with their overrides applied. Unknown keys are
// errors, so that a misspelt setting is not silently ignored.
func ParseConfig(data []byte, format string) ([]Provider, error) {
	var f File
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
	case "toml":
		md, err := toml.Decode(string(data), &f)
		if err != nil {
			return nil, fmt.Errorf("toml: %w", err)
		}
		if un := md.Undecoded(); len(un) > 0 {
			return nil, fmt.Errorf("toml: unknown keys %v", un)
		}
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if len(f.Providers) == 0 {
		return nil, errors.New("no [[provider]]")
	}
	ps := make([]Provider, 0, len(f.Providers))
	for i, fp := range f.Providers {
		p, err := fp.provider()
		if err != nil {
			return nil, fmt.Errorf("provider %d: %w", i+1, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// provider applies fp over its preset.
func (fp FileProvider) provider() (Provider, error) {
	var p Provider
	if fp.Preset != "" {
		var err error
		if p, err = Preset(fp.Preset); err != nil {
			return Provider{}, err
		}
	}
	set(&p.Name, fp.Name)
	set(&p.Addr, fp.Addr)
	set(&p.Hostname, fp.Hostname)
	if fp.Domains != nil {
		p.Domains = fp.Domains
	}
	if fp.UnknownUsers != nil {
		p.UnknownUsers = fp.UnknownUsers
	}
	fp.Latency.apply(&p.Latency)
	set(&p.MaxConnsPerIP, fp.MaxConnsPerIP)
	set(&p.StrictConnLimit, fp.StrictConnLimit)
	if fp.Changes != nil {
		p.Changes = nil
		for _, c := range fp.Changes {
			p.Changes = append(p.Changes, LimitChange{After: time.Duration(c.After),
				RatePerIP: c.RatePerIP, Burst: c.Burst, MaxConnsPerIP: c.MaxConnsPerIP})
		}
	}
	set(&p.MaxMsgsPerConn, fp.MaxMsgsPerConn)
	set(&p.RatePerIP, fp.RatePerIP)
	set(&p.Burst, fp.Burst)
	set(&p.ThrottleAt, fp.ThrottleAt)
	if fp.ThrottleHold != nil {
		p.ThrottleHold = time.Duration(*fp.ThrottleHold)
	}
	set(&p.TempFailRate, fp.TempFailRate)
	set(&p.TempFailAt, fp.TempFailAt)
	set(&p.TLS, fp.TLS)
	set(&p.Seed, fp.Seed)
	fp.applyReplies(&p)
	if p.Name == "" {
		return Provider{}, errors.New("neither preset nor name")
	}
	checked := p.withDefaults()
	if err := checked.validate(); err != nil {
		return Provider{}, err
	}
	return p, nil
}

func (fp FileProvider) applyReplies(p *Provider) {
	fp.ConnLimitReply.apply(&p.ConnLimitReply)
	fp.MsgsPerConnReply.apply(&p.MsgsPerConnReply)
	fp.ThrottleReply.apply(&p.ThrottleReply)
	fp.TempFailReply.apply(&p.TempFailReply)
	fp.UnknownUserReply.apply(&p.UnknownUserReply)
}

func (fl *FileLatency) apply(l *Latency) {
	if fl == nil {
		return
	}
	fl.Banner.apply(&l.Banner)
	fl.EHLO.apply(&l.EHLO)
	fl.Mail.apply(&l.Mail)
	fl.Rcpt.apply(&l.Rcpt)
	fl.DataEnd.apply(&l.DataEnd)
}

func (fd *FileDelay) apply(d *Delay) {
	if fd == nil {
		return
	}
	if fd.Fixed != nil {
		d.Fixed = time.Duration(*fd.Fixed)
	}
	if fd.Jitter != nil {
		d.Jitter = time.Duration(*fd.Jitter)
	}
}

func (fr *FileReply) apply(r *Reply) {
	if fr == nil {
		return
	}
	set(&r.Code, fr.Code)
	set(&r.Enhanced, fr.Enhanced)
	set(&r.Text, fr.Text)
	set(&r.Close, fr.Close)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
