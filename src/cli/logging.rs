//! Logging on stderr: `-v` info, `-vv` debug, `-vvv` trace, or `RUST_LOG` — with the SDK's and
//! the HTTP stack's own logs capped below the levels where they print requests, headers,
//! signatures or bodies, whatever was asked. At trace level the SDK logs every request with its
//! `x-amz-security-token` header, sigv4 its canonical request, and the HTTP crates their
//! frames: a `-vvv` run in CI would otherwise put the session token in the job log.

use tracing::Level;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Targets (crate prefixes) and the most verbose level they may log at. Debug is safe for the
/// SDK (identities and credentials print redacted there); the transport crates stay at info.
const CAPS: &[(&str, Level)] = &[
    ("aws_sigv4", Level::DEBUG),
    ("aws_smithy_", Level::DEBUG),
    ("aws_config", Level::DEBUG),
    ("aws_runtime", Level::DEBUG),
    ("aws_credential_types", Level::DEBUG),
    ("aws_sdk_", Level::DEBUG),
    ("hyper", Level::INFO),
    ("h2", Level::INFO),
    ("rustls", Level::INFO),
    ("tokio_rustls", Level::INFO),
    ("hyper_rustls", Level::INFO),
    ("aws_lc_rs", Level::INFO),
];

/// The SDK switches that make it print request and response bodies (secrets included).
pub const SENSITIVE_SWITCHES: &[&str] = &["LOG_SENSITIVE_BODIES", "LOG_SIGNABLE_BODY"];

/// Whether an event of `target` at `level` may be logged at all.
pub fn allowed(target: &str, level: &Level) -> bool {
    match CAPS.iter().find(|(prefix, _)| target.starts_with(prefix)) {
        // Levels order from ERROR (least verbose) to TRACE (most).
        Some((_, cap)) => level <= cap,
        None => true,
    }
}

/// Refuses the SDK's body-logging switches: they would print generated passwords in requests.
pub fn refuse_sensitive_switches() -> Result<(), String> {
    let set: Vec<&str> = SENSITIVE_SWITCHES.iter().copied().filter(|v| std::env::var_os(v).is_some()).collect();
    if set.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} is set: the AWS SDK would log request and response bodies, and with them the passwords and tokens platformctl generates\n  hint: unset it; `-vvv` shows every call platformctl makes without the bodies",
        set.join(" and ")
    ))
}

pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "platformctl=info,warn",
        2 => "platformctl=debug,info",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(filter_fn(|meta| allowed(meta.target(), meta.level())));
    let _ = tracing_subscriber::registry().with(filter).with(output).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_and_transport_logs_are_capped_and_ours_are_not() {
        assert!(!allowed("aws_smithy_runtime::client::orchestrator", &Level::TRACE));
        assert!(allowed("aws_smithy_runtime::client::orchestrator", &Level::DEBUG));
        assert!(!allowed("aws_sigv4::http_request::sign", &Level::TRACE));
        assert!(!allowed("hyper_util::client::legacy::pool", &Level::DEBUG));
        assert!(!allowed("h2::codec::framed_write", &Level::DEBUG));
        assert!(!allowed("rustls::client::hs", &Level::DEBUG));
        assert!(allowed("rustls::client::hs", &Level::WARN));
        assert!(allowed("platformctl::engine::apply", &Level::TRACE));
        assert!(allowed("platformctl_aws::registry", &Level::TRACE));
    }
}
