//! Progress on stderr while apply runs: a line when an operation starts and ends, and for
//! resources AWS takes a while to bring up or down (NAT gateways), a line with the elapsed
//! time — a live spinner on a terminal, a line every 15 seconds otherwise (CI logs).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
}

/// One resource being waited on.
pub struct Waiting {
    bar: Option<ProgressBar>,
    what: String,
    started: Instant,
    last_line: Instant,
}

const PLAIN_INTERVAL: Duration = Duration::from_secs(15);

impl Progress {
    pub fn new() -> Self {
        let bars =
            std::io::stderr().is_terminal().then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { bars }
    }

    /// A line that stays, above any spinners.
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(b) => {
                let _ = b.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    pub fn waiting(&self, what: String) -> Waiting {
        let bar = self.bars.as_ref().map(|b| {
            let bar = b.add(ProgressBar::new_spinner());
            bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
            bar.set_message(what.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        if bar.is_none() {
            eprintln!("{what}...");
        }
        Waiting { bar, what, started: Instant::now(), last_line: Instant::now() }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Waiting {
    /// Called on every poll; prints a plain line now and then when there is no terminal.
    pub fn tick(&mut self) {
        if self.bar.is_none() && self.last_line.elapsed() >= PLAIN_INTERVAL {
            eprintln!("{}... ({}s elapsed)", self.what, self.started.elapsed().as_secs());
            self.last_line = Instant::now();
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
