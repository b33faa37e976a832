//! Core's rules for the values a request carries, written onto the schemas of the fields that
//! carry them, so that a body the document calls valid is one the server takes.

use natter_core::{
    AuditKind, ClientId, DisplayName, FileName, MessageBody, Password, Reason, RoomName,
    SearchTerms, ServerName, StatusText, TextRule, Topic, Username, MAX_ATTACHMENTS, MAX_DM_OTHERS,
    MAX_SANCTION_SECS, MAX_SLOW_MODE_SECS,
};
use serde_json::{json, Value};

/// A text rule as JSON Schema keywords (they apply to strings and leave `null` alone).
fn text(rule: &TextRule) -> Value {
    let mut schema = json!({ "minLength": rule.min_chars });
    if let Some(max) = rule.max_chars {
        schema["maxLength"] = json!(max);
    }
    if let Some(pattern) = rule.pattern {
        schema["pattern"] = json!(pattern);
    }
    schema
}

/// An id sent in a body or a query: a decimal integer as a string.
fn id() -> Value {
    json!({ "pattern": "^[0-9]{1,18}$" })
}

/// `rule` for a string that must be there: the keywords above leave the type to the field
/// they go on (which may also take `null`).
fn string(mut rule: Value) -> Value {
    rule["type"] = json!("string");
    rule
}

/// A time in a query: RFC 3339, or a day (`YYYY-MM-DD`, UTC).
fn time() -> Value {
    json!({ "type": "string", "anyOf": [
        { "type": "string", "format": "date-time" },
        { "type": "string", "format": "date" },
    ]})
}

/// One of the given words.
fn one_of(words: &[&str]) -> Value {
    json!({ "enum": words })
}

/// A number of seconds a ban or mute lasts.
fn sanction_secs() -> Value {
    json!({ "minimum": 1, "maximum": MAX_SANCTION_SECS })
}

/// Merges `extra`'s keywords into the schema at `target`.
fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

