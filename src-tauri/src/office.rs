//! Office commands: first run, roll import, pupils, consent forms, class view, chase list.

use std::path::PathBuf;

use chrono::NaiveDate;
use clearshot::consent::{
    ChaseRow, FormInput, Recorded, StatusRow, Voided, WithdrawalInput, Withdrawn,
};
use clearshot::pupils::{FlagView, PupilDetail, PupilSummary, RekeyReport};
use clearshot::{ImportOptions, ImportReport, Store};
use register::academies::Academy;
use register::flags::FlagKind;
use tauri::State;

use crate::error::{WireError, WireResult};
use crate::state::{AppState, stamp, today};
use crate::wire::{
    AppInfo, FormRequest, ImportRequest, PupilQuery, StatusQuery, WithdrawalRequest,
};
use crate::{blocking, with_store};

/// The sample academy's roll, built into the binary so that it works from an installed package.
const SAMPLE_ROLL: &[u8] = include_bytes!("../../assets/sample-roll.csv");
/// The school year the sample roll's year groups are for (2026/27).
const SAMPLE_ACADEMIC_YEAR: i32 = 2026;
const SAMPLE_CODE: &str = "SAMPLE";
const SAMPLE_NAME: &str = "Sample Academy (demonstration data)";

#[tauri::command(rename_all = "snake_case")]
pub async fn app_info(state: State<'_, AppState>) -> WireResult<AppInfo> {
    let path = state.register_path.clone();
    blocking(move || {
        let store = Store::open(&path)?;
        Ok(AppInfo {
            register_path: path.display().to_string(),
            today: today(),
            actor: crate::state::actor(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            academies: clearshot::pupils::academies(&store)?,
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn academies(state: State<'_, AppState>) -> WireResult<Vec<Academy>> {
    let path = state.register_path.clone();
    blocking(move || Ok(clearshot::pupils::academies(&Store::open(&path)?)?)).await
}

/// Adds the sample academy (once) and imports the sample roll into it.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_sample_academy(state: State<'_, AppState>) -> WireResult<ImportReport> {
    let path = state.register_path.clone();
    blocking(move || load_sample(&path)).await
}

/// The sample academy: added once, its roll (re)imported as of today.
pub fn load_sample(path: &std::path::Path) -> WireResult<ImportReport> {
    load_sample_on(path, today())
}

/// [`load_sample`] as of `on`.
fn load_sample_on(path: &std::path::Path, on: NaiveDate) -> WireResult<ImportReport> {
    let mut store = Store::open(path)?;
    let stamp = stamp();
    let exists = clearshot::pupils::academies(&store)?
        .iter()
        .any(|a| a.code == SAMPLE_CODE);
    if !exists {
        clearshot::pupils::add_academy(&mut store, SAMPLE_CODE, SAMPLE_NAME, &stamp)?;
    }
    let academic_year = rules::year::academic_year_of(on);
    let roll = sample_roll_for(academic_year);
    let opts = ImportOptions {
        academy: SAMPLE_CODE.to_string(),
        academic_year,
        on,
        dry_run: false,
        maps: Vec::new(),
        mark_left: true,
        allow_many_leavers: false,
        allow_many_moves: false,
        renamed: Vec::new(),
        accept_year_groups: false,
    };
    Ok(clearshot::pupils::import_roll(
        &mut store, &roll, &opts, &stamp,
    )?)
}

/// The sample roll as an MIS would export it in `academic_year`: each date of birth moved on by
/// the years since [`SAMPLE_ACADEMIC_YEAR`], so that its year groups are right whenever the
/// sample is opened (its rows with a bad date stay bad). 29 February becomes 28 February in a
/// year without it.
fn sample_roll_for(academic_year: i32) -> Vec<u8> {
    let years = academic_year - SAMPLE_ACADEMIC_YEAR;
    let text = String::from_utf8_lossy(SAMPLE_ROLL);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        if let Some(dob) = cells.get_mut(4) {
            let moved = chrono::NaiveDate::parse_from_str(dob, "%d/%m/%Y")
                .ok()
                .and_then(|d| {
                    let y = chrono::Datelike::year(&d) + years;
                    let (m, day) = (chrono::Datelike::month(&d), chrono::Datelike::day(&d));
                    chrono::NaiveDate::from_ymd_opt(y, m, day)
                        .or_else(|| chrono::NaiveDate::from_ymd_opt(y, m, day - 1))
                });
            if let Some(d) = moved {
                *dob = d.format("%d/%m/%Y").to_string();
            }
        }
        out.push_str(&cells.join(","));
    }
    out.into_bytes()
}

#[cfg(test)]
mod sample_tests {
    use super::*;

    #[test]
    fn the_sample_roll_is_moved_on_to_the_school_year_it_is_opened_in() {
        assert_eq!(sample_roll_for(SAMPLE_ACADEMIC_YEAR), SAMPLE_ROLL);
        let later = String::from_utf8(sample_roll_for(SAMPLE_ACADEMIC_YEAR + 3)).unwrap();
        let original = String::from_utf8_lossy(SAMPLE_ROLL);
        assert_eq!(later.lines().count(), original.lines().count());
        // Harry Patel, born 31/10/2022, in Nursery in 2026/27, is born in 2025 in the sample of
        // 2029/30; the row whose date is impossible stays impossible.
        assert!(
            later.contains("Q886402125101,Patel,Harry,,31/10/2025,N2"),
            "{later}"
        );
        assert!(
            later.contains(",31/02/2019,"),
            "the bad row is kept as it was"
        );
    }

    #[test]
    fn the_sample_opens_in_another_school_year_as_in_its_own() {
        // An import is never dated after today, so the years tried are this one and earlier:
        // the dates move back as they move on.
        let this_year = rules::year::academic_year_of(today());
        for on in [
            today(),
            NaiveDate::from_ymd_opt(this_year - 1, 9, 1).unwrap(),
            NaiveDate::from_ymd_opt(this_year - 3, 2, 1).unwrap(),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let report = load_sample_on(&dir.path().join("r.sqlite3"), on)
                .unwrap_or_else(|e| panic!("{on}: {e:?}"));
            assert_eq!((report.imported, report.rejected.len()), (194, 7), "{on}");
        }
    }
}

fn import_options(req: &ImportRequest, dry_run: bool) -> ImportOptions {
    let on = today();
    ImportOptions {
        academy: req.academy.trim().to_uppercase(),
        academic_year: req
            .academic_year
            .unwrap_or_else(|| rules::year::academic_year_of(on)),
        on,
        dry_run,
        maps: req
            .maps
            .iter()
            .map(|m| (m.header.clone(), m.field.clone()))
            .collect(),
        mark_left: req.mark_left,
        allow_many_leavers: req.allow_many_leavers,
        allow_many_moves: req.allow_many_moves,
        renamed: req.renamed.clone(),
        accept_year_groups: req.accept_year_groups,
    }
}

fn read_roll(path: &std::path::Path) -> WireResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| WireError::io(path, e))
}

/// What importing the file would do, changing nothing. For an academy not yet in the register
/// the file is tried against an empty in-memory register with that academy.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_preview(
    state: State<'_, AppState>,
    request: ImportRequest,
) -> WireResult<ImportReport> {
    let path = state.register_path.clone();
    blocking(move || {
        let bytes = read_roll(&request.path)?;
        let opts = import_options(&request, true);
        let stamp = stamp();
        let store = Store::open(&path)?;
        let known = clearshot::pupils::academies(&store)?
            .iter()
            .any(|a| a.code == opts.academy);
        let mut scratch = if known {
            store
        } else {
            let mut scratch = Store::in_memory()?;
            let name = request.academy_name.clone().unwrap_or_default();
            let name = if name.trim().is_empty() {
                opts.academy.clone()
            } else {
                name
            };
            clearshot::pupils::add_academy(&mut scratch, &opts.academy, &name, &stamp)?;
            scratch
        };
        Ok(clearshot::pupils::import_roll(
            &mut scratch,
            &bytes,
            &opts,
            &stamp,
        )?)
    })
    .await
}

/// Imports the roll, adding the academy first when a name for a new one is given.
#[tauri::command(rename_all = "snake_case")]
pub async fn import_roll(
    state: State<'_, AppState>,
    request: ImportRequest,
) -> WireResult<ImportReport> {
    let path = state.register_path.clone();
    blocking(move || {
        let bytes = read_roll(&request.path)?;
        let opts = import_options(&request, false);
        let stamp = stamp();
        let mut store = Store::open(&path)?;
        let known = clearshot::pupils::academies(&store)?
            .iter()
            .any(|a| a.code == opts.academy);
        if !known {
            let name = request
                .academy_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| {
                    WireError::invalid(format!(
                        "academy {} is new: give its name to add it",
                        opts.academy
                    ))
                })?;
            clearshot::pupils::add_academy(&mut store, &opts.academy, &name, &stamp)?;
        }
        Ok(clearshot::pupils::import_roll(
            &mut store, &bytes, &opts, &stamp,
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn pupils_list(
    state: State<'_, AppState>,
    query: PupilQuery,
    on: Option<NaiveDate>,
) -> WireResult<Vec<PupilSummary>> {
    with_store(&state, move |store| {
        Ok(clearshot::pupils::list(
            store,
            &query.into(),
            on.unwrap_or_else(today),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn pupil_show(
    state: State<'_, AppState>,
    upn: String,
    on: Option<NaiveDate>,
) -> WireResult<PupilDetail> {
    with_store(&state, move |store| {
        Ok(clearshot::pupils::show(
            store,
            &upn,
            on.unwrap_or_else(today),
        )?)
    })
    .await
}

/// Shows a never-publish reason; the request and its reason go to the audit log.
#[tauri::command(rename_all = "snake_case")]
pub async fn reveal_never_publish_reason(
    state: State<'_, AppState>,
    upn: String,
    why: String,
) -> WireResult<Vec<FlagView>> {
    with_store(&state, move |store| {
        Ok(clearshot::pupils::reveal_never_publish_reason(
            store,
            &upn,
            &why,
            &stamp(),
        )?)
    })
    .await
}

/// The subject access export of one pupil, into a new folder beside the register
/// (`clearshot pupils export`); audited.
#[tauri::command(rename_all = "snake_case")]
pub async fn pupil_export(
    state: State<'_, AppState>,
    upn: String,
) -> WireResult<clearshot::subject_access::Exported> {
    with_store(&state, move |store| {
        Ok(clearshot::subject_access::export_beside_register(
            store,
            &upn,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn flag_set(
    state: State<'_, AppState>,
    upn: String,
    kind: FlagKind,
    reason: String,
    on: Option<NaiveDate>,
) -> WireResult<usize> {
    with_store(&state, move |store| {
        Ok(clearshot::pupils::flag(
            store,
            &upn,
            kind,
            &reason,
            on.unwrap_or_else(today),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn flag_clear(
    state: State<'_, AppState>,
    upn: String,
    kind: FlagKind,
    reason: String,
    on: Option<NaiveDate>,
) -> WireResult<usize> {
    with_store(&state, move |store| {
        Ok(clearshot::pupils::unflag(
            store,
            &upn,
            kind,
            &reason,
            on.unwrap_or_else(today),
            &stamp(),
        )?)
    })
    .await
}

/// Replaces a pupil's UPN, merging the record an import made for the new one (see
/// `clearshot pupils rekey`).
#[tauri::command(rename_all = "snake_case")]
pub async fn pupil_rekey(
    state: State<'_, AppState>,
    upn: String,
    to: String,
    names_differ: bool,
    dry_run: bool,
) -> WireResult<RekeyReport> {
    with_store(&state, move |store| {
        let opts = clearshot::pupils::RekeyOptions {
            names_differ,
            dry_run,
        };
        Ok(clearshot::pupils::rekey(
            store,
            &upn,
            &to,
            opts,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn consent_record(
    state: State<'_, AppState>,
    upn: String,
    form: FormRequest,
) -> WireResult<Recorded> {
    with_store(&state, move |store| {
        let input = FormInput {
            signatory: form.signatory,
            signed_on: form.signed_on,
            grant: form.grant,
            refuse: form.refuse,
            signer_name: form.signer_name,
            relationship: form.relationship,
            expires_on: form.expires_on,
            evidence: form.evidence,
        };
        Ok(clearshot::consent::record(
            store,
            &upn,
            &input,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn consent_withdraw(
    state: State<'_, AppState>,
    upn: String,
    withdrawal: WithdrawalRequest,
) -> WireResult<Withdrawn> {
    with_store(&state, move |store| {
        let input = WithdrawalInput {
            signatory: withdrawal.signatory,
            channels: withdrawal.channels,
            on: withdrawal.on,
            signer_name: withdrawal.signer_name,
            relationship: withdrawal.relationship,
            note: withdrawal.note,
            evidence: withdrawal.evidence,
        };
        Ok(clearshot::consent::withdraw(
            store,
            &upn,
            &input,
            crate::state::today(),
            &stamp(),
        )?)
    })
    .await
}

/// Voids a form recorded in error (`clearshot consent void`), deciding consent from today.
#[tauri::command(rename_all = "snake_case")]
pub async fn consent_void(
    state: State<'_, AppState>,
    upn: String,
    form_id: String,
    reason: String,
) -> WireResult<Voided> {
    with_store(&state, move |store| {
        Ok(clearshot::consent::void(
            store,
            &upn,
            &form_id,
            &reason,
            today(),
            &stamp(),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn consent_status(
    state: State<'_, AppState>,
    query: StatusQuery,
    on: Option<NaiveDate>,
) -> WireResult<Vec<StatusRow>> {
    with_store(&state, move |store| {
        Ok(clearshot::consent::status(
            store,
            &query.into(),
            on.unwrap_or_else(today),
        )?)
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn consent_chase(
    state: State<'_, AppState>,
    query: StatusQuery,
    on: Option<NaiveDate>,
) -> WireResult<Vec<ChaseRow>> {
    with_store(&state, move |store| {
        Ok(clearshot::consent::chase(
            store,
            &query.into(),
            on.unwrap_or_else(today),
        )?)
    })
    .await
}

/// Writes a CSV the UI built (the chase list) to the path the user chose in the save dialog.
/// Only `.csv` files: this is not a general file-writing door for the web view.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_csv(path: PathBuf, contents: String) -> WireResult<()> {
    blocking(move || {
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if !path.is_absolute() || !is_csv {
            return Err(WireError::invalid(format!(
                "{}: choose a .csv file",
                path.display()
            )));
        }
        std::fs::write(&path, contents.as_bytes()).map_err(|e| WireError::io(&path, e))
    })
    .await
}
