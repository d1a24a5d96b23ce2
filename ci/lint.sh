#!/usr/bin/env bash
# Formatting and clippy, warnings denied.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n== format ==\n'
cargo fmt --all -- --check
printf '\n== clippy ==\n'
cargo clippy --workspace --all-targets --locked -- -D warnings
