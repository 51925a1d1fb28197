//! celint's rules and their findings: the registry and one file per rule (`rules`), the checker
//! that runs them over the analyses (`checker`), `Diagnostic` (`diagnostic`), `# noqa`
//! (`noqa`) and fix edits (`fix`).

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod checker;
pub mod diagnostic;
pub mod fix;
pub mod noqa;
pub mod rules;

/// The project's public home: the workspace's `repository` (Cargo.toml), the one place that
/// names it. `None` while it is unset, and then no output carries a URL of celint's (a made-up
/// address could one day lead users to someone else's code).
pub fn home() -> Option<&'static str> {
    home_from(env!("CARGO_PKG_REPOSITORY"))
}

fn home_from(repository: &'static str) -> Option<&'static str> {
    let home = repository.trim().trim_end_matches('/');
    (!home.is_empty()).then_some(home)
}

#[cfg(test)]
mod home_tests {
    #[test]
    fn no_home_means_no_url() {
        assert_eq!(super::home_from(""), None);
        assert_eq!(super::home_from("  "), None);
        assert_eq!(
            super::home_from("https://example.org/celint/"),
            Some("https://example.org/celint")
        );
        // Cargo.toml sets no `repository` until the project has a real public home.
        assert_eq!(super::home(), None);
        assert_eq!(crate::rules::Rule::ShutdownBeforeReady.url(), None);
    }
}
