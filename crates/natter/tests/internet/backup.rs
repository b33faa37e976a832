//! Backups taken while the server runs and writes, restored onto a stopped server, and checked.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use natter::backup;
use natter_client::Client;

use crate::common::binary::BIN;
use crate::common::*;

/// Keeps `client` sending into `room` until `stop`, recording the id of every acknowledged send.
fn keep_sending(
    client: Client,
    room: String,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            i += 1;
            if let Ok((m, _)) = client.send_message(&room, &format!("load {i}"), None).await {
                acked.lock().unwrap().push(m.id);
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_holds_every_message_acknowledged_before_it_began() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    let attachment = alice
        .upload("notes.txt", b"kept in the backup".to_vec())
        .await
        .unwrap();
    alice
        .send_with_files(&room, "with a file", &[&attachment.id])
        .await
        .unwrap();

    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for name in ["bob", "carol", "dave"] {
        let (client, _) = app.user(name).await;
        senders.push(keep_sending(
            client,
            room.clone(),
            acked.clone(),
            stop.clone(),
        ));
    }
    // Let the load get going, so the backup really runs under writes.
    within("some load", async {
        while acked.lock().unwrap().len() < 30 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    // A copy of a small database can finish between two acks, on a busy machine: the backup
    // checked is one during which some send was acknowledged (a fresh one each try).
    let backups = tempfile::tempdir().unwrap().keep();
    let mut tries = 0;
    let (before, dest, summary) = loop {
        tries += 1;
        let before: Vec<String> = acked.lock().unwrap().clone();
        let dest = backups.join(format!("backup{tries}"));
        let data = app.dir.path().to_owned();
        let copy_to = dest.clone();
        let summary = tokio::task::spawn_blocking(move || backup::backup(&data, &copy_to))
            .await
            .unwrap()
            .expect("the backup succeeds");
        if acked.lock().unwrap().len() > before.len() {
            break (before, dest, summary);
        }
        assert!(
            tries < 20,
            "writes never went on while a copy ran, in 20 tries"
        );
    };
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    assert!(summary.verified.problems.is_empty());
    assert!(summary.missing_blobs.is_empty());
    assert!(backup::verify(&dest).unwrap().verified.problems.is_empty());

    // Restored onto a fresh data dir, the copy serves every message acknowledged before it.
    let restored_dir = tempfile::tempdir().unwrap();
    backup::restore(&dest, restored_dir.path()).expect("the restore succeeds");
    let restored_path = restored_dir.path().to_owned();
    let restored = spawn_app_with(move |s| s.data_dir = Some(restored_path)).await;
    let mut reader = restored.client();
    reader.login("alice", &password("alice")).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut before_seq = None;
    loop {
        let page = natter_client::History {
            before: before_seq,
            limit: Some(100),
            ..Default::default()
        };
        let got = reader.messages(&room, page).await.unwrap();
        if got.messages.is_empty() {
            break;
        }
        before_seq = got.messages.iter().map(|m| m.seq).min();
        seen.extend(got.messages.into_iter().map(|m| m.id));
    }
    let lost: Vec<&String> = before.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages missing: {lost:?}",
        lost.len()
    );
    let file = reader.download(&attachment.id).await.unwrap();
    assert_eq!(file.bytes, b"kept in the backup");
}

#[tokio::test]
async fn a_restore_refuses_a_running_server_and_keeps_what_it_replaces() {
    let mut app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    alice
        .send_message(&room, "in the backup", None)
        .await
        .unwrap();
    let dest = tempfile::tempdir().unwrap();
    let dest = dest.path().join("b");
    backup::backup(app.dir.path(), &dest).unwrap();
    alice
        .send_message(&room, "after the backup", None)
        .await
        .unwrap();

    let refused = backup::restore(&dest, app.dir.path()).unwrap_err();
    assert!(format!("{refused:#}").contains("in use"), "{refused:#}");
    app.shutdown().await;
    let aside = backup::restore(&dest, app.dir.path()).expect("the restore succeeds");
    assert!(
        aside.join("natter.db").is_file(),
        "the replaced database is kept"
    );
    app.restart().await;
    let history = alice.messages(&room, Default::default()).await.unwrap();
    let bodies: Vec<&str> = history.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["in the backup"]);
}

#[tokio::test]
async fn verify_finds_a_damaged_database_and_a_missing_file() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    let file = alice.upload("a.txt", b"some bytes".to_vec()).await.unwrap();
    alice
        .send_with_files(&room, "file", &[&file.id])
        .await
        .unwrap();
    for i in 0..200 {
        alice
            .send_message(&room, &format!("filler {i} {}", "x".repeat(200)), None)
            .await
            .unwrap();
    }
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("b");
    backup::backup(app.dir.path(), &dest).unwrap();
    // A blob goes missing.
    let blob = walk(&dest.join("files"))
        .into_iter()
        .next()
        .expect("a blob");
    std::fs::remove_file(&blob).unwrap();
    assert_eq!(backup::verify(&dest).unwrap().missing_blobs.len(), 1);
    // Pages in the middle of the database are overwritten.
    let db = dest.join("natter.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 8192].fill(0x5a);
    std::fs::write(&db, bytes).unwrap();
    let damaged = backup::verify(&dest);
    let found = match damaged {
        Ok(summary) => !summary.verified.problems.is_empty(),
        Err(_) => true,
    };
    assert!(found, "the damage is reported");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test]
async fn the_admin_commands_back_up_verify_and_restore() {
    let mut app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    alice
        .send_message(&general(&ready), "hello", None)
        .await
        .unwrap();
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("nightly");
    let data_dir = app.dir.path().to_owned();
    let run = |args: Vec<std::ffi::OsString>| {
        let data_dir = data_dir.clone();
        async move {
            let out = tokio::process::Command::new(BIN)
                .arg("admin")
                .arg("--data-dir")
                .arg(data_dir)
                .args(args)
                .output()
                .await
                .unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
            )
        }
    };
    let (ok, out) = run(vec!["backup".into(), dest.clone().into()]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("Backed up") && out.contains("1 messages"),
        "{out}"
    );
    let (ok, out) = run(vec!["verify".into(), dest.clone().into()]).await;
    assert!(ok && out.contains("is sound"), "{out}");
    // The running server's own data is checked through a snapshot, holding up nothing.
    let (ok, out) = run(vec!["verify".into()]).await;
    assert!(
        ok && out.contains("is sound") && out.contains("1 messages"),
        "{out}"
    );
    let (ok, out) = run(vec!["restore".into(), dest.clone().into()]).await;
    assert!(!ok && out.contains("stop the server"), "{out}");
    app.shutdown().await;
    let (ok, out) = run(vec!["restore".into(), dest.clone().into()]).await;
    assert!(ok && out.contains("Restored"), "{out}");
}

