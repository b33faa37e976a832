//! The server's side of a WebSocket (RFC 6455) over an upgraded connection, kept lean for the
//! tens of thousands of connections one process holds.
//!
//! tungstenite (through axum) kept a read buffer and a write buffer per connection for its whole
//! life, copied each outgoing frame into the write buffer, and checked each frame's UTF-8 again
//! for every recipient. Here nothing is buffered while a connection is idle: a read lands in a
//! buffer on the stack for the length of one poll and is kept only while a frame is incomplete,
//! and a batch of outgoing frames is encoded into one buffer that lives for one write.
//! tungstenite still parses and formats the frame headers.

use std::io::{self, Cursor};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// The connection a WebSocket runs over once the HTTP upgrade is done.
pub type Upgraded = hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>;

/// Bytes taken from the connection per read, into a buffer that exists only during the read.
const READ_CHUNK: usize = 8 * 1024;

/// A control frame's payload is at most this long (RFC 6455 §5.5).
const MAX_CONTROL: u64 = 125;

/// A whole message from the client, or a control frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    Text(String),
    Binary,
    Ping(Vec<u8>),
    Pong,
    /// The client closes, with its status code if it gave one.
    Close(Option<u16>),
}

/// Why reading stopped. The first three close the connection with 1002, 1007 and 1009.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    #[error("protocol error: {0}")]
    Protocol(&'static str),
    #[error("a text message that is not UTF-8")]
    NotUtf8,
    #[error("a message over the size limit")]
    TooBig,
    #[error("the connection ended")]
    Ended,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A frame the server sends.
#[derive(Debug, Clone, Copy)]
pub enum Outgoing<'a> {
    Text(&'a [u8]),
    Ping,
    Pong(&'a [u8]),
    Close(u16, &'a str),
}

pub struct Socket<S = Upgraded> {
    io: S,
    /// Bytes read and not yet a whole frame. Empty and unallocated while the client is quiet.
    pending: Vec<u8>,
    /// A fragmented message so far: whether it is text, and its bytes.
    fragments: Option<(bool, Vec<u8>)>,
    /// The largest message (and so frame) accepted.
    max_message: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Socket<S> {
    pub fn new(io: S, max_message: usize) -> Self {
        Socket {
            io,
            pending: Vec::new(),
            fragments: None,
            max_message,
        }
    }

    /// The next message or control frame. Cancel-safe: everything read is kept in `self`, so a
    /// `select!` may drop this future and call it again without losing bytes.
    pub async fn recv(&mut self) -> Result<Incoming, WsError> {
        loop {
            if let Some(incoming) = self.parse()? {
                return Ok(incoming);
            }
            std::future::poll_fn(|cx| self.poll_fill(cx)).await?;
        }
    }

    /// Reads what the connection has into `pending`. The read buffer is on the stack, so an
    /// idle connection holds none; when the read would block nothing is kept.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let mut chunk = [const { MaybeUninit::<u8>::uninit() }; READ_CHUNK];
        let mut buf = ReadBuf::uninit(&mut chunk);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut buf))?;
        if buf.filled().is_empty() {
            return Poll::Ready(Err(WsError::Ended));
        }
        self.pending.extend_from_slice(buf.filled());
        Poll::Ready(Ok(()))
    }

    /// Takes whole frames from `pending` until one completes a message or is a control frame.
    fn parse(&mut self) -> Result<Option<Incoming>, WsError> {
        loop {
            let mut cursor = Cursor::new(&self.pending[..]);
            let Some((header, len)) =
                FrameHeader::parse(&mut cursor).map_err(|_| WsError::Protocol("bad header"))?
            else {
                return Ok(None);
            };
            let mask = check(&header, len, self.max_message)?;
            let start = cursor.position() as usize;
            let end = start + len as usize;
            if self.pending.len() < end {
                self.pending.reserve(end - self.pending.len());
                return Ok(None);
            }
            let mut payload = self.pending[start..end].to_vec();
            self.pending.drain(..end);
            if self.pending.is_empty() {
                // Frees the buffer: a quiet connection holds nothing.
                self.pending = Vec::new();
            }
            unmask(&mut payload, mask);
            if let Some(incoming) = self.take_frame(&header, payload)? {
                return Ok(Some(incoming));
            }
        }
    }

    fn take_frame(
        &mut self,
        header: &FrameHeader,
        payload: Vec<u8>,
    ) -> Result<Option<Incoming>, WsError> {
        let (text, bytes) = match header.opcode {
            OpCode::Control(Control::Ping) => return Ok(Some(Incoming::Ping(payload))),
            OpCode::Control(Control::Pong) => return Ok(Some(Incoming::Pong)),
            OpCode::Control(Control::Close) => return close_code(&payload).map(Some),
            OpCode::Control(Control::Reserved(_)) | OpCode::Data(Data::Reserved(_)) => {
                return Err(WsError::Protocol("reserved opcode"))
            }
            OpCode::Data(Data::Continue) => {
                let (text, mut so_far) = self
                    .fragments
                    .take()
                    .ok_or(WsError::Protocol("a continuation with nothing to continue"))?;
                if so_far.len() + payload.len() > self.max_message {
                    return Err(WsError::TooBig);
                }
                so_far.extend_from_slice(&payload);
                (text, so_far)
            }
            OpCode::Data(data) => {
                if self.fragments.is_some() {
                    return Err(WsError::Protocol("a new message inside a fragmented one"));
                }
                (data == Data::Text, payload)
            }
        };
        if !header.is_final {
            self.fragments = Some((text, bytes));
            return Ok(None);
        }
        if !text {
            return Ok(Some(Incoming::Binary));
        }
        String::from_utf8(bytes)
            .map(|s| Some(Incoming::Text(s)))
            .map_err(|_| WsError::NotUtf8)
    }

    /// Writes bytes made by [`encode`] and flushes them.
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }
}

