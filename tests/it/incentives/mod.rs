mod ledger;
mod payouts;
mod polish;
mod review;
mod tiers;
