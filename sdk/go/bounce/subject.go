package bounce

import "strings"

// namesFutileRetry reports whether a reply says that sending the message
// again will not succeed ("Retrying will NOT succeed", "retry will never
// help", "do not retry", "will be permanently deferred"): RFC 3463
// section 3.1's definition of a permanent failure ("not likely to be
// resolved by resending the message in the current form"), whatever
// class the reply code gives it. A deferral that says so is a refusal
// that lasts, not a pace to meter.
func namesFutileRetry(text string) bool {
	// one pass, stopping only at an 'r' or a 'p' that starts a word
	for i := 0; i+4 <= len(text); i++ {
		c := text[i] | 0x20
		if c != 'r' && c != 'p' || i > 0 && isLetter(text[i-1]) {
			continue
		}
		if c == 'p' {
			if hasFoldAt(text, i, "permanently defer") {
				return true
			}
			continue
		}
		if !hasFoldAt(text, i, "retr") {
			continue
		}
		w, k := wordAt(text, i)
		switch w {
		case "retry", "retrying", "retries", "retried":
		default:
			continue
		}
		if timedRetry(text, i, k) {
			// "do not retry for 5 minutes", "retrying now will not
			// help", "retries within the next hour will not succeed":
			// the words set a wait before the next try, a pace, not a
			// refusal that lasts
			i = k - 1
			continue
		}
		if negatedBefore(text, i) {
			// "do not retry", "don't retry", "never retry"
			return true
		}
		// "retrying will not succeed", "a retry won't help", "retries
		// will never work": a negation, then a verb of success, in the
		// next few words
		neg := false
		for n := 0; n < 5 && k < len(text); n++ {
			j := k
			for j < len(text) && !isLetter(text[j]) && text[j] != '.' && text[j] != ';' {
				j++
			}
			if j >= len(text) || !isLetter(text[j]) {
				break
			}
			w, k = wordAt(text, j)
			switch w {
			case "not", "never", "won", "cannot", "t":
				neg = true
			case "succeed", "succeeds", "help", "helps", "work", "works", "successful", "resolve", "change":
				if neg {
					return true
				}
			}
		}
		i = k - 1
	}
	return false
}

// timedRetry reports whether the clause around the retry word at
// text[i:k] bounds the retry in time: a word of time ("before", "until",
// "within", "immediately", "sooner", "now", "yet", "minutes", "hours"...)
// anywhere in the clause, or a number after the retry word ("do not retry
// for 300s"). A clause ends at a comma, a semicolon, a colon, a bracket or
// a full stop followed by a space, so the number of an address or a
// status in another clause ("All messages from 192.0.2.1 will be
// permanently deferred; Retrying will NOT succeed") does not count.
func timedRetry(text string, i, k int) bool {
	start := i
	for start > 0 && !clauseEnd(text, start-1) {
		start--
	}
	end := k
	for end < len(text) && !clauseEnd(text, end) {
		if text[end] >= '0' && text[end] <= '9' {
			return true
		}
		end++
	}
	for j := start; j < end; j++ {
		if !isLetter(text[j]) || j > 0 && isLetter(text[j-1]) {
			continue
		}
		w, n := wordAt(text, j)
		switch w {
		case "before", "until", "till", "within", "immediately", "sooner", "soon", "now", "yet", "earlier",
			"second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "while":
			return true
		}
		j = n - 1
	}
	return false
}

// clauseEnd reports whether text[j] ends a clause: a comma, a semicolon,
// a colon, an exclamation mark, a bracket, or a full stop at the end or
// before a space (not the dots of an address, a status or a host name).
func clauseEnd(text string, j int) bool {
	switch text[j] {
	case ',', ';', ':', '!', '(', ')', '[', ']':
		return true
	case '.':
		return j+1 == len(text) || text[j+1] == ' '
	}
	return false
}

// negatedBefore reports whether the word before text[i] negates it ("not
// retry", "don't retry", "never retry").
func negatedBefore(text string, i int) bool {
	j := i
	for j > 0 && text[j-1] == ' ' {
		j--
	}
	k := j
	for k > 0 && (isLetter(text[k-1]) || text[k-1] == '\'') {
		k--
	}
	switch w := text[k:j]; {
	case len(w) == 3 && fold[w[0]] == 'n' && fold[w[1]] == 'o' && fold[w[2]] == 't',
		len(w) == 5 && fold[w[0]] == 'n' && fold[w[1]] == 'e' && fold[w[2]] == 'v' && fold[w[3]] == 'e' && fold[w[4]] == 'r',
		len(w) > 3 && w[len(w)-2] == '\'' && fold[w[len(w)-3]] == 'n' && fold[w[len(w)-1]] == 't':
		return true
	}
	return false
}

