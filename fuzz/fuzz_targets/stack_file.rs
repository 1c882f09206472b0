//! Any bytes as a stack file: parsing and validation must return a value or diagnostics, never
//! panic. The modules are platformctl's own (../src), compiled here without the AWS SDK.

#![no_main]
#![allow(dead_code, unused_imports)]

#[path = "../../src/diagnostics.rs"]
mod diagnostics;
#[path = "../../src/model/mod.rs"]
mod model;
#[path = "../../src/spec/mod.rs"]
mod spec;

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(loaded) = spec::parse_str(Path::new("fuzz.yaml"), &text) {
        if let Err(diagnostics) = model::validate(&loaded) {
            let _ = diagnostics.render();
        }
    }
});
