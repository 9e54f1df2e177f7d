//! Reading the inputs of a call. Every typed input is a zero-sized handle
//! whose accessors ask the host when they are called, so a hook pays only
//! for the inputs it reads (each read is one host call).

use crate::sys::{self, Status};
use std::string::String;
use std::vec::Vec;

/// Values up to this many bytes are read in one host call; longer ones
/// take a second call with a buffer of the exact size.
const FIRST_TRY: usize = 256;

/// Reads the string input `key`.
pub fn string(key: &str) -> Result<String, Status> {
    read(|buf, cap| unsafe { sys::get(key.as_ptr(), key.len(), buf, cap) })
}

/// Reads the int input `key` (every int input is `>= 0`).
pub fn int(key: &str) -> Result<i64, Status> {
    let v = unsafe { sys::get_i64(key.as_ptr(), key.len()) };
    if v < 0 {
        return Err(Status(v as i32));
    }
    Ok(v)
}

/// Returns the number of items of the list input `key`.
pub fn count(key: &str) -> Result<usize, Status> {
    let n = unsafe { sys::count(key.as_ptr(), key.len()) };
    if n < 0 {
        return Err(Status(n));
    }
    Ok(n as usize)
}

/// Reads item `index` of the list input `key`.
pub fn item(key: &str, index: usize) -> Result<String, Status> {
    read(|buf, cap| unsafe { sys::get_at(key.as_ptr(), key.len(), index as i32, buf, cap) })
}

/// Reads every item of the list input `key`.
pub fn list(key: &str) -> Result<Vec<String>, Status> {
    let n = count(key)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(item(key, i)?);
    }
    Ok(out)
}

/// Returns the value of `key` in the data table `table` (ABI v1.4): the
/// calling tenant's table of that name, else the global one; built-in
/// tables start with `@`. `None` when the table or the key does not exist.
/// At most 64 lookups and 1 MiB of values per call (past them the host
/// faults the call).
pub fn lookup(table: &str, key: &str) -> Option<String> {
    read(|buf, cap| unsafe { sys::lookup(table.as_ptr(), table.len(), key.as_ptr(), key.len(), buf, cap) }).ok()
}

/// Runs a `get`-like host call straight into the String's buffer (no
/// copy: the host stops runaway guests with a check at every loop
/// iteration, which makes a byte-copying loop costly), again with the full
/// length when the value did not fit.
fn read(call: impl Fn(*mut u8, usize) -> i32) -> Result<String, Status> {
    let mut buf: Vec<u8> = Vec::with_capacity(FIRST_TRY);
    let n = call(buf.as_mut_ptr(), FIRST_TRY);
    if n < 0 {
        return Err(Status(n));
    }
    let mut n = n as usize;
    if n > FIRST_TRY {
        buf = Vec::with_capacity(n);
        let m = call(buf.as_mut_ptr(), n);
        if m < 0 {
            return Err(Status(m));
        }
        n = n.min(m as usize);
    }
    // The host wrote n initialised bytes (never more than the capacity).
    unsafe { buf.set_len(n) };
    Ok(text(buf))
}

/// Turns input bytes into a String; SMTP texts may hold bytes that are not
/// UTF-8, which become U+FFFD rather than an error.
fn text(b: Vec<u8>) -> String {
    match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// A string key that every hook listing it has: absent only on an SDK/host
/// mismatch, which reads as "".
fn present(key: &str) -> String {
    string(key).unwrap_or_default()
}

/// The SMTP client (or HTTP injector) of a reception hook.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peer {
    /// `ip:port` (`[v6]:port` for IPv6).
    pub addr: String,
    /// The IP without the port.
    pub ip: String,
    /// The HELO/EHLO name, "" for HTTP.
    pub helo: String,
    /// The authenticated user, "" when not authenticated.
    pub auth_user: String,
    /// The session uses TLS.
    pub tls: bool,
}

