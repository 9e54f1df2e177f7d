package bounce

// namesFutileRetry reports whether a reply says that sending the message
// again will not succeed ("Retrying will NOT succeed", "retry will never
// help", "do not retry", "will be permanently deferred"): RFC 3463
// section 3.1's definition of a permanent failure ("not likely to be
// resolved by resending the message in the current form"), whatever
// class the reply code gives it. A deferral that says so is a refusal
// that lasts, not a pace to meter.
func namesFutileRetry(text string) bool {
	for off := 0; off < len(text); {
		i := indexFold(text[off:], "retr")
		if i < 0 {
			break
		}
		i += off
		w, k := wordAt(text, i)
		off = k
		if i > 0 && isLetter(text[i-1]) {
			continue
		}
		switch w {
		case "retry", "retrying", "retries", "retried":
		default:
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
	}
	return containsFold(text, "permanently deferred") || containsFold(text, "deferred permanently")
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
func serviceFailure(text string) (category string, ok bool) {
	for i := 0; i < len(text); i++ {
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
				return serviceObject(text, k), true
			}
			j = skipSpaces(text, k)
		}
		i += n - 1
	}
	return "", false
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
// unknown").
func senderIsSubject(text, matched string) bool {
	for _, w := range [...]string{"rcpt", "recipient", "mailbox", "destinat"} {
		if containsString(matched, w) {
			return false
		}
	}
	at := indexFold(text, matched)
	if at <= 0 {
		return false
	}
	from := at - 80
	if from < 0 {
		from = 0
	}
	prefix := text[from:at]
	best := -1 // the end of the last sender word before the phrase
	for _, w := range senderObject {
		if i := lastIndexFold(prefix, w); i >= 0 && i+len(w) > best {
			best = i + len(w)
		}
	}
	if best < 0 {
		return false
	}
	between := prefix[best:]
	for i := 0; i < len(between); i++ {
		if between[i] == '.' && i+1 < len(between) && between[i+1] == ' ' || between[i] == ';' {
			return false // another clause
		}
	}
	for _, tok := range fieldsNoAddress(between) {
		for _, w := range recipientObject {
			if w != "address" && containsFold(tok, w) {
				return false
			}
		}
	}
	return true
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

// lastIndexFold is the index of the last needle (lowercase ASCII) in
// text, ignoring case; -1 when absent.
func lastIndexFold(text, needle string) int {
	for i := len(text) - len(needle); i >= 0; i-- {
		if hasFoldAt(text, i, needle) {
			return i
		}
	}
	return -1
}

// fieldsNoAddress splits s at spaces and drops the tokens that are mail
// addresses (they hold '@'): "user@example.com" names no recipient.
func fieldsNoAddress(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		at := false
		for j < len(s) && s[j] != ' ' {
			if s[j] == '@' {
				at = true
			}
			j++
		}
		if j > i && !at {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

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
	for _, stem := range [...]string{"expir", "caduc", "abgelaufen", "scadut"} {
		if i := indexFold(text, stem); i >= 0 && (at < 0 || i < at) {
			at = i
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
