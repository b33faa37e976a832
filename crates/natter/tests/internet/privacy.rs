//! Deleted text, and an edited message's earlier text, leave no trace in the database files
//! after a clean shutdown.

use std::path::Path;

use crate::common::*;

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn deleted_and_replaced_text_is_gone_from_the_database_files() {
    let mut app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    let (deleted, _) = alice
        .send_message(&room, "xylophonequartz is the vault code", None)
        .await
        .unwrap();
    let (edited, _) = alice
        .send_message(&room, "originalwombat wording", None)
        .await
        .unwrap();
    alice
        .send_message(&room, "keepsakeotter stays", None)
        .await
        .unwrap();
    // Searchable before, so the words really were in the full-text index.
    for word in ["xylophonequartz", "originalwombat"] {
        let found = alice
            .search(&natter_client::Search {
                q: word,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.hits.len(), 1, "{word}");
    }
    alice.delete_message(&deleted.id).await.unwrap();
    alice
        .edit_message(&edited.id, "better wording")
        .await
        .unwrap();
    app.shutdown().await;

    // What is kept is on disk, so the search below would find text that was there.
    assert!(!files_containing(app.dir.path(), "keepsakeotter").is_empty());
    for gone in ["xylophonequartz", "originalwombat"] {
        let found = files_containing(app.dir.path(), gone);
        assert!(found.is_empty(), "`{gone}` is still in {found:?}");
    }
}