/// Checks a client frame's header against RFC 6455 and the size limit; returns its mask.
fn check(header: &FrameHeader, len: u64, max_message: usize) -> Result<[u8; 4], WsError> {
    if header.rsv1 || header.rsv2 || header.rsv3 {
        return Err(WsError::Protocol("reserved bits set"));
    }
    let Some(mask) = header.mask else {
        return Err(WsError::Protocol("client frames must be masked"));
    };
    if let OpCode::Control(_) = header.opcode {
        if len > MAX_CONTROL || !header.is_final {
            return Err(WsError::Protocol("control frames are short and whole"));
        }
    }
    if len > max_message as u64 {
        return Err(WsError::TooBig);
    }
    Ok(mask)
}

fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// A close frame's status code (RFC 6455 §7.4), checked.
fn close_code(payload: &[u8]) -> Result<Incoming, WsError> {
    let (code, reason) = match payload {
        [] => return Ok(Incoming::Close(None)),
        [_] => return Err(WsError::Protocol("a close frame of one byte")),
        [a, b, reason @ ..] => (u16::from_be_bytes([*a, *b]), reason),
    };
    let defined = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
    if !defined {
        return Err(WsError::Protocol("an undefined close code"));
    }
    std::str::from_utf8(reason).map_err(|_| WsError::NotUtf8)?;
    Ok(Incoming::Close(Some(code)))
}

