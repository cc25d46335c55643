//! A referral's rewards as an admin sees them, with the co-referral split and refunds.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{LineView, describe};
use crate::db::accounts::{self, Organisation};
use crate::db::ledger;
use crate::db::referrals::{self, Referral, status_label};
use crate::error::AppError;
use crate::incentives::ledger::{
    self as book, RefundActor, RefundOutcome, SplitOutcome, money, record_refund,
};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, see_other};

pub struct ShareView {
    pub partner: String,
    pub share: String,
}

#[derive(Template)]
#[template(path = "incentives/rewards/admin_referral.html")]
pub struct ReferralRewardsPage {
    ctx: PageCtx,
    r: Referral,
    status_label: String,
    partner: String,
    partners: Vec<Organisation>,
    shares: Vec<ShareView>,
    lines: Vec<LineView>,
    deal_value: Option<String>,
    refunded: String,
    can_refund: bool,
    link_base: &'static str,
    referral_base: &'static str,
    own_referrals_only: bool,
    errors: Errors,
    f: RewardsForm,
}

/// Both forms of the page; each sends the fields it has.
#[derive(Deserialize, Default)]
pub struct RewardsForm {
    #[serde(default)]
    pub other: String,
    #[serde(default)]
    pub own_share: String,
    #[serde(default)]
    pub other_share: String,
    #[serde(default)]
    pub refund: String,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    errors: Errors,
    f: RewardsForm,
) -> Result<HttpResponse, AppError> {
    let zone = user.time_zone.clone();
    let found = state
        .db(move |conn| {
            let Some(r) = referrals::find(conn, id)? else {
                return Ok(None);
            };
            let partners = accounts::list_organisations(conn)?;
            let shares = ledger::shares_of(conn, id)?;
            let lines = ledger::lines_of_referral(conn, id)?;
            let views = describe(conn, lines, &zone)?;
            Ok(Some((r, partners, shares, views)))
        })
        .await?;
    let Some((r, partners, shares, lines)) = found else {
        return Err(AppError::NotFound);
    };
    let name_of = |org: i64| {
        partners
            .iter()
            .find(|p| p.id == org)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let page = ReferralRewardsPage {
        status_label: status_label(&r.status).to_owned(),
        partner: name_of(r.organisation_id),
        shares: shares
            .iter()
            .map(|s| ShareView {
                partner: name_of(s.organisation_id),
                share: s.share.clone(),
            })
            .collect(),
        deal_value: r.deal_value_minor.map(|v| money(v, &r.currency)),
        refunded: money(r.refunded_minor, &r.currency),
        can_refund: r.status == "won" && r.deal_value_minor.is_some_and(|v| v > r.refunded_minor),
        partners: partners
            .iter()
            .filter(|p| p.id != r.organisation_id)
            .cloned()
            .collect(),
        ctx,
        lines,
        link_base: "",
        referral_base: "/admin/referrals/",
        own_referrals_only: false,
        errors,
        f,
        r,
    };
    form_page(&page, !page.errors.is_empty())
}

pub async fn show_referral_rewards(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let f = RewardsForm::default();
    render(&state, ctx, &user, id.into_inner(), Errors::new(), f).await
}

/// A share as typed: an exact decimal percentage above 0 and below 100.
fn parse_share(raw: &str) -> Option<Decimal> {
    let raw = raw.trim().trim_end_matches('%').trim();
    let d: Decimal = raw.parse().ok()?;
    (d > Decimal::ZERO && d < Decimal::ONE_HUNDRED && d.scale() <= 4).then_some(d)
}

pub async fn save_split(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<RewardsForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    let mut errors = Errors::new();
    let other = if f.other.trim().is_empty() {
        None
    } else {
        let org = f.other.trim().parse::<i64>().ok();
        let own = parse_share(&f.own_share);
        let theirs = parse_share(&f.other_share);
        if org.is_none() {
            errors.add("other", "Choose the second partner");
        }
        if own.is_none() {
            errors.add(
                "own_share",
                "Enter a share above 0 and below 100, e.g. 50 or 70",
            );
        }
        if theirs.is_none() {
            errors.add(
                "other_share",
                "Enter a share above 0 and below 100, e.g. 50 or 30",
            );
        }
        if let (Some(a), Some(b)) = (own, theirs)
            && a + b != Decimal::ONE_HUNDRED
        {
            errors.add(
                "other_share",
                format!("The shares add up to {} %, not 100 %", a + b),
            );
        }
        match (org, own, theirs) {
            (Some(o), Some(a), Some(b)) => Some((o, a, b)),
            _ => None,
        }
    };
    if !errors.is_empty() {
        return render(&state, ctx, &user, id, errors, f).await;
    }
    let addr = state.client_addr(&req);
    let now = state.now();
    let admin = user.id;
    let outcome = state
        .db(move |conn| {
            book::set_split(conn, id, other, admin, &addr, now).map_err(AppError::internal)
        })
        .await?;
    match outcome {
        SplitOutcome::Saved => {
            FlashMessage::success(
                "Co-referral split saved; it applies to every reward from now on.",
            )
            .send();
            Ok(see_other(&format!("/admin/rewards/referrals/{id}")))
        }
        SplitOutcome::NotFound => Err(AppError::NotFound),
        SplitOutcome::LinesExist => {
            errors.add(
                "other",
                "Rewards were already booked for this referral, so its split can no longer \
                 change: a split applies only before the first reward.",
            );
            render(&state, ctx, &user, id, errors, f).await
        }
        SplitOutcome::BadPartner => {
            errors.add("other", "Choose a partner other than the referral's own");
            render(&state, ctx, &user, id, errors, f).await
        }
    }
}

/// Parses and records a refund; the field error on failure.
pub async fn refund(
    req: &HttpRequest,
    state: &AppState,
    id: i64,
    actor: RefundActor,
    raw: &str,
) -> Result<Result<(), String>, AppError> {
    let raw = raw.to_owned();
    let addr = state.client_addr(req);
    let now = state.now();
    let outcome = state
        .db(move |conn| {
            let Some(r) = referrals::find(conn, id)? else {
                return Ok(Ok(RefundOutcome::NotFound));
            };
            let amount = match crate::stages::parse_amount(&raw, &r.currency) {
                Ok(amount) => amount,
                Err(message) => return Ok(Err(format!("Give the refund: {message}"))),
            };
            record_refund(conn, id, actor, amount, &addr, now)
                .map(Ok)
                .map_err(AppError::internal)
        })
        .await?;
    Ok(match outcome {
        Err(message) => Err(message),
        Ok(RefundOutcome::Done { clawbacks }) => {
            FlashMessage::success(format!(
                "Refund recorded; {clawbacks} clawback line(s) booked."
            ))
            .send();
            Ok(())
        }
        Ok(RefundOutcome::NotFound) => return Err(AppError::NotFound),
        Ok(RefundOutcome::NotWon) => Err("Only a won deal with a value can be refunded".into()),
        Ok(RefundOutcome::Exceeds { remaining }) => Err(format!(
            "The refund can be at most the part of the deal value not yet refunded: {remaining}"
        )),
        Ok(RefundOutcome::Changed) => {
            Err("Another refund was recorded meanwhile; check the amount and try again".into())
        }
    })
}

pub async fn admin_refund(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<RewardsForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    match refund(&req, &state, id, RefundActor::Admin(user.id), &f.refund).await? {
        Ok(()) => Ok(see_other(&format!("/admin/rewards/referrals/{id}"))),
        Err(message) => {
            let mut errors = Errors::new();
            errors.add("refund", message);
            render(&state, ctx, &user, id, errors, f).await
        }
    }
}
