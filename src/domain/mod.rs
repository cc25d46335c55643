//! Pure business rules: no I/O, no HTTP, no SQL.
