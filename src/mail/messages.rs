//! One function per message. Each renders `templates/mail/<message>/` (subject, text and HTML;
//! the HTML is auto-escaped) into an `OutgoingMail` ready for the outbox.

use askama::Template;

use super::{MailError, header_safe};
use crate::db::outbox::OutgoingMail;

/// Declares the three templates of one message over a shared data struct.
macro_rules! mail_templates {
    ($data:ident, $subject_path:literal, $text_path:literal, $html_path:literal,
     $subject:ident, $text:ident, $html:ident) => {
        #[derive(Template)]
        #[template(path = $subject_path)]
        struct $subject<'a> {
            m: &'a $data,
        }
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            m: &'a $data,
        }
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            m: &'a $data,
        }

        impl $data {
            fn render(&self, kind: &'static str, to: &str) -> Result<OutgoingMail, MailError> {
                let err = |e| MailError::Render(kind, e);
                Ok(OutgoingMail {
                    kind,
                    recipient: to.to_owned(),
                    subject: header_safe(&$subject { m: self }.render().map_err(err)?),
                    body_text: $text { m: self }.render().map_err(err)?,
                    body_html: $html { m: self }.render().map_err(err)?,
                })
            }
        }
    };
}

/// An invitation to choose a password and join the portal.
pub struct Invitation {
    pub invitee_name: String,
    pub inviter_name: String,
    pub organisation: Option<String>,
    pub role: String,
    pub link: String,
}
mail_templates!(
    Invitation,
    "mail/invitation/subject.txt",
    "mail/invitation/body.txt",
    "mail/invitation/body.html",
    InvitationSubject,
    InvitationText,
    InvitationHtml
);

pub fn invitation(to: &str, m: &Invitation) -> Result<OutgoingMail, MailError> {
    m.render("invitation", to)
}

/// A single-use link to choose a new password.
pub struct PasswordReset {
    pub name: String,
    pub link: String,
}
mail_templates!(
    PasswordReset,
    "mail/password_reset/subject.txt",
    "mail/password_reset/body.txt",
    "mail/password_reset/body.html",
    ResetSubject,
    ResetText,
    ResetHtml
);

pub fn password_reset(to: &str, m: &PasswordReset) -> Result<OutgoingMail, MailError> {
    m.render("password_reset", to)
}

/// Confirms to the submitter that a referral arrived.
pub struct ReferralReceived {
    pub submitter_name: String,
    pub prospect_name: String,
    pub company: String,
    pub link: String,
}
mail_templates!(
    ReferralReceived,
    "mail/referral_received/subject.txt",
    "mail/referral_received/body.txt",
    "mail/referral_received/body.html",
    ReceivedSubject,
    ReceivedText,
    ReceivedHtml
);

pub fn referral_received(to: &str, m: &ReferralReceived) -> Result<OutgoingMail, MailError> {
    m.render("referral_received", to)
}

/// Tells the submitter what an admin decided, with the admin's note.
pub struct ReferralDecision {
    pub submitter_name: String,
    pub prospect_name: String,
    pub company: String,
    pub decision: String,
    pub note: Option<String>,
    pub link: String,
}
mail_templates!(
    ReferralDecision,
    "mail/referral_decision/subject.txt",
    "mail/referral_decision/body.txt",
    "mail/referral_decision/body.html",
    DecisionSubject,
    DecisionText,
    DecisionHtml
);

pub fn referral_decision(to: &str, m: &ReferralDecision) -> Result<OutgoingMail, MailError> {
    m.render("referral_decision", to)
}

/// Tells a rep a referral is theirs, with the partner's handoff note and the deadline.
pub struct ReferralAssigned {
    pub rep_name: String,
    pub prospect_name: String,
    pub company: String,
    pub partner: String,
    pub relationship: Option<String>,
    pub pain: Option<String>,
    pub score: Option<i32>,
    /// The first-contact deadline in the rep's zone.
    pub due: String,
    pub link: String,
}
mail_templates!(
    ReferralAssigned,
    "mail/referral_assigned/subject.txt",
    "mail/referral_assigned/body.txt",
    "mail/referral_assigned/body.html",
    AssignedSubject,
    AssignedText,
    AssignedHtml
);

