//! The referral form: every bad field gets its message next to it, and what was typed stays.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::organisation_of;
use crate::db::settings;
use crate::domain::{Country, FieldErrors, IntakeMode, RawReferral};
use crate::error::AppError;
use crate::pipeline::{self, IntakeEnv, IntakeSettings, Outcome, Submitter};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, html, html_status, see_other};

/// Shown when the prospect is already protected; it never says by whom.
pub const ALREADY_REFERRED: &str = "This prospect has already been referred, so we cannot \
    accept this referral. If you think this is wrong, contact the partner team.";

/// What the form posts. Names match `RawReferral`.
#[derive(Deserialize, Default)]
pub struct SubmitReferralForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    strength: String,
    #[serde(default)]
    pain: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    deal_size: String,
    consent: Option<String>,
    /// "preview" asks for the fit score without submitting.
    #[serde(default)]
    action: String,
}

impl SubmitReferralForm {
    fn to_raw(&self) -> RawReferral {
        RawReferral {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            title: self.title.clone(),
            company: self.company.clone(),
            website: self.website.clone(),
            country: self.country.clone(),
            relationship: self.relationship.clone(),
            strength: self.strength.clone(),
            pain: self.pain.clone(),
            urgency: self.urgency.clone(),
            deal_size: self.deal_size.clone(),
            // Only the checkbox's own value counts as the statement.
            consent: matches!(
                self.consent.as_deref().map(str::trim),
                Some("yes" | "on" | "true")
            ),
        }
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "partner/new.html")]
pub struct ReferralFormPage {
    ctx: PageCtx,
    f: SubmitReferralForm,
    errors: Errors,
    /// A message about the whole submission (already referred), shown above the form.
    notice: String,
    currency: String,
    countries: &'static [(&'static str, &'static str)],
    urgencies: Vec<Choice>,
    /// The fit score the referral would get, when the partner asked for a preview.
    preview: Option<crate::domain::Score>,
}

impl ReferralFormPage {
    fn new(ctx: PageCtx, f: SubmitReferralForm, errors: Errors, currency: String) -> Self {
        let choice = |value, label| Choice { value, label };
        Self {
            ctx,
            f,
            errors,
            notice: String::new(),
            currency,
            countries: Country::all(),
            urgencies: vec![
                choice("now", "Now"),
                choice("this_quarter", "This quarter"),
                choice("later", "Later"),
            ],
            preview: None,
        }
    }

    fn strength_is(&self, n: &&u8) -> bool {
        self.f.strength.trim() == n.to_string()
    }
}

async fn program_currency(state: &AppState) -> Result<String, AppError> {
    state.db(|conn| Ok(settings::load(conn)?.currency)).await
}

pub async fn show_referral_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    organisation_of(&user)?;
    let currency = program_currency(&state).await?;
    html(&ReferralFormPage::new(
        ctx,
        SubmitReferralForm::default(),
        Errors::new(),
        currency,
    ))
}

fn to_errors(field_errors: &FieldErrors) -> Errors {
    let mut errors = Errors::new();
    for (field, message) in &field_errors.0 {
        errors.add(field, message.clone());
    }
    errors
}

pub async fn submit_referral(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<SubmitReferralForm>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let form = form.into_inner();
    if form.action == "preview" {
        return preview_score(&state, ctx, org, form).await;
    }
    let raw = form.to_raw();
    let submitter = Submitter {
        user_id: user.id,
        organisation_id: org,
    };
    let env = IntakeEnv {
        now: state.now(),
        referral_link_base: state.config.link("/partner/referrals/"),
        client_addr: state.client_addr(&req),
        notify_submitter: true,
    };

    let outcome = state
        .db(move |conn| {
            let settings = IntakeSettings::load(conn, org).map_err(AppError::internal)?;
            pipeline::submit(conn, submitter, &raw, IntakeMode::Form, &settings, &env)
                .map_err(AppError::internal)
        })
        .await?;

    match outcome {
        Outcome::Created(referral) => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!(
                "Thank you! Your referral of {} is submitted.",
                referral.prospect_name()
            ))
            .send();
            Ok(see_other(&format!("/partner/referrals/{}", referral.id)))
        }
        Outcome::Invalid(field_errors) => {
            let currency = program_currency(&state).await?;
            let page = ReferralFormPage::new(ctx, form, to_errors(&field_errors), currency);
            form_page(&page, true)
        }
        Outcome::AlreadyReferred { .. } => {
            let currency = program_currency(&state).await?;
            let mut page = ReferralFormPage::new(ctx, form, Errors::new(), currency);
            page.notice = ALREADY_REFERRED.into();
            html_status(&page, actix_web::http::StatusCode::CONFLICT)
        }
    }
}

/// Shows the fit score the typed referral would get, with its reasons; nothing is saved.
async fn preview_score(
    state: &AppState,
    ctx: PageCtx,
    org: i64,
    form: SubmitReferralForm,
) -> Result<HttpResponse, AppError> {
    let mut raw = form.to_raw();
    // The score does not depend on the statement; do not make the partner tick it first.
    raw.consent = true;
    let (result, currency) = state
        .db(move |conn| {
            let settings = IntakeSettings::load(conn, org).map_err(AppError::internal)?;
            let currency = settings.currency.code().to_owned();
            Ok((settings.preview_score(&raw), currency))
        })
        .await?;
    let mut page = match result {
        Ok(score) => {
            let mut page = ReferralFormPage::new(ctx, form, Errors::new(), currency);
            page.preview = Some(score);
            page
        }
        Err(field_errors) => ReferralFormPage::new(ctx, form, to_errors(&field_errors), currency),
    };
    page.notice.clear();
    html(&page)
}
