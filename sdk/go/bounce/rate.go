package bounce

// namesCountPerPeriod reports whether text states a count of messages,
// connections or recipients per period of time ("100 mails in 600
// seconds", "50 mails in ten minutes", "100 messages in past 1h0m0s",
// "250 msgs per 15m", "30 connections per minute"): the shape of a rate
// limit (a pace the receiver allows the client), whatever the words
// around it. A count without a period ("Limit of 200 recipients", "5
// messages in queue") is not a rate.
func namesCountPerPeriod(text string) bool {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) {
			continue
		}
		j := i + 1
		for j < len(text) && (isDigit(text[j]) || text[j] == ',') {
			j++
		}
		i = j - 1 // the loop's next position is the byte after the count
		if j >= len(text) || text[j] != ' ' && !isLetter(text[j]) {
			continue
		}
		j = skipSpaces(text, j)
		w, k := wordAt(text, j)
		if !countedNoun(w) {
			continue
		}
		j = skipSpaces(text, k)
		if j < len(text) && text[j] == '/' {
			j++
		} else {
			w, k = wordAt(text, j)
			if w != "in" && w != "per" && w != "within" && w != "every" && w != "over" {
				continue
			}
			j = k
		}
		if periodAt(text, j) {
			return true
		}
	}
	return false
}

// periodAt reports whether a period of time starts at text[i], after
// spaces: an optional "the", "past" or "last", an optional count in
// digits or words, and a unit of time ("1h0m0s", "15m", "ten minutes",
// "hour", "the last 24 hours").
func periodAt(text string, i int) bool {
	for n := 0; n < 4; n++ {
		i = skipSpaces(text, i)
		if i < len(text) && isDigit(text[i]) {
			for i < len(text) && isDigit(text[i]) {
				i++
			}
			continue
		}
		w, k := wordAt(text, i)
		switch w {
		case "the", "past", "last", "a", "an", "one", "two", "three", "five", "ten", "fifteen", "twenty", "thirty", "sixty":
			i = k
			continue
		case "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes",
			"h", "hr", "hrs", "hour", "hours", "d", "day", "days":
			return true
		}
		// a unit written against the next count ("1h0m0s"): letters
		// then a digit
		if k < len(text) && isDigit(text[k]) && (w == "h" || w == "m" || w == "s" || w == "d") {
			return true
		}
		return false
	}
	return false
}

// countedNoun: what a rate limit counts.
func countedNoun(w string) bool {
	switch w {
	case "mail", "mails", "message", "messages", "msg", "msgs", "email", "emails", "e-mail", "e-mails",
		"connection", "connections", "recipient", "recipients", "rcpt", "rcpts":
		return true
	}
	return false
}

// wordAt returns the lowercase run of letters (and hyphens) at text[i]
// and the index after it; the word is cut where a digit starts ("h" of
// "1h0m0s").
func wordAt(text string, i int) (string, int) {
	j := i
	var b [16]byte
	n := 0
	for j < len(text) {
		c := text[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if !(c >= 'a' && c <= 'z' || c == '-' && j > i) {
			break
		}
		if n < len(b) {
			b[n] = c
		}
		n++
		j++
	}
	if n > len(b) {
		return "", j
	}
	return string(b[:n]), j
}

func skipSpaces(text string, i int) int {
	for i < len(text) && text[i] == ' ' {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// namesCheckerFailure reports whether text says a checking program
// itself failed ("Virus filter failed", "content filter error", "milter
// unavailable", "scanner timed out"): the program is the subject of the
// failure, so no verdict on the message or the client was given (RFC
// 5321's 4yz, a transient failure). A message that failed a check
// ("failed the content filter", "DMARC check failed": a check's verdict)
// is not this shape; "check" is not read as a program.
func namesCheckerFailure(text string) bool {
	for _, p := range [...]string{"filter", "scanner", "milter", "scan"} {
		for off := 0; off < len(text); {
			i := indexFold(text[off:], p)
			if i < 0 {
				break
			}
			i += off
			off = i + len(p)
			if i > 0 && isLetter(text[i-1]) {
				continue
			}
			j := off
			if j < len(text) && (text[j] == 's' || text[j] == 'S') {
				j++
			}
			if j < len(text) && isLetter(text[j]) {
				continue
			}
			j = skipSpaces(text, j)
			w, k := wordAt(text, j)
			if w == "is" || w == "was" || w == "has" {
				w, k = wordAt(text, skipSpaces(text, k))
			}
			switch w {
			case "failed", "failure", "error", "errors", "unavailable", "timeout", "timed", "crashed", "down":
				return true
			case "not":
				w, _ = wordAt(text, skipSpaces(text, k))
				return w == "available" || w == "responding" || w == "running"
			}
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
