use super::*;
use PayoutStatus::*;

#[test]
fn statuses_read_back_their_stored_names() {
    for status in PayoutStatus::ALL {
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    assert_eq!("Paid".parse::<PayoutStatus>(), Err(PayoutStatusError));
}

#[test]
fn second_approval_only_strictly_above_the_threshold() {
    assert!(!needs_second_approval(100_000, None));
    assert!(!needs_second_approval(100_000, Some(100_000)));
    assert!(needs_second_approval(100_001, Some(100_000)));
}

#[test]
fn approvals_follow_the_two_admin_rule() {
    let (a, b) = (1, 2);
    let cases = [
        (AwaitingApproval, false, None, a, Ok(Approved)),
        (AwaitingApproval, true, None, a, Ok(AwaitingSecondApproval)),
        (
            AwaitingSecondApproval,
            true,
            Some(a),
            a,
            Err(ApprovalRefused::SameApprover),
        ),
        (AwaitingSecondApproval, true, Some(a), b, Ok(Approved)),
        (
            Approved,
            false,
            Some(a),
            b,
            Err(ApprovalRefused::AlreadyApproved),
        ),
        (
            Approved,
            false,
            Some(a),
            a,
            Err(ApprovalRefused::AlreadyApproved),
        ),
        (
            Paid,
            false,
            Some(a),
            b,
            Err(ApprovalRefused::AlreadyApproved),
        ),
        (Failed, false, None, a, Err(ApprovalRefused::Failed)),
    ];
    for (from, second, first, actor, expected) in cases {
        assert_eq!(
            approve(from, second, first, actor),
            expected,
            "{from} by {actor}"
        );
    }
}

#[test]
fn only_approved_or_previously_approved_failed_payouts_are_paid() {
    assert!(can_mark_paid(Approved, true));
    assert!(can_mark_paid(Failed, true));
    assert!(!can_mark_paid(Failed, false));
    for from in [AwaitingApproval, AwaitingSecondApproval, Paid] {
        assert!(!can_mark_paid(from, true), "{from}");
    }
    assert!(Paid.can_fail() && Approved.can_fail() && !Failed.can_fail());
}

#[test]
fn amounts_are_written_plainly_for_finance() {
    assert_eq!(plain_amount(123_450, 2), "1234.50");
    assert_eq!(plain_amount(-194, 2), "-1.94");
    assert_eq!(plain_amount(5, 2), "0.05");
    assert_eq!(plain_amount(926, 0), "926");
    assert_eq!(plain_amount(1_005, 3), "1.005");
    assert_eq!(plain_amount(i64::MIN, 2), "-92233720368547758.08");
}
