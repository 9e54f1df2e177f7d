//! The Rust build of the cross-language reference policy: the rules of
//! testdata/conformance/README.md, checked by testdata/conformance/cases.toml.
//! Keep it a literal reading of the README.

use core::time::Duration;
use wasmta::*;

/// Rule 1: refuse recipients of blocked.example (domain after the last @,
/// ASCII-lowercased).
fn rcpt(input: &RcptInput) -> Option<RcptResult> {
    let recipient = input.recipient();
    let domain = match recipient.rfind('@') {
        Some(at) => &recipient[at + 1..],
        None => &recipient[..],
    };
    if !domain.eq_ignore_ascii_case("blocked.example") {
        return None;
    }
    Some(RcptResult::reject(Reply::new(550, "5.7.1", "recipient domain blocked by policy")))
}

/// Rule 2: tenant acme goes through its smart host; other tenants through
/// the smart host the table smart_hosts names for the domain.
fn route(input: &RouteInput) -> Option<Route> {
    if input.tenant() == "acme" {
        return Some(Route::host("smtp.acme-relay.example:2525"));
    }
    // ABI v1.4: the domain's smart host from the table smart_hosts.
    wasmta::lookup("smart_hosts", &input.domain()).map(|host| Route::host(&host))
}

/// Rule 3: a tenant or campaign with a bad reputation goes to quarantine,
/// then bulk campaigns, then acme's own pool, or its backup pool when
/// acme's complaints through its own pool passed 0.1% (ABI v1.7).
fn select_pool(input: &PoolInput) -> Option<&'static str> {
    if input.reputation("tenant.1h.complaint_rate_ppm") > 1000
        || input.reputation("campaign.24h.bounce_rate_ppm") >= 50000
    {
        return Some("quarantine");
    }
    if input.campaign().starts_with("bulk-") {
        return Some("bulk");
    }
    if input.tenant() == "acme" {
        if input.pool_reputation("acme-pool", "1h.complaint_rate_ppm") > 1000 {
            return Some("acme-backup");
        }
        return Some("acme-pool");
    }
    None
}

/// Rule 4: Google-hosted sites.
fn shape(input: &ShapeInput) -> Option<Shape> {
    if !input.mx_hosts().iter().any(|mx| mx.ends_with(".google.com")) {
        return None;
    }
    Some(Shape {
        max_connections: 5,
        messages_per_second: 2.5,
        messages_per_connection: 50,
        tls: Some(Tls::Required),
        tls_policy: TlsPolicy::Enforce,
        retry_initial: Duration::from_secs(600),
        adapt: Adaptation {
            max_connections: 20,
            factor: 0.5,
            signals: SIGNAL_RATE_LIMITED | SIGNAL_REFUSED,
            min_messages_per_connection: 10,
            max_messages_per_connection: 100,
            ..Adaptation::default()
        },
        ..Shape::default()
    })
}

/// Rule 5: four classification rules, in order.
fn classify(input: &ClassifyInput) -> Option<Classification> {
    // wasmta::text::contains: str::contains with fewer loop iterations.
    if text::contains(&input.text(), "[TSS04]") {
        return Some(Classification {
            category: Some(Category::RateLimited),
            action: Action::Retry,
            scope: Scope::Path,
            suspend: true,
            duration: Duration::from_secs(3600),
            ..Classification::default()
        });
    }
    let enhanced = input.enhanced();
    if input.code() == 421 && enhanced == "4.7.28" {
        return Some(Classification {
            category: Some(Category::RateLimited),
            scope: Scope::Path,
            rate_factor: 0.5,
            duration: Duration::from_secs(1800),
            threshold: 5,
            window: Duration::from_secs(60),
            ..Classification::default()
        });
    }
    if enhanced == "5.1.1" {
        return Some(Classification {
            category: Some(Category::InvalidRecipient),
            action: Action::Bounce,
            suppress: Suppress::Global,
            suppress_for: Duration::from_secs(30 * 24 * 3600),
            ..Classification::default()
        });
    }
    if enhanced == "5.7.10" {
        return Some(Classification {
            category: Some(Category::TLSFailure),
            action: Action::Retry,
            ..Classification::default()
        });
    }
    None
}

wasmta::policy! {
    on_rcpt => rcpt,
    route => route,
    select_pool => select_pool,
    shape => shape,
    classify => classify,
}
