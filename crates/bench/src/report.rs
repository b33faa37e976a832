//! The results as text: one line per scenario.

use crate::Outcome;

/// `scenario  setup  name value, ...  lost N  server: CPU s, RSS a → b MiB  load: CPU s`.
pub fn row(o: &Outcome) -> String {
    let figures: Vec<String> = o
        .figures
        .iter()
        .map(|(name, value)| format!("{name} {}", round(*value)))
        .collect();
    let server = match &o.server {
        Some(s) => format!(
            "  server: {} CPU s, RSS {} → {} MiB",
            round(s.cpu_secs),
            round(s.rss_start_mib),
            round(s.rss_end_mib)
        ),
        None => String::new(),
    };
    format!(
        "{:<8} {}\n         {}  lost {}{server}  load: {} CPU s",
        o.scenario,
        o.setup,
        figures.join(", "),
        o.lost,
        round(o.load.cpu_secs)
    )
}

/// Three significant digits or so, without trailing noise.
fn round(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
