//! Tests for reward rules, splits, clawbacks, statement totals and line statuses.

use chrono::{DateTime, Utc};

use super::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Reads a signed amount in major units such as `-6.45`.
fn amount(text: &str, currency: Currency) -> Money {
    match text.strip_prefix('-') {
        Some(rest) => {
            let m = Money::parse_major(rest, currency).unwrap();
            Money::new(-m.minor, currency)
        }
        None => Money::parse_major(text, currency).unwrap(),
    }
}

#[test]
fn case_c07_every_expected_column_is_reproduced() {
    let fixture = include_str!("../../../tests/fixtures/C07_commission_rounding.csv");
    let mut lines = fixture.lines();
    assert_eq!(
        lines.next().unwrap(),
        "case,deal_amount,currency,partner_rate_percent,split,expected_partner_commission,\
         expected_company_remainder,why"
    );
    let mut rows = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        // The last column is free text that may contain commas.
        let cols: Vec<&str> = line.splitn(8, ',').collect();
        let [case, deal, currency, rate, split, partner, remainder, _why] = cols[..] else {
            panic!("row with {} columns: {line}", cols.len());
        };
        let currency = Currency::parse(currency).unwrap();
        let deal = amount(deal, currency);
        let rule = RewardRule {
            event: RewardEvent::Won,
            kind: RewardKind::Percent(dec(rate)),
        };

        let got = commission(deal, dec(rate));
        let earned = reward_for(&rule, Some(deal)).unwrap();

        assert_eq!(
            earned, got.partner,
            "case {case}: rule and commission agree"
        );
        assert_eq!(got.remainder, amount(remainder, currency), "case {case}");
        assert_eq!(
            got.partner.minor + got.remainder.minor,
            deal.minor,
            "case {case}"
        );
        if split.is_empty() {
            assert_eq!(got.partner, amount(partner, currency), "case {case}");
        } else {
            let (ratio, _) = split.split_once(' ').unwrap();
            let shares: Vec<Decimal> = ratio.split('/').map(dec).collect();
            let expected: Vec<Money> = partner
                .split(';')
                .map(|part| amount(part.split_once('=').unwrap().1, currency))
                .collect();
            assert_eq!(split_reward(got.partner, &shares), expected, "case {case}");
        }
        rows += 1;
    }
    assert_eq!(rows, 7);
}

#[test]
fn case_c07_a_full_refund_claws_back_the_original_line_exactly() {
    let deal = eur(645);
    let original = commission(deal, dec("30")).partner;

    let line = clawback(original, deal, deal).unwrap();

    assert_eq!(original, eur(194));
    assert_eq!(line, eur(-194));
    assert_eq!(line, commission(eur(-645), dec("30")).partner);
}

#[test]
fn partial_refunds_claw_back_in_proportion_rounded_half_away_from_zero() {
    // (original, deal, refunded, expected clawback), all EUR minor units.
    let cases = [
        (194, 645, 0, 0),
        (194, 645, 645, -194),
        // 194 × 100 / 645 = 30.08: rounds down.
        (194, 645, 100, -30),
        // 100 × 1 / 2 = 50 exactly.
        (100, 200, 100, -50),
        // 3 × 1 / 2 = 1.5: half goes away from zero.
        (3, 2, 1, -2),
        // 5 × 1 / 4 = 1.25.
        (5, 4, 1, -1),
        // Clawing back a negative line (a reversal) gives a positive one.
        (-3, 2, 1, 2),
        // Never more than the original, even a cent short of a full refund.
        (194, 645, 644, -194),
    ];
    for (original, deal, refunded, expected) in cases {
        assert_eq!(
            clawback(eur(original), eur(deal), eur(refunded)),
            Ok(eur(expected)),
            "{original} for {refunded} of {deal}"
        );
    }
}

