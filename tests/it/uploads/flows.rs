//! The upload's own flows: the mapping step and its memory, repeats inside a file against an
//! earlier referral, admin uploads on behalf of a partner, cancelling, one email per batch,
//! and partners kept out of each other's uploads.

use reqwest::StatusCode;

use super::{confirm, outcomes, post_file, referral_count, referrals_of, upload, upload_id};
use crate::common::{PASSWORD, spawn_app};

const CRM_EXPORT: &str = "First Name,Last Name,E-mail Address,Company,Mobile Phone,Website,\
Job Title,Lead Source\r\nAnna,Berg,anna.berg@berg-example.se,Berg AB,,berg-example.se,CEO,Fair\r\n";

#[tokio::test]
async fn unknown_columns_are_mapped_once_and_remembered_for_the_next_file() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "crm.csv", CRM_EXPORT.as_bytes().to_vec()).await;
    let page = app.get(&format!("/partner/uploads/{id}")).await;
    assert_eq!(page.text("#upload-status"), "Columns to map");
    assert_eq!(
        page.attr("select#col_0 option[selected]", "value")
            .as_deref(),
        Some("first_name")
    );
    assert_eq!(
        page.attr("select#col_2 option[selected]", "value")
            .as_deref(),
        Some("prospect_email")
    );
    assert!(
        page.attr("select#col_7 option[selected]", "value")
            .is_none()
    );

    // Mapping the company twice is refused next to the mapping.
    let fields: Vec<(String, String)> = [
        "first_name",
        "last_name",
        "prospect_email",
        "company",
        "prospect_phone",
        "company_website",
        "title",
        "company",
    ]
    .iter()
    .enumerate()
    .map(|(i, c)| (format!("col_{i}"), c.to_string()))
    .collect();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let refused = app
        .post(&format!("/partner/uploads/{id}/mapping"), &refs)
        .await;
    assert!(
        refused
            .text("#mapping-problems")
            .contains("Only one column"),
        "{}",
        refused.body
    );

    let mut fields = fields.clone();
    fields[7].1 = String::new();
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    app.post(&format!("/partner/uploads/{id}/mapping"), &refs)
        .await
        .assert_redirect(&format!("/partner/uploads/{id}"));
    let done = confirm(&app, "/partner/uploads", id).await;
    assert_eq!(done.text("#upload-status"), "Imported");
    assert_eq!(referrals_of(&app, id)[0].prospect_name(), "Anna Berg");

    let again = upload(
        &app,
        "crm-december.csv",
        CRM_EXPORT
            .replace("Anna,Berg,anna", "Bo,Ek,bo")
            .into_bytes(),
    )
    .await;
    let page = app.get(&format!("/partner/uploads/{again}")).await;
    assert_eq!(
        page.text("#upload-status"),
        "Waiting for confirmation",
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_existing_referral_wins_over_a_repeat_inside_the_file() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let first =
        "prospect_name,prospect_email,company\r\nOld Friend,old@friend-example.com,Friend Co\r\n";
    super::upload_and_confirm(&app, "first.csv", first.as_bytes().to_vec()).await;

    let file = "prospect_name,prospect_email,prospect_phone,company\r\n\
        New Person,new@acme-example.com,,Acme\r\n\
        New Person,NEW@acme-example.com,,Acme\r\n\
        Old Friend,old@friend-example.com,,Friend Co\r\n\
        Old Friend,OLD@friend-example.com,,Friend Co\r\n\
        No Contact,,,Nobody Ltd\r\n";
    let id = upload(&app, "second.csv", file.as_bytes().to_vec()).await;
    assert_eq!(
        outcomes(&app, id),
        ["new", "repeat", "already", "already", "invalid"]
    );
    let preview = app
        .get(&format!("/partner/uploads/{id}?show=invalid"))
        .await;
    assert!(
        preview
            .text("#upload-rows")
            .contains("Give an email address or a phone number")
    );
    let repeat = app.get(&format!("/partner/uploads/{id}?show=repeat")).await;
    assert!(
        repeat.text("#upload-rows").contains("Repeats row 1"),
        "{}",
        repeat.body
    );

    confirm(&app, "/partner/uploads", id).await;
    assert_eq!(
        outcomes(&app, id),
        ["new", "repeat", "already", "already", "invalid"]
    );
    assert_eq!(referrals_of(&app, id).len(), 1);
    assert_eq!(referral_count(&app), 2);

    let mails = app.wait_for_mail("p.weber@partner-a.example", 2).await;
    assert!(
        mails
            .iter()
            .all(|m| m.subject.contains("upload is imported")),
        "{mails:?}"
    );
    assert!(
        mails[1].text.contains("already referred: 2"),
        "{}",
        mails[1].text
    );
    let settled = app.settled_mail_to("p.weber@partner-a.example").await;
    assert_eq!(settled.len(), 2, "one email per batch, none per referral");
}

