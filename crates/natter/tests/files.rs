//! Files against the real server: streamed uploads within limits and quotas, sniffed types,
//! thumbnails, attaching to messages, and downloads only for the people who may see them.

mod common;

use std::io::Cursor;

use common::{connect_live, expect_frame, general, refused, spawn_app, spawn_app_with, within};
use image::{ImageFormat, RgbaImage};
use natter_client::proto::{Attachment, ClientFrame, ServerFrame, Visibility};
use natter_client::{Client, History};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut image = RgbaImage::new(width, height);
    for (x, y, px) in image.enumerate_pixels_mut() {
        *px = image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255]);
    }
    let mut bytes = Vec::new();
    let image = image::DynamicImage::ImageRgba8(image);
    let image = if format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(image.to_rgb8())
    } else {
        image
    };
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

fn size_of(bytes: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(bytes).expect("a decodable image");
    (image.width(), image.height())
}

/// Uploads with a `Content-Type` the server must ignore.
async fn upload_claiming(client: &Client, name: &str, claim: &str, bytes: Vec<u8>) -> Attachment {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/files", client.base_url()))
        .query(&[("name", name)])
        .bearer_auth(client.token().unwrap())
        .header("content-type", claim)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

/// The status and headers of a download, for checks the typed client does not expose.
async fn raw_get(client: &Client, path: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}/api/v1{path}", client.base_url()));
    if let Some(token) = client.token() {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Files in `dir` and below.
fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn an_image_is_sniffed_from_its_bytes_thumbnailed_and_sent_live_to_the_room() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut aws, ready) = connect_live(&alice).await;
    let (mut bws, _) = connect_live(&bob).await;
    let room = general(&ready);
    let png = picture(1000, 500, ImageFormat::Png);

    // The name says text and the client says HTML; the bytes say PNG.
    let file = upload_claiming(&alice, "holiday.txt", "text/html", png.clone()).await;
    assert_eq!(file.name, "holiday.txt");
    assert_eq!(file.content_type, "image/png");
    assert_eq!(file.size, png.len() as i64);
    let image = file.image.expect("a decodable image is an image");
    assert_eq!((image.width, image.height), (1000, 500));

    aws.send(&ClientFrame::Send {
        room_id: room.clone(),
        body: "look at this".into(),
        client_id: Some("with-file".into()),
        reply_to: None,
        attachments: vec![file.id.clone()],
    })
    .await
    .unwrap();
    let frame = expect_frame(
        &mut bws,
        "the message with its file",
        |f| matches!(f, ServerFrame::Message { message } if message.body == "look at this"),
    )
    .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    assert_eq!(message.attachments, std::slice::from_ref(&file));
    let page = bob.messages(&room, History::default()).await.unwrap();
    assert_eq!(
        page.messages.last().unwrap().attachments,
        std::slice::from_ref(&file)
    );

    let original = bob.download(&file.id).await.unwrap();
    assert_eq!(original.bytes, png);
    assert_eq!(original.content_type, "image/png");
    assert!(original.content_disposition.starts_with("inline"));
    let thumb = bob.thumbnail(&file.id).await.unwrap();
    assert_eq!(thumb.content_type, "image/png");
    assert_eq!(size_of(&thumb.bytes), (320, 160));
    let resp = raw_get(&bob, &format!("/files/{}", file.id)).await;
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(header(&resp, "content-security-policy").contains("sandbox"));
}

#[tokio::test]
async fn anything_but_an_image_downloads_as_an_attachment_that_cannot_run() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>".to_vec();
    let file = upload_claiming(&alice, "cute cat.png", "image/png", html.clone()).await;
    assert!(
        !file.content_type.starts_with("image/"),
        "{}",
        file.content_type
    );
    assert_eq!(file.image, None);

    let resp = raw_get(&alice, &format!("/files/{}", file.id)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "content-disposition"),
        "attachment; filename=\"cute cat.png\"; filename*=UTF-8''cute%20cat.png"
    );
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(header(&resp, "content-security-policy").contains("sandbox"));
    assert_eq!(resp.bytes().await.unwrap(), html);
    let thumb = alice.thumbnail(&file.id).await;
    assert_eq!(refused(thumb), (404, "not_found".into()));
}

