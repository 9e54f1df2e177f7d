package tlsrpt

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// post sends the gzip'd report to an https rua (section 5.4).
func post(ctx context.Context, client *http.Client, url string, gz []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(gz))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/tlsrpt+gzip")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("tlsrpt: POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("tlsrpt: POST %s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

// fileName is the report's name (section 5.1):
// receiver!policy-domain!begin!end!unique-id.json.gz, times in seconds.
func fileName(r *Report, domain string) string {
	return fmt.Sprintf("%s!%s!%d!%d.json.gz", r.OrganizationName, domain,
		r.DateRange.Start.Unix(), r.DateRange.End.Unix())
}

// compose makes the report mail of section 5.3: a multipart/report of type
// "tlsrpt" with a human-readable part and the gzip'd report.
func compose(r *Report, domain, from, to string, gz []byte, now time.Time) []byte {
	boundary := fmt.Sprintf("tlsrpt-%x", now.UnixNano())
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", "<"+from+">")
	h("To", "<"+to+">")
	h("Date", now.UTC().Format(time.RFC1123Z))
	h("Subject", fmt.Sprintf("Report Domain: %s Submitter: %s Report-ID: <%s>", domain, r.OrganizationName, r.ReportID))
	h("Message-ID", fmt.Sprintf("<%s.%d@%s>", strings.ReplaceAll(r.ReportID, "@", "."), now.UnixNano(), r.OrganizationName))
	h("TLS-Report-Domain", domain)
	h("TLS-Report-Submitter", r.OrganizationName)
	h("MIME-Version", "1.0")
	h("Content-Type", fmt.Sprintf("multipart/report; report-type=\"tlsrpt\"; boundary=\"%s\"", boundary))
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", boundary)
	fmt.Fprintf(&b, "This is an aggregate TLS report (RFC 8460) from %s for %s,\r\n%s to %s.\r\n\r\n",
		r.OrganizationName, domain, r.DateRange.Start.Format(time.RFC3339), r.DateRange.End.Format(time.RFC3339))
	name := fileName(r, domain)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n", boundary)
	fmt.Fprintf(&b, "Content-Disposition: %s\r\n\r\n", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	enc := base64.StdEncoding.EncodeToString(gz)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}
