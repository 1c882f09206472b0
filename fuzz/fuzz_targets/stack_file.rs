//! Any bytes as a stack file: parsing and validation must return a value or diagnostics, never
//! panic.

#![no_main]

use std::path::Path;

use platformctl_core::{model, spec};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(loaded) = spec::parse_str(Path::new("fuzz.yaml"), &text)
        && let Err(diagnostics) = model::validate(&loaded)
    {
        let _ = diagnostics.render();
    }
});
