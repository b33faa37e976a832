//! Reports: members flag messages, the room's moderators resolve them, the reporter is told.

use natter_client::proto::admin::{ReportActionKind, ResolveReportRequest};
use natter_client::proto::{RoomRole, ServerFrame, Visibility};
use natter_client::AuditFilter;

use crate::common::{connect_live, expect_frame, refused, spawn_app};

fn resolve(action: ReportActionKind, duration_secs: Option<i64>) -> ResolveReportRequest {
    ResolveReportRequest {
        action,
        duration_secs,
        note: Some("handled".into()),
    }
}

#[tokio::test]
async fn a_report_reaches_the_rooms_moderators_who_delete_the_message_and_tell_the_reporter() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (owner, _) = app.user("owner").await;
    let (moderator, mod_user) = app.user("mod").await;
    let (reporter, _) = app.user("reporter").await;
    let (spammer, spammer_user) = app.user("spammer").await;
    let (outsider, _) = app.user("outsider").await;
    let room = owner
        .create_room("help", None, Visibility::Public)
        .await
        .unwrap();
    for c in [&moderator, &reporter, &spammer] {
        c.join(&room.id).await.unwrap();
    }
    owner
        .set_room_role(&room.id, &mod_user.id, RoomRole::Moderator)
        .await
        .unwrap();
    let spam = spammer
        .send_message(&room.id, "buy cheap watches", None)
        .await
        .unwrap()
        .0;
    let (mut mod_ws, _) = connect_live(&moderator).await;
    let (mut reporter_ws, _) = connect_live(&reporter).await;

    assert_eq!(
        refused(spammer.report_message(&spam.id, "me?").await).0,
        403
    );
    assert_eq!(
        refused(outsider.report_message(&spam.id, "x").await).0,
        403,
        "join first"
    );
    let long = "x".repeat(501);
    assert_eq!(
        refused(reporter.report_message(&spam.id, &long).await),
        (422, "invalid_reason".into())
    );
    let report = reporter.report_message(&spam.id, "spam").await.unwrap();
    assert_eq!(report.excerpt, "buy cheap watches");
    expect_frame(
        &mut mod_ws,
        "the report",
        |f| matches!(f, ServerFrame::Report { report: r } if r.id == report.id),
    )
    .await;

    // The queue: the room's moderators and admins see it; a plain member's queue is empty.
    assert_eq!(moderator.reports(None, false).await.unwrap().len(), 1);
    assert_eq!(root.reports(None, false).await.unwrap().len(), 1);
    assert!(reporter.reports(None, false).await.unwrap().is_empty());
    let by_member = reporter
        .resolve_report(&report.id, &resolve(ReportActionKind::Dismiss, None))
        .await;
    assert_eq!(refused(by_member).0, 404);

    let done = moderator
        .resolve_report(&report.id, &resolve(ReportActionKind::Delete, None))
        .await
        .unwrap();
    assert_eq!(done.resolution.unwrap().action, "delete");
    assert!(moderator.message(&spam.id).await.unwrap().deleted);
    expect_frame(&mut reporter_ws, "the reporter is told", |f| {
        matches!(f, ServerFrame::ReportResolved { report_id, action } if *report_id == report.id && action == "delete")
    })
    .await;
    let again = moderator
        .resolve_report(&report.id, &resolve(ReportActionKind::Dismiss, None))
        .await;
    assert_eq!(refused(again), (409, "already_resolved".into()));
    assert!(moderator.reports(None, false).await.unwrap().is_empty());
    assert_eq!(moderator.reports(None, true).await.unwrap().len(), 1);

    // Acting on the sender: a ban through the queue.
    let more = spammer
        .send_message(&room.id, "more watches", None)
        .await
        .unwrap()
        .0;
    let second = reporter.report_message(&more.id, "again").await.unwrap();
    let mute = moderator
        .resolve_report(&second.id, &resolve(ReportActionKind::Mute, None))
        .await;
    assert_eq!(refused(mute).0, 400, "a mute needs its duration");
    moderator
        .resolve_report(&second.id, &resolve(ReportActionKind::Ban, Some(3600)))
        .await
        .unwrap();
    assert_eq!(
        refused(spammer.join(&room.id).await),
        (403, "banned".into())
    );
    let log = root
        .audit(&AuditFilter {
            room: Some(&room.id),
            ..Default::default()
        })
        .await
        .unwrap()
        .entries;
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "report_created",
        "report_resolved",
        "message_deleted",
        "banned",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let deleted = log.iter().find(|e| e.kind == "message_deleted").unwrap();
    assert_eq!(
        deleted.target_user_id.as_deref(),
        Some(spammer_user.id.as_str())
    );
}
