//! The handed cases through the upload: dialects (C01), encodings (C02), quoted line breaks
//! (C03), Excel-damaged phones (C04), e-mail case and whitespace (C05), company domains and
//! existing customers (C06), and markup shown escaped (C12).

use referral_portal::db::referrals::{self, Status};
use referral_portal::domain::{IntakeMode, RawReferral};
use referral_portal::pipeline::{self, IntakeEnv, IntakeSettings, Outcome, Submitter};
use reqwest::StatusCode;

use super::{fixture, outcomes, referral_count, referrals_of, upload, upload_and_confirm};
use crate::common::{PASSWORD, spawn_app};

#[tokio::test]
async fn c01_bom_and_semicolon_or_comma_files_import_the_same_two_referrals() {
    let mut stored = Vec::new();
    for file in ["C01_bom_semicolon.csv", "C01_bom_comma.csv"] {
        let app = spawn_app().await;
        app.case_fixture();
        app.login("p.weber@partner-a.example", PASSWORD).await;

        let id = upload_and_confirm(&app, file, fixture(file)).await;

        let upload = referral_portal::db::uploads::find(&mut app.conn(), id, None)
            .expect("query")
            .expect("upload");
        let headers: Vec<String> = serde_json::from_str(&upload.headers).expect("headers");
        assert_eq!(headers[0], "referrer_email", "{file}");
        let mapping: Vec<String> = serde_json::from_str(&upload.mapping).expect("mapping");
        assert!(
            mapping.iter().all(|m| !m.is_empty()),
            "all 9 columns mapped: {mapping:?}"
        );
        let rows = referrals_of(&app, id);
        assert_eq!(rows.len(), 2, "{file}");
        for r in &rows {
            for value in [&r.first_name, &r.last_name, &r.company] {
                assert!(!value.starts_with('\u{FEFF}'), "{value:?}");
            }
            assert_eq!(r.reporting_month.as_deref(), Some("2026-11"));
        }
        stored.push(
            rows.iter()
                .map(|r| (r.prospect_name(), r.company.clone(), r.email.clone()))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(stored[0], stored[1]);
    assert_eq!(stored[0][0].0, "Lena Vogt");
    assert_eq!(stored[0][0].1, "Beispiel GmbH, Werk Süd");
    assert_eq!(stored[0][1].0, "Tom\u{e1}s Ortega");
    assert_eq!(stored[0][1].1, "Ortega & Hijos S.L.");
}

#[tokio::test]
async fn c02_a_windows_1252_file_is_recognised_decoded_and_announced() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "C02_cp1252.csv", fixture("C02_cp1252.csv")).await;
    let preview = app.get(&format!("/partner/uploads/{id}")).await;
    assert!(
        preview.text("#encoding-notice").contains("windows-1252"),
        "{}",
        preview.body
    );
    super::confirm(&app, "/partner/uploads", id).await;

    let rows = referrals_of(&app, id);
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.prospect_name(),
                r.company.clone(),
                r.title.clone().unwrap_or_default(),
                r.relationship.clone().unwrap_or_default(),
                r.pain.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Émile Faure".to_owned(),
                "Crème Logistique SARL".to_owned(),
                "Directeur des opérations".to_owned(),
                "“Met at a trade fair”".to_owned(),
                "Budget approx. €25.000 for 2027".to_owned(),
            ),
            (
                "Ünal Kaya".to_owned(),
                "Kaya Außenhandel GmbH".to_owned(),
                "Geschäftsführer".to_owned(),
                "Ex-colleague – worked together 2019".to_owned(),
                "Payment delays ±10 days".to_owned(),
            ),
        ]
    );
    for (a, b, c, d, e) in &got {
        let all = format!("{a}{b}{c}{d}{e}");
        assert!(!all.contains('\u{FFFD}') && !all.contains('Ã'), "{all}");
        assert!(
            !all.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c)),
            "{all}"
        );
    }
}