/// Puts the rules on the body schemas' fields and the operations' query parameters.
pub fn apply(doc: &mut Value) {
    let fields: Vec<(&str, &str, Value)> = vec![
        ("RegisterRequest", "username", text(&Username::RULE)),
        ("RegisterRequest", "password", text(&Password::RULE)),
        ("RegisterRequest", "display_name", text(&DisplayName::RULE)),
        ("CreateUserRequest", "username", text(&Username::RULE)),
        ("CreateUserRequest", "password", text(&Password::RULE)),
        (
            "CreateUserRequest",
            "display_name",
            text(&DisplayName::RULE),
        ),
        (
            "ResetPasswordRequest",
            "new_password",
            text(&Password::RULE),
        ),
        (
            "ChangePasswordRequest",
            "new_password",
            text(&Password::RULE),
        ),
        (
            "UpdateProfileRequest",
            "display_name",
            text(&DisplayName::RULE),
        ),
        ("UpdateProfileRequest", "status", text(&StatusText::RULE)),
        ("CreateRoomRequest", "name", text(&RoomName::RULE)),
        ("CreateRoomRequest", "topic", text(&Topic::RULE)),
        ("UpdateRoomRequest", "name", text(&RoomName::RULE)),
        ("UpdateRoomRequest", "topic", text(&Topic::RULE)),
        (
            "UpdateRoomRequest",
            "slow_mode_secs",
            json!({ "maximum": MAX_SLOW_MODE_SECS }),
        ),
        ("EditMessageRequest", "body", text(&MessageBody::RULE)),
        (
            "SendMessageRequest",
            "body",
            text(&MessageBody::CAPTION_RULE),
        ),
        ("SendMessageRequest", "client_id", text(&ClientId::RULE)),
        ("SendMessageRequest", "reply_to", id()),
        (
            "SendMessageRequest",
            "attachments",
            json!({ "maxItems": MAX_ATTACHMENTS, "items": string(id()) }),
        ),
        ("AddMemberRequest", "user_id", id()),
        (
            "OpenDmRequest",
            "user_ids",
            json!({ "minItems": 1, "maxItems": MAX_DM_OTHERS, "items": string(id()) }),
        ),
        ("ReasonRequest", "reason", text(&Reason::RULE)),
        ("ReportRequest", "reason", text(&Reason::RULE)),
        ("BanRequest", "reason", text(&Reason::RULE)),
        ("BanRequest", "user_id", id()),
        ("BanRequest", "duration_secs", sanction_secs()),
        ("MuteRequest", "reason", text(&Reason::RULE)),
        ("MuteRequest", "user_id", id()),
        ("MuteRequest", "duration_secs", sanction_secs()),
        ("ResolveReportRequest", "note", text(&Reason::RULE)),
        ("ResolveReportRequest", "duration_secs", sanction_secs()),
        (
            "UpdateSettingsRequest",
            "server_name",
            text(&ServerName::RULE),
        ),
        (
            "UpdateSettingsRequest",
            "default_room_ids",
            json!({ "maxItems": 20, "items": string(id()) }),
        ),
    ];
    let schemas = &mut doc["components"]["schemas"];
    schemas["RoomExport"]["properties"]["format"] = json!({ "const": "natter-room-export" });
    schemas["RoomExport"]["properties"]["version"] = json!({ "const": 1 });
    for (schema, field, rule) in fields {
        merge(&mut schemas[schema]["properties"][field], rule);
    }
    // A message needs words unless it carries files.
    merge(
        &mut schemas["SendMessageRequest"],
        json!({ "anyOf": [
            { "properties": { "body": text(&MessageBody::RULE) } },
            { "required": ["attachments"], "properties": { "attachments": { "minItems": 1 } } },
        ]}),
    );
    // A mute needs a length; other actions may have one.
    merge(
        &mut schemas["ResolveReportRequest"],
        json!({ "anyOf": [
            { "properties": { "action": { "enum": ["dismiss", "delete", "kick", "ban"] } } },
            { "required": ["duration_secs"], "properties": { "duration_secs": { "type": "integer" } } },
        ]}),
    );
    let kinds: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    let query: Vec<(&str, &str, &str, Value)> = vec![
        ("/files", "post", "name", text(&FileName::RULE)),
        ("/search", "get", "q", text(&SearchTerms::RULE)),
        ("/search", "get", "room_id", id()),
        ("/search", "get", "sender_id", id()),
        ("/search", "get", "from", time()),
        ("/search", "get", "to", time()),
        ("/admin/audit", "get", "actor", id()),
        ("/admin/audit", "get", "user", id()),
        ("/admin/audit", "get", "room", id()),
        ("/admin/audit", "get", "before", id()),
        ("/admin/audit", "get", "kind", one_of(&kinds)),
        ("/admin/audit", "get", "from", time()),
        ("/admin/audit", "get", "to", time()),
        ("/admin/users/{id}", "delete", "reason", text(&Reason::RULE)),
        ("/reports", "get", "room", id()),
        ("/reports", "get", "status", one_of(&["open", "all"])),
        (
            "/rooms/{id}/export",
            "get",
            "format",
            one_of(&["json", "html"]),
        ),
    ];
    for (path, method, name, rule) in query {
        let params = doc["paths"][path][method]["parameters"].as_array_mut();
        let param = params.and_then(|ps| ps.iter_mut().find(|p| p["name"] == name));
        // A rule for a parameter the operation no longer has is a mistake in this table.
        let param = param.unwrap_or_else(|| panic!("no parameter {name} on {method} {path}"));
        param["schema"] = string(rule);
    }
    import_body(doc);
    unsigned_32(doc);
}

/// What `POST /rooms/import` reads: an export whose room has a name and topic that a room
/// here may have. (Exports themselves may hold rooms that could not be made today.)
fn import_body(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut body = schemas["RoomExport"].clone();
    body["properties"]["room"] = json!({ "allOf": [
        { "$ref": "#/components/schemas/Room" },
        { "properties": { "name": text(&RoomName::RULE), "topic": text(&Topic::RULE) } },
    ]});
    schemas["ImportRequest"] = body;
    doc["paths"]["/rooms/import"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({ "$ref": "#/components/schemas/ImportRequest" });
}

/// utoipa writes a `u32` as `int32` from 0, which tools read as at most 2^31 - 1; the server
/// takes up to 2^32 - 1.
fn unsigned_32(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format") == Some(&json!("int32")) && map.get("minimum") == Some(&json!(0)) {
                map.insert("format".into(), json!("int64"));
                map.entry("maximum").or_insert(json!(u32::MAX));
            }
            map.values_mut().for_each(unsigned_32);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_32),
        _ => {}
    }
}
