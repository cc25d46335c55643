//! The database schema, kept by hand so that one file serves SQLite and PostgreSQL: only types
//! both engines understand. `tests/it/schema.rs` checks it against each migrated database.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        country -> Nullable<Text>,
        default_phone_country -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        organisation_id -> Nullable<BigInt>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        time_zone -> Text,
        created_at -> Timestamp,
        password_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> BigInt,
        kind -> Text,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        client_addr -> Text,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        submitted_by -> BigInt,
        status -> Text,
        first_name -> Text,
        last_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        title -> Nullable<Text>,
        seniority -> Text,
        company -> Text,
        company_normalised -> Text,
        website -> Nullable<Text>,
        company_domain -> Nullable<Text>,
        country -> Nullable<Text>,
        relationship -> Nullable<Text>,
        strength -> Nullable<Integer>,
        pain -> Nullable<Text>,
        urgency -> Nullable<Text>,
        deal_size_minor -> Nullable<BigInt>,
        currency -> Text,
        email_key -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        name_key -> Nullable<Text>,
        possible_duplicate -> Bool,
        existing_customer -> Bool,
        protected_until -> Nullable<Timestamp>,
        warnings -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        score -> Nullable<Integer>,
        score_reasons -> Text,
        assigned_rep_id -> Nullable<BigInt>,
        sla_round -> Integer,
        routed_at -> Nullable<Timestamp>,
        first_contact_due_at -> Nullable<Timestamp>,
        remind_at -> Nullable<Timestamp>,
        reminded_round -> Nullable<Integer>,
        escalated_round -> Nullable<Integer>,
        first_contacted_at -> Nullable<Timestamp>,
        first_contact_channel -> Nullable<Text>,
        expected_value_minor -> Nullable<BigInt>,
        deal_value_minor -> Nullable<BigInt>,
        lost_reason -> Nullable<Text>,
        upload_id -> Nullable<BigInt>,
        reporting_month -> Nullable<Text>,
        qualified_at -> Nullable<Timestamp>,
        meeting_booked_at -> Nullable<Timestamp>,
        won_at -> Nullable<Timestamp>,
        refunded_minor -> BigInt,
        upload_pending -> Bool,
    }
}

diesel::table! {
    referral_events (id) {
        id -> BigInt,
        referral_id -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        shared_with_partner -> Bool,
    }
}