#[tokio::test]
async fn c03_quoted_line_breaks_and_quotes_make_three_referrals() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "C03.csv", fixture("C03_quoted_newlines.csv")).await;
    let preview = app.get(&format!("/partner/uploads/{id}")).await;
    assert!(
        preview.text("h1 + p").contains("3 rows"),
        "{}",
        preview.body
    );
    assert_eq!(preview.texts("#upload-rows tbody tr").len(), 3);
    let done = super::confirm(&app, "/partner/uploads", id).await;
    assert!(done.text(".count-new").starts_with('3'), "{}", done.body);

    let rows = referrals_of(&app, id);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0].relationship.as_deref(),
        Some(
            "Met at the 2025 logistics summit.\nIntroduced by a mutual customer.\n\
             Prefers email over phone."
        )
    );
    assert_eq!(rows[1].company, "Nair, Shah & Co");
    assert_eq!(
        rows[1].pain.as_deref(),
        Some("Wants to replace \"Project Atlas\", their in-house tool, by March")
    );
    assert_eq!(rows[2].prospect_name(), "Lee Tran");
    let detail = app.get(&format!("/partner/referrals/{}", rows[0].id)).await;
    assert!(
        detail
            .body
            .contains("Met at the 2025 logistics summit.\nIntroduced by a mutual customer.")
    );
}

#[tokio::test]
async fn c04_excel_damaged_phones_are_normalised_or_cleared_with_a_warning() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "C04.csv", fixture("C04_phones_excel.csv")).await;
    let warnings = app
        .get(&format!("/partner/uploads/{id}?show=warning"))
        .await;
    let text = warnings.text("#upload-rows");
    assert!(text.contains("Dev Patel"), "{}", warnings.body);
    assert!(
        text.contains("spreadsheet") && text.contains("4.47701E+11"),
        "{text}"
    );
    super::confirm(&app, "/partner/uploads", id).await;

    let phones: Vec<Option<String>> = referrals_of(&app, id)
        .into_iter()
        .map(|r| r.phone)
        .collect();
    assert_eq!(
        phones,
        vec![
            Some("+447700900123".to_owned()),
            Some("+442079460018".to_owned()),
            None,
            Some("+447700900789".to_owned()),
            Some("+447700900321".to_owned()),
        ]
    );
    let patel = &referrals_of(&app, id)[2];
    assert!(
        patel.warnings.contains("4.47701E+11"),
        "raw value kept: {}",
        patel.warnings
    );
    let report = app.get(&format!("/partner/uploads/{id}/report.csv")).await;
    assert!(report.body.contains("4.47701E+11"), "{}", report.body);
}

