//! Existing customers: accounts the company already has, so referrals for them are flagged.
//! Admins add them one at a time or paste a `name,domain` list; a list is saved whole or not
//! at all.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::import_csv::{self, Record};
use crate::db::admin;
use crate::db::audit::{self, AuditEntry};
use crate::db::{AnyConnection, referrals, write_tx};
use crate::domain::text::clean_single_line;
use crate::domain::{normalise_company_name, parse_website, registrable_domain};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html, see_other};

/// Longest customer name accepted, in characters.
const MAX_NAME_CHARS: usize = 200;
/// Most rows one pasted list may hold.
const MAX_IMPORT_ROWS: usize = 5000;

pub struct CustomerView {
    pub name: String,
    pub domain: String,
    pub since: String,
}

/// A line of a pasted list that cannot be saved.
pub struct RowError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct AddCustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    website: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

#[derive(Template)]
#[template(path = "admin/manage/customers.html")]
pub struct CustomersPage {
    ctx: PageCtx,
    customers: Vec<CustomerView>,
    total: i64,
    form: AddCustomerForm,
    errors: Errors,
    import: ImportForm,
    import_error: String,
    row_errors: Vec<RowError>,
}

impl CustomersPage {
    fn shown(&self) -> usize {
        self.customers.len()
    }
}

/// The parts of the page that hold what the admin typed and what was wrong with it.
#[derive(Default)]
struct Typed {
    form: AddCustomerForm,
    errors: Errors,
    import: ImportForm,
    import_error: String,
    row_errors: Vec<RowError>,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let (rows, total) = state
        .db(|conn| {
            Ok((
                referrals::list_customers(conn)?,
                admin::customer_count(conn)?,
            ))
        })
        .await?;
    let customers = rows
        .into_iter()
        .map(|c| CustomerView {
            name: c.name,
            domain: c.domain.unwrap_or_default(),
            since: local(c.created_at, &user.time_zone),
        })
        .collect();
    html(&CustomersPage {
        ctx,
        customers,
        total,
        form: typed.form,
        errors: typed.errors,
        import: typed.import,
        import_error: typed.import_error,
        row_errors: typed.row_errors,
    })
}

pub async fn list_customers(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, &user, Typed::default()).await
}

/// A customer ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NewCustomer {
    name: String,
    name_normalised: String,
    domain: Option<String>,
}

/// Checks a name; the message says what to fix.
fn check_name(raw: &str) -> Result<(String, String), String> {
    let name = clean_single_line(raw);
    if name.is_empty() {
        return Err("Enter the company name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "Use at most {MAX_NAME_CHARS} characters for the name"
        ));
    }
    let normalised = normalise_company_name(&name);
    if normalised.is_empty() {
        return Err("Enter a name with letters or digits".into());
    }
    Ok((name, normalised))
}

/// The registrable domain of a website or bare domain; nothing entered means no domain.
fn check_domain(raw: &str) -> Result<Option<String>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let website = parse_website(raw).map_err(|e| e.to_string())?;
    registrable_domain(website.host())
        .map(Some)
        .ok_or_else(|| "This address has no company domain of its own".into())
}

/// Saves `customers` in the open transaction, skipping those already listed; returns how many
/// were added and how many skipped.
fn store(
    conn: &mut AnyConnection,
    customers: &[NewCustomer],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(usize, usize), AppError> {
    let (mut added, mut skipped) = (0, 0);
    for c in customers {
        if admin::customer_already_listed(conn, &c.name_normalised, c.domain.as_deref())?.is_some()
        {
            skipped += 1;
            continue;
        }
        referrals::insert_customer(conn, &c.name, &c.name_normalised, c.domain.as_deref(), now)?;
        added += 1;
    }
    Ok((added, skipped))
}

pub async fn add_customer(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<AddCustomerForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = Errors::new();
    let name = check_name(&form.name)
        .map_err(|m| errors.add("name", m))
        .ok();
    let domain = check_domain(&form.website)
        .map_err(|m| errors.add("website", m))
        .ok();
    let (Some((name, name_normalised)), Some(domain)) = (name, domain) else {
        let typed = Typed {
            form,
            errors,
            ..Typed::default()
        };
        return render(&state, ctx, &user, typed).await;
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let customer = NewCustomer {
        name,
        name_normalised,
        domain,
    };
    let saved = customer.clone();
    let existing = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let existing = admin::customer_already_listed(
                    conn,
                    &customer.name_normalised,
                    customer.domain.as_deref(),
                )?;
                if existing.is_some() {
                    return Ok(existing);
                }
                store(conn, std::slice::from_ref(&customer), now)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "customer_added",
                    object_type: "existing_customer",
                    object_id: customer.domain.clone(),
                    client_addr: Some(&addr),
                    detail: Some(customer.name.clone()),
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(None)
            })
        })
        .await?;
    if let Some(existing) = existing {
        let mut errors = Errors::new();
        let field = if saved.domain.is_some() {
            "website"
        } else {
            "name"
        };
        errors.add(field, format!("Already an existing customer: {existing}"));
        let typed = Typed {
            form,
            errors,
            ..Typed::default()
        };
        return render(&state, ctx, &user, typed).await;
    }

    FlashMessage::success(format!("{} added to the existing customers.", saved.name)).send();
    Ok(see_other("/admin/customers"))
}

