//! Names to addresses.