macro_rules! accessors {
    ($($(#[$doc:meta])* $name:ident => $key:literal;)*) => {
        $($(#[$doc])* pub fn $name(&self) -> String { present($key) })*
    };
}

/// Reads the peer keys shared by the reception hooks.
fn peer() -> Peer {
    Peer {
        addr: present("peer.addr"),
        ip: present("peer.ip"),
        helo: present("peer.helo"),
        auth_user: present("peer.auth_user"),
        tls: int("peer.tls").unwrap_or(0) == 1,
    }
}

/// Input of `on_mail_from`.
pub struct MailFromInput(pub(crate) ());

impl MailFromInput {
    /// The SMTP client (five host calls).
    pub fn peer(&self) -> Peer {
        peer()
    }
    accessors! {
        /// The tenant so far ("" when unknown).
        tenant => "tenant";
        /// The envelope sender, "" for the null sender.
        sender => "sender";
    }
}

/// Input of `on_rcpt`.
pub struct RcptInput(pub(crate) ());

impl RcptInput {
    /// The SMTP client (five host calls).
    pub fn peer(&self) -> Peer {
        peer()
    }
    accessors! {
        /// The tenant so far.
        tenant => "tenant";
        /// The campaign so far.
        campaign => "campaign";
        /// The envelope sender.
        sender => "sender";
        /// The RCPT TO address being decided.
        recipient => "recipient";
    }
}

/// Input of `on_message`, once the whole message is received.
pub struct MessageInput(pub(crate) ());

impl MessageInput {
    /// The SMTP client (five host calls).
    pub fn peer(&self) -> Peer {
        peer()
    }
    /// How the tenant's mail is doing (ABI v1.3), one host call:
    /// `name` is `SCOPE.WINDOW.NAME` with SCOPE `tenant` or `campaign`,
    /// WINDOW `1h` or `24h`, NAME `deliveries`, `bounces`, `hard_bounces`,
    /// `oob_bounces`, `complaints`, `complaint_rate_ppm` or
    /// `bounce_rate_ppm` (`input.reputation("tenant.1h.complaint_rate_ppm")`).
    pub fn reputation(&self, name: &str) -> i64 {
        reputation(name)
    }
    accessors! {
        /// The tenant so far.
        tenant => "tenant";
        /// The campaign so far.
        campaign => "campaign";
        /// The envelope sender.
        sender => "sender";
        /// The raw header block, CRLF line endings, without the blank line.
        header => "header";
    }
    /// The accepted recipients, in order.
    pub fn recipients(&self) -> Vec<String> {
        list("recipients").unwrap_or_default()
    }
    /// The message size in bytes.
    pub fn size(&self) -> i64 {
        int("size").unwrap_or(0)
    }
    /// The first header field named `name` (case-insensitive), unfolded.
    pub fn header_field(&self, name: &str) -> Option<String> {
        family("header.", name)
    }
    /// The names of the message metadata, sorted.
    pub fn meta_names(&self) -> Vec<String> {
        list("meta").unwrap_or_default()
    }
    /// The metadata value `name`.
    pub fn meta(&self, name: &str) -> Option<String> {
        family("meta.", name)
    }
}

/// Input of `route`. The decision is cached per module version: it must
/// depend only on these inputs.
pub struct RouteInput(pub(crate) ());

impl RouteInput {
    accessors! {
        /// The message tenant ("" = none).
        tenant => "tenant";
        /// The message campaign ("" = none).
        campaign => "campaign";
        /// The recipient domain, lowercase.
        domain => "domain";
    }
}

/// Input of `select_pool`.
pub struct PoolInput(pub(crate) ());

impl PoolInput {
    accessors! {
        /// The message tenant.
        tenant => "tenant";
        /// The message campaign.
        campaign => "campaign";
        /// The recipient domain.
        domain => "domain";
        /// The destination site (the MX host set of the domain).
        site => "site";
    }
    /// How the tenant's mail is doing (ABI v1.3), one host call:
    /// `name` is `SCOPE.WINDOW.NAME` with SCOPE `tenant`, `campaign` or
    /// (ABI v1.7) `pool.POOL` for a pool of `pools()`, WINDOW `1h` or
    /// `24h`, NAME `deliveries`, `bounces`, `hard_bounces`,
    /// `oob_bounces`, `complaints`, `complaint_rate_ppm` or
    /// `bounce_rate_ppm` (`input.reputation("tenant.1h.complaint_rate_ppm")`).
    /// 0 when the host does not have it.
    pub fn reputation(&self, name: &str) -> i64 {
        reputation(name)
    }
    /// The candidate pools: every configured pool, in name order (ABI
    /// v1.7; empty on an older host).
    pub fn pools(&self) -> Vec<String> {
        list("pools").unwrap_or_default()
    }
    /// How the tenant's mail through `pool` is doing (ABI v1.7): `name`
    /// is `WINDOW.NAME` as for `reputation`
    /// (`input.pool_reputation("bulk", "1h.complaint_rate_ppm")`); 0 for a
    /// pool that is not a candidate, or on an older host.
    pub fn pool_reputation(&self, pool: &str, name: &str) -> i64 {
        let mut key = String::with_capacity(5 + pool.len() + 1 + name.len());
        key.push_str("pool.");
        key.push_str(pool);
        key.push('.');
        key.push_str(name);
        reputation(&key)
    }
    /// The names of the message metadata, sorted.
    pub fn meta_names(&self) -> Vec<String> {
        list("meta").unwrap_or_default()
    }
    /// The metadata value `name`.
    pub fn meta(&self, name: &str) -> Option<String> {
        family("meta.", name)
    }
}

/// Input of `shape`: one egress path (source, site).
pub struct ShapeInput(pub(crate) ());

impl ShapeInput {
    accessors! {
        /// The egress source name.
        source => "source";
        /// The pool the source was picked from.
        pool => "pool";
        /// The destination site name.
        site => "site";
        /// One recipient domain of the site.
        domain => "domain";
        /// `gmail`, `yahoo`, `microsoft`, `apple`, ... when known, else "".
        provider => "provider";
    }
    /// The site's MX host names, lowercase, in preference order.
    pub fn mx_hosts(&self) -> Vec<String> {
        list("mx_hosts").unwrap_or_default()
    }
}

/// Input of `classify`: one non-2xx response or connection failure. The
/// decision is cached per module version: it must depend only on these.
pub struct ClassifyInput(pub(crate) ());

impl ClassifyInput {
    accessors! {
        /// The message tenant, "" for path-level failures.
        tenant => "tenant";
        /// The destination site.
        site => "site";
        /// The recipient domain.
        domain => "domain";
        /// The egress source.
        source => "source";
        /// `connect`, `ehlo`, `starttls`, `mail`, `rcpt` or `data`.
        stage => "stage";
        /// The enhanced status code (e.g. `4.7.28`), "" when absent.
        enhanced => "enhanced";
        /// The reply text (lines joined with `\n`), or the connection error.
        text => "text";
    }
    /// The SMTP reply code; 0 for a connection failure.
    pub fn code(&self) -> u16 {
        int("code").unwrap_or(0) as u16
    }
}

/// Reads `prefix + name` (the `meta.NAME` and `header.NAME` families).
/// A reputation count or rate (ABI v1.3): `name` is `SCOPE.WINDOW.NAME`
/// (`tenant.1h.complaint_rate_ppm`); 0 when the host has no such key (a
/// host older than v1.3).
fn reputation(name: &str) -> i64 {
    let mut key = String::with_capacity(11 + name.len());
    key.push_str("reputation.");
    key.push_str(name);
    int(&key).unwrap_or(0)
}

fn family(prefix: &str, name: &str) -> Option<String> {
    let mut key = String::with_capacity(prefix.len() + name.len());
    key.push_str(prefix);
    key.push_str(name);
    string(&key).ok()
}
