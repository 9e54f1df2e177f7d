// The Rust example of docs/policies.md ("Other languages"), kept compiling
// and tested against policies/go/example/acme.cases.toml by
// e2e/conformance.
use core::time::Duration;
use wasmta::*;

/// Pools: newsletters out of acme-bulk, everything else acme-transactional.
fn select_pool(input: &PoolInput) -> Option<&'static str> {
    if input.tenant() != "acme" {
        return None; // no opinion: the built-in default decides
    }
    Some(if input.campaign().starts_with("news-") { "acme-bulk" } else { "acme-transactional" })
}

/// Refuse example.invalid at RCPT.
fn rcpt(input: &RcptInput) -> Option<RcptResult> {
    if !input.recipient().ends_with("@example.invalid") {
        return None;
    }
    Some(RcptResult::reject(Reply::new(550, "5.7.1", "acme does not send to example.invalid")))
}

/// Yahoo's [TSS04] suspends the path for an hour.
fn classify(input: &ClassifyInput) -> Option<Classification> {
    if !text::contains(&input.text(), "[TSS04]") {
        return None;
    }
    Some(Classification {
        category: Some(Category::RateLimited),
        action: Action::Retry,
        scope: Scope::Path,
        suspend: true,
        duration: Duration::from_secs(3600),
        ..Classification::default()
    })
}

wasmta::policy! {
    select_pool => select_pool,
    on_rcpt => rcpt,
    classify => classify,
}
