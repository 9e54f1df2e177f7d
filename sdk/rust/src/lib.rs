//! Rust SDK for wasmta policy modules (ABI v1; the contract is
//! `hostabi/ABI.md` in the wasmta repository).
//!
//! A policy is a `cdylib` for `wasm32-unknown-unknown` with one function
//! per hook it decides, exported with [`policy!`]:
//!
//! ```ignore
//! use wasmta::*;
//!
//! fn route(input: &RouteInput) -> Option<Route> {
//!     if input.tenant() == "acme" {
//!         return Some(Route::host("relay.example.net:2525"));
//!     }
//!     None // no opinion: the built-in default decides
//! }
//!
//! wasmta::policy! { route => route }
//! ```
//!
//! Build (no crates from a registry are needed):
//!
//! ```text
//! rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib -O \
//!     --crate-name wasmta sdk/rust/src/lib.rs -o libwasmta.rlib
//! rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -O \
//!     -C strip=symbols --extern wasmta=libwasmta.rlib policy.rs -o policy.wasm
//! ```
//!
//! or `cargo build --release --target wasm32-unknown-unknown` with
//! `wasmta = { path = ".../sdk/rust" }` in Cargo.toml.
//!
//! The crate owns the guest side of the ABI: the marker and hook exports,
//! the host imports ([`sys`]), inputs read lazily (each accessor is one
//! host call, so a hook pays only for what it reads), decisions written as
//! result keys (zero fields are not sent), and a panic hook that logs the
//! panic before the trap. The author never sees a pointer or a status code
//! unless they use [`sys`] or [`input`] directly. It has no dependencies
//! and never touches a file, a socket or the environment.

mod alloc;
pub mod hooks;
pub mod input;
pub mod output;
mod panic;
pub mod sys;
pub mod text;
mod types;

pub use input::{ClassifyInput, MailFromInput, MessageInput, Peer, PoolInput, RcptInput, RouteInput, ShapeInput};
pub use input::lookup;
pub use types::*;

/// The crate's allocator serves every policy built with it (a policy
/// crate must not declare another `#[global_allocator]`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator::new();

/// Log levels of ABI.md section 2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

/// Writes one line to the host log (tenant, hook and module version are
/// attached by the host). Lines past 4096 bytes are truncated and at most
/// 64 lines per call are kept.
pub fn log(level: Level, msg: &str) {
    unsafe {
        sys::log(level as i32, msg.as_ptr(), msg.len());
    }
}