#[tokio::test]
async fn an_admin_uploads_for_a_partner_and_every_row_names_a_partner_user() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    app.login("admin.x@vendor.example", PASSWORD).await;
    let file = "referrer_email,prospect_name,prospect_email,company\r\n\
        p.weber@partner-a.example,Ann Lee,ann@lee-example.com,Lee Ltd\r\n\
        ,Bo Kim,bo@kim-example.com,Kim Ltd\r\n\
        j.lund@partner-b.example,Cy Ng,cy@ng-example.com,Ng Ltd\r\n";

    let missing = post_file(
        &app,
        "/admin/uploads",
        "x.csv",
        file.as_bytes().to_vec(),
        &[("reporting_month", "2026-11"), ("consent", "yes")],
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .text("#partner_id-error")
            .contains("Choose the partner")
    );

    let partner = fx.partner_a.to_string();
    let page = post_file(
        &app,
        "/admin/uploads",
        "x.csv",
        file.as_bytes().to_vec(),
        &[
            ("reporting_month", "2026-11"),
            ("consent", "yes"),
            ("partner_id", &partner),
        ],
    )
    .await;
    let id = upload_id(&page);
    confirm(&app, "/admin/uploads", id).await;

    assert_eq!(outcomes(&app, id), ["new", "invalid", "invalid"]);
    let created = referrals_of(&app, id);
    assert_eq!(
        (created[0].submitted_by, created[0].organisation_id),
        (fx.weber, fx.partner_a)
    );
    let report = app.get(&format!("/admin/uploads/{id}/report.csv")).await;
    assert!(
        report.body.contains("an upload by an admin"),
        "{}",
        report.body
    );
    assert!(
        report
            .body
            .contains("j.lund@partner-b.example is not an active user of Partner A")
    );

    let weber = app.new_browser();
    weber.login("p.weber@partner-a.example", PASSWORD).await;
    let history = weber.get("/partner/uploads").await;
    assert!(history.text("#upload-history").contains("x.csv"));
}

#[tokio::test]
async fn a_cancelled_upload_imports_nothing() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "C01.csv", super::fixture("C01_bom_comma.csv")).await;
    app.post(&format!("/partner/uploads/{id}/cancel"), &[])
        .await
        .assert_redirect(&format!("/partner/uploads/{id}"));
    let page = app
        .post(&format!("/partner/uploads/{id}/confirm"), &[])
        .await;
    page.assert_redirect(&format!("/partner/uploads/{id}"));

    assert_eq!(referral_count(&app), 0);
    let page = app.get(&format!("/partner/uploads/{id}")).await;
    assert_eq!(page.text("#upload-status"), "Cancelled");
}

#[tokio::test]
async fn partner_b_cannot_see_confirm_or_download_partner_a_uploads() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let id = upload(&app, "C01.csv", super::fixture("C01_bom_comma.csv")).await;
    let lund = app.new_browser();
    lund.login("j.lund@partner-b.example", PASSWORD).await;

    let missing = lund.get("/partner/uploads/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/partner/uploads/{id}"),
        format!("/partner/uploads/{id}?show=new"),
        format!("/partner/uploads/{id}/report.csv"),
    ] {
        let page = lund.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.body, missing.body, "{path}");
    }
    for action in ["confirm", "cancel", "mapping"] {
        let page = lund
            .post(&format!("/partner/uploads/{id}/{action}"), &[])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
    }
    let history = lund.get("/partner/uploads").await;
    assert!(!history.body.contains("C01.csv"));
    assert_eq!(
        lund.get("/admin/uploads").await.status,
        StatusCode::NOT_FOUND
    );

    assert_eq!(referral_count(&app), 0);
    let denied: i64 = {
        use diesel::prelude::*;
        use referral_portal::db::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq("access_denied"))
            .filter(audit_log::object_type.eq("upload"))
            .filter(audit_log::object_id.eq(id.to_string()))
            .count()
            .get_result(&mut app.conn())
            .expect("audit")
    };
    assert_eq!(denied, 6, "every attempt is audited");
    let own = app.get(&format!("/partner/uploads/{id}")).await;
    assert_eq!(own.text("#upload-status"), "Waiting for confirmation");
}

#[tokio::test]
async fn two_uploads_of_the_same_prospects_confirmed_at_once_cannot_both_win() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let lund = app.new_browser();
    lund.login("j.lund@partner-b.example", PASSWORD).await;
    let mut file = String::from("prospect_name,prospect_email,company\r\n");
    for i in 0..50 {
        file.push_str(&format!(
            "Race Person{i},race.{i}@race-example.com,Race {i} Ltd\r\n"
        ));
    }
    let a = upload(&app, "a.csv", file.clone().into_bytes()).await;
    let b = upload(&lund, "b.csv", file.into_bytes()).await;

    let (path_a, path_b) = (
        format!("/partner/uploads/{a}/confirm"),
        format!("/partner/uploads/{b}/confirm"),
    );
    let (pa, pb) = tokio::join!(app.post(&path_a, &[]), lund.post(&path_b, &[]));
    pa.assert_redirect(&format!("/partner/uploads/{a}"));
    pb.assert_redirect(&format!("/partner/uploads/{b}"));

    assert_eq!(referral_count(&app), 50);
    let created = referrals_of(&app, a).len() + referrals_of(&app, b).len();
    assert_eq!(created, 50);
    let (oa, ob) = (outcomes(&app, a), outcomes(&app, b));
    assert!(
        (oa.iter().all(|o| o == "new") && ob.iter().all(|o| o == "already"))
            || (ob.iter().all(|o| o == "new") && oa.iter().all(|o| o == "already")),
        "{oa:?} {ob:?}"
    );
}