#[tokio::test]
async fn only_the_uploader_and_members_of_the_room_it_was_shared_in_can_download_it() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (carol, carol_user) = app.user("carol").await;
    let room = alice
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    alice.add_member(&room.id, &carol_user.id).await.unwrap();
    let file = alice
        .upload("plan.png", picture(40, 30, ImageFormat::Png))
        .await
        .unwrap();

    // Not yet sent: only the uploader.
    assert!(alice.download(&file.id).await.is_ok());
    assert_eq!(refused(carol.download(&file.id).await).0, 404);

    alice
        .send_with_files(&room.id, "", &[&file.id])
        .await
        .unwrap();
    assert!(carol.download(&file.id).await.is_ok());
    assert!(carol.thumbnail(&file.id).await.is_ok());
    for denied in [
        bob.download(&file.id).await,
        bob.thumbnail(&file.id).await,
        bob.download("999999").await,
        bob.download("not-an-id").await,
    ] {
        assert_eq!(refused(denied), (404, "not_found".into()));
    }
    let anonymous = raw_get(&app.client(), &format!("/files/{}", file.id)).await;
    assert_eq!(anonymous.status(), 401);

    // Someone else's file cannot be attached, and a file is attached once.
    let bobs_room = general_of(&bob).await;
    let stolen = bob
        .send_with_files(&bobs_room, "mine now", &[&file.id])
        .await;
    assert_eq!(refused(stolen), (404, "not_found".into()));
    let again = alice.send_with_files(&room.id, "again", &[&file.id]).await;
    assert_eq!(refused(again), (409, "file_already_attached".into()));
    // Only the uploader discards, and only before sending.
    let discard = alice.discard_upload(&file.id).await;
    assert_eq!(refused(discard), (409, "file_already_attached".into()));
}

async fn general_of(client: &Client) -> String {
    let rooms = client.rooms().await.unwrap();
    rooms
        .iter()
        .find(|r| r.name == "general")
        .unwrap()
        .id
        .clone()
}

#[tokio::test]
async fn a_message_carries_several_files_in_order_and_needs_no_text() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general_of(&alice).await;
    let jpeg = picture(640, 960, ImageFormat::Jpeg);
    let photo = alice.upload("photo.jpg", jpeg).await.unwrap();
    let notes = alice
        .upload("notes.md", b"# Notes\n\n- one\n".to_vec())
        .await
        .unwrap();
    assert_eq!(notes.content_type, "text/plain; charset=utf-8");
    assert_eq!(photo.content_type, "image/jpeg");

    let sent = alice
        .send_with_files(&room, "  ", &[&notes.id, &photo.id])
        .await
        .unwrap();
    assert_eq!(sent.body, "");
    assert_eq!(sent.attachments, [notes.clone(), photo.clone()]);
    // A caption can be added and taken away again; the files stay.
    let captioned = alice.edit_message(&sent.id, "my notes").await.unwrap();
    assert_eq!(captioned.body, "my notes");
    let bare = alice.edit_message(&sent.id, " ").await.unwrap();
    assert_eq!((bare.body.as_str(), bare.attachments.len()), ("", 2));
    let thumb = alice.thumbnail(&photo.id).await.unwrap();
    assert_eq!(thumb.content_type, "image/jpeg");
    assert_eq!(size_of(&thumb.bytes), (213, 320));

    let mut many = Vec::new();
    for i in 0..11 {
        let f = alice.upload(&format!("f{i}.txt"), b"x".to_vec()).await;
        many.push(f.unwrap().id);
    }
    let ids: Vec<&str> = many.iter().map(String::as_str).collect();
    let too_many = alice.send_with_files(&room, "", &ids).await;
    assert_eq!(refused(too_many), (422, "too_many_attachments".into()));
    let no_text = alice.send_with_files(&room, "", &[]).await;
    assert_eq!(refused(no_text), (422, "invalid_body".into()));
    let empty = alice.upload("empty.txt", Vec::new()).await;
    assert_eq!(refused(empty), (422, "empty_file".into()));
    let bad_name = alice.upload("../", b"x".to_vec()).await;
    assert_eq!(refused(bad_name), (422, "invalid_file_name".into()));
}

#[tokio::test]
async fn an_upload_over_the_size_limit_is_refused_and_leaves_nothing_behind() {
    let app = spawn_app_with(|s| s.max_file_mb = Some(1)).await;
    let (alice, _) = app.user("alice").await;
    let limit = 1024 * 1024;
    let fits = alice.upload("fits.bin", vec![7; limit]).await.unwrap();
    assert_eq!(fits.size, limit as i64);
    let declared = alice.upload("big.bin", vec![7; limit + 1]).await;
    assert_eq!(refused(declared), (413, "file_too_large".into()));

    // Without a declared length the server counts while it streams, and stops at the limit.
    let status = chunked_upload(&app.base, alice.token().unwrap(), 64, 32 * 1024).await;
    assert_eq!(status, 413);
    let usage = alice.storage_usage().await.unwrap();
    assert_eq!(usage.used_bytes, limit as i64);
    assert_eq!(usage.max_file_bytes, limit as i64);
    assert_eq!(
        files_under(&app.dir.path().join("uploads")),
        0,
        "no spool left"
    );
    assert_eq!(
        files_under(&app.dir.path().join("files")),
        1,
        "only the one that fit"
    );
}

