//! Conformance checks for administration: settings, invites and the audit log.

use std::sync::Arc;

use super::user;
use crate::{
    Actor, AuditKind, AuditQuery, NewAuditEntry, NewInvite, NewUser, Store, StoreError, Timestamp,
    UserId, Username,
};

fn signing_up(name: &str, invite: [u8; 32]) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.to_owned(),
        password_hash: "h".into(),
        invite: Some(invite),
        default_rooms: None,
    }
}

pub(super) async fn settings_are_stored_and_replaced(store: Arc<dyn Store>) {
    let s = store.as_ref();
    assert!(s.settings().await.unwrap().is_empty());
    s.put_setting("registration", "closed".into())
        .await
        .unwrap();
    s.put_setting("registration", "open".into()).await.unwrap();
    s.put_setting("server_name", "Team".into()).await.unwrap();
    assert_eq!(
        s.settings().await.unwrap(),
        vec![
            ("registration".to_owned(), "open".to_owned()),
            ("server_name".to_owned(), "Team".to_owned())
        ]
    );
}

pub(super) async fn an_invite_admits_up_to_its_uses_until_it_expires_or_is_revoked(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let admin = user(s, "alice").await;
    let now = Timestamp::now();
    let invite = |token: u8, expires_at: Timestamp, max_uses: u32| NewInvite {
        token_hash: [token; 32],
        created_by: Some(admin),
        expires_at,
        max_uses,
    };
    let two = s
        .create_invite(invite(1, now.plus_secs(3600), 2))
        .await
        .unwrap();
    assert!(two.usable(now) && two.used_by.is_empty());
    let bob = s.create_user(signing_up("bob", [1; 32])).await.unwrap();
    s.create_user(signing_up("carol", [1; 32])).await.unwrap();
    let spent = s.create_user(signing_up("dave", [1; 32])).await;
    assert!(matches!(spent, Err(StoreError::InvalidInvite)));
    assert!(
        s.credentials(&Username::parse("dave").unwrap())
            .await
            .unwrap()
            .is_none(),
        "a refused sign-up creates nothing"
    );
    let used = s.invite(two.id).await.unwrap().unwrap();
    assert_eq!(used.used_by.len(), 2);
    assert_eq!(used.used_by[0].0, bob.id);
    assert!(!used.usable(Timestamp::now()));

    s.create_invite(invite(2, now.plus_secs(-1), 5))
        .await
        .unwrap();
    let expired = s.create_user(signing_up("erin", [2; 32])).await;
    assert!(matches!(expired, Err(StoreError::InvalidInvite)));

    let open = s
        .create_invite(invite(3, now.plus_secs(3600), 5))
        .await
        .unwrap();
    let revoked = s.revoke_invite(open.id, Timestamp::now()).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let refused = s.create_user(signing_up("frank", [3; 32])).await;
    assert!(matches!(refused, Err(StoreError::InvalidInvite)));
    let unknown = s.create_user(signing_up("gina", [9; 32])).await;
    assert!(matches!(unknown, Err(StoreError::InvalidInvite)));
    assert_eq!(s.invites().await.unwrap().len(), 3);
    assert_eq!(s.user_count().await.unwrap(), 3);
}

pub(super) async fn the_audit_log_filters_pages_and_prunes(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (UserId(1), UserId(2));
    let by = |u| Actor::user(u, "10.0.0.7".parse().ok());
    let entries = [
        (NewAuditEntry::new(AuditKind::Login, by(a)), 1_000),
        (
            NewAuditEntry::new(AuditKind::Banned, by(a))
                .user(b)
                .reason("spam"),
            2_000,
        ),
        (NewAuditEntry::new(AuditKind::Login, by(b)), 3_000),
        (
            NewAuditEntry::new(AuditKind::SettingsChanged, Actor::console()).detail("x=y"),
            4_000,
        ),
    ];
    for (entry, at) in entries.iter().cloned() {
        s.append_audit(entry, Timestamp(at)).await.unwrap();
    }
    let all = AuditQuery {
        limit: 10,
        ..AuditQuery::default()
    };
    let found = s.audit_entries(all.clone()).await.unwrap();
    assert_eq!(found.len(), 4);
    assert_eq!(found[0].entry, entries[3].0, "newest first, whole");
    assert_eq!(found[2].entry.actor.addr, "10.0.0.7".parse().ok());
    let logins = AuditQuery {
        kind: Some(AuditKind::Login),
        ..all.clone()
    };
    assert_eq!(s.audit_entries(logins).await.unwrap().len(), 2);
    let about_b = AuditQuery {
        target_user: Some(b),
        ..all.clone()
    };
    let found_b = s.audit_entries(about_b).await.unwrap();
    assert_eq!(found_b[0].entry.reason, "spam");
    let by_a_in_time = AuditQuery {
        actor: Some(a),
        from: Some(Timestamp(1_500)),
        to: Some(Timestamp(2_500)),
        ..all.clone()
    };
    assert_eq!(s.audit_entries(by_a_in_time).await.unwrap().len(), 1);
    let page = AuditQuery {
        before: Some(found[1].id),
        limit: 1,
        ..all.clone()
    };
    assert_eq!(s.audit_entries(page).await.unwrap()[0].id, found[2].id);
    assert_eq!(s.prune_audit(Timestamp(2_500)).await.unwrap(), 2);
    assert_eq!(s.audit_entries(all).await.unwrap().len(), 2);
}

pub(super) async fn the_health_probe_writes_again_and_again(store: Arc<dyn Store>) {
    for at in [1_000, 2_000, 2_000] {
        store
            .probe_write(Timestamp(at))
            .await
            .expect("a writable store takes the probe");
    }
}
