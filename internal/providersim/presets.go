package providersim

import (
	"fmt"
	"time"
)

// The figures and texts below are documented, with their sources, in
// docs/provider-sim.md. Reply texts are the providers' own; limits and
// latencies that no provider publishes are marked there as estimates.

const ms = time.Millisecond

// presets builds each preset afresh so callers can modify what they get.
var presets = map[string]func() Provider{
	"gmail":     gmailPreset,
	"yahoo":     yahooPreset,
	"microsoft": microsoftPreset,
	"apple":     applePreset,
	"generic":   genericPreset,
}

// PresetNames lists the presets in a stable order.
func PresetNames() []string {
	return []string{"gmail", "yahoo", "microsoft", "apple", "generic"}
}

// Preset returns the named provider preset, listening on its default
// address (127.0.10.1:2525 for gmail, .2 yahoo, .3 microsoft, .4 apple,
// .5 generic).
func Preset(name string) (Provider, error) {
	f := presets[name]
	if f == nil {
		return Provider{}, fmt.Errorf("providersim: no preset %q (have %v)", name, PresetNames())
	}
	return f(), nil
}

func gmailPreset() Provider {
	return Provider{
		Name: "gmail", Addr: "127.0.10.1:2525", Hostname: "gmail-smtp-in.l.google.com",
		Domains: []string{"gmail.test", "googlemail.test"},
		Latency: Latency{
			Banner: Delay{20 * ms, 20 * ms}, EHLO: Delay{5 * ms, 10 * ms},
			Mail: Delay{10 * ms, 10 * ms}, Rcpt: Delay{10 * ms, 20 * ms},
			DataEnd: Delay{300 * ms, 300 * ms},
		},
		MaxConnsPerIP: 10,
		ConnLimitReply: Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "Try again later, closing connection. {id} - gsmtp"},
		RatePerIP: 10, Burst: 20, ThrottleAt: StageData,
		ThrottleReply: Reply{Code: 421, Enhanced: "4.7.28", Close: true,
			Text: "[{ip}] Our system has detected an unusual rate of unsolicited mail originating " +
				"from your IP address. To protect our users from spam, mail sent from your IP address " +
				"has been temporarily rate limited. Please visit " +
				"https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email " +
				"Senders Guidelines. {id} - gsmtp"},
		TempFailRate: 0.005, TempFailAt: StageData,
		TempFailReply: Reply{Code: 451, Enhanced: "4.3.0",
			Text: "Mail server temporarily rejected message. {id} - gsmtp"},
		UnknownUserReply: Reply{Code: 550, Enhanced: "5.1.1",
			Text: "The email account that you tried to reach does not exist. Please try " +
				"double-checking the recipient's email address for typos or unnecessary spaces. " +
				"For more information, go to https://support.google.com/mail/?p=NoSuchUser {id} - gsmtp"},
		TLS: true,
	}
}

func yahooPreset() Provider {
	return Provider{
		Name: "yahoo", Addr: "127.0.10.2:2525", Hostname: "mta5.am0.yahoodns.net",
		Domains: []string{"yahoo.test", "aol.test"},
		Latency: Latency{
			Banner: Delay{50 * ms, 100 * ms}, EHLO: Delay{10 * ms, 10 * ms},
			Mail: Delay{20 * ms, 20 * ms}, Rcpt: Delay{20 * ms, 30 * ms},
			DataEnd: Delay{300 * ms, 300 * ms},
		},
		MaxConnsPerIP: 10,
		ConnLimitReply: Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "Resources temporarily unavailable. Please try again later"},
		MaxMsgsPerConn: 20,
		MsgsPerConnReply: Reply{Code: 421, Close: true,
			Text: "Max message per connection reached, closing transmission channel"},
		RatePerIP: 5, Burst: 10, ThrottleAt: StageMail,
		ThrottleReply: Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or " +
				"user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
		TempFailRate: 0.005, TempFailAt: StageData,
		TempFailReply: Reply{Code: 451, Enhanced: "4.3.2", Text: "Internal server error"},
		UnknownUserReply: Reply{Code: 554,
			Text: "delivery error: dd This user doesn't have a {domain} account ({rcpt}) [0] - {host}"},
		TLS: true,
	}
}

