//! Fault injection for the tests of what must survive a bug or a broken disk: in debug builds
//! only, `PLATFORMCTL_FAIL_POINT=<point>:<address>` makes one operation of an apply misbehave.
//! Release builds compile it to nothing. Points:
//! - `panic`: the operation on `<address>` panics before its AWS call;
//! - `lose-state`: once the operation on `<address>` is done in AWS, saving the state fails.

use platformctl_core::resource::Address;

#[cfg(debug_assertions)]
pub fn hit(point: &str, address: &Address) -> bool {
    std::env::var("PLATFORMCTL_FAIL_POINT")
        .ok()
        .and_then(|v| v.split_once(':').map(|(p, a)| p == point && a == address.as_str()))
        .unwrap_or(false)
}

#[cfg(not(debug_assertions))]
pub fn hit(_point: &str, _address: &Address) -> bool {
    false
}
