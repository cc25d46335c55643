//! The rep records a refund of a won deal on their referral; the clawback is the ledger's.

use actix_web::{HttpRequest, HttpResponse, web};

use super::referral::{StageForm, load, render};
use crate::error::AppError;
use crate::incentives::ledger::RefundActor;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::incentives::rewards::refund::refund;
use crate::web::{AppState, see_other};

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    // Someone else's referral answers (and is audited) like a missing one.
    load(&state, &user, id).await?;
    match refund(&req, &state, id, RefundActor::Rep(user.id), &f.refund).await? {
        Ok(()) => Ok(see_other(&format!("/rep/referrals/{id}"))),
        Err(message) => {
            let mut errors = Errors::new();
            errors.add("refund", message);
            render(&state, ctx, &user, id, errors, f).await
        }
    }
}
