//! Environment variables (`DNSSHIM_*`, `LOCALDOMAIN`, `RES_OPTIONS`), ignored in secure mode.
