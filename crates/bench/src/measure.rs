//! What a process spent (CPU time and resident memory, from `/proc`) and latency percentiles.

use std::time::Duration;

use serde::Serialize;

/// The kernel's clock tick for `/proc/*/stat` times: `USER_HZ`, 100 on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

/// A process's CPU seconds (all, and in user space alone) and resident KiB at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub cpu_secs: f64,
    pub user_secs: f64,
    pub rss_kib: u64,
}

/// Reads `/proc/PID/stat` and `/proc/PID/status`; zeros where they cannot be read.
pub fn sample(pid: u32) -> Sample {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (user, system) = (field(11), field(12));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Sample {
        cpu_secs: (user + system) / TICKS_PER_SECOND,
        user_secs: user / TICKS_PER_SECOND,
        rss_kib,
    }
}

/// What the server spent during a scenario.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Usage {
    pub cpu_secs: f64,
    /// The part of `cpu_secs` spent in the server's own code, not the kernel's: on loopback
    /// the kernel's share includes the receiving side of every TCP segment.
    pub user_secs: f64,
    pub rss_start_mib: f64,
    pub rss_end_mib: f64,
}

pub fn usage(start: Sample, end: Sample) -> Usage {
    Usage {
        cpu_secs: end.cpu_secs - start.cpu_secs,
        user_secs: end.user_secs - start.user_secs,
        rss_start_mib: start.rss_kib as f64 / 1024.0,
        rss_end_mib: end.rss_kib as f64 / 1024.0,
    }
}

/// CPU and memory of the server (when its process id is known) and of this load generator,
/// from one moment on.
pub struct Meter {
    server: Option<(u32, Sample)>,
    /// The load generator's processes: this one, and any workers it started.
    load_pids: Vec<u32>,
    load: Sample,
}

impl Meter {
    pub fn start(server_pid: Option<u32>) -> Meter {
        let load_pids = vec![std::process::id()];
        Meter {
            server: server_pid.map(|pid| (pid, sample(pid))),
            load: sample_all(&load_pids),
            load_pids,
        }
    }

    /// Counts the load worker processes `pids` with this one, from now on.
    pub fn with_helpers(mut self, pids: Vec<u32>) -> Meter {
        self.load_pids.extend(pids);
        self.load = sample_all(&self.load_pids);
        self
    }

    /// What the server and the load generator spent since `start`.
    pub fn read(&self) -> (Option<Usage>, Usage) {
        let server = self.server.map(|(pid, start)| usage(start, sample(pid)));
        (server, usage(self.load, sample_all(&self.load_pids)))
    }
}

/// The sum of [`sample`] over `pids`.
fn sample_all(pids: &[u32]) -> Sample {
    pids.iter()
        .map(|&pid| sample(pid))
        .fold(Sample::default(), |a, b| Sample {
            cpu_secs: a.cpu_secs + b.cpu_secs,
            user_secs: a.user_secs + b.user_secs,
            rss_kib: a.rss_kib + b.rss_kib,
        })
}

/// The `q` quantile (0..=1) of `samples`, in milliseconds; 0 with no samples.
pub fn percentile_ms(samples: &mut [Duration], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_unstable();
    let rank = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&mut ms, 0.5), 50.0);
        assert_eq!(percentile_ms(&mut ms, 0.99), 99.0);
        assert_eq!(percentile_ms(&mut ms, 1.0), 100.0);
        assert_eq!(percentile_ms(&mut [], 0.5), 0.0);
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(sample(std::process::id()).rss_kib > 0);
    }
}
