//! What every page template needs: the signed-in user, the navigation, the CSRF token and the
//! flash messages of the previous redirect.

use std::future::{Ready, ready};

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use actix_web_flash_messages::{IncomingFlashMessages, Level};

use super::guard::CurrentUser;
use super::security::csrf_token;
use crate::db::accounts::Role;
use crate::error::AppError;

/// One link of the main navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// A message carried over a redirect.
pub struct Flash {
    /// "success", "info", "warning" or "error": also the CSS class.
    pub level: &'static str,
    pub text: String,
}

/// The context shared by every page.
pub struct PageCtx {
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavLink>,
    pub csrf: String,
    pub flashes: Vec<Flash>,
}

impl PageCtx {
    pub fn role_label(&self) -> &'static str {
        self.user.as_ref().map(|u| u.role.label()).unwrap_or("")
    }
}

fn nav_for(role: Role) -> Vec<NavLink> {
    let link = |href, label| NavLink { href, label };
    match role {
        Role::Admin => vec![
            link("/admin", "Referrals"),
            link("/admin/conflicts", "Conflicts"),
            link("/admin/uploads", "Uploads"),
            link("/admin/partners", "Partners"),
            link("/admin/users", "Users"),
            link("/admin/reps", "Reps"),
            link("/admin/routing", "Routing"),
            link("/admin/customers", "Customers"),
            link("/admin/tiers", "Tiers"),
            link("/admin/rewards", "Rewards"),
            link("/admin/payouts", "Payouts"),
            link("/admin/settings", "Settings"),
            link("/admin/audit", "Audit log"),
        ],
        Role::Rep => vec![link("/rep", "My referrals")],
        Role::PartnerOwner => vec![
            link("/partner", "Referrals"),
            link("/partner/referrals/new", "New referral"),
            link("/partner/uploads", "Uploads"),
            link("/partner/tier", "Tier"),
            link("/partner/rewards", "Rewards"),
            link("/partner/payouts", "Payouts"),
            link("/partner/team", "Team"),
        ],
        Role::PartnerMember => vec![
            link("/partner", "Referrals"),
            link("/partner/referrals/new", "New referral"),
            link("/partner/uploads", "Uploads"),
            link("/partner/tier", "Tier"),
            link("/partner/rewards", "Rewards"),
            link("/partner/payouts", "Payouts"),
        ],
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = req.extensions().get::<CurrentUser>().cloned();
        let csrf = csrf_token(&req.get_session());
        let flashes = IncomingFlashMessages::from_request(req, payload)
            .into_inner()
            .map(|incoming| {
                incoming
                    .iter()
                    .map(|m| Flash {
                        level: match m.level() {
                            Level::Success => "success",
                            Level::Warning => "warning",
                            Level::Error => "error",
                            _ => "info",
                        },
                        text: m.content().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let nav = user.as_ref().map(|u| nav_for(u.role)).unwrap_or_default();
        ready(Ok(Self {
            user,
            nav,
            csrf,
            flashes,
        }))
    }
}
