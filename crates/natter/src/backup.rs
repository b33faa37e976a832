//! Backups: a consistent copy of a running server's data (the database through SQLite's online
//! backup API, then the files it refers to), a restore onto a stopped server's data dir, an
//! integrity check of either, and backups on a schedule that keep the last N.
//!
//! A backup directory holds `natter.db`, `files/` (the blobs, laid out as in the data dir) and
//! `device.key`. It is itself a valid data directory: `natter serve --data-dir BACKUP` runs it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use natter_store_sqlite::{backup_database, lock_exclusive, verify_database, Verified};

const DB: &str = "natter.db";
const FILES: &str = "files";
const DEVICE_KEY: &str = "device.key";

/// What a backup holds.
#[derive(Debug)]
pub struct Summary {
    pub verified: Verified,
    /// Files the database refers to that were deleted between the snapshot and the copy
    /// (their messages were deleted after the snapshot was taken).
    pub missing_blobs: Vec<String>,
}

/// Copies the data in `data_dir` to the new directory `dest`, while the server may be running.
/// Every message committed before the call began is in the copy.
pub fn backup(data_dir: &Path, dest: &Path) -> anyhow::Result<Summary> {
    let db = data_dir.join(DB);
    if !db.is_file() {
        bail!("no natter database at {}", db.display());
    }
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        bail!(
            "{} exists and is not empty: back up into a new directory",
            dest.display()
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    // The snapshot first: files are never changed once written, so copying them afterwards
    // gets every file the snapshot refers to (except any deleted in the meantime).
    backup_database(&db, &dest.join(DB)).context("copying the database")?;
    copy_tree(&data_dir.join(FILES), &dest.join(FILES)).context("copying the files")?;
    let key = data_dir.join(DEVICE_KEY);
    if key.is_file() {
        std::fs::copy(&key, dest.join(DEVICE_KEY)).context("copying the device key")?;
    }
    let (verified, missing_blobs) = check(dest)?;
    if !verified.problems.is_empty() {
        bail!(
            "the copy failed its check: {}",
            verified.problems.join("; ")
        );
    }
    Ok(Summary {
        verified,
        missing_blobs,
    })
}

/// Checks a data dir or a backup: the database's integrity, and that every file it refers to
/// is there.
pub fn verify(dir: &Path) -> anyhow::Result<Summary> {
    let db = dir.join(DB);
    let in_use = db.is_file() && lock_exclusive(&db)?.is_none();
    if !in_use {
        let (verified, missing_blobs) = check(dir)?;
        return Ok(Summary {
            verified,
            missing_blobs,
        });
    }
    // A database in use is checked through a snapshot: the full-text check takes the write
    // lock for as long as it runs, which would hold up the server's commits.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let snapshot =
        std::env::temp_dir().join(format!("natter-verify-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&snapshot)?;
    let checked = backup_database(&db, &snapshot.join(DB))
        .context("taking a snapshot to check")
        .and_then(|()| verify_database(&snapshot.join(DB)).context("checking the database"));
    let _ = std::fs::remove_dir_all(&snapshot);
    let verified = checked?;
    let missing_blobs = missing(dir, &verified);
    Ok(Summary {
        verified,
        missing_blobs,
    })
}

/// The files `verified` refers to that `dir` lacks.
fn missing(dir: &Path, verified: &Verified) -> Vec<String> {
    verified
        .blobs
        .iter()
        .filter(|key| !blob_path(&dir.join(FILES), key).is_file())
        .cloned()
        .collect()
}

fn check(dir: &Path) -> anyhow::Result<(Verified, Vec<String>)> {
    let verified = verify_database(&dir.join(DB)).context("checking the database")?;
    let missing = missing(dir, &verified);
    Ok((verified, missing))
}

/// Where the blob store keeps `key` (see `FsBlobs`): a two-character fan-out directory.
fn blob_path(root: &Path, key: &str) -> PathBuf {
    root.join(key.get(..2).unwrap_or(key)).join(key)
}

/// Replaces the data in `data_dir` (of a stopped server) with the backup in `from`. What was
/// there is moved aside into `data_dir/before-restore-<time>/`, not deleted.
pub fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<PathBuf> {
    let (verified, missing) = check(from).context("checking the backup")?;
    if !verified.problems.is_empty() {
        bail!("the backup is damaged: {}", verified.problems.join("; "));
    }
    if !missing.is_empty() {
        tracing::warn!(
            count = missing.len(),
            "the backup lacks some files its messages refer to"
        );
    }
    std::fs::create_dir_all(data_dir)?;
    let db = data_dir.join(DB);
    let _lock = lock_exclusive(&db)?.with_context(|| {
        format!(
            "{} is in use: stop the server (and any natter admin) before restoring",
            db.display()
        )
    })?;
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let aside = data_dir.join(format!("before-restore-{stamp}"));
    std::fs::create_dir_all(&aside)?;
    for name in [DB, "natter.db-wal", "natter.db-shm", FILES, DEVICE_KEY] {
        let path = data_dir.join(name);
        if path.exists() {
            std::fs::rename(&path, aside.join(name))
                .with_context(|| format!("moving {} aside", path.display()))?;
        }
    }
    std::fs::copy(from.join(DB), &db).context("copying the database")?;
    copy_tree(&from.join(FILES), &data_dir.join(FILES)).context("copying the files")?;
    if from.join(DEVICE_KEY).is_file() {
        std::fs::copy(from.join(DEVICE_KEY), data_dir.join(DEVICE_KEY))?;
    }
    // Durable before anyone starts the server on it.
    std::fs::File::open(&db)?.sync_all()?;
    Ok(aside)
}

/// Copies every file under `from` into `to`, creating directories; `from` may be missing.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Scheduled backups: every `every`, into a new `natter-<UTC time>` directory under `dir`,
/// keeping the newest `keep`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// Runs `schedule` until the process ends. Failures are logged and retried at the next turn.
pub async fn run_schedule(data_dir: PathBuf, schedule: Schedule) {
    let mut tick = tokio::time::interval(schedule.every);
    tick.tick().await; // the first tick is immediate; the first backup is one period in
    loop {
        tick.tick().await;
        let (data_dir, schedule) = (data_dir.clone(), schedule.clone());
        let done =
            tokio::task::spawn_blocking(move || scheduled_backup(&data_dir, &schedule)).await;
        match done {
            Ok(Ok(dest)) => tracing::info!(dest = %dest.display(), "scheduled backup done"),
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "scheduled backup failed"),
            Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
        }
    }
}

/// One scheduled backup: into a new directory named for the time, then pruning.
pub fn scheduled_backup(data_dir: &Path, schedule: &Schedule) -> anyhow::Result<PathBuf> {
    let now = time::OffsetDateTime::now_utc();
    let name = format!(
        "natter-{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    );
    // Written under a hidden name and renamed when complete, so a directory that looks like a
    // backup always is one, even if the server stopped halfway.
    let partial = schedule.dir.join(format!(".partial-{name}"));
    let dest = schedule.dir.join(name);
    let made = backup(data_dir, &partial);
    if made.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    made?;
    std::fs::rename(&partial, &dest)
        .with_context(|| format!("renaming {} into place", partial.display()))?;
    prune(&schedule.dir, schedule.keep)?;
    Ok(dest)
}

/// Deletes all but the newest `keep` `natter-*` backups in `dir` (their names sort by time).
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("natter-"))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for old in &removed {
        std::fs::remove_dir_all(old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(removed)
}

/// `natter admin backup | restore | verify`.
#[derive(Subcommand)]
pub enum DataCommand {
    /// Copy the data (database and files) into a new directory DIR, while the server runs.
    Backup { dir: PathBuf },
    /// Replace the data with the backup in DIR. The server must be stopped; what was there is
    /// moved aside into the data dir's before-restore-<time>/.
    Restore { dir: PathBuf },
    /// Check the database and files of the data dir, or of the backup in DIR.
    Verify { dir: Option<PathBuf> },
}

pub fn run_command(data_dir: &Path, command: DataCommand) -> anyhow::Result<()> {
    match command {
        DataCommand::Backup { dir } => {
            let summary = backup(data_dir, &dir)?;
            println!("Backed up to {}: {}", dir.display(), describe(&summary));
        }
        DataCommand::Restore { dir } => {
            let aside = restore(&dir, data_dir)?;
            println!(
                "Restored {} into {}. The data that was there is in {}.",
                dir.display(),
                data_dir.display(),
                aside.display()
            );
        }
        DataCommand::Verify { dir } => {
            let dir = dir.unwrap_or_else(|| data_dir.to_owned());
            let summary = verify(&dir)?;
            let problems = &summary.verified.problems;
            if !problems.is_empty() || !summary.missing_blobs.is_empty() {
                for p in problems {
                    println!("problem: {p}");
                }
                for key in &summary.missing_blobs {
                    println!("missing file: {key}");
                }
                bail!("{} failed its check", dir.display());
            }
            println!("{} is sound: {}", dir.display(), describe(&summary));
        }
    }
    Ok(())
}

fn describe(summary: &Summary) -> String {
    let v = &summary.verified;
    let mut text = format!(
        "{} accounts, {} rooms, {} messages, {} files; integrity check passed",
        v.users, v.rooms, v.messages, v.files
    );
    if !summary.missing_blobs.is_empty() {
        text.push_str(&format!(
            " ({} files deleted while the copy ran are not in it)",
            summary.missing_blobs.len()
        ));
    }
    text
}
