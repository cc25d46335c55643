//! The sales rep's workspace. Reps can sign in today; their queue of assigned referrals
//! arrives with routing.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::context::PageCtx;
use super::guard::{REPS, require_roles};
use super::html;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/rep")
            .wrap(from_fn(|req, next| require_roles(REPS, req, next)))
            .route("", web::get().to(show_workspace)),
    );
}

#[derive(Template)]
#[template(path = "rep/workspace.html")]
pub struct WorkspacePage {
    ctx: PageCtx,
}

// TODO(#5): list the referrals routed to this rep, with first-contact deadlines.
async fn show_workspace(ctx: PageCtx) -> Result<HttpResponse, AppError> {
    html(&WorkspacePage { ctx })
}
