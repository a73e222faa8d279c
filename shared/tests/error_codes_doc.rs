//! The README's error-code table is the enum's: every wire code once, with the statuses it is
//! answered with. Run with `UPDATE_README=1` to rewrite the table from the enum.

use upstream_session::ErrorCode;

const BEGIN: &str =
    "<!-- error-codes:begin (generated from ErrorCode; shared/tests/error_codes_doc.rs) -->";
const END: &str = "<!-- error-codes:end -->";

fn table() -> String {
    let mut rows = ErrorCode::table();
    rows.sort_by_key(|(code, statuses)| (statuses[0], *code));
    let mut out = String::from("| code | HTTP status |\n|---|---|\n");
    for (code, statuses) in rows {
        let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
        out.push_str(&format!("| `{code}` | {} |\n", statuses.join(", ")));
    }
    out
}

#[test]
fn readme_lists_every_error_code_once_with_its_status() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(BEGIN)
        .expect("README has the error-code table marker")
        + BEGIN.len();
    let end = readme[start..]
        .find(END)
        .expect("README has the end marker")
        + start;
    let expected = format!("\n{}", table());
    if std::env::var_os("UPDATE_README").is_some() && readme[start..end] != expected {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        readme[start..end],
        expected,
        "README error-code table is stale: run UPDATE_README=1 cargo test -p upstream-session --test error_codes_doc"
    );
    for (code, _) in ErrorCode::table() {
        assert_eq!(
            readme.matches(&format!("| `{code}` |")).count(),
            1,
            "{code} listed once"
        );
    }
}
