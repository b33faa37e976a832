//! Search latency on a large database: seeds N messages (default one million) spread over 200
//! rooms with a Zipf-distributed vocabulary, then times `Store::search` for a user who is a
//! member of 50 of the rooms (public rooms are searchable too) and prints percentiles.
//!
//! ```text
//! cargo run --release -p natter-store-sqlite --example search_bench -- [MESSAGES] [QUERIES] [DB]
//! ```
//!
//! Seeding writes straight to SQLite through the real schema (with its FTS triggers) in large
//! transactions, which is far faster than the server's per-message path; the searches go through
//! the real `Store` implementation. A database path given as the third argument is reused if it
//! already holds messages.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use natter_core::{NewRoom, NewUser, RoomKind, SearchQuery, SearchTerms, Store, UserId, Username};
use natter_store_sqlite::SqliteStore;

const ROOMS: usize = 200;
const MEMBER_OF: usize = 50;
const VOCABULARY: usize = 20_000;

/// xorshift64*: deterministic, so every run seeds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Pronounceable made-up words, distinct for distinct indexes.
fn word(mut i: usize) -> String {
    const SYLLABLES: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qua", "den", "fal", "gor",
        "hin", "jus", "mar", "nol", "pex", "rin", "sul", "tam", "wex", "yor",
    ];
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[i % SYLLABLES.len()]);
        i /= SYLLABLES.len();
        if i == 0 {
            break;
        }
    }
    w
}

/// Word ranks drawn with probability proportional to 1/rank (Zipf, s = 1), by inverse CDF.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                total += 1.0 / r as f64;
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.into_iter().map(|c| c / total).collect();
        Zipf { cumulative }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cumulative.partition_point(|c| *c < u)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let messages: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let queries: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let keep = args.get(3).map(PathBuf::from);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = keep.unwrap_or_else(|| dir.path().join("bench.db"));
    let store = SqliteStore::open(&path).expect("open store");
    let store: Arc<dyn Store> = Arc::new(store);
    let zipf = Zipf::new(VOCABULARY);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let searcher = seed(&store, &path, messages, &zipf, &mut rng).await;

    // Query mix: one word of any frequency, two words, and a prefix of a rarer word.
    let mut times = Vec::with_capacity(queries);
    let mut total_hits = 0usize;
    for i in 0..queries {
        let text = match i % 3 {
            0 => word(zipf.sample(&mut rng)),
            1 => format!(
                "{} {}",
                word(zipf.sample(&mut rng)),
                word(zipf.sample(&mut rng))
            ),
            _ => {
                let w = word(100 + rng.below(VOCABULARY - 100));
                w[..w.len().min(5)].to_owned()
            }
        };
        let terms = SearchTerms::parse(&text).expect("query").expect("words");
        let query = SearchQuery {
            user: searcher,
            terms: terms.as_str().to_owned(),
            room: None,
            sender: None,
            from: None,
            to: None,
            offset: 0,
            limit: 20,
        };
        let started = Instant::now();
        let hits = store.search(query).await.expect("search");
        times.push(started.elapsed());
        total_hits += hits.len();
    }
    times.sort();
    println!(
        "search over {messages} messages, {queries} queries ({} results in all): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        total_hits,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().unwrap().as_secs_f64() * 1000.0,
    );
}

/// Creates users and rooms through the store and bulk-inserts messages with plain SQL.
async fn seed(
    store: &Arc<dyn Store>,
    path: &std::path::Path,
    messages: usize,
    zipf: &Zipf,
    rng: &mut Rng,
) -> UserId {
    let new_user = |name: &str| NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.to_owned(),
        password_hash: "x".into(),
        invite: None,
        default_rooms: None,
    };
    let existing = store
        .users_by_prefix("searcher", 1)
        .await
        .expect("users")
        .into_iter()
        .next();
    if let Some(user) = existing {
        println!("reusing the database at {}", path.display());
        return user.id;
    }
    let searcher = store.create_user(new_user("searcher")).await.unwrap().id;
    let writer = store.create_user(new_user("writer")).await.unwrap().id;
    let mut rooms = Vec::with_capacity(ROOMS);
    for i in 0..ROOMS {
        // A quarter public, the rest private; the searcher is in the first MEMBER_OF.
        let kind = if i % 4 == 0 {
            RoomKind::Public
        } else {
            RoomKind::Private
        };
        let room = store
            .create_room(NewRoom {
                name: format!("room-{i}"),
                topic: String::new(),
                kind,
                creator: writer,
            })
            .await
            .unwrap();
        if i < MEMBER_OF {
            store.add_member(room.id, searcher).await.unwrap();
        }
        rooms.push(room.id);
    }
    let started = Instant::now();
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;")
        .unwrap();
    let mut seqs = vec![0i64; ROOMS];
    let base = 1_700_000_000_000i64;
    let mut done = 0;
    while done < messages {
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO messages (room_id, seq, sender_id, body, html, created_at)
                     VALUES (?1, ?2, ?3, ?4, '', ?5)",
                )
                .unwrap();
            for _ in 0..50_000.min(messages - done) {
                let r = rng.below(ROOMS);
                seqs[r] += 1;
                let words = 4 + rng.below(16);
                let body = (0..words)
                    .map(|_| word(zipf.sample(rng)))
                    .collect::<Vec<_>>()
                    .join(" ");
                let at = base + done as i64 * 1000;
                insert
                    .execute(rusqlite::params![rooms[r].0, seqs[r], writer.0, body, at])
                    .unwrap();
                done += 1;
            }
        }
        tx.commit().unwrap();
    }
    // The server indexes each batch as it commits it; here, all at once.
    conn.execute_batch("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        .unwrap();
    for (r, seq) in rooms.iter().zip(&seqs) {
        conn.execute(
            "UPDATE rooms SET last_seq = ?2 WHERE id = ?1",
            rusqlite::params![r.0, seq],
        )
        .unwrap();
    }
    conn.execute_batch("INSERT INTO messages_fts (messages_fts) VALUES ('optimize'); ANALYZE;")
        .unwrap();
    println!(
        "seeded {messages} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    searcher
}
