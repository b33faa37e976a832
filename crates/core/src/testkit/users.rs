//! Conformance checks for managing accounts.

use std::sync::Arc;

use super::user;
use crate::{NewSession, Store, StoreError, Timestamp, Toggle, Username};

pub(super) async fn deactivation_ends_sessions_and_keeps_an_admin(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let later = Timestamp::now().plus_secs(60);
    let session = |token: u8, user| NewSession {
        user_id: user,
        token_hash: [token; 32],
        expires_at: later,
    };
    let first = s.create_session(session(1, b)).await.unwrap();
    let second = s.create_session(session(2, b)).await.unwrap();
    let summary = s.list_users("bo", 0, 10).await.unwrap();
    assert_eq!((summary.len(), summary[0].sessions), (1, 2));

    let (off, ended) = s
        .set_deactivated(b, Toggle::On, Timestamp::now())
        .await
        .unwrap();
    assert!(off.deactivated);
    let mut ended = ended;
    ended.sort();
    assert_eq!(ended, vec![first, second]);
    s.create_session(session(3, b)).await.unwrap();
    let now = Timestamp::now();
    assert!(
        s.session_by_token_hash(&[3; 32], now)
            .await
            .unwrap()
            .is_none(),
        "a deactivated account has no live session"
    );
    let last = s.set_deactivated(a, Toggle::On, Timestamp::now()).await;
    assert!(matches!(last, Err(StoreError::Conflict("last admin"))));
    let (on, _) = s
        .set_deactivated(b, Toggle::Off, Timestamp::now())
        .await
        .unwrap();
    assert!(!on.deactivated);
}

pub(super) async fn a_password_reset_works_once(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let now = Timestamp::now();
    s.create_password_reset(a, [7; 32], now.plus_secs(60))
        .await
        .unwrap();
    s.create_password_reset(a, [8; 32], now.plus_secs(-1))
        .await
        .unwrap();
    let (who, _) = s.reset_password([7; 32], "new".into(), now).await.unwrap();
    assert_eq!(who, a);
    assert_eq!(s.password_hash(a).await.unwrap(), "new");
    let again = s.reset_password([7; 32], "newer".into(), now).await;
    assert!(matches!(again, Err(StoreError::NotFound)));
    let expired = s.reset_password([8; 32], "newer".into(), now).await;
    assert!(matches!(expired, Err(StoreError::NotFound)));
}

pub(super) async fn a_deleted_account_keeps_its_row_and_loses_the_rest(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (_, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let gone = s.delete_user(b, false, Timestamp::now()).await.unwrap();
    assert_eq!(gone.rooms.len(), 1, "general");
    let row = s.user(b).await.unwrap().unwrap();
    assert!(row.deleted && row.deactivated);
    assert_eq!(
        (row.username.as_str(), row.display_name.as_str()),
        ("bob", "Deleted user")
    );
    assert!(s
        .credentials(&Username::parse("bob").unwrap())
        .await
        .unwrap()
        .is_none());
    assert!(s
        .list_users("", 0, 10)
        .await
        .unwrap()
        .iter()
        .all(|u| u.user.id != b));
    s.delete_user(c, true, Timestamp::now()).await.unwrap();
    assert_eq!(
        s.user(c).await.unwrap().unwrap().username,
        format!("deleted-{}", c.0)
    );
    let twice = s.delete_user(c, true, Timestamp::now()).await;
    assert!(matches!(twice, Err(StoreError::NotFound)));
}