pub fn referral_assigned(to: &str, m: &ReferralAssigned) -> Result<OutgoingMail, MailError> {
    m.render("referral_assigned", to)
}

/// Reminds a rep that the first-contact deadline is near.
pub struct SlaReminder {
    pub rep_name: String,
    pub prospect_name: String,
    pub company: String,
    pub due: String,
    pub link: String,
}
mail_templates!(
    SlaReminder,
    "mail/sla_reminder/subject.txt",
    "mail/sla_reminder/body.txt",
    "mail/sla_reminder/body.html",
    ReminderSubject,
    ReminderText,
    ReminderHtml
);

pub fn sla_reminder(to: &str, m: &SlaReminder) -> Result<OutgoingMail, MailError> {
    m.render("sla_reminder", to)
}

/// Tells a rep's manager (or the admins) that a first-contact deadline passed.
pub struct SlaEscalation {
    pub rep_name: String,
    pub prospect_name: String,
    pub company: String,
    pub link: String,
}
mail_templates!(
    SlaEscalation,
    "mail/sla_escalation/subject.txt",
    "mail/sla_escalation/body.txt",
    "mail/sla_escalation/body.html",
    EscalationSubject,
    EscalationText,
    EscalationHtml
);

pub fn sla_escalation(to: &str, m: &SlaEscalation) -> Result<OutgoingMail, MailError> {
    m.render("sla_escalation", to)
}

/// Tells the partner their referral moved on, with the rep's note if the rep shared it.
pub struct ReferralStage {
    pub submitter_name: String,
    pub prospect_name: String,
    pub company: String,
    pub stage: String,
    pub detail: Option<String>,
    pub note: Option<String>,
    pub link: String,
}
mail_templates!(
    ReferralStage,
    "mail/referral_stage/subject.txt",
    "mail/referral_stage/body.txt",
    "mail/referral_stage/body.html",
    StageSubject,
    StageText,
    StageHtml
);

pub fn referral_stage(to: &str, m: &ReferralStage) -> Result<OutgoingMail, MailError> {
    m.render("referral_stage", to)
}

/// One email for a whole imported upload, with its counts.
pub struct UploadImported {
    pub recipient_name: String,
    pub file_name: String,
    pub reporting_month: String,
    pub total: i32,
    /// New referrals, existing customers included.
    pub created: i32,
    pub customers: i32,
    pub already: i32,
    pub repeats: i32,
    pub invalid: i32,
    pub warnings: i32,
    pub link: String,
}
mail_templates!(
    UploadImported,
    "mail/upload_imported/subject.txt",
    "mail/upload_imported/body.txt",
    "mail/upload_imported/body.html",
    UploadImportedSubject,
    UploadImportedText,
    UploadImportedHtml
);

pub fn upload_imported(to: &str, m: &UploadImported) -> Result<OutgoingMail, MailError> {
    m.render("upload_imported", to)
}

/// Tells a partner a referral earned a reward (or a share of one) and when it can be approved.
pub struct RewardEarned {
    pub recipient_name: String,
    pub prospect_name: String,
    pub company: String,
    pub amount: String,
    pub reason: String,
    /// The date the holding period ends, in the program time zone.
    pub approvable_on: String,
    pub link: String,
}
mail_templates!(
    RewardEarned,
    "mail/reward_earned/subject.txt",
    "mail/reward_earned/body.txt",
    "mail/reward_earned/body.html",
    RewardEarnedSubject,
    RewardEarnedText,
    RewardEarnedHtml
);

pub fn reward_earned(to: &str, m: &RewardEarned) -> Result<OutgoingMail, MailError> {
    m.render("reward_earned", to)
}

/// Tells a partner an admin approved rewards: one message per approval action.
pub struct RewardApproved {
    pub recipient_name: String,
    pub count: usize,
    pub total: String,
    pub link: String,
}
mail_templates!(
    RewardApproved,
    "mail/reward_approved/subject.txt",
    "mail/reward_approved/body.txt",
    "mail/reward_approved/body.html",
    RewardApprovedSubject,
    RewardApprovedText,
    RewardApprovedHtml
);

pub fn reward_approved(to: &str, m: &RewardApproved) -> Result<OutgoingMail, MailError> {
    m.render("reward_approved", to)
}