#[tokio::test]
async fn c05_trimmed_case_insensitive_emails_are_already_referred_without_saying_by_whom() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    let settings = IntakeSettings::load(&mut app.conn(), fx.partner_b).expect("settings");
    let env = IntakeEnv {
        now: app.clock_now(),
        referral_link_base: String::new(),
        client_addr: "test".into(),
        notify_submitter: false,
    };
    let raw = RawReferral {
        first_name: "Dana".into(),
        last_name: "Kowalski".into(),
        email: "dana.kowalski@example.com".into(),
        company: "Kowalski Bakery".into(),
        consent: true,
        ..RawReferral::default()
    };
    let Outcome::Created(r500) = pipeline::submit(
        &mut app.conn(),
        Submitter {
            user_id: fx.lund,
            organisation_id: fx.partner_b,
        },
        &raw,
        IntakeMode::Form,
        &settings,
        &env,
    )
    .expect("submit") else {
        panic!("R-500 should be created");
    };
    referrals::transition(
        &mut app.conn(),
        r500.id,
        Status::Submitted,
        Status::Accepted,
        env.now,
    )
    .expect("accept");
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload(&app, "C05.csv", fixture("C05_email_whitespace_case.csv")).await;
    let done = super::confirm(&app, "/partner/uploads", id).await;

    assert_eq!(outcomes(&app, id), ["already", "already", "already", "new"]);
    let created = referrals_of(&app, id);
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].email.as_deref(),
        Some("new.prospect@example.com")
    );
    assert_eq!(referral_count(&app), 2);
    for leak in [
        "Partner B",
        "j.lund",
        &format!("#{}", r500.id),
        "Accepted",
        "20 Nov",
    ] {
        assert!(!done.text("#upload-rows").contains(leak), "leaks {leak}");
    }
    let report = app.get(&format!("/partner/uploads/{id}/report.csv")).await;
    assert!(!report.body.contains("Partner B") && !report.body.contains("j.lund"));

    let form = crate::referrals::submit(
        &app,
        &[
            ("email", " Dana.Kowalski@Example.COM "),
            ("first_name", "Dana"),
            ("last_name", "Kowalski"),
            ("company", "Kowalski Bakery"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(form.status, StatusCode::CONFLICT);
    assert_eq!(referral_count(&app), 2);
}

#[tokio::test]
async fn c06_company_domains_are_derived_and_existing_customers_flagged() {
    let app = spawn_app().await;
    app.case_fixture();
    let now = app.clock_now();
    for (name, domain) in [
        ("Northwind Traders Ltd", "northwind-traders-example.co.uk"),
        ("Acme Widgets", "acme-widgets-example.ltd.uk"),
    ] {
        let normalised = referral_portal::domain::normalise_company_name(name);
        referrals::insert_customer(&mut app.conn(), name, &normalised, Some(domain), now)
            .expect("customer");
    }
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let id = upload_and_confirm(&app, "C06.csv", fixture("C06_company_domains.csv")).await;

    let rows = referrals_of(&app, id);
    let got: Vec<(Option<&str>, bool, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.company_domain.as_deref(),
                r.existing_customer,
                r.possible_duplicate,
            )
        })
        .collect();
    let nw = Some("northwind-traders-example.co.uk");
    assert_eq!(
        got,
        vec![
            (nw, true, false),
            (nw, true, false),
            (nw, true, false),
            (Some("northwind-traders-example.com"), false, true),
            (Some("other-traders-example.co.uk"), false, false),
            (Some("acme-widgets-example.ltd.uk"), true, false),
            (nw, true, false),
        ]
    );
    assert_eq!(
        outcomes(&app, id),
        [
            "customer", "customer", "customer", "new", "new", "customer", "customer"
        ]
    );
}

#[tokio::test]
async fn c12_markup_in_an_uploaded_row_is_shown_escaped_to_admins_and_in_the_report() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;

    let id = upload_and_confirm(&app, "C12.csv", fixture("C12_markup_in_names.csv")).await;
    let rows = referrals_of(&app, id);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.website, None, "javascript: is refused");
    assert_eq!(r.pain.as_deref(), Some("{{ 7*7 }} & <b>bold</b>"));

    for (who, path) in [
        (&admin, "/admin".to_owned()),
        (&admin, format!("/admin/referrals/{}", r.id)),
        (&admin, format!("/admin/uploads/{id}")),
        (&admin, "/admin/uploads".to_owned()),
        (&app, format!("/partner/uploads/{id}")),
        (&app, "/partner".to_owned()),
    ] {
        let page = who.get(path.as_str()).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for raw in [
            "<img src=x",
            "<script>alert",
            "<b>bold",
            "</textarea><script",
            "href=\"javascript",
        ] {
            assert!(!page.body.contains(raw), "{path} contains {raw}");
        }
        assert!(!page.body.contains(">49<"), "{path}");
    }
    let upload_page = admin.get(&format!("/admin/uploads/{id}")).await;
    assert!(
        upload_page
            .body
            .contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        upload_page.body
    );
    assert!(
        upload_page
            .body
            .contains("&lt;script&gt;alert(2)&lt;/script&gt; Ltd")
    );
    let detail = admin.get(&format!("/admin/referrals/{}", r.id)).await;
    assert!(
        detail
            .body
            .contains("{{ 7*7 }} &amp; &lt;b&gt;bold&lt;/b&gt;"),
        "{}",
        detail.body
    );

    let report = admin.get(&format!("/admin/uploads/{id}/report.csv")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.body.contains("Ava\"\"><img src=x onerror=alert(1)>"),
        "{}",
        report.body
    );
    assert!(report.body.contains("<script>alert(2)</script> Ltd"));
}