/// Whether a record is the optional header line.
fn is_header(record: &Record) -> bool {
    let cell = |i: usize| {
        record
            .fields
            .get(i)
            .map(|f| f.trim().to_lowercase())
            .unwrap_or_default()
    };
    cell(0) == "name" && matches!(cell(1).as_str(), "" | "domain" | "website")
}

/// Reads every line of a pasted list: the customers, or every problem found.
fn read_list(text: &str) -> Result<Vec<NewCustomer>, Vec<RowError>> {
    let mut customers = Vec::new();
    let mut problems = Vec::new();
    for (index, parsed) in import_csv::parse_records(text).into_iter().enumerate() {
        let record = match parsed {
            Ok(record) => record,
            Err(e) => {
                problems.push(RowError {
                    line: e.line,
                    message: e.message.to_owned(),
                });
                continue;
            }
        };
        if index == 0 && is_header(&record) {
            continue;
        }
        let line = record.line;
        let mut fields = record.fields;
        while fields.len() > 2 && fields.last().is_some_and(|f| f.trim().is_empty()) {
            fields.pop();
        }
        if fields.len() > 2 {
            problems.push(RowError {
                line,
                message: format!(
                    "Expected two columns, name and domain, but found {}",
                    fields.len()
                ),
            });
            continue;
        }
        let name = check_name(fields.first().map_or("", String::as_str));
        let domain = check_domain(fields.get(1).map_or("", String::as_str));
        match (name, domain) {
            (Ok((name, name_normalised)), Ok(domain)) => customers.push(NewCustomer {
                name,
                name_normalised,
                domain,
            }),
            (name, domain) => {
                let message = [name.err(), domain.err()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                problems.push(RowError { line, message });
            }
        }
    }
    if problems.is_empty() {
        Ok(customers)
    } else {
        Err(problems)
    }
}

pub async fn import_customers(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let import = form.into_inner();
    let refuse = |import, import_error: &str, row_errors| Typed {
        import,
        import_error: import_error.to_owned(),
        row_errors,
        ..Typed::default()
    };
    let customers = match read_list(&import.csv) {
        Ok(customers) if customers.is_empty() => {
            let typed = refuse(import, "Paste at least one line: name,domain", Vec::new());
            return render(&state, ctx, &user, typed).await;
        }
        Ok(customers) if customers.len() > MAX_IMPORT_ROWS => {
            let message = format!("Paste at most {MAX_IMPORT_ROWS} lines at a time");
            let typed = refuse(import, &message, Vec::new());
            return render(&state, ctx, &user, typed).await;
        }
        Ok(customers) => customers,
        Err(row_errors) => {
            let message = "Nothing was saved. Correct these lines and import again:";
            let typed = refuse(import, message, row_errors);
            return render(&state, ctx, &user, typed).await;
        }
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let (added, skipped) = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let (added, skipped) = store(conn, &customers, now)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "customers_imported",
                    object_type: "existing_customer",
                    object_id: None,
                    client_addr: Some(&addr),
                    detail: Some(format!("{added} added, {skipped} already listed")),
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>((added, skipped))
            })
        })
        .await?;

    tracing::info!(added, skipped, "existing customers imported");
    FlashMessage::success(format!(
        "Imported {added} customer(s); {skipped} were already listed and were left as they are."
    ))
    .send();
    Ok(see_other("/admin/customers"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_with_header_quotes_and_websites_is_read() {
        let list = read_list(
            "name,domain\n\"Northwind Traders, Ltd.\",https://www.northwind.co.uk/about\nContoso,\n",
        );
        let Ok(list) = list else {
            panic!("the list should be valid");
        };
        assert_eq!(
            list,
            vec![
                NewCustomer {
                    name: "Northwind Traders, Ltd.".into(),
                    name_normalised: "northwind traders".into(),
                    domain: Some("northwind.co.uk".into()),
                },
                NewCustomer {
                    name: "Contoso".into(),
                    name_normalised: "contoso".into(),
                    domain: None,
                },
            ]
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let Err(problems) =
            read_list("Good,good.co.uk\n,x.co.uk\nBad,javascript:alert(1)\na,b,c\n")
        else {
            panic!("the list should be refused");
        };
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(problems[0].message.contains("company name"));
        assert!(problems[1].message.contains("http"));
        assert!(problems[2].message.contains("two columns"));
    }
}
