//! The configuration's layering, checking and printing.

use super::*;

#[test]
fn later_layers_override_earlier_ones_and_defaults_fill_the_rest() {
    let file: Settings = toml::from_str("listen = \"0.0.0.0:9000\"\nheartbeat_secs = 5\n").unwrap();
    let flags = Settings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        ..Settings::default()
    };
    let config = Config::resolve(file.overridden_by(flags));
    assert_eq!(config.listen.to_string(), "127.0.0.1:0");
    assert_eq!(config.server.heartbeat_interval, Duration::from_secs(5));
    assert_eq!(config.data_dir, PathBuf::from("natter-data"));
    assert_eq!(config.server.typing_ttl, Duration::from_secs(6));
}

#[test]
fn the_printed_config_never_shows_the_metrics_token() {
    let config = Config::resolve(Settings {
        metrics_token: Some("s3cret-scrape-token".into()),
        ..Settings::default()
    });
    let printed = config.to_toml();
    assert!(!printed.contains("s3cret"), "{printed}");
    assert!(
        printed.contains("metrics_token = \"(redacted)\""),
        "{printed}"
    );
    assert!(!format!("{config:?}").contains("s3cret"));
}

#[test]
fn unknown_keys_in_the_file_are_rejected() {
    assert!(toml::from_str::<Settings>("lisen = \"x\"").is_err());
}

#[test]
fn rate_limits_are_checked_when_read_and_applied_in_order() {
    assert!(toml::from_str::<Settings>("rate_limits = [\"sned=1/1s\"]").is_err());
    assert!("send=0/1s".parse::<RateSetting>().is_err());
    let file: Settings = toml::from_str("rate_limits = [\"all=off\", \"send=5/10s\"]").unwrap();
    let config = Config::resolve(file);
    let rates = &config.server.rate_limits;
    assert_eq!(
        rates.get(natter_server::Limit::Send),
        natter_server::Rate::new(5, Duration::from_secs(10))
    );
    assert_eq!(rates.get(natter_server::Limit::Register), None);
}

#[test]
fn the_printed_config_reads_back_as_the_same_config() {
    let config = Config::resolve(Settings::default());
    let again: Settings = toml::from_str(&config.to_toml()).unwrap();
    assert_eq!(Config::resolve(again).to_toml(), config.to_toml());
}

#[test]
fn durability_is_full_unless_asked_and_reads_from_the_file() {
    assert_eq!(
        Config::resolve(Settings::default()).durability,
        Durability::Full
    );
    let file: Settings = toml::from_str("durability = \"normal\"").unwrap();
    assert_eq!(Config::resolve(file).durability, Durability::Normal);
    assert!(toml::from_str::<Settings>("durability = \"sometimes\"").is_err());
}
