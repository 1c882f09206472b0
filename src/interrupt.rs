//! Ctrl-C, seen the same way everywhere. The handler is installed once, at start-up, before any
//! lock is taken: from then on SIGINT no longer kills the process, it raises a flag that every
//! stage checks (`happened`) or waits for (`wait`). So a Ctrl-C that lands while a state lock is
//! being taken still ends in a released lock, and one that lands before an apply starts is not
//! missed by it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static NOTIFY: OnceLock<Notify> = OnceLock::new();

fn notify() -> &'static Notify {
    NOTIFY.get_or_init(Notify::new)
}

/// Installs the handler; call inside the runtime, before anything else.
pub fn install() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registered here, synchronously: no window in which SIGINT still kills the process.
        if let Ok(mut sigint) = signal(SignalKind::interrupt()) {
            tokio::spawn(async move {
                while sigint.recv().await.is_some() {
                    raise();
                }
            });
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
    INTERRUPTED.store(true, Ordering::SeqCst);
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
