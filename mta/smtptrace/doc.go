// Package smtptrace carries a live view of delivery sessions to whoever
// watches (wasmta trace smtp, through the admin API): every line the SMTP
// client writes and every reply it reads, with the path it belongs to.
// It owns the subscriptions and their filters; it never blocks a session:
// a watcher that falls behind loses events (counted), the delivery never
// waits. With no watcher, a session pays one atomic load at dial time.
package smtptrace
