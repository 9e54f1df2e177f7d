package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// inject submits n messages per tenant over SMTP with AUTH, spread over
// every domain of every provider, four sessions per tenant at a time.
func (w *world) inject(n int, domains []string) error {
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(tenants)*4)
	for _, t := range tenants {
		for k := range 4 {
			wg.Go(func() {
				if err := w.injectRange(t.name, k, n, 4, domains); err != nil {
					errs <- fmt.Errorf("tenant %s: %w", t.name, err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (w *world) injectRange(tenant string, first, n, step int, domains []string) error {
	c, err := smtp.Dial(w.smtp)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("app." + tenant + ".demo"); err != nil {
		return err
	}
	if err := c.Auth(sasl.NewPlainClient("", tenant, password)); err != nil {
		return err
	}
	for i := first; i < n; i += step {
		d := domains[i%len(domains)]
		to := fmt.Sprintf("user%d@%s", i, d)
		body := fmt.Sprintf("From: news@%s.demo\r\nTo: %s\r\nSubject: %s newsletter %d\r\n\r\nHello from %s.\r\n",
			tenant, to, tenant, i, tenant)
		if err := c.SendMail("news@"+tenant+".demo", []string{to}, strings.NewReader(body)); err != nil {
			return err
		}
		w.tally.sent(tenant, d)
	}
	return c.Quit()
}
