//! The scenarios, each a function from a server address to an [`Outcome`].

mod fanout;
mod history;
mod idle;
mod mix;
mod sends;
mod storm;

use std::str::FromStr;
use std::time::Duration;

pub(crate) use idle::{answering, open_all};

use crate::wire::Target;
use crate::Outcome;

/// What every scenario is given.
pub struct Run<'a> {
    pub base: &'a str,
    pub pid: Option<u32>,
    pub scale: Scale,
    /// Replaces the number of accounts that connect in `idle`, `storm` and `fanout`.
    pub connections: Option<usize>,
    pub target: Target,
    /// Where natter accounts are kept between runs (see [`crate::Options::accounts`]).
    pub accounts: Option<&'a std::path::Path>,
    /// How many load processes the idle scenario uses (see [`crate::Options::processes`]).
    pub processes: Option<usize>,
    /// This binary, to start load workers with.
    pub exe: &'a std::path::Path,
}

/// One kind of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Clients sending as fast as acks come back, each with a window of sends in flight.
    Sends,
    /// Clients reading the newest page of a room's history over REST, back to back.
    History,
    /// One sender at a fixed rate into a room whose every member is connected.
    Fanout,
    /// Many accounts each holding one idle WebSocket: memory per connection.
    Idle,
    /// Every member of a room connecting at once, then all dropping and resuming.
    Storm,
    /// Many rooms of Zipf-distributed sizes, everyone connected, typing, sending and reading.
    Mix,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::Sends,
        Scenario::History,
        Scenario::Fanout,
        Scenario::Idle,
        Scenario::Storm,
        Scenario::Mix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Sends => "sends",
            Scenario::History => "history",
            Scenario::Fanout => "fanout",
            Scenario::Idle => "idle",
            Scenario::Storm => "storm",
            Scenario::Mix => "mix",
        }
    }

    /// Whether the scenario can run against `target`: the WebSocket peers keep no history and
    /// have no resume; Matrix has no WebSocket.
    pub fn runs_on(self, target: Target) -> bool {
        match target {
            Target::Natter => true,
            Target::Peer(_) => matches!(self, Scenario::Sends | Scenario::Fanout | Scenario::Idle),
            Target::Matrix => matches!(self, Scenario::Sends | Scenario::History),
        }
    }

    pub async fn run(self, run: &Run<'_>) -> anyhow::Result<Outcome> {
        match self {
            Scenario::Sends => sends::run(run).await,
            Scenario::History => history::run(run).await,
            Scenario::Fanout => fanout::run(run).await,
            Scenario::Idle => idle::run(run).await,
            Scenario::Storm => storm::run(run).await,
            Scenario::Mix => mix::run(run).await,
        }
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!("no scenario {s:?}; there are {}", names.join(", "))
            })
    }
}

/// Small and short (`--quick`, a check that the tool works), or the published size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Quick,
    Full,
}

impl Scale {
    /// `quick` or `full`, whichever this is.
    fn pick<T>(self, quick: T, full: T) -> T {
        match self {
            Scale::Quick => quick,
            Scale::Full => full,
        }
    }

    fn duration(self) -> Duration {
        self.pick(Duration::from_secs(2), Duration::from_secs(10))
    }
}

/// The usual figures for things that came back timed: how many a second (`(many, one)` name
/// them: acks and ack, pages and page), the latency percentiles, and the server's CPU for each.
fn rate_figures(
    (many, one): (&str, &str),
    latencies: &mut [std::time::Duration],
    secs: f64,
    server: Option<&crate::measure::Usage>,
) -> Vec<(String, f64)> {
    use crate::measure::percentile_ms;
    let count = latencies.len() as f64;
    let mut figures = vec![
        (format!("{many}/s"), count / secs),
        ("p50 ms".to_owned(), percentile_ms(latencies, 0.5)),
        ("p99 ms".to_owned(), percentile_ms(latencies, 0.99)),
    ];
    if let Some(s) = server {
        figures.push((
            format!("server µs/{one}"),
            s.cpu_secs * 1e6 / count.max(1.0),
        ));
        figures.push((
            format!("server user µs/{one}"),
            s.user_secs * 1e6 / count.max(1.0),
        ));
    }
    figures
}

/// A unique prefix for one scenario's account names, so runs against one server do not clash.
fn prefix(scenario: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("b{scenario}{:x}_", nanos % 0xfffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_run_only_what_they_can_answer() {
        use crate::peer::Dialect;
        let ws = Target::Peer(Dialect::Ws);
        assert!(Scenario::Fanout.runs_on(ws) && Scenario::Idle.runs_on(ws));
        assert!(!Scenario::History.runs_on(ws) && !Scenario::Storm.runs_on(ws));
        assert!(Scenario::Sends.runs_on(Target::Matrix));
        assert!(!Scenario::Fanout.runs_on(Target::Matrix));
        assert!(Scenario::ALL.iter().all(|s| s.runs_on(Target::Natter)));
        assert_eq!("socketio".parse(), Ok(Target::Peer(Dialect::SocketIo)));
        assert!("irc".parse::<Target>().unwrap_err().contains("natter, ws"));
    }

    #[test]
    fn scenarios_are_named_on_the_command_line_by_their_names() {
        for scenario in Scenario::ALL {
            assert_eq!(scenario.name().parse::<Scenario>(), Ok(scenario));
        }
        let unknown = "tempest".parse::<Scenario>().unwrap_err();
        assert!(
            unknown.contains("sends, history, fanout, idle, storm, mix"),
            "{unknown}"
        );
    }
}
