//! Moderating from `natter chat`: the moderation commands and the single-message actions,
//! typed as an owner would, checked on the screen and on the server.

use natter_client::proto::{ServerFrame, Visibility};
use ratatui::crossterm::event::KeyCode;

use crate::common::screen::Screen;
use crate::common::{connect_live, expect_frame, refused, spawn_app};

#[tokio::test]
async fn an_owner_moderates_a_room_from_the_terminal() {
    let app = spawn_app().await;
    app.user("root").await;
    let (owner, _) = app.user("owner").await;
    let (bob, _) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let (dave, _) = app.user("dave").await;
    let room = owner
        .create_room("plaza", None, Visibility::Public)
        .await
        .unwrap();
    bob.join(&room.id).await.unwrap();
    carol.join(&room.id).await.unwrap();
    let mut screen = Screen::start(owner.clone(), 100, 30);
    screen.wait_for("● online").await;
    screen.enter("/join plaza");
    screen.wait_for("#plaza").await;

    // Single-message actions act on the newest message (or the selected one).
    bob.send_message(&room.id, "first from bob", None)
        .await
        .unwrap();
    screen.wait_for("first from bob").await;
    screen.enter("/pin");
    screen.wait_for("pinned").await;
    assert_eq!(owner.pins(&room.id).await.unwrap().len(), 1);
    screen.enter("/report looks like spam");
    screen.wait_for("reported to the room's moderators").await;
    assert_eq!(owner.reports(Some(&room.id), false).await.unwrap().len(), 1);
    let spam = bob.send_message(&room.id, "buy now", None).await.unwrap().0;
    screen.wait_for("buy now").await;
    screen.enter("/delete");
    screen.wait_for("(message deleted)").await;
    assert!(owner.message(&spam.id).await.unwrap().deleted);

    // Moderation of the room, each answered on the status line.
    screen.enter("/mute bob 10m calm down");
    screen.wait_for("muted bob until").await;
    assert_eq!(
        refused(bob.send_message(&room.id, "let me talk", None).await),
        (403, "muted".into())
    );
    screen.enter("/unmute bob");
    screen.wait_for("bob may post again").await;
    bob.send_message(&room.id, "thanks", None).await.unwrap();

    let (mut carol_ws, _) = connect_live(&carol).await;
    screen.enter("/kick carol");
    screen.wait_for("removed carol").await;
    expect_frame(&mut carol_ws, "carol's kick", |f| {
        matches!(
            f,
            ServerFrame::Member {
                event: natter_client::proto::MemberEvent::Kicked,
                ..
            }
        )
    })
    .await;
    screen.enter("/ban bob 2h spam links");
    screen.wait_for("banned bob until").await;
    assert_eq!(refused(bob.join(&room.id).await), (403, "banned".into()));
    screen.enter("/unban bob");
    screen.wait_for("lifted bob's ban").await;
    bob.join(&room.id).await.unwrap();

    screen.enter("/slow 30");
    screen.wait_for("slow mode: one message per 30 s").await;
    assert_eq!(owner.room(&room.id).await.unwrap().slow_mode_secs, 30);
    screen.enter("/slow 0");
    screen.wait_for("slow mode is off").await;

    screen.enter("/invite dave");
    screen
        .wait_for("invited dave; they join if they want to")
        .await;
    assert_eq!(dave.invitations().await.unwrap().len(), 1);
    screen.enter("/block dave");
    screen.wait_for("blocked dave").await;
    screen.enter("/unblock dave");
    screen.wait_for("unblocked dave").await;

    // The server decides: a plain member's /kick is refused with its reason.
    let mut bobs = Screen::start(bob.clone(), 100, 30);
    bobs.wait_for("● online").await;
    bobs.enter("/join plaza");
    bobs.wait_for("#plaza").await;
    bobs.enter("/kick owner");
    bobs.wait_for("moderating failed").await;

    // Help has a second page for all of this.
    screen.press(KeyCode::Char('?'));
    screen.wait_for("/quit").await;
    screen.press(KeyCode::Tab);
    let help = screen.wait_for("/ban USER [DURATION] [REASON]").await;
    assert!(help.contains("/slow SECONDS"), "{help}");
}
