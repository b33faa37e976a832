//! Who is in which room, and who says what when: drawn once, from a fixed seed, before any
//! load, so every member knows exactly what it should receive.

use std::time::Duration;

/// Rooms whose sizes follow Zipf's law: room `k` (from 1) has about `people / k` members, so
/// one room holds everyone (a community's #general) and most are small (teams, DMs).
pub struct Town {
    /// Each room's members, as indices into the people; the first is the room's owner.
    pub rooms: Vec<Vec<usize>>,
    /// Each person's rooms, as indices into `rooms`.
    pub rooms_of: Vec<Vec<usize>>,
}

impl Town {
    pub fn zipf(people: usize, rooms: usize, rng: &mut fastrand::Rng) -> Town {
        let mut town = Town {
            rooms: Vec::with_capacity(rooms),
            rooms_of: vec![Vec::new(); people],
        };
        let mut everyone: Vec<usize> = (0..people).collect();
        for k in 1..=rooms {
            let size = (people / k).clamp(2.min(people), people);
            rng.shuffle(&mut everyone);
            let mut members = everyone[..size].to_vec();
            members.sort_unstable();
            for &person in &members {
                town.rooms_of[person].push(town.rooms.len());
            }
            town.rooms.push(members);
        }
        town
    }

    /// Deliveries per message on average when each sender picks one of their rooms evenly:
    /// the members of the chosen room other than the sender.
    pub fn mean_fanout(&self) -> f64 {
        let people = self.rooms_of.len().max(1) as f64;
        self.rooms_of
            .iter()
            .filter(|mine| !mine.is_empty())
            .map(|mine| {
                let per_room = 1.0 / mine.len() as f64;
                mine.iter()
                    .map(|&r| per_room * (self.rooms[r].len() - 1) as f64)
                    .sum::<f64>()
            })
            .sum::<f64>()
            / people
    }
}

/// One message a person will send.
#[derive(Debug, Clone, Copy)]
pub struct Say {
    /// When, from the start of the load.
    pub at: Duration,
    pub room: usize,
    /// Unique across the run: the body carries it, and so does the send's client id.
    pub id: u64,
}

/// What each person sends and which messages from others each should receive, for
/// `total` messages spread evenly over `duration`, each by a person drawn at random into one
/// of their rooms drawn at random.
pub struct Script {
    pub says: Vec<Vec<Say>>,
    /// The ids each person should receive, ascending.
    pub expected: Vec<Vec<u64>>,
    pub deliveries: u64,
}

impl Script {
    pub fn draw(town: &Town, total: u64, duration: Duration, rng: &mut fastrand::Rng) -> Script {
        let people = town.rooms_of.len();
        let mut script = Script {
            says: vec![Vec::new(); people],
            expected: vec![Vec::new(); people],
            deliveries: 0,
        };
        let speakers: Vec<usize> = (0..people)
            .filter(|&p| !town.rooms_of[p].is_empty())
            .collect();
        if speakers.is_empty() {
            return script;
        }
        for id in 0..total {
            let at = duration.mul_f64(id as f64 / total as f64);
            let person = speakers[rng.usize(..speakers.len())];
            let mine = &town.rooms_of[person];
            let room = mine[rng.usize(..mine.len())];
            script.says[person].push(Say { at, room, id });
            for &member in town.rooms[room].iter().filter(|&&m| m != person) {
                script.expected[member].push(id);
                script.deliveries += 1;
            }
        }
        script
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_shrink_as_zipf_says_and_the_first_holds_everyone() {
        let town = Town::zipf(1_000, 100, &mut fastrand::Rng::with_seed(1));
        let sizes: Vec<usize> = town.rooms.iter().map(Vec::len).collect();
        assert_eq!(&sizes[..4], &[1_000, 500, 333, 250]);
        assert_eq!(sizes[99], 10);
        assert!(town.rooms_of.iter().all(|mine| mine.contains(&0)));
        for (r, members) in town.rooms.iter().enumerate() {
            assert!(members.iter().all(|&m| town.rooms_of[m].contains(&r)));
        }
        // Each person is in #general; a 1-in-k room adds 1/k: about 1 + ln(100) rooms each.
        let memberships: usize = sizes.iter().sum();
        assert!((4_800..5_400).contains(&memberships), "{memberships}");
    }

    #[test]
    fn the_script_expects_each_message_at_every_other_member_of_its_room() {
        let town = Town::zipf(50, 8, &mut fastrand::Rng::with_seed(2));
        let script = Script::draw(
            &town,
            400,
            Duration::from_secs(4),
            &mut fastrand::Rng::with_seed(3),
        );
        let said: Vec<&Say> = script.says.iter().flatten().collect();
        assert_eq!(said.len(), 400);
        let mut expected = vec![Vec::new(); 50];
        for say in said.iter().copied() {
            let person = (0..50).find(|&p| script.says[p].iter().any(|s| s.id == say.id));
            let person = person.expect("every message has a sender");
            assert!(town.rooms[say.room].contains(&person));
            for &m in town.rooms[say.room].iter().filter(|&&m| m != person) {
                expected[m].push(say.id);
            }
        }
        for e in &mut expected {
            e.sort_unstable();
        }
        assert!(script
            .says
            .iter()
            .all(|s| s.windows(2).all(|w| w[0].at <= w[1].at)));
        assert_eq!(script.expected, expected);
        let total: usize = expected.iter().map(Vec::len).sum();
        assert_eq!(script.deliveries, total as u64);
        let mean = script.deliveries as f64 / 400.0;
        assert!(
            (mean - town.mean_fanout()).abs() < mean * 0.25,
            "{mean} vs {}",
            town.mean_fanout()
        );
    }
}
