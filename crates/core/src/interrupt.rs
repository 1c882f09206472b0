//! Ctrl-C (SIGINT) and SIGTERM, seen the same way everywhere. The handler is installed once, at
//! start-up, before any lock is taken: from then on they no longer kill the process, they raise
//! a flag that every stage checks (`happened`) or waits for (`wait`) — waits for AWS included,
//! so an interrupted apply saves its state and releases its lock within seconds (a CI runner
//! sends SIGKILL a few seconds after its SIGTERM). So a Ctrl-C that lands while a state lock is
//! being taken still ends in a released lock, and one that lands before an apply starts is not
//! missed by it.
//!
//! A second signal exits at once (status 130). That loses nothing: the state is written after
//! every step, each write atomic, and a create in flight is recorded as pending with the token
//! that lets the next run find it. Only an S3 lock cannot be released that fast: the message
//! says how to clear it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static NOTIFY: OnceLock<Notify> = OnceLock::new();
/// `force-unlock` hint for the S3 lock this process holds, if any.
static HELD_LOCK: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Remembers (or forgets) the S3 lock this process holds, for the second Ctrl-C's message.
pub fn holding_remote_lock(hint: Option<String>) {
    *HELD_LOCK.lock().unwrap_or_else(|e| e.into_inner()) = hint;
}

fn notify() -> &'static Notify {
    NOTIFY.get_or_init(Notify::new)
}

/// Installs the handler; call inside the runtime, before anything else.
pub fn install() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registered here, synchronously: no window in which SIGINT still kills the process.
        // SIGTERM is the same request: a cancelled CI job sends SIGINT, then SIGTERM, then
        // SIGKILL seconds later, and a `kill` or a container stop sends SIGTERM alone.
        for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
            if let Ok(mut signals) = signal(kind) {
                tokio::spawn(async move {
                    while signals.recv().await.is_some() {
                        raise();
                    }
                });
            }
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            raise();
        }
    });
}

fn raise() {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        let lock = HELD_LOCK.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut message = String::from(
            "\ninterrupted again: exiting now. The state records every step that finished (creates in flight as pending, found again by the next run); run the command again to continue.",
        );
        if let Some(hint) = lock {
            message.push_str(&format!("\nThe S3 state lock stays held: {hint}"));
        }
        eprintln!("{message}");
        std::process::exit(130);
    }
    eprintln!(
        "\ninterrupted: starting nothing new, finishing the AWS calls in flight (not the waits), then saving the state and releasing the lock (interrupt again to exit at once)"
    );
    notify().notify_waiters();
}

/// Whether Ctrl-C was pressed since start-up.
pub fn happened() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Resolves once Ctrl-C has been pressed (at once if it already was).
pub async fn wait() {
    loop {
        let notified = notify().notified();
        if happened() {
            return;
        }
        notified.await;
    }
}
