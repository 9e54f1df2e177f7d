//! The hook runners behind the `policy!` macro: each builds the input
//! handle, calls the author's function and turns its answer into the
//! hook's return value (ABI.md section 3).

use crate::input::*;
use crate::output::Writer;
use crate::types::*;
use std::string::String;

/// Hook return values.
pub const DECIDED: i32 = 0;
pub const NO_OPINION: i32 = 1;
pub const FAULT: i32 = 2;

/// Writes a decision and returns the hook's answer: 0, or a fault when the
/// host refused a result (the host has then already faulted the call; the
/// log line says which result and why).
fn finish<T>(decision: Option<T>, write: impl FnOnce(&mut Writer, &T)) -> i32 {
    let d = match decision {
        None => return NO_OPINION,
        Some(d) => d,
    };
    let mut w = Writer::default();
    write(&mut w, &d);
    match w.refused {
        None => DECIDED,
        Some((key, status)) => {
            let mut msg = String::from("wasmta sdk: result ");
            msg.push_str(&key);
            msg.push_str(" refused by the host: ");
            msg.push_str(status.name());
            crate::log(crate::Level::Error, &msg);
            FAULT
        }
    }
}

pub fn mail_from(f: fn(&MailFromInput) -> Option<MailFromResult>) -> i32 {
    crate::panic::install();
    finish(f(&MailFromInput(())), |w, r| {
        w.reply(&r.reject);
        w.reception(&r.tenant, &r.campaign, &r.meta);
    })
}

pub fn rcpt(f: fn(&RcptInput) -> Option<RcptResult>) -> i32 {
    crate::panic::install();
    finish(f(&RcptInput(())), |w, r| w.reply(&r.reject))
}

pub fn message(f: fn(&MessageInput) -> Option<MessageResult>) -> i32 {
    crate::panic::install();
    finish(f(&MessageInput(())), |w, r| w.message(r))
}

pub fn route(f: fn(&RouteInput) -> Option<Route>) -> i32 {
    crate::panic::install();
    finish(f(&RouteInput(())), |w, r| w.route(r))
}

pub fn select_pool<S: AsRef<str>>(f: fn(&PoolInput) -> Option<S>) -> i32 {
    crate::panic::install();
    finish(f(&PoolInput(())), |w, p| w.str("pool", p.as_ref()))
}

pub fn shape(f: fn(&ShapeInput) -> Option<Shape>) -> i32 {
    crate::panic::install();
    finish(f(&ShapeInput(())), |w, s| w.shape(s))
}

pub fn classify(f: fn(&ClassifyInput) -> Option<Classification>) -> i32 {
    crate::panic::install();
    finish(f(&ClassifyInput(())), |w, c| w.classification(c))
}

/// Exports the ABI marker and one wasm export per listed hook, each
/// calling the named function:
///
/// ```ignore
/// wasmta::policy! {
///     route => my_route,          // fn(&RouteInput) -> Option<Route>
///     classify => my_classify,    // fn(&ClassifyInput) -> Option<Classification>
/// }
/// ```
///
/// Hooks: `on_mail_from`, `on_rcpt`, `on_message`, `route`, `select_pool`,
/// `shape`, `classify`. A hook not listed is not exported, so the host's
/// built-in default decides it without calling the module.
#[macro_export]
macro_rules! policy {
    ($($hook:ident => $f:path),+ $(,)?) => {
        #[export_name = "wasmta_abi_v1"]
        pub extern "C" fn __wasmta_abi_v1() {}
        $($crate::__wasmta_export!($hook, $f);)+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wasmta_export {
    (on_mail_from, $f:path) => {
        #[export_name = "on_mail_from"]
        pub extern "C" fn __wasmta_on_mail_from() -> i32 { $crate::hooks::mail_from($f) }
    };
    (on_rcpt, $f:path) => {
        #[export_name = "on_rcpt"]
        pub extern "C" fn __wasmta_on_rcpt() -> i32 { $crate::hooks::rcpt($f) }
    };
    (on_message, $f:path) => {
        #[export_name = "on_message"]
        pub extern "C" fn __wasmta_on_message() -> i32 { $crate::hooks::message($f) }
    };
    (route, $f:path) => {
        #[export_name = "route"]
        pub extern "C" fn __wasmta_route() -> i32 { $crate::hooks::route($f) }
    };
    (select_pool, $f:path) => {
        #[export_name = "select_pool"]
        pub extern "C" fn __wasmta_select_pool() -> i32 { $crate::hooks::select_pool($f) }
    };
    (shape, $f:path) => {
        #[export_name = "shape"]
        pub extern "C" fn __wasmta_shape() -> i32 { $crate::hooks::shape($f) }
    };
    (classify, $f:path) => {
        #[export_name = "classify"]
        pub extern "C" fn __wasmta_classify() -> i32 { $crate::hooks::classify($f) }
    };
}
