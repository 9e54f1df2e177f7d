//! A policy that panics, for the fault tests (e2e/conformance): route
//! panics for the domain panic.example, classify indexes out of bounds when
//! the text mentions "panic". Everything else: no opinion. A panic ends in
//! `unreachable`, so the host faults the call and the default decides.

use wasmta::*;

fn route(input: &RouteInput) -> Option<Route> {
    if input.domain() == "panic.example" {
        panic!("policy panic");
    }
    None
}

fn classify(input: &ClassifyInput) -> Option<Classification> {
    let text = input.text();
    if text.contains("panic") {
        let empty: [Category; 0] = [];
        let i = text.len(); // never a valid index of an empty array
        return Some(Classification { category: Some(empty[i % (i + 1)]), ..Classification::default() });
    }
    None
}

wasmta::policy! {
    route => route,
    classify => classify,
}
