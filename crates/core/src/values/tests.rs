//! The value rules, each tried with what it takes and what it refuses.

use super::*;

#[test]
fn usernames_are_lowercased_and_limited_to_the_allowed_characters() {
    assert_eq!(
        Username::parse("Alice_1.x-y").unwrap().as_str(),
        "alice_1.x-y"
    );
    assert!(Username::parse("ab").is_err());
    assert!(Username::parse(&"a".repeat(33)).is_err());
    assert!(Username::parse(&"a".repeat(32)).is_ok());
    assert!(Username::parse("al ice").is_err());
    assert!(Username::parse("alicé").is_err());
    assert!(Username::parse("al/ce").is_err());
}

#[test]
fn passwords_keep_every_character_and_are_never_truncated() {
    assert!(Password::parse("short").is_err());
    let long = "x".repeat(1000) + "  ";
    assert_eq!(Password::parse(&long).unwrap().expose(), long);
    assert!(Password::parse(&"x".repeat(1025)).is_err());
    assert_eq!(
        format!("{:?}", Password::parse("hunter22").unwrap()),
        "Password(<redacted>)"
    );
}

#[test]
fn message_bodies_are_trimmed_and_counted_in_characters() {
    assert_eq!(MessageBody::parse("  hi \n").unwrap().as_str(), "hi");
    assert!(MessageBody::parse("   \n\t ").is_err());
    assert!(MessageBody::parse(&"é".repeat(4000)).is_ok());
    assert!(MessageBody::parse(&"é".repeat(4001)).is_err());
    assert!(MessageBody::parse("line one\nline two").is_ok());
    assert!(MessageBody::parse("bell\u{7}").is_err());
    assert_eq!(MessageBody::parse_caption("  \n").unwrap().as_str(), "");
    assert!(MessageBody::parse_caption(&"a".repeat(4001)).is_err());
}

#[test]
fn file_names_are_names_not_paths() {
    let name = |raw: &str| FileName::parse(raw).map(FileName::into_string);
    assert_eq!(name("photo.png").unwrap(), "photo.png");
    assert_eq!(name(" notes 1.txt ").unwrap(), "notes 1.txt");
    assert_eq!(name("résumé.pdf").unwrap(), "résumé.pdf");
    assert_eq!(name(" . . ").unwrap(), ". .");
    assert_eq!(name("...").unwrap(), "...");
    for bad in [
        "",
        "  ",
        "dir/",
        "../../etc/passwd",
        "C:\\Users\\me\\notes.txt",
        "..",
        " . ",
        ".",
        "a\u{0}b",
        "line\nbreak",
        "cv\u{202e}fdp.exe",
    ] {
        assert!(name(bad).is_err(), "{bad:?} should be refused");
    }
    assert!(name(&"x".repeat(255)).is_ok());
    assert!(name(&"x".repeat(256)).is_err());
}

#[test]
fn names_and_topics_reject_control_characters_and_bad_lengths() {
    assert!(RoomName::parse("").is_err());
    assert!(RoomName::parse("dev\nops").is_err());
    assert_eq!(RoomName::parse(" dev ").unwrap().as_str(), "dev");
    assert!(Topic::parse("").is_ok());
    assert!(Topic::parse(&"t".repeat(501)).is_err());
    assert!(StatusText::parse("").is_ok());
    assert!(DisplayName::parse(" ").is_err());
}

#[test]
fn names_need_something_visible_and_nothing_that_reorders_text() {
    for invisible in [
        "\u{200b}",
        "\u{3164}\u{3164}",
        "\u{2800}",
        "\u{200e}\u{feff}",
        "\u{115f}",
    ] {
        assert!(DisplayName::parse(invisible).is_err(), "{invisible:?}");
        assert!(RoomName::parse(invisible).is_err(), "{invisible:?}");
    }
    for reordered in [
        "admin\u{202e}nimda",
        "ops\u{2066}x\u{2069}",
        "\u{202d}general",
    ] {
        assert!(DisplayName::parse(reordered).is_err(), "{reordered:?}");
        assert!(RoomName::parse(reordered).is_err(), "{reordered:?}");
    }
    // Right-to-left names, emoji sequences joined by ZWJ and accents are names like any.
    for fine in [
        "שלום",
        "مرحبا",
        "👨\u{200d}👩\u{200d}👧 family",
        "Zoë",
        "ops-team",
    ] {
        assert!(DisplayName::parse(fine).is_ok(), "{fine:?}");
        assert!(RoomName::parse(fine).is_ok(), "{fine:?}");
    }
    // A topic or status may say anything readable, as before.
    assert!(Topic::parse("\u{200b}").is_ok());
}

#[test]
fn reactions_are_single_emoji() {
    assert!(Emoji::parse("🎉").is_ok());
    assert!(Emoji::parse("👍🏽").is_ok());
    assert!(Emoji::parse("👨‍👩‍👧").is_ok());
    assert!(Emoji::parse("a").is_err());
    assert!(Emoji::parse("🎉🎉").is_err());
    assert!(Emoji::parse("").is_err());
}

