mod ledger;
mod payouts;
mod review;
mod tiers;