#[test]
fn pruning_keeps_the_newest_backups() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "natter-20261101T000000Z",
        "natter-20261102T000000Z",
        "natter-20261103T000000Z",
        "other",
    ] {
        std::fs::create_dir(dir.path().join(name)).unwrap();
    }
    let removed = backup::prune(dir.path(), 2).unwrap();
    assert_eq!(removed, [dir.path().join("natter-20261101T000000Z")]);
    assert!(dir.path().join("other").exists());
    assert!(dir.path().join("natter-20261103T000000Z").exists());
}

/// The finished backups in `dir` (not one being written).
fn listed(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    found.sort();
    found
}

#[tokio::test(start_paused = true)]
async fn the_first_scheduled_backup_comes_one_period_after_start() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    alice
        .send_message(&general(&ready), "nightly", None)
        .await
        .unwrap();
    let root = tempfile::tempdir().unwrap();
    let day = std::time::Duration::from_secs(24 * 3600);
    let schedule = backup::Schedule {
        dir: root.path().to_owned(),
        every: day,
        keep: 2,
    };
    let started = tokio::time::Instant::now();
    let task = tokio::spawn(backup::run_schedule(app.dir.path().to_owned(), schedule));
    // Virtual minutes pass until the backup shows up; the copy itself takes real time, so the
    // wait is bounded by the wall clock.
    let real = std::time::Instant::now();
    while listed(root.path()).is_empty() && real.elapsed() < WAIT {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
    task.abort();
    let made = listed(root.path());
    assert!(!made.is_empty(), "no scheduled backup was made");
    assert!(started.elapsed() >= day, "{:?}", started.elapsed());
    assert!(backup::verify(&made[0]).unwrap().verified.messages >= 1);
}

#[tokio::test]
async fn scheduled_backups_keep_only_the_newest() {
    let app = spawn_app().await;
    let root = tempfile::tempdir().unwrap();
    let schedule = backup::Schedule {
        dir: root.path().to_owned(),
        every: std::time::Duration::from_secs(3600),
        keep: 2,
    };
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(backup::scheduled_backup(app.dir.path(), &schedule).unwrap());
        // Names carry the time to the millisecond.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert_eq!(listed(root.path()), made[1..]);
}
