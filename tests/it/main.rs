//! One integration-test binary: every module starts the real portal on a random port with a
//! fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod accounts;
mod admin_manage;
mod admin_routing;
mod common;
mod incentives;
mod migrations;
mod multi_instance;
mod referrals;
mod routing;
mod security;
mod smtp;
mod uploads;
