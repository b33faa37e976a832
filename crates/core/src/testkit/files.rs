//! Conformance of file metadata: quotas, attaching once, and removal with the message.

use std::sync::Arc;

use super::{append, msg, user};
use crate::{
    FileId, FileInfo, FileName, ImageSize, MessageChange, NewFile, Store, StoreError, Timestamp,
    Unattached, UserId,
};

fn file(owner: UserId, name: &str, size: i64) -> NewFile {
    NewFile {
        owner,
        name: FileName::parse(name).unwrap(),
        content_type: "image/png".into(),
        size,
        image: Some(ImageSize {
            width: 4,
            height: 3,
        }),
        blob: format!("blob-{name}"),
    }
}

fn with_files(mut new: crate::NewMessage, files: &[&FileInfo]) -> crate::NewMessage {
    new.attachments = files.iter().map(|f| f.id).collect();
    new
}

fn file_ids(files: &[FileInfo]) -> Vec<FileId> {
    files.iter().map(|f| f.id).collect()
}

pub(super) async fn files_count_against_their_owners_quota(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let first = s.create_file(file(a, "a.png", 60), 100).await.unwrap();
    assert_eq!(first.owner, a);
    assert_eq!(first.name, "a.png");
    assert_eq!((first.size, first.message), (60, None));
    assert_eq!(
        first.image,
        Some(ImageSize {
            width: 4,
            height: 3
        })
    );
    assert_eq!(s.file(first.id).await.unwrap(), Some(first.clone()));
    let over = s.create_file(file(a, "b.png", 41), 100).await;
    assert!(matches!(over, Err(StoreError::QuotaExceeded)), "{over:?}");
    s.create_file(file(a, "c.png", 40), 100).await.unwrap();
    assert_eq!(s.storage_used(a).await.unwrap(), 100);
    // Quotas are per user.
    s.create_file(file(b, "d.png", 100), 100).await.unwrap();
    assert_eq!(s.storage_used(b).await.unwrap(), 100);
    assert_eq!(s.file(FileId(9999)).await.unwrap(), None);
}

pub(super) async fn a_file_is_attached_once_by_its_owner_and_goes_with_its_message(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let one = s.create_file(file(a, "one.png", 10), 1000).await.unwrap();
    let two = s.create_file(file(a, "two.png", 20), 1000).await.unwrap();
    let theirs = s.create_file(file(b, "b.png", 5), 1000).await.unwrap();

    let sent = append(s, with_files(msg(general, a, "look", None), &[&two, &one])).await;
    assert_eq!(
        file_ids(&sent.attachments),
        [two.id, one.id],
        "in the order given"
    );
    assert_eq!(sent.attachments[0].message, Some((sent.id, general)));
    let stored = s.message(sent.id).await.unwrap().unwrap();
    assert_eq!(stored.attachments, sent.attachments);
    let history = s.messages_after(general, 0, 10).await.unwrap();
    assert_eq!(file_ids(&history[0].attachments), [two.id, one.id]);

    // Attaching again, or someone else's file, fails alone and takes no seq.
    let again = with_files(msg(general, a, "again", None), &[&one]);
    let stolen = with_files(msg(general, a, "stolen", None), &[&theirs]);
    let plain = msg(general, a, "plain", None);
    let out = s.append_messages(vec![again, stolen, plain]).await.unwrap();
    assert!(
        matches!(out[0], Err(StoreError::Conflict(_))),
        "{:?}",
        out[0]
    );
    assert!(matches!(out[1], Err(StoreError::NotFound)), "{:?}", out[1]);
    let plain = out[2].as_ref().unwrap();
    assert_eq!(plain.message.seq, sent.seq + 1);
    assert!(plain.message.attachments.is_empty());
    assert_eq!(s.file(theirs.id).await.unwrap().unwrap().message, None);

    let deleted = s.change_message(sent.id, MessageChange::Delete).await;
    let deleted = deleted.unwrap();
    let mut removed = file_ids(&deleted.removed_files);
    removed.sort();
    assert_eq!(removed, [one.id, two.id]);
    assert!(deleted.message.attachments.is_empty());
    assert_eq!(s.file(one.id).await.unwrap(), None);
    assert_eq!(s.storage_used(a).await.unwrap(), 0);
}

pub(super) async fn only_unattached_files_are_removed_as_abandoned(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let kept = s.create_file(file(a, "kept.png", 1), 1000).await.unwrap();
    let loose = s.create_file(file(a, "loose.png", 1), 1000).await.unwrap();
    let discard = s
        .create_file(file(a, "discard.png", 1), 1000)
        .await
        .unwrap();
    append(s, with_files(msg(general, a, "kept", None), &[&kept])).await;

    let not_theirs = Unattached::One {
        id: discard.id,
        owner: b,
    };
    assert!(s.remove_unattached(not_theirs).await.unwrap().is_empty());
    let own = Unattached::One {
        id: discard.id,
        owner: a,
    };
    assert_eq!(
        file_ids(&s.remove_unattached(own).await.unwrap()),
        [discard.id]
    );
    let sent = Unattached::One {
        id: kept.id,
        owner: a,
    };
    assert!(s.remove_unattached(sent).await.unwrap().is_empty());

    let past = Unattached::OlderThan(Timestamp(loose.created_at.0 - 1));
    assert!(s.remove_unattached(past).await.unwrap().is_empty());
    let later = Unattached::OlderThan(Timestamp::now().plus_secs(1));
    assert_eq!(
        file_ids(&s.remove_unattached(later).await.unwrap()),
        [loose.id]
    );
    assert!(s.file(kept.id).await.unwrap().is_some());
}

pub(super) async fn a_persons_own_messages_and_files_are_listed_for_their_export(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = crate::RoomId(1);
    let first = append(s, msg(general, a, "one", None)).await;
    append(s, msg(general, b, "not mine", None)).await;
    let gone = append(s, msg(general, a, "deleted", None)).await;
    let third = append(s, msg(general, a, "three", None)).await;
    s.change_message(gone.id, MessageChange::Delete)
        .await
        .unwrap();
    let mine = s
        .messages_by_sender(a, crate::MessageId(0), 10)
        .await
        .unwrap();
    let bodies: Vec<&str> = mine.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["one", "three"], "own, not deleted, oldest first");
    let page = s.messages_by_sender(a, first.id, 10).await.unwrap();
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), [third.id]);
    assert_eq!(
        s.messages_by_sender(a, crate::MessageId(0), 1)
            .await
            .unwrap()
            .len(),
        1
    );

    let f1 = s.create_file(file(a, "x.png", 5), 100).await.unwrap();
    s.create_file(file(b, "y.png", 5), 100).await.unwrap();
    let f2 = s.create_file(file(a, "z.png", 5), 100).await.unwrap();
    assert_eq!(file_ids(&s.files_of(a).await.unwrap()), [f1.id, f2.id]);
}
