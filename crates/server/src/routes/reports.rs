//! Reports: members flag messages; those who moderate the room resolve them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use natter_core::{Effect, MessageId, ReportAction};
use natter_hub::Recipients;
use natter_proto::admin::{
    Report, ReportActionKind, ReportRequest, ReportsResponse, ResolveReportRequest,
};
use natter_proto::{MemberEvent, ServerFrame};
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{id_from, ApiJson, ApiQuery, IdPath};
use crate::routes::users::reason_text;
use crate::{files, wire, ApiError, AppState};

/// `POST /messages/{id}/report`: the room's owner and moderators hear of it live.
#[utoipa::path(
    post,
    path = "/messages/{id}/report",
    operation_id = "report_message",
    tag = "moderation",
    request_body = natter_proto::admin::ReportRequest,
    responses((status = 201, description = "OK", body = natter_proto::admin::Report), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all, fields(message = %id))]
pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let report = state
        .service()
        .report(&authed.actor(), id, &req.reason)
        .await?;
    let room = state
        .service()
        .visible_room(authed.session.user.id, report.room)
        .await?;
    let staff: Vec<_> = room.owner.into_iter().chain(room.moderators).collect();
    let frame = wire::frame(&ServerFrame::Report {
        report: wire::report(&report),
    });
    state
        .hub()
        .publish(Recipients::Users(&staff), frame, None)
        .await;
    Ok((StatusCode::CREATED, Json(wire::report(&report))))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    room: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// `GET /reports?room=&status=open|all`: the queue of those the caller may handle.
#[utoipa::path(
    get,
    path = "/reports",
    operation_id = "list_reports",
    tag = "moderation",
    params(ListParams),
    responses((status = 200, description = "OK", body = natter_proto::admin::ReportsResponse), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ReportsResponse>, ApiError> {
    let room = p.room.as_deref().map(id_from).transpose()?;
    let include_resolved = match p.status.as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "invalid_query",
                "status is open or all".into(),
            ))
        }
    };
    let found = state
        .service()
        .reports(&authed.actor(), room, include_resolved)
        .await?;
    Ok(Json(ReportsResponse {
        reports: found.iter().map(wire::report).collect(),
    }))
}

/// `POST /reports/{id}/resolve`: acts, then tells everyone concerned, the reporter included.
#[utoipa::path(
    post,
    path = "/reports/{id}/resolve",
    operation_id = "resolve_report",
    tag = "moderation",
    request_body = natter_proto::admin::ResolveReportRequest,
    responses((status = 200, description = "OK", body = natter_proto::admin::Report), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(report = id))]
pub async fn resolve(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<i64>,
    ApiJson(req): ApiJson<ResolveReportRequest>,
) -> Result<Json<Report>, ApiError> {
    let action = match req.action {
        ReportActionKind::Dismiss => ReportAction::Dismiss,
        ReportActionKind::Delete => ReportAction::Delete,
        ReportActionKind::Kick => ReportAction::Kick,
        ReportActionKind::Ban => ReportAction::Ban(req.duration_secs),
        ReportActionKind::Mute => ReportAction::Mute(req.duration_secs.ok_or_else(|| {
            ApiError::BadRequest("invalid_request", "a mute needs duration_secs".into())
        })?),
    };
    let note = req.note.unwrap_or_default();
    let (report, effect) = state
        .service()
        .resolve_report(&authed.actor(), id, action, reason_text(&note)?)
        .await?;
    match effect {
        Effect::Nothing => {}
        Effect::Deleted(outcome) => {
            files::delete_blobs(state.blobs(), &outcome.removed_files).await;
            if outcome.changed {
                state.announce_change(&outcome.message).await;
            }
        }
        Effect::Muted(mute) => {
            state
                .announce_muted(report.room, report.sender, Some(&mute))
                .await
        }
        Effect::Kicked => {
            state
                .announce_member(report.room, report.sender, MemberEvent::Kicked)
                .await
        }
        Effect::Banned(_, true) => {
            state
                .announce_member(report.room, report.sender, MemberEvent::Banned)
                .await
        }
        Effect::Banned(_, false) => {}
    }
    let told = wire::frame(&ServerFrame::ReportResolved {
        report_id: report.id.to_string(),
        action: action.as_str().to_owned(),
    });
    state
        .hub()
        .publish(Recipients::Users(&[report.reporter]), told, None)
        .await;
    Ok(Json(wire::report(&report)))
}