#[test]
fn search_words_are_quoted_and_the_last_is_a_prefix() {
    assert_eq!(
        SearchTerms::parse("deploy fri").unwrap().unwrap().as_str(),
        "\"deploy\" \"fri\"*"
    );
    assert_eq!(
        SearchTerms::parse("a\" OR NEAR(x) -yes")
            .unwrap()
            .unwrap()
            .as_str(),
        "\"a\" \"OR\" \"NEAR\" \"x\" \"yes\"*"
    );
    assert_eq!(
        SearchTerms::parse("deploy f").unwrap().unwrap().as_str(),
        "\"deploy\" \"f\""
    );
    assert_eq!(SearchTerms::parse(" ?! ").unwrap(), None);
    assert!(SearchTerms::parse(&"x".repeat(201)).is_err());
}

#[test]
fn client_ids_are_short_printable_ascii() {
    assert!(ClientId::parse("abc-123").is_ok());
    assert!(ClientId::parse("").is_err());
    assert!(ClientId::parse("with space").is_err());
    assert!(ClientId::parse(&"a".repeat(65)).is_err());
}

/// Texts on every edge of the rules: lengths, spaces around, control, invisible and reordering
/// characters, path separators, dots.
fn edge_texts(max: usize) -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        " ",
        "a",
        " a ",
        "a\n",
        "\na",
        "a\tb",
        "\t",
        "\r\n",
        "x\u{7}",
        "\u{85}",
        "\u{a0}x",
        "\u{200b}",
        "\u{200b}x",
        "\u{202e}x",
        "\u{2066}",
        "\u{3164}\u{3164}",
        "\u{feff}",
        "\u{2028}",
        ".",
        "..",
        " . ",
        " .. ",
        "...",
        ". .",
        "a/b",
        "a\\b",
        "é",
        "Zoë",
        "👨\u{200d}👩\u{200d}👧",
        "abc",
        "ab",
        "Alice_1.x-y",
        " alice ",
        "al ice",
        "alicé",
        "\u{3000}abc\u{3000}",
        "\u{85}abc",
        "!~",
        "with space",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in [max.saturating_sub(1), max, max + 1] {
        texts.push("x".repeat(n));
        texts.push(format!(" {}", "x".repeat(n.saturating_sub(1))));
        texts.push(format!("{} ", "é".repeat(n.saturating_sub(1))));
    }
    texts
}

/// Whether `text` keeps to `rule` as a JSON Schema validator reads it.
fn keeps_to(rule: &TextRule, text: &str) -> bool {
    let n = text.chars().count();
    let pattern = rule
        .pattern
        .map(|p| regex::Regex::new(p).expect("a valid pattern"));
    n >= rule.min_chars
        && rule.max_chars.is_none_or(|max| n <= max)
        && pattern.is_none_or(|p| p.is_match(text))
}

#[test]
fn each_rule_says_exactly_what_its_parse_takes() {
    type Parse = fn(&str) -> bool;
    let cases: [(&str, TextRule, Parse, usize); 12] = [
        (
            "username",
            Username::RULE,
            |t| Username::parse(t).is_ok(),
            32,
        ),
        (
            "password",
            Password::RULE,
            |t| Password::parse(t).is_ok(),
            1024,
        ),
        (
            "display name",
            DisplayName::RULE,
            |t| DisplayName::parse(t).is_ok(),
            64,
        ),
        (
            "status",
            StatusText::RULE,
            |t| StatusText::parse(t).is_ok(),
            140,
        ),
        (
            "room name",
            RoomName::RULE,
            |t| RoomName::parse(t).is_ok(),
            64,
        ),
        ("topic", Topic::RULE, |t| Topic::parse(t).is_ok(), 500),
        ("reason", Reason::RULE, |t| Reason::parse(t).is_ok(), 500),
        (
            "server name",
            ServerName::RULE,
            |t| ServerName::parse(t).is_ok(),
            64,
        ),
        (
            "body",
            MessageBody::RULE,
            |t| MessageBody::parse(t).is_ok(),
            4000,
        ),
        (
            "caption",
            MessageBody::CAPTION_RULE,
            |t| MessageBody::parse_caption(t).is_ok(),
            4000,
        ),
        (
            "file name",
            FileName::RULE,
            |t| FileName::parse(t).is_ok(),
            255,
        ),
        (
            "client id",
            ClientId::RULE,
            |t| ClientId::parse(t).is_ok(),
            64,
        ),
    ];
    for (what, rule, parse, max) in cases {
        for text in edge_texts(max) {
            assert_eq!(
                keeps_to(&rule, &text),
                parse(&text),
                "{what}: the rule and parse disagree on {text:?}"
            );
        }
    }
}