func microsoftPreset() Provider {
	return Provider{
		Name: "microsoft", Addr: "127.0.10.3:2525", Hostname: "hotmail-com.olc.protection.outlook.com",
		Domains: []string{"outlook.test", "hotmail.test"},
		Latency: Latency{
			Banner: Delay{10 * ms, 20 * ms}, EHLO: Delay{5 * ms, 10 * ms},
			Mail: Delay{10 * ms, 10 * ms}, Rcpt: Delay{20 * ms, 20 * ms},
			DataEnd: Delay{300 * ms, 350 * ms},
		},
		MaxConnsPerIP: 5,
		ConnLimitReply: Reply{Code: 421, Enhanced: "4.7.652", Close: true,
			Text: "The mail server [{ip}] has exceeded the maximum number of connections. (S3115) [{host}]"},
		RatePerIP: 5, Burst: 10, ThrottleAt: StageRcpt,
		ThrottleReply: Reply{Code: 451, Enhanced: "4.7.500",
			Text: "Server busy. Please try again later from [{ip}]. (S77714) [{host}]"},
		TempFailRate: 0.005, TempFailAt: StageData,
		TempFailReply: Reply{Code: 451, Enhanced: "4.7.0",
			Text: "Temporary server error. Please try again later. PRX4 [{host}]"},
		UnknownUserReply: Reply{Code: 550, Enhanced: "5.5.0",
			Text: "Requested action not taken: mailbox unavailable (S2017062302). [{host}]"},
		TLS: true,
	}
}

func applePreset() Provider {
	return Provider{
		Name: "apple", Addr: "127.0.10.4:2525", Hostname: "mx01.mail.icloud.com",
		Domains: []string{"icloud.test", "me.test"},
		Latency: Latency{
			Banner: Delay{30 * ms, 50 * ms}, EHLO: Delay{5 * ms, 10 * ms},
			Mail: Delay{10 * ms, 10 * ms}, Rcpt: Delay{20 * ms, 20 * ms},
			DataEnd: Delay{250 * ms, 250 * ms},
		},
		MaxConnsPerIP: 10,
		ConnLimitReply: Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "{host} Error: too many connections from {ip}"},
		RatePerIP: 3, Burst: 6, ThrottleAt: StageRcpt,
		ThrottleReply: Reply{Code: 421, Enhanced: "4.7.1", Close: true,
			Text: "Messages to {rcpt} deferred due to excessive volume. Try again later - " +
				"https://support.apple.com/en-us/HT204137"},
		TempFailRate: 0.005, TempFailAt: StageData,
		TempFailReply: Reply{Code: 451, Enhanced: "4.7.1", Text: "Service unavailable - try again later"},
		UnknownUserReply: Reply{Code: 550, Enhanced: "5.1.1",
			Text: "<{rcpt}>: user does not exist"},
		TLS: true,
	}
}

// genericPreset is a plain Postfix MX with a message rate limit.
func genericPreset() Provider {
	return Provider{
		Name: "generic", Addr: "127.0.10.5:2525", Hostname: "mx.example.test",
		Domains: []string{"example.test"},
		Latency: Latency{
			Banner: Delay{5 * ms, 5 * ms}, EHLO: Delay{1 * ms, 2 * ms},
			Mail: Delay{1 * ms, 2 * ms}, Rcpt: Delay{1 * ms, 2 * ms},
			DataEnd: Delay{20 * ms, 20 * ms},
		},
		MaxConnsPerIP: 20,
		ConnLimitReply: Reply{Code: 421, Enhanced: "4.7.0", Close: true,
			Text: "{host} Error: too many connections from {ip}"},
		RatePerIP: 20, Burst: 40, ThrottleAt: StageMail,
		ThrottleReply: Reply{Code: 450, Enhanced: "4.7.1", Text: "Error: too much mail from {ip}"},
		TempFailRate:  0.005, TempFailAt: StageData,
		TempFailReply: Reply{Code: 451, Enhanced: "4.3.0", Text: "Error: queue file write error"},
		UnknownUserReply: Reply{Code: 550, Enhanced: "5.1.1",
			Text: "<{rcpt}>: Recipient address rejected: User unknown in local recipient table"},
	}
}
