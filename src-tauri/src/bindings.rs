//! The TypeScript types of everything that crosses the wire, generated from the Rust types by
//! ts-rs into `ui/src/lib/bindings/`. This test fails when the committed files are stale;
//! `UPDATE_BINDINGS=1 cargo test -p clearshot-app bindings` rewrites them.

use std::collections::BTreeMap;
use std::path::Path;

use ts_rs::TS;

fn export_all(dir: &Path) {
    // 64-bit integers and `usize` arrive as plain JSON numbers (serde_json), every id and count
    // here far below 2^53: `number`, not ts-rs's default `bigint`.
    let cfg = ts_rs::Config::new()
        .with_large_int("number")
        .with_out_dir(dir);
    macro_rules! export {
        ($($t:ty),* $(,)?) => {
            $( <$t as TS>::export_all(&cfg)
                .unwrap_or_else(|e| panic!("exporting {}: {e}", stringify!($t))); )*
        };
    }
    export!(
        crate::WireError,
        crate::wire::AppInfo,
        crate::wire::PupilQuery,
        crate::wire::StatusQuery,
        crate::wire::FormRequest,
        crate::wire::WithdrawalRequest,
        clearshot::subject_access::Exported,
        crate::wire::ImportRequest,
        crate::wire::SettingView,
        crate::wire::Progress,
        crate::wire::ThumbEvent,
        crate::wire::ThumbSummary,
        crate::wire::PhotoCheck,
        crate::wire::ExportItem,
        crate::wire::ExportSummary,
        crate::wire::DeviceRequest,
        crate::wire::FacesView,
        crate::wire::FaceView,
        crate::wire::BackupStatus,
        register::takedowns::Takedown,
        clearshot::photos::CheckResult,
        clearshot::photos::IngestReport,
        clearshot::admin::AccountView,
        register::devices::Device,
        register::staff::Staff,
        register::holds::Hold,
        clearshot::ErrorKind,
        clearshot::pupils::PupilSummary,
        clearshot::pupils::PupilDetail,
        clearshot::pupils::FlagView,
        clearshot::pupils::RekeyReport,
        clearshot::consent::StatusRow,
        clearshot::consent::ChaseRow,
        clearshot::consent::Recorded,
        clearshot::consent::Withdrawn,
        clearshot::consent::Voided,
        clearshot::ImportReport,
        register::import::Field,
        register::academies::Academy,
        register::audit::Entry,
        register::audit::Verification,
        register::flags::FlagKind,
        rules::consent::Channel,
        rules::consent::Signatory,
        rules::consent::ConsentStatus,
        rules::clearance::Rule,
        rules::clearance::Verdict,
        rules::clearance::ProvenanceLevel,
        rules::clearance::RuleOutcome,
        rules::caption::CaptionProblem,
    );
}

/// Every `.ts` file under `dir`, by its path relative to `dir` (ts-rs nests some, e.g.
/// `serde_json/JsonValue.ts`).
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if path.extension().is_some_and(|e| e == "ts") {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let fresh_dir = tempfile::tempdir().unwrap();
    export_all(fresh_dir.path());
    let fresh = read_dir(fresh_dir.path());
    let committed_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_dir).unwrap();
        for name in read_dir(&committed_dir).keys() {
            if !fresh.contains_key(name) {
                std::fs::remove_file(committed_dir.join(name)).unwrap();
            }
        }
        for (name, text) in &fresh {
            let path = committed_dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        return;
    }
    let committed = read_dir(&committed_dir);
    let stale: Vec<&String> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|name| fresh.get(*name) != committed.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is stale ({stale:?} differ from the Rust types); \
         run `UPDATE_BINDINGS=1 cargo test -p clearshot-app bindings` and commit the result"
    );
}