diesel::table! {
    conflicts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        submitted_by -> BigInt,
        matched_referral_id -> BigInt,
        reason -> Text,
        prospect_name -> Text,
        prospect_email -> Nullable<Text>,
        prospect_phone -> Nullable<Text>,
        company -> Text,
        company_domain -> Nullable<Text>,
        payload -> Text,
        status -> Text,
        resolved_by -> Nullable<BigInt>,
        resolution_note -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        created_referral_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        upload_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    existing_customers (id) {
        id -> BigInt,
        name -> Text,
        name_normalised -> Text,
        domain -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_providers (domain) {
        domain -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        message_id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        unique_key -> Nullable<Text>,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_attempts (id) {
        id -> BigInt,
        job_id -> BigInt,
        worker -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    rep_profiles (user_id) {
        user_id -> BigInt,
        available -> Bool,
        out_of_office_until -> Nullable<Text>,
        manager_user_id -> Nullable<BigInt>,
        calendar -> Text,
        holidays -> Text,
    }
}

diesel::table! {
    rep_pools (id) {
        id -> BigInt,
        name -> Text,
        is_default -> Bool,
        last_assigned_rep -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rep_pool_members (id) {
        id -> BigInt,
        pool_id -> BigInt,
        rep_user_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> BigInt,
        position -> Integer,
        pool_id -> BigInt,
        countries -> Text,
        regions -> Text,
        min_score -> Nullable<Integer>,
        max_score -> Nullable<Integer>,
    }
}

diesel::table! {
    uploads (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        uploaded_by -> BigInt,
        on_behalf -> Bool,
        reporting_month -> Text,
        file_name -> Text,
        file_bytes -> BigInt,
        encoding -> Text,
        delimiter -> Text,
        headers -> Text,
        mapping -> Text,
        status -> Text,
        total_rows -> Integer,
        staged_rows -> Integer,
        count_new -> Integer,
        count_customer -> Integer,
        count_already -> Integer,
        count_repeat -> Integer,
        count_invalid -> Integer,
        count_warning -> Integer,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        committed_rows -> Integer,
    }
}

diesel::table! {
    upload_files (upload_id) {
        upload_id -> BigInt,
        content -> Text,
    }
}

diesel::table! {
    upload_rows (id) {
        id -> BigInt,
        upload_id -> BigInt,
        row_no -> Integer,
        line_no -> Integer,
        cells -> Text,
        prospect -> Text,
        company -> Text,
        email -> Text,
        outcome -> Text,
        detail -> Text,
        warnings -> Text,
        referral_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    upload_mappings (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        header_key -> Text,
        target -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tiers (id) {
        id -> BigInt,
        name -> Text,
        rank -> Integer,
        min_won_value_minor -> Nullable<BigInt>,
        min_qualified -> Nullable<Integer>,
        perks -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reward_rules (id) {
        id -> BigInt,
        tier_id -> BigInt,
        event -> Text,
        flat_minor -> Nullable<BigInt>,
        percent -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partner_standings (organisation_id) {
        organisation_id -> BigInt,
        tier_id -> BigInt,
        below_since -> Nullable<Timestamp>,
        demotion_review_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tier_changes (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        from_tier_id -> Nullable<BigInt>,
        to_tier_id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referral_shares (id) {
        id -> BigInt,
        referral_id -> BigInt,
        organisation_id -> BigInt,
        position -> Integer,
        share -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    statements (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        period -> Text,
        period_start -> Timestamp,
        period_end -> Timestamp,
        currency -> Text,
        total_minor -> BigInt,
        line_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reward_lines (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        referral_id -> BigInt,
        event -> Text,
        rule_id -> Nullable<BigInt>,
        tier_id -> Nullable<BigInt>,
        amount_minor -> BigInt,
        currency -> Text,
        status -> Text,
        reason -> Text,
        corrects_line_id -> Nullable<BigInt>,
        earned_at -> Timestamp,
        approvable_at -> Timestamp,
        statement_id -> Nullable<BigInt>,
        unique_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reward_line_moves (id) {
        id -> BigInt,
        line_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_user_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payouts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        status -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        created_by -> BigInt,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
        second_approved_by -> Nullable<BigInt>,
        second_approved_at -> Nullable<Timestamp>,
        reference -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payout_lines (id) {
        id -> BigInt,
        payout_id -> BigInt,
        line_id -> BigInt,
        active -> Bool,
    }
}

diesel::table! {
    payout_events (id) {
        id -> BigInt,
        payout_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_user_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(uploads -> organisations (organisation_id));
diesel::joinable!(upload_rows -> uploads (upload_id));
diesel::joinable!(referrals -> organisations (organisation_id));
diesel::joinable!(referral_events -> referrals (referral_id));
diesel::joinable!(conflicts -> organisations (organisation_id));
diesel::joinable!(reward_rules -> tiers (tier_id));
diesel::joinable!(partner_standings -> tiers (tier_id));
diesel::joinable!(reward_lines -> referrals (referral_id));
diesel::joinable!(reward_line_moves -> reward_lines (line_id));
diesel::joinable!(payout_lines -> payouts (payout_id));
diesel::joinable!(payout_lines -> reward_lines (line_id));
diesel::joinable!(payout_events -> payouts (payout_id));
diesel::joinable!(statements -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sessions,
    account_tokens,
    login_failures,
    referrals,
    referral_events,
    conflicts,
    existing_customers,
    email_providers,
    audit_log,
    outbox,
    settings,
    jobs,
    job_attempts,
    rep_profiles,
    rep_pools,
    rep_pool_members,
    routing_rules,
    uploads,
    upload_files,
    upload_rows,
    upload_mappings,
    tiers,
    reward_rules,
    partner_standings,
    tier_changes,
    referral_shares,
    statements,
    reward_lines,
    reward_line_moves,
    payouts,
    payout_lines,
    payout_events,
);