/// A line of a monthly statement as the mail lists it.
#[derive(Clone)]
pub struct StatementMailLine {
    pub earned: String,
    pub company: String,
    pub reason: String,
    pub amount: String,
    /// The line's status when the statement closed, e.g. `Rejected`.
    pub status: String,
}

/// One part of a statement's total: the lines in one status and their sum.
#[derive(Clone)]
pub struct StatementMailPart {
    /// Lowercase status, e.g. `rejected`.
    pub status: String,
    pub amount: String,
}

/// Sends a partner its closed monthly statement.
pub struct MonthlyStatement {
    pub recipient_name: String,
    pub organisation: String,
    /// `October 2026`.
    pub period: String,
    pub total: String,
    pub lines: Vec<StatementMailLine>,
    /// The total by the lines' status; its parts add up to `total`.
    pub breakdown: Vec<StatementMailPart>,
    pub link: String,
}
mail_templates!(
    MonthlyStatement,
    "mail/monthly_statement/subject.txt",
    "mail/monthly_statement/body.txt",
    "mail/monthly_statement/body.html",
    MonthlyStatementSubject,
    MonthlyStatementText,
    MonthlyStatementHtml
);

pub fn monthly_statement(to: &str, m: &MonthlyStatement) -> Result<OutgoingMail, MailError> {
    m.render("monthly_statement", to)
}

/// Tells a partner's users that a payout was approved and will be sent.
pub struct PayoutApproved {
    pub recipient_name: String,
    pub organisation: String,
    pub payout_id: i64,
    /// Formatted from minor units, e.g. `1,234.50 EUR`.
    pub amount: String,
    pub line_count: usize,
    pub link: String,
}
mail_templates!(
    PayoutApproved,
    "mail/payout_approved/subject.txt",
    "mail/payout_approved/body.txt",
    "mail/payout_approved/body.html",
    PayoutApprovedSubject,
    PayoutApprovedText,
    PayoutApprovedHtml
);

pub fn payout_approved(to: &str, m: &PayoutApproved) -> Result<OutgoingMail, MailError> {
    m.render("payout_approved", to)
}

/// Tells a partner's users that a payout was sent, with its reference.
pub struct PayoutSent {
    pub recipient_name: String,
    pub organisation: String,
    pub payout_id: i64,
    pub amount: String,
    pub reference: String,
    pub line_count: usize,
    pub link: String,
}
mail_templates!(
    PayoutSent,
    "mail/payout_sent/subject.txt",
    "mail/payout_sent/body.txt",
    "mail/payout_sent/body.html",
    PayoutSentSubject,
    PayoutSentText,
    PayoutSentHtml
);

pub fn payout_sent(to: &str, m: &PayoutSent) -> Result<OutgoingMail, MailError> {
    m.render("payout_sent", to)
}

/// Tells a partner's users that a payout they were told about did not go through.
pub struct PayoutFailed {
    pub recipient_name: String,
    pub organisation: String,
    pub payout_id: i64,
    pub amount: String,
    pub reason: String,
    pub link: String,
}
mail_templates!(
    PayoutFailed,
    "mail/payout_failed/subject.txt",
    "mail/payout_failed/body.txt",
    "mail/payout_failed/body.html",
    PayoutFailedSubject,
    PayoutFailedText,
    PayoutFailedHtml
);

pub fn payout_failed(to: &str, m: &PayoutFailed) -> Result<OutgoingMail, MailError> {
    m.render("payout_failed", to)
}

/// Tells a partner's users that their tier changed, up or down, and why.
pub struct TierChanged {
    pub name: String,
    pub organisation: String,
    pub from_tier: Option<String>,
    pub to_tier: String,
    pub promoted: bool,
    pub reason: String,
    /// What the new tier unlocks, e.g. "100.00 EUR when a meeting is booked".
    pub unlocks: Vec<String>,
    pub perks: String,
    /// Absolute URL of the tier dashboard, when the sender knows the base URL.
    pub link: Option<String>,
}
mail_templates!(
    TierChanged,
    "mail/tier_changed/subject.txt",
    "mail/tier_changed/body.txt",
    "mail/tier_changed/body.html",
    TierChangedSubject,
    TierChangedText,
    TierChangedHtml
);

pub fn tier_changed(to: &str, m: &TierChanged) -> Result<OutgoingMail, MailError> {
    m.render("tier_changed", to)
}