#[test]
fn refunds_in_pieces_claw_back_exactly_the_original_in_total() {
    let (original, deal) = (eur(194), eur(645));
    let pieces = [100, 100, 100, 100, 100, 145];
    let mut refunded = 0;
    let mut clawed = Vec::new();
    for piece in pieces {
        clawed.push(further_clawback(original, deal, eur(refunded), eur(piece)).unwrap());
        refunded += piece;
    }

    let total = statement_total(Currency::EUR, clawed.iter().copied()).unwrap();

    assert_eq!(total, eur(-194));
    assert_eq!(clawed[0], clawback(original, deal, eur(100)).unwrap());
}

#[test]
fn impossible_refunds_are_refused() {
    let cases = [
        (eur(646), ClawbackError::RefundExceedsDeal),
        (eur(-1), ClawbackError::NegativeRefund),
        (
            Money::new(100, Currency::USD),
            ClawbackError::CurrencyMismatch {
                expected: Currency::EUR,
            },
        ),
    ];
    for (refunded, error) in cases {
        assert_eq!(
            clawback(eur(194), eur(645), refunded),
            Err(error.clone()),
            "{refunded}"
        );
    }
    assert_eq!(
        further_clawback(eur(194), eur(645), eur(600), eur(46)),
        Err(ClawbackError::RefundExceedsDeal)
    );
    assert_eq!(
        ClawbackError::RefundExceedsDeal.to_string(),
        "The refunds add up to more than the deal value"
    );
}

#[test]
fn rules_pay_a_flat_bounty_or_a_share_of_the_deal() {
    let bounty = RewardRule {
        event: RewardEvent::MeetingBooked,
        kind: RewardKind::Flat(eur(5_000)),
    };
    let share = RewardRule {
        event: RewardEvent::Won,
        kind: RewardKind::Percent(dec("7.5")),
    };
    let cases = [
        (&bounty, None, Some(eur(5_000))),
        (&bounty, Some(eur(1_000_000)), Some(eur(5_000))),
        (&share, Some(eur(14_400)), Some(eur(1_080))),
        (&share, None, None),
    ];
    for (rule, deal, expected) in cases {
        assert_eq!(reward_for(rule, deal), expected, "{rule:?} on {deal:?}");
    }
}

#[test]
fn reward_rules_are_checked_as_admins_enter_them() {
    let rule = |kind| RewardRule {
        event: RewardEvent::Won,
        kind,
    };
    let cases = [
        (RewardKind::Flat(eur(0)), Ok(())),
        (RewardKind::Percent(dec("100")), Ok(())),
        (RewardKind::Percent(dec("0")), Ok(())),
        (
            RewardKind::Flat(eur(-1)),
            Err(RewardRuleError::NegativeBounty),
        ),
        (
            RewardKind::Flat(Money::new(100, Currency::JPY)),
            Err(RewardRuleError::WrongCurrency {
                expected: Currency::EUR,
            }),
        ),
        (
            RewardKind::Percent(dec("100.01")),
            Err(RewardRuleError::PercentOutOfRange),
        ),
        (
            RewardKind::Percent(dec("-0.5")),
            Err(RewardRuleError::PercentOutOfRange),
        ),
    ];
    for (kind, expected) in cases {
        assert_eq!(rule(kind).validate(Currency::EUR), expected, "{kind:?}");
    }
}

#[test]
fn co_referral_splits_add_up_with_leftovers_to_the_first_listed() {
    let cases = [
        (1001, vec!["50", "50"], vec![501, 500]),
        (1000, vec!["1", "2"], vec![333, 667]),
        (1, vec!["1", "1", "1"], vec![1, 0, 0]),
        (-1001, vec!["50", "50"], vec![-501, -500]),
    ];
    for (total, shares, expected) in cases {
        let shares: Vec<Decimal> = shares.into_iter().map(dec).collect();
        let expected: Vec<Money> = expected.into_iter().map(eur).collect();
        assert_eq!(split_reward(eur(total), &shares), expected, "{total}");
    }
}

