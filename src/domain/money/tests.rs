//! Tests for currencies, amount parsing, formatting and commission arithmetic.

use rust_decimal::Decimal;

use super::*;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

#[test]
fn currencies_know_their_minor_units() {
    for (code, exp) in [
        ("EUR", 2),
        ("usd", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("SEK", 2),
        ("NOK", 2),
        ("DKK", 2),
        ("PLN", 2),
        ("CAD", 2),
        ("AUD", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("BHD", 3),
        ("KWD", 3),
        (" jod ", 3),
    ] {
        assert_eq!(
            Currency::parse(code).map(|c| c.exponent()),
            Ok(exp),
            "{code}"
        );
    }
    assert_eq!(Currency::parse("XYZ"), Err(MoneyError::UnknownCurrency));
    assert_eq!(Currency::parse(""), Err(MoneyError::UnknownCurrency));
}

#[test]
fn typed_amounts_are_parsed_to_minor_units() {
    let cases: &[(&str, Currency, i64)] = &[
        ("12000", Currency::EUR, 1_200_000),
        ("12,000.50", Currency::EUR, 1_200_050),
        ("12000.5", Currency::EUR, 1_200_050),
        ("12 000", Currency::EUR, 1_200_000),
        ("12\u{a0}000", Currency::EUR, 1_200_000),
        ("1,234,567.89", Currency::EUR, 123_456_789),
        ("12,5", Currency::EUR, 1_250),
        (" 0 ", Currency::EUR, 0),
        (".5", Currency::EUR, 50),
        ("+7", Currency::EUR, 700),
        ("€12,000", Currency::EUR, 1_200_000),
        ("12000 EUR", Currency::EUR, 1_200_000),
        ("eur 5", Currency::EUR, 500),
        ("£99.99", Currency::GBP, 9_999),
        ("12345", Currency::JPY, 12_345),
        ("1.234", Currency::parse("KWD").unwrap(), 1_234),
    ];
    for (raw, currency, minor) in cases {
        assert_eq!(
            Money::parse_major(raw, *currency),
            Ok(Money::new(*minor, *currency)),
            "{raw:?}"
        );
    }
}

#[test]
fn bad_amounts_are_refused() {
    let too_many_eur = MoneyError::TooManyDecimals {
        currency: "EUR",
        max: 2,
    };
    let cases: &[(&str, Currency, MoneyError)] = &[
        ("", Currency::EUR, MoneyError::Empty),
        ("EUR", Currency::EUR, MoneyError::Empty),
        ("-5", Currency::EUR, MoneyError::Negative),
        ("\u{2212}5", Currency::EUR, MoneyError::Negative),
        ("12.345", Currency::EUR, too_many_eur.clone()),
        (
            "12.5",
            Currency::JPY,
            MoneyError::TooManyDecimals {
                currency: "JPY",
                max: 0,
            },
        ),
        ("ten", Currency::EUR, MoneyError::NotANumber),
        ("12.", Currency::EUR, MoneyError::NotANumber),
        ("1.2.3", Currency::EUR, MoneyError::NotANumber),
        (
            "12,00",
            Currency::JPY,
            MoneyError::TooManyDecimals {
                currency: "JPY",
                max: 0,
            },
        ),
        ("1,23,456", Currency::EUR, MoneyError::NotANumber),
        ("12 000,50", Currency::EUR, MoneyError::NotANumber),
        ("1e5", Currency::EUR, MoneyError::NotANumber),
        ("$5", Currency::EUR, MoneyError::NotANumber),
        ("١٢", Currency::EUR, MoneyError::NotANumber),
        ("99999999999999999999", Currency::EUR, MoneyError::TooLarge),
    ];
    for (raw, currency, expected) in cases {
        assert_eq!(
            Money::parse_major(raw, *currency).as_ref(),
            Err(expected),
            "{raw:?}"
        );
    }
}

#[test]
fn decimals_error_message_names_the_currency() {
    let err = Money::parse_major("1.234", Currency::EUR).unwrap_err();
    assert_eq!(err.to_string(), "Use at most 2 decimal places for EUR");
    let err = Money::parse_major("1.5", Currency::JPY).unwrap_err();
    assert_eq!(err.to_string(), "JPY amounts have no decimal places");
}

#[test]
fn amounts_format_with_grouping_and_code() {
    let kwd = Currency::parse("KWD").unwrap();
    let cases: &[(Money, &str)] = &[
        (eur(1_200_050), "12,000.50 EUR"),
        (eur(5), "0.05 EUR"),
        (eur(0), "0.00 EUR"),
        (eur(-194), "-1.94 EUR"),
        (eur(100_000_000), "1,000,000.00 EUR"),
        (Money::new(926, Currency::JPY), "926 JPY"),
        (Money::new(1_234_567, Currency::JPY), "1,234,567 JPY"),
        (Money::new(1_234, kwd), "1.234 KWD"),
        (eur(i64::MIN), "-92,233,720,368,547,758.08 EUR"),
    ];
    for (money, expected) in cases {
        assert_eq!(money.format(), *expected);
    }
}

#[test]
fn percent_share_rounds_half_away_from_zero() {
    let cases: &[(Money, &str, i64)] = &[
        (eur(645), "30", 194),
        (eur(14_400), "7.5", 1_080),
        (eur(2_010), "5", 101),
        (eur(201), "50", 101),
        (Money::new(12_345, Currency::JPY), "7.5", 926),
        (eur(-387), "50", -194),
        (eur(1_000), "0", 0),
        (eur(1_000), "100", 1_000),
    ];
    for (amount, percent, expected) in cases {
        assert_eq!(
            percent_share(*amount, dec(percent)),
            Money::new(*expected, amount.currency),
            "{amount} x {percent}%"
        );
    }
}

#[test]
fn percent_share_saturates_instead_of_overflowing() {
    assert_eq!(percent_share(eur(i64::MAX), dec("1000")).minor, i64::MAX);
    assert_eq!(percent_share(eur(i64::MIN), dec("1000")).minor, i64::MIN);
}

#[test]
fn split_by_shares_uses_largest_remainder() {
    let cases: &[(i64, &[&str], &[i64])] = &[
        (1_001, &["50", "50"], &[501, 500]),
        (1_000, &["1", "1", "1"], &[334, 333, 333]),
        (100, &["1", "2"], &[33, 67]),
        (-1_001, &["50", "50"], &[-501, -500]),
        (1_000, &["0.5", "0.25", "0.25"], &[500, 250, 250]),
        (1_000, &["70", "-5", "30"], &[700, 0, 300]),
        (1_000, &["0", "0"], &[500, 500]),
        (7, &["1"], &[7]),
        (0, &["1", "2"], &[0, 0]),
    ];
    for (minor, shares, expected) in cases {
        let shares: Vec<Decimal> = shares.iter().map(|s| dec(s)).collect();
        let parts: Vec<i64> = split_by_shares(eur(*minor), &shares)
            .iter()
            .map(|m| m.minor)
            .collect();
        assert_eq!(parts, *expected, "{minor} by {shares:?}");
    }
    assert!(split_by_shares(eur(100), &[]).is_empty());
}

#[test]
fn split_parts_always_add_up() {
    let shares = [Decimal::MAX, dec("0.000000001"), Decimal::MAX];
    for minor in [i64::MAX, i64::MIN, 1, -1, 12_345] {
        let parts = split_by_shares(eur(minor), &shares);
        let sum: i128 = parts.iter().map(|m| i128::from(m.minor)).sum();
        assert_eq!(sum, i128::from(minor));
    }
}