// serviceVerdict reports whether a category is a verdict on the
// recipient, the sender, the client or the message, which a receiving
// server that failed at its own work ("could not open mailbox") did not
// give.
func serviceVerdict(category string) bool {
	switch category {
	case InvalidRecipient, InactiveMailbox, InvalidSender, Virus, SpamContent, SpamBlock, PolicyRelated,
		ProhibitedContent, BadConnection:
		// not AuthenticationFailed: a check of SPF, DKIM or DMARC that
		// could not complete on a 4xx is the verifier's lookup failure
		// (RFC 7208's temperror, decided in decide), and SMTP AUTH's
		// temporary failure a check failure
		return true
	}
	return false
}

// serviceFailure reads the reply's words for the receiving server
// failing at its own work: "could not", "couldn't", "cannot", "unable
// to" or "failed to" followed by a verb of a system's operation on its
// resources ("could not open mailbox", "could not connect to backend",
// "could not virus scan message", "cannot create lock"). That is no
// verdict on an address, a client or a message but a server-side failure
// (Sisimai's systemerror): TransientFailure, or BadConfiguration when
// what it could not reach is the local delivery's own file, directory or
// forwarding ("can not open new email file errno=13", "Could not open
// $MAILRULES file", "Unable to correctly read the forwarding recipient"):
// a broken local delivery, MAPPING.md's misconfigured receiving side.
// The passive ("could not be delivered", "cannot be found") is a verdict
// on the object and is not this shape; nor is a refusal said to the
// client ("You cannot connect"). ok is false when the words are not there.
//
// from and to bound the failure's clause (from the stem to the next comma,
// semicolon, colon or full stop), for decide to tell a verdict said in a
// clause of its own ("Cannot open mailbox for u: no such user").
func serviceFailure(text string) (category string, from, to int, ok bool) {
	for i := 0; i < len(text); i++ {
		if !stemStart[text[i]] {
			continue
		}
		var n int
		switch fold[text[i]] {
		case 'c':
			switch {
			case hasFoldAt(text, i, "could not "):
				n = len("could not ")
			case hasFoldAt(text, i, "couldn't "):
				n = len("couldn't ")
			case hasFoldAt(text, i, "couldn’t "):
				n = len("couldn’t ")
			case hasFoldAt(text, i, "cannot "):
				n = len("cannot ")
			case hasFoldAt(text, i, "can not "):
				n = len("can not ")
			default:
				continue
			}
		case 'u':
			if !hasFoldAt(text, i, "unable to ") {
				continue
			}
			n = 10
		case 'f':
			if !hasFoldAt(text, i, "failed to ") {
				continue
			}
			n = 10
		default:
			continue
		}
		if i > 0 && isLetter(text[i-1]) || clientSubject(text, i) {
			continue
		}
		j := skipSpaces(text, i+n)
		for words := 0; words < 2; words++ {
			w, k := wordAt(text, j)
			if systemVerb(w) {
				to = k
				for to < len(text) && !clauseEnd(text, to) {
					to++
				}
				return serviceObject(text, k), i, to, true
			}
			j = skipSpaces(text, k)
		}
		i += n - 1
	}
	return "", 0, 0, false
}

// serviceObject reads the few words after a failed operation's verb (to
// the clause's end): the local delivery's own file, directory or
// forwarding make the failure a misconfiguration, anything else (a
// mailbox, a back end, a scanner, a queue) a transient failure.
func serviceObject(text string, i int) string {
	for n := 0; n < 8 && i < len(text); n++ {
		for i < len(text) && !isLetter(text[i]) {
			switch text[i] {
			case '.', ';':
				if i+1 >= len(text) || text[i+1] == ' ' {
					return TransientFailure // the clause ends
				}
			case '/':
				if i == 0 || text[i-1] == ' ' {
					return BadConfiguration // a file system path
				}
			}
			i++
		}
		w, k := wordAt(text, i)
		if k == i {
			break
		}
		i = k
		switch w {
		case "queue", "spool", "disk", "storage", "memory":
			// the system's own storage: a transient condition (RFC
			// 3463's X.3.1, X.4.5; "cannot write to queue")
			return TransientFailure
		case "file", "files", "directory", "folder", "maildir", "errno", "permission", "permissions", "forwarding", "forward":
			return BadConfiguration
		}
	}
	return TransientFailure
}