/// Sends `chunks` chunks of `chunk` bytes with chunked transfer encoding over a raw socket and
/// returns the response status.
async fn chunked_upload(base: &str, token: &str, chunks: usize, chunk: usize) -> u16 {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/files?name=stream.bin HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut data = format!("{chunk:x}\r\n").into_bytes();
    data.extend(vec![b'z'; chunk]);
    data.extend(b"\r\n");
    for _ in 0..chunks {
        // The server may answer and close before everything is sent; that is the point.
        if stream.write_all(&data).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = [0u8; 12];
    within("the answer", stream.read_exact(&mut answer))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    text[9..12].parse().unwrap()
}

#[tokio::test]
async fn the_storage_quota_counts_every_file_until_it_is_discarded_or_its_message_deleted() {
    let app = spawn_app_with(|s| s.storage_quota_mb = Some(1)).await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general_of(&alice).await;
    let part = 600 * 1024;
    let first = alice.upload("a.bin", vec![1; part]).await.unwrap();
    let over = alice.upload("b.bin", vec![2; part]).await;
    assert_eq!(refused(over), (413, "quota_exceeded".into()));
    // Quotas are per user.
    bob.upload("c.bin", vec![3; part]).await.unwrap();

    let not_theirs = bob.discard_upload(&first.id).await;
    assert_eq!(refused(not_theirs).0, 404);
    alice.discard_upload(&first.id).await.unwrap();
    assert_eq!(alice.storage_usage().await.unwrap().used_bytes, 0);
    assert_eq!(refused(alice.download(&first.id).await).0, 404);

    let second = alice.upload("b.bin", vec![2; part]).await.unwrap();
    let sent = alice
        .send_with_files(&room, "here", &[&second.id])
        .await
        .unwrap();
    assert_eq!(alice.storage_usage().await.unwrap().used_bytes, part as i64);
    let deleted = alice.delete_message(&sent.id).await.unwrap();
    assert!(deleted.deleted && deleted.attachments.is_empty());
    assert_eq!(alice.storage_usage().await.unwrap().used_bytes, 0);
    assert_eq!(refused(alice.download(&second.id).await).0, 404);
    // Only bob's file is left on disk.
    assert_eq!(files_under(&app.dir.path().join("files")), 1);
}

/// A PNG whose header claims `width`×`height`, with no pixel data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32(&ihdr).to_be_bytes());
    png.extend(0u32.to_be_bytes());
    png.extend(b"IEND");
    png.extend(crc32(b"IEND").to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn an_image_too_large_to_decode_or_broken_is_kept_as_a_plain_file() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    // 10,000 × 10,000 is 100 megapixels: 400 MB decoded. It is never decoded.
    let bomb = alice
        .upload("bomb.png", png_claiming(10_000, 10_000))
        .await
        .unwrap();
    assert_eq!(
        (bomb.content_type.as_str(), bomb.image),
        ("image/png", None)
    );
    let mut broken = picture(50, 50, ImageFormat::Png);
    broken.truncate(60);
    let broken = alice.upload("broken.png", broken).await.unwrap();
    assert_eq!(broken.image, None);
    for file in [&bomb, &broken] {
        let download = alice.download(&file.id).await.unwrap();
        assert!(download.content_disposition.starts_with("attachment"));
        assert_eq!(refused(alice.thumbnail(&file.id).await).0, 404);
    }
}

#[tokio::test]
async fn a_retried_send_with_files_answers_with_the_original_message() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general_of(&alice).await;
    let file = alice.upload("a.txt", b"once".to_vec()).await.unwrap();
    let send = serde_json::json!({"body": "", "client_id": "files-1", "attachments": [file.id]});
    let post = || {
        reqwest::Client::new()
            .post(format!("{}/api/v1/rooms/{room}/messages", app.base))
            .bearer_auth(alice.token().unwrap())
            .json(&send)
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: natter_client::proto::Message = first.json().await.unwrap();
    let retry = post().await.unwrap();
    assert_eq!(retry.status(), 200, "a retry is answered, not refused");
    let retry: natter_client::proto::Message = retry.json().await.unwrap();
    assert_eq!(retry, first);
    let page = alice.messages(&room, History::default()).await.unwrap();
    assert_eq!(page.messages.len(), 1, "stored once");
}

#[tokio::test]
async fn a_browser_copy_is_reused_only_while_the_file_may_still_be_read() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general_of(&alice).await;
    let file = alice.upload("a.txt", b"cached".to_vec()).await.unwrap();
    let sent = alice.send_with_files(&room, "", &[&file.id]).await.unwrap();
    let path = format!("{}/api/v1/files/{}", app.base, file.id);
    let first = raw_get(&alice, &format!("/files/{}", file.id)).await;
    let etag = header(&first, "etag").to_owned();
    assert!(!etag.is_empty());
    assert_eq!(header(&first, "cache-control"), "private, no-cache");
    let revalidate = || {
        reqwest::Client::new()
            .get(&path)
            .bearer_auth(alice.token().unwrap())
            .header("if-none-match", &etag)
            .send()
    };
    assert_eq!(revalidate().await.unwrap().status(), 304);
    alice.delete_message(&sent.id).await.unwrap();
    assert_eq!(revalidate().await.unwrap().status(), 404);
}
