package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

func benchRaw() string {
	head := "From: Shop <shop@sender.example>\r\nTo: r@example.org\r\nSubject: bench\r\n\r\n"
	return head + strings.Repeat(strings.Repeat("x", 62)+"\r\n", (4096-len(head))/64)
}

// BenchmarkDecodeRequest: decoding and checking the JSON of a 4 KiB raw
// message, the HTTP API's own cost per request before spooling.
func BenchmarkDecodeRequest(b *testing.B) {
	body, _ := json.Marshal(obj{"sender": "b@sender.example", "recipients": []obj{{"address": "r@example.org"}}, "raw": benchRaw()})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := decodeRequest(body)
		if err != nil {
			b.Fatal(err)
		}
		var p problems
		checkEnvelope(req, 10, &p)
		if _, msg := parseRaw(*req.Raw, DefaultCampaignHeader); msg != "" || len(p) > 0 {
			b.Fatal(msg, p)
		}
	}
}
