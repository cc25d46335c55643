//! Partner referral portal: the library behind the `referral-portal` binary.
pub mod domain;