/// Appends one server frame (never masked, never fragmented) to `out`.
pub fn encode(out: &mut Vec<u8>, frame: Outgoing<'_>) {
    let (opcode, payload): (_, &[u8]) = match frame {
        Outgoing::Text(bytes) => (OpCode::Data(Data::Text), bytes),
        Outgoing::Ping => (OpCode::Control(Control::Ping), &[]),
        Outgoing::Pong(bytes) => (OpCode::Control(Control::Pong), bytes),
        Outgoing::Close(code, reason) => {
            let header = FrameHeader {
                opcode: OpCode::Control(Control::Close),
                ..FrameHeader::default()
            };
            let reason = &reason.as_bytes()[..reason.len().min(MAX_CONTROL as usize - 2)];
            let _ = header.format(2 + reason.len() as u64, out);
            out.extend_from_slice(&code.to_be_bytes());
            out.extend_from_slice(reason);
            return;
        }
    };
    let header = FrameHeader {
        opcode,
        ..FrameHeader::default()
    };
    // Writing to a Vec cannot fail.
    let _ = header.format(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{duplex, AsyncReadExt, DuplexStream};

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [9u8, 8, 7, 6];
        let mut frame = vec![first];
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | n as u8),
            n @ 126..=65535 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    }

    fn socket(max: usize) -> (Socket<DuplexStream>, DuplexStream) {
        let (server, client) = duplex(1 << 20);
        (Socket::new(server, max), client)
    }

    #[tokio::test]
    async fn a_message_split_across_reads_and_fragments_arrives_whole() {
        let (mut ws, mut client) = socket(1 << 16);
        let mut bytes = masked(0x01, b"{\"type\":");
        bytes.extend(masked(0x89, b"hi"));
        bytes.extend(masked(0x80, "\"pingé\"}".as_bytes()));
        let (a, b) = bytes.split_at(5);
        client.write_all(a).await.unwrap();
        let reader = tokio::spawn(async move {
            let first = ws.recv().await.unwrap();
            let second = ws.recv().await.unwrap();
            (first, second, ws)
        });
        tokio::task::yield_now().await;
        client.write_all(b).await.unwrap();
        let (first, second, ws) = reader.await.unwrap();
        assert_eq!(
            first,
            Incoming::Ping(b"hi".to_vec()),
            "control frames may interleave"
        );
        assert_eq!(second, Incoming::Text("{\"type\":\"pingé\"}".into()));
        assert_eq!(
            ws.pending.capacity(),
            0,
            "nothing is held once the frame is taken"
        );
    }

    #[tokio::test]
    async fn a_large_message_is_read_in_several_chunks() {
        let (mut ws, mut client) = socket(1 << 20);
        let body = "x".repeat(3 * READ_CHUNK + 17);
        client
            .write_all(&masked(0x81, body.as_bytes()))
            .await
            .unwrap();
        assert_eq!(ws.recv().await.unwrap(), Incoming::Text(body));
    }

    #[tokio::test]
    async fn broken_frames_are_refused_with_the_right_error() {
        let cases: [(Vec<u8>, &str); 8] = [
            (masked(0x81, &[0xff, 0xfe]), "NotUtf8"),
            (masked(0xc1, b"{}"), "Protocol"),
            (vec![0x81, 0x02, b'{', b'}'], "Protocol"),
            (masked(0x83, b"x"), "Protocol"),
            (masked(0x80, b"x"), "Protocol"),
            (masked(0x09, b"x"), "Protocol"),
            (masked(0x88, &[0x03]), "Protocol"),
            (masked(0x81, &[b'a'; 200]), "TooBig"),
        ];
        for (bytes, want) in cases {
            let (mut ws, mut client) = socket(100);
            client.write_all(&bytes).await.unwrap();
            let err = ws.recv().await.unwrap_err();
            assert!(format!("{err:?}").starts_with(want), "{bytes:?}: {err:?}");
        }
    }

    #[tokio::test]
    async fn a_fragmented_message_over_the_limit_is_refused() {
        let (mut ws, mut client) = socket(100);
        client.write_all(&masked(0x01, &[b'a'; 60])).await.unwrap();
        client.write_all(&masked(0x80, &[b'a'; 60])).await.unwrap();
        assert!(matches!(ws.recv().await, Err(WsError::TooBig)));
    }

    #[tokio::test]
    async fn close_codes_are_read_and_checked() {
        let (mut ws, mut client) = socket(100);
        let mut close = 1001u16.to_be_bytes().to_vec();
        close.extend_from_slice(b"bye");
        client.write_all(&masked(0x88, &close)).await.unwrap();
        assert_eq!(ws.recv().await.unwrap(), Incoming::Close(Some(1001)));
        let (mut ws, mut client) = socket(100);
        client
            .write_all(&masked(0x88, &1005u16.to_be_bytes()))
            .await
            .unwrap();
        assert!(matches!(ws.recv().await, Err(WsError::Protocol(_))));
    }

    #[tokio::test]
    async fn the_end_of_the_connection_is_reported() {
        let (mut ws, client) = socket(100);
        drop(client);
        assert!(matches!(ws.recv().await, Err(WsError::Ended)));
    }

    #[tokio::test]
    async fn frames_are_encoded_unmasked_with_the_right_length() {
        let (mut ws, mut client) = socket(100);
        let long = vec![b'z'; 300];
        let mut out = Vec::new();
        encode(&mut out, Outgoing::Text(b"hi"));
        encode(&mut out, Outgoing::Text(&long));
        encode(&mut out, Outgoing::Ping);
        encode(&mut out, Outgoing::Close(4000, "behind"));
        ws.write_all(&out).await.unwrap();
        drop(ws);
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        let mut want = vec![0x81, 2, b'h', b'i', 0x81, 126, 1, 44];
        want.extend_from_slice(&long);
        want.extend_from_slice(&[0x89, 0, 0x88, 8, 0x0f, 0xa0]);
        want.extend_from_slice(b"behind");
        assert_eq!(got, want);
    }
}
