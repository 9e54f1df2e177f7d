//! Writing a decision as result keys. Zero values are not sent; the first
//! result the host refuses is remembered so the hook can report it and
//! return a fault (the host has already marked the call faulted).

use crate::sys::{self, Status};
use crate::types::*;
use core::time::Duration;
use std::string::String;

/// Writes the results of one call.
#[derive(Default)]
pub struct Writer {
    /// The first refused result: (key, status).
    pub(crate) refused: Option<(String, Status)>,
}

impl Writer {
    fn check(&mut self, key: &str, status: i32) {
        if status < 0 && self.refused.is_none() {
            self.refused = Some((key.into(), Status(status)));
        }
    }

    /// Sets a string result, or appends an item to a list result. An empty
    /// value is sent as well: use it for lists.
    pub fn set(&mut self, key: &str, value: &str) {
        let s = unsafe { sys::set(key.as_ptr(), key.len(), value.as_ptr(), value.len()) };
        self.check(key, s);
    }

    /// Sets a string result unless `value` is empty.
    pub fn str(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.set(key, value);
        }
    }

    /// Sets an int result unless it is 0.
    pub fn int(&mut self, key: &str, value: i64) {
        if value != 0 {
            let s = unsafe { sys::set_i64(key.as_ptr(), key.len(), value) };
            self.check(key, s);
        }
    }

    /// Sets a float result unless it is 0.
    pub fn float(&mut self, key: &str, value: f64) {
        if value != 0.0 {
            let s = unsafe { sys::set_f64(key.as_ptr(), key.len(), value) };
            self.check(key, s);
        }
    }

    /// Sets a `_ms` result from a duration unless it is zero.
    pub fn ms(&mut self, key: &str, d: Duration) {
        self.int(key, d.as_millis() as i64);
    }

    fn family(&mut self, prefix: &str, name: &str, value: &str) {
        let mut key = String::with_capacity(prefix.len() + name.len());
        key.push_str(prefix);
        key.push_str(name);
        self.set(&key, value);
    }

    pub(crate) fn reply(&mut self, r: &Option<Reply>) {
        if let Some(r) = r {
            self.int("reject.code", r.code as i64);
            self.str("reject.enhanced", &r.enhanced);
            self.str("reject.text", &r.text);
        }
    }

    pub(crate) fn reception(&mut self, tenant: &Option<String>, campaign: &Option<String>, meta: &[(String, String)]) {
        if let Some(t) = tenant {
            self.str("tenant", t);
        }
        if let Some(c) = campaign {
            self.str("campaign", c);
        }
        for (k, v) in meta {
            self.family("meta.", k, v);
        }
    }

    pub(crate) fn message(&mut self, m: &MessageResult) {
        self.reply(&m.reject);
        self.reception(&m.tenant, &m.campaign, &m.meta);
        for (k, v) in &m.add_headers {
            self.family("header.", k, v);
        }
        if let Some(d) = &m.dkim {
            self.str("dkim", d);
        }
    }

    pub(crate) fn route(&mut self, r: &Route) {
        match r {
            Route::Mx => {}
            Route::MxDomain(d) => self.str("mx_domain", d),
            Route::Hosts(hosts) => {
                for h in hosts {
                    self.set("host", h);
                }
            }
        }
    }

    pub(crate) fn shape(&mut self, s: &Shape) {
        self.int("max_connections", s.max_connections as i64);
        self.float("messages_per_second", s.messages_per_second);
        self.int("message_burst", s.message_burst as i64);
        self.float("connections_per_second", s.connections_per_second);
        self.int("messages_per_connection", s.messages_per_connection as i64);
        self.ms("idle_timeout_ms", s.idle_timeout);
        if let Some(t) = s.tls {
            self.str("tls", t.as_str());
        }
        if s.tls_policy != TlsPolicy::Default {
            self.str("tls_policy", s.tls_policy.as_str());
        }
        self.ms("retry_initial_ms", s.retry_initial);
        self.ms("retry_max_ms", s.retry_max);
        self.ms("max_age_ms", s.max_age);
        self.ms("connect_timeout_ms", s.connect_timeout);
        self.ms("command_timeout_ms", s.command_timeout);
        self.ms("data_timeout_ms", s.data_timeout);
        let a = &s.adapt;
        self.int("adapt_off", a.off as i64);
        self.int("adapt_min_connections", a.min_connections as i64);
        self.int("adapt_max_connections", a.max_connections as i64);
        self.float("adapt_min_rate", a.min_rate);
        self.float("adapt_max_rate", a.max_rate);
        self.int("adapt_connection_step", a.connection_step as i64);
        self.float("adapt_rate_step", a.rate_step);
        self.float("adapt_factor", a.factor);
        self.ms("adapt_quiet_ms", a.quiet);
        self.int("adapt_signals", a.signals as i64);
        self.int("adapt_min_messages_per_connection", a.min_messages_per_connection as i64);
        self.int("adapt_max_messages_per_connection", a.max_messages_per_connection as i64);
    }

    pub(crate) fn classification(&mut self, c: &Classification) {
        if let Some(cat) = c.category {
            self.str("category", cat.as_str());
        }
        match c.action {
            Action::Default => {}
            Action::Retry => self.str("action", "retry"),
            Action::Bounce => self.str("action", "bounce"),
        }
        let scope = match c.scope {
            Scope::None => "",
            Scope::Path => "path",
            Scope::Site => "site",
            Scope::Source => "source",
            Scope::Tenant => "tenant",
        };
        self.str("scope", scope);
        self.int("suspend", c.suspend as i64);
        self.float("rate_factor", c.rate_factor);
        self.int("max_connections", c.max_connections as i64);
        self.ms("duration_ms", c.duration);
        self.int("threshold", c.threshold as i64);
        self.ms("window_ms", c.window);
        let suppress = match c.suppress {
            Suppress::Default => "",
            Suppress::None => "none",
            Suppress::Tenant => "tenant",
            Suppress::Global => "global",
        };
        self.str("suppress", suppress);
        self.ms("suppress_for_ms", c.suppress_for);
    }
}
