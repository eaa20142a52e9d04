//! Every end-to-end test of the workspace, in one binary: each module is one area, and the shared
//! helpers live in the `e2e_tests` library (`tests/src/lib.rs`).

mod browser;
mod doudian_session;
mod downstream;
mod drift;
mod drift_loop;
mod endpoints_decode;
mod evidence;
mod fixture_client;
mod hostile;
mod oauth_flow;
mod pagination;
mod rate_limits;
mod redis_tokens;
mod runtime_encoding;
mod runtime_envelopes;
mod runtime_errors;
mod runtime_hooks;
mod runtime_proptest;
mod runtime_redaction;
mod runtime_retries;
mod runtime_tokens;
mod sandbox_auth;
mod sandbox_doudian;
mod sandbox_endpoints;
mod sandbox_faults;
mod sandbox_validation;
mod smoke;
mod user_session;
mod webhooks;
mod webhooks_doudian;
mod webhooks_durable;
mod wire;
