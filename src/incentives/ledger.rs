//! TODO(#6)
