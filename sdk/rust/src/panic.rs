//! Panics end in `unreachable` on wasm32-unknown-unknown, which the host
//! reports as `trap: wasm error: unreachable`. The hook installed here
//! first writes the panic message and location to the host log at error
//! level, so the PolicyFault can be traced to a line of the policy.

use std::boxed::Box;
use std::string::ToString;

static mut INSTALLED: bool = false;

/// Installs the logging panic hook once per instance.
pub(crate) fn install() {
    // One call at a time per instance and no threads: a plain flag is enough.
    unsafe {
        if INSTALLED {
            return;
        }
        INSTALLED = true;
    }
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        crate::log(crate::Level::Error, &msg);
    }));
}