// stemStart marks the bytes that start serviceFailure's stems (c, u, f in
// either case), so its scan passes over the others at one load each.
var stemStart = func() (t [256]bool) {
	for _, c := range "cufCUF" {
		t[c] = true
	}
	return t
}()

// hasFoldAt reports whether text holds needle (lowercase) at i, ignoring
// ASCII case.
func hasFoldAt(text string, i int, needle string) bool {
	if i+len(needle) > len(text) {
		return false
	}
	for j := 0; j < len(needle); j++ {
		if fold[text[i+j]] != needle[j] {
			return false
		}
	}
	return true
}

// clientSubject reports whether the word before text[i] is "you": the
// refusal is said to the client ("You cannot connect for 1 more day").
func clientSubject(text string, i int) bool {
	j := i
	for j > 0 && text[j-1] == ' ' {
		j--
	}
	return j >= 3 && fold[text[j-3]] == 'y' && fold[text[j-2]] == 'o' && fold[text[j-1]] == 'u' && (j == 3 || !isLetter(text[j-4]))
}

// systemVerb reports whether w is a verb of a system's operation on its
// own resources (files, mailboxes, queues, back ends, scanners).
func systemVerb(w string) bool {
	switch w {
	case "open", "read", "write", "create", "lock", "load", "access", "allocate", "store", "save", "queue", "spool",
		"scan", "connect", "contact", "fork", "exec", "execute", "run", "start", "spawn", "initialize", "initialise",
		"complete", "talk", "communicate", "retrieve", "fetch", "append", "rename", "mount", "bind", "stat", "chdir":
		return true
	}
	return false
}

// senderIsSubject reports whether the envelope sender is the subject of
// the words a recipient phrase matched ("Sender does not exist:
// a@example.com", "MAIL FROM <a@example.com> rejected: user unknown",
// "Sender address <a@example.com> not found"): a sender word stands
// before the phrase in the same clause, with no recipient, mailbox or
// account named between them (an address is the sender's own). The
// words are a verdict on the sender (RFC 3463's X.1.7, X.1.8), not on a
// recipient. matched is the phrase's needle; one that itself names a
// recipient or a mailbox ("recipient unknown") answers at once ("user"
// is any address's local part: "MAIL FROM <a@example.com> rejected: user
// unknown"). end is the index after the text's first sender word.
func senderIsSubject(text, matched string, end int) bool {
	for _, w := range [...]string{"rcpt", "recipient", "mailbox", "destinat"} {
		if containsString(matched, w) {
			return false
		}
	}
	at := indexFold(text[end:], matched)
	if at < 0 {
		return false
	}
	// the last sender word before the phrase, within 80 bytes of it
	for {
		next := senderWordEnd(text[end : end+at])
		if next < 0 {
			break
		}
		end, at = end+next, at-next
	}
	if at > 80 {
		return false
	}
	return !namesRecipientBetween(text[end : end+at])
}

// aboutSender reports whether a recipient's or a mailbox's words (the
// phrase matched) are said of the envelope sender: the text names the
// sender and no recipient (aboutSenderOnly), or the sender is the words'
// subject (senderIsSubject). Without a sender word, found in one pass
// (most replies), neither holds.
func aboutSender(text, matched string) bool {
	end := senderWordEnd(text)
	if end < 0 {
		return false
	}
	return aboutSenderOnly(text, matched) || senderIsSubject(text, matched, end)
}

// senderWordEnd is the index just after the first of the sender's
// words in text ("sender", "mail from", "mailfrom", "envelope from",
// "return-path", "return path"), -1 when there is none; one pass that
// stops only at an s, m, e or r.
func senderWordEnd(text string) int {
	for i := 0; i < len(text); i++ {
		switch text[i] | 0x20 {
		case 's':
			if hasFoldAt(text, i, "sender") {
				return i + len("sender")
			}
		case 'm':
			if hasFoldAt(text, i, "mail from") {
				return i + len("mail from")
			}
			if hasFoldAt(text, i, "mailfrom") {
				return i + len("mailfrom")
			}
		case 'e':
			if hasFoldAt(text, i, "envelope from") {
				return i + len("envelope from")
			}
		case 'r':
			if hasFoldAt(text, i, "return-path") || hasFoldAt(text, i, "return path") {
				return i + len("return-path")
			}
		}
	}
	return -1
}

