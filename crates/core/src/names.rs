//! Room names that look alike: a public room may not take a name that reads as an existing
//! public room's (`general` and `generaI`, Cyrillic `оps` and `ops`, `dev-ops` and `dev ops`).

use unicode_security::confusable_detection::skeleton;

use crate::{Error, Room, RoomId, RoomKind, Service, UserId};

/// What a name looks like: its UTS #39 confusable skeleton, lowercased, with the separators
/// and invisible characters people cannot tell apart left out.
pub fn look_alike_key(name: &str) -> String {
    let folded: String = skeleton(name).flat_map(char::to_lowercase).collect();
    // Lowercasing can make new confusables (`I` to `i`): fold once more.
    let folded: String = skeleton(&folded).flat_map(char::to_lowercase).collect();
    let letters: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    // A name of only symbols (emoji) is compared whole, not as nothing.
    if letters.is_empty() {
        folded.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        letters
    }
}

impl Service {
    /// `Conflict("room name")` if another public room's name looks like `name`.
    pub(crate) async fn check_public_name(
        &self,
        user: UserId,
        name: &str,
        except: Option<RoomId>,
    ) -> Result<(), Error> {
        let key = look_alike_key(name);
        let rooms = self.store.visible_rooms(user).await?;
        let taken = |r: &Room| {
            r.kind == RoomKind::Public && Some(r.id) != except && look_alike_key(&r.name) == key
        };
        if rooms.iter().any(taken) {
            return Err(Error::Conflict("room name"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_read_alike_have_one_key() {
        let general = look_alike_key("general");
        for alike in [
            "General",
            "generaI",
            "gener\u{430}l",
            "g e n e r a l",
            "gen-eral",
            "GENERAL",
        ] {
            assert_eq!(look_alike_key(alike), general, "{alike}");
        }
        assert_eq!(look_alike_key("\u{43e}ps"), look_alike_key("ops"));
        assert_eq!(look_alike_key("rnodern"), look_alike_key("modern"));
        assert_ne!(look_alike_key("general"), look_alike_key("generals"));
        assert_ne!(look_alike_key("ops"), look_alike_key("dev"));
        assert_ne!(
            look_alike_key("🎉"),
            look_alike_key("🚀"),
            "symbol-only names differ"
        );
        assert_eq!(look_alike_key("🎉 🎉"), look_alike_key("🎉🎉"));
    }
}