#[test]
fn statement_totals_are_the_exact_sum_of_their_lines() {
    let lines = [eur(194), eur(1_080), eur(-194), eur(101)];

    assert_eq!(statement_total(Currency::EUR, lines), Ok(eur(1_181)));
    assert_eq!(statement_total(Currency::EUR, []), Ok(eur(0)));
    assert_eq!(
        statement_total(Currency::EUR, [eur(1), Money::new(1, Currency::JPY)]),
        Err(StatementError::CurrencyMismatch {
            expected: Currency::EUR,
            found: Currency::JPY
        })
    );
    assert_eq!(
        statement_total(Currency::EUR, [eur(i64::MAX), eur(1)]),
        Err(StatementError::TooLarge)
    );
}

#[test]
fn line_statuses_move_only_along_the_approval_path() {
    use LineStatus::{Approvable, Approved, Paid, Pending, Rejected};
    let allowed = [
        (Pending, Approvable),
        (Approvable, Approved),
        (Approvable, Rejected),
        (Approved, Paid),
        // A failed payout leaves its lines approved.
        (Approved, Approved),
        // A payout marked failed after it was paid returns its lines to approved.
        (Paid, Approved),
    ];
    for from in LineStatus::ALL {
        for to in LineStatus::ALL {
            assert_eq!(
                can_move(from, to),
                allowed.contains(&(from, to)),
                "{from} to {to}"
            );
        }
    }
    assert!(Paid.is_final() && Rejected.is_final() && !Approved.is_final());
}

#[test]
fn line_statuses_read_back_their_stored_names() {
    for status in LineStatus::ALL {
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    assert_eq!("Paid".parse::<LineStatus>(), Err(LineStatusError));
}

#[test]
fn lines_become_approvable_after_whole_days_of_holding() {
    let cases = [
        ("2026-10-01T10:00:00Z", 30, "2026-10-31T10:00:00Z"),
        // 24-hour days: the US clock change on 1 November does not shift the instant.
        ("2026-10-20T19:00:00Z", 30, "2026-11-19T19:00:00Z"),
        ("2026-10-01T10:00:00Z", 0, "2026-10-01T10:00:00Z"),
    ];
    for (earned, days, expected) in cases {
        assert_eq!(
            approvable_at(utc(earned), days),
            utc(expected),
            "{earned} + {days}"
        );
    }
    let earned = utc("2026-10-01T10:00:00Z");
    assert!(!is_past_holding(earned, 30, utc("2026-10-31T09:59:59Z")));
    assert!(is_past_holding(earned, 30, utc("2026-10-31T10:00:00Z")));
}

#[test]
fn a_statement_breakdown_adds_up_to_its_total_by_current_status() {
    let eur = |minor| Money::new(minor, Currency::EUR);
    let lines = [
        (LineStatus::Rejected, eur(10_000)),
        (LineStatus::Approved, eur(2_550)),
        (LineStatus::Rejected, eur(-1_000)),
        (LineStatus::Pending, eur(1)),
    ];
    let parts = statement_breakdown(Currency::EUR, &lines).unwrap();
    assert_eq!(
        parts,
        vec![
            (LineStatus::Pending, eur(1)),
            (LineStatus::Approved, eur(2_550)),
            (LineStatus::Rejected, eur(9_000)),
        ]
    );
    let total = statement_total(Currency::EUR, lines.iter().map(|(_, m)| *m)).unwrap();
    assert_eq!(parts.iter().map(|(_, m)| m.minor).sum::<i64>(), total.minor);
    assert_eq!(statement_breakdown(Currency::EUR, &[]).unwrap(), vec![]);
    assert_eq!(
        statement_breakdown(
            Currency::EUR,
            &[(LineStatus::Paid, Money::new(1, Currency::JPY))]
        ),
        Err(StatementError::CurrencyMismatch {
            expected: Currency::EUR,
            found: Currency::JPY
        })
    );
}