// namesRecipientBetween reports whether the words between a sender word
// and a phrase end the clause or name a recipient, mailbox or account
// (recipientObject's words but "address"), skipping mail addresses (a
// token with '@': "user@example.com" names no recipient).
func namesRecipientBetween(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == '.' && i+1 < len(s) && s[i+1] == ' ' {
			return true // another clause
		}
	}
	prev := ""
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j, at := i, -1
		for j < len(s) && s[j] != ' ' {
			if at < 0 && s[j] == '@' {
				at = j
			}
			j++
		}
		word := s[i:j]
		if at >= 0 {
			// an address names no recipient by itself, but the key it
			// is the value of may ("rcpt=u@example.com",
			// "TO:<u@example.com>"), and so does "to" or "for" before it
			// ("from sender a@example.com to u@example.com")
			if strings.EqualFold(prev, "to") || strings.EqualFold(prev, "for") {
				return true
			}
			word = ""
			if k := strings.IndexAny(s[i:at], "<=:"); k >= 0 {
				word = s[i : i+k+1]
			}
		}
		for _, w := range recipientObject {
			if w != "address" && indexFold(word, w) >= 0 {
				return true
			}
		}
		prev = s[i:j]
		i = j
	}
	return false
}

// containsString is strings.Contains for lowercase needles.
func containsString(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// expiryStems are the stems of "expired" in English, Spanish, French,
// Portuguese, German and Italian (expired, expirado, expiré, expirou;
// caducado; abgelaufen; scaduto).
var expiryStems = [...]string{"expir", "caduc", "abgelaufen", "scadut"}

// expiredSubject reads a reply that says something expired by what it
// names as the subject, in English and the common languages of mail
// servers ("Virtual user 'jane' has expired", "Esta casilla ha expirado
// por falta de uso", "Le message a expiré", "Die Nachricht ist
// abgelaufen"): an account, a user or a mailbox that expired is one
// closed (InactiveMailbox, as "account expired"); a message that expired
// is a queue's expiry (MessageExpired). Anything else that expires (a
// certificate, a password, a licence, a greylist's delay) is neither,
// and ok is false.
func expiredSubject(text string) (category string, ok bool) {
	at := -1
	for i := 0; i+5 <= len(text) && at < 0; i++ {
		for _, stem := range expiryStems {
			if text[i]|0x20 == stem[0] && hasFoldAt(text, i, stem) {
				at = i
				break
			}
		}
	}
	if at < 0 {
		return "", false
	}
	// the words before the stem, back to the clause's start, at most six
	lo := at
	for n := 0; n < 6 && lo > 0; {
		c := text[lo-1]
		if c == '.' || c == ';' || c == ':' || c == ',' {
			break
		}
		lo--
		if c == ' ' && lo > 0 && text[lo-1] != ' ' {
			n++
		}
	}
	for i := lo; i < at; {
		for i < at && !isLetter(text[i]) {
			i++
		}
		w, k := wordAt(text, i)
		if k == i {
			i++
			continue
		}
		i = k
		switch w {
		case "user", "account", "mailbox", "casilla", "cuenta", "buzon", "usuario", "compte", "utilisateur", "boite",
			"konto", "postfach", "benutzer", "casella", "utente", "conta", "caixa", "address", "direccion",
			// "buzón", "dirección" end where the first letter outside ASCII starts
			"buz", "direcci":
			return InactiveMailbox, true
		case "message", "mensaje", "mensagem", "nachricht", "messaggio", "mail", "correo", "email", "e-mail", "courriel",
			// the delivery or the queue whose time ran out ("el plazo de
			// entrega ha expirado", "Zustellung abgelaufen")
			"delivery", "entrega", "zustellung", "consegna", "remise", "queue", "cola":
			return MessageExpired, true
		}
	}
	return "", false
}

// delayNeedle reports whether the last-resort expiry needle matched is
// one of a delay notice ("has been delayed", "attempts will continue"),
// not of a queue that gave up.
func delayNeedle(n string) bool {
	return n == "has been delayed" || n == "attempts will continue"
}
