mod ledger;
mod payouts;
mod tiers;
