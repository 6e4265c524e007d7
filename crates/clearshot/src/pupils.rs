//! Pupils: the roll, one pupil's page, flags.

use chrono::NaiveDate;
use register::flags::{Flag, FlagKind};
use register::pupils::Pupil;
use rules::consent::{Channel, Signatory};
use serde::Serialize;

use crate::consent::{self, StatusFilter, StatusRow};
use crate::{Error, Result, Stamp, Store};

/// A pupil in a list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PupilSummary {
    pub upn: String,
    pub name: String,
    pub academy: String,
    /// National-curriculum year on the date (Reception 0, Nursery -1).
    pub year_group: i32,
    pub year_group_label: String,
    pub reg_group: Option<String>,
    pub dob: NaiveDate,
    /// The day the pupil joined the roll, when the register knows it.
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

/// The year group of a pupil on a date: the MIS-recorded one, advanced at each 1 September.
pub fn year_group_on(p: &Pupil, on: NaiveDate) -> i32 {
    rules::year::ncy_advanced(p.year_group, p.year_group_academic_year, on)
}

/// The day whose year group a pupil is shown in: `on`, or for a pupil who has left by then
/// their last day on roll (not "Year 20" in a listing years later, nor Year 7's signatories for
/// a Year 6 leaver).
fn shown_on(p: &Pupil, on: NaiveDate) -> NaiveDate {
    p.left_on
        .and_then(|l| l.pred_opt())
        .map_or(on, |l| on.min(l))
}

pub fn summary(p: &Pupil, on: NaiveDate) -> PupilSummary {
    let year_group = year_group_on(p, shown_on(p, on));
    PupilSummary {
        upn: p.upn.clone(),
        name: p.display_name(),
        academy: p.academy.clone(),
        year_group,
        year_group_label: rules::year::year_group_label(year_group),
        reg_group: p.reg_group.clone(),
        dob: p.dob,
        joined_on: p.joined_on,
        left_on: p.left_on,
    }
}

/// Filters for a list of pupils.
#[derive(Debug, Clone, Default)]
pub struct PupilFilter {
    pub academy: Option<String>,
    pub year_group: Option<i32>,
    pub reg_group: Option<String>,
    /// Name, UPN or registration group, case-insensitive, as typed into a search box.
    pub search: Option<String>,
    pub include_left: bool,
}

pub fn list(store: &Store, filter: &PupilFilter, on: NaiveDate) -> Result<Vec<PupilSummary>> {
    let academy_id = match &filter.academy {
        Some(code) => Some(register::academies::require(&store.conn, code)?.id),
        None => None,
    };
    let needle = filter.search.as_ref().map(|s| fold(s));
    Ok(register::pupils::list(&store.conn, academy_id)?
        .iter()
        .filter(|p| filter.include_left || p.on_roll(on))
        .filter(|p| filter.year_group.is_none_or(|y| year_group_on(p, on) == y))
        .filter(|p| {
            filter.reg_group.as_ref().is_none_or(|r| {
                p.reg_group
                    .as_ref()
                    .is_some_and(|g| g.eq_ignore_ascii_case(r))
            })
        })
        .filter(|p| needle.as_ref().is_none_or(|n| matches_search(p, n)))
        .map(|p| summary(p, on))
        .collect())
}

/// Lower-case, accents removed, for type-ahead search: the caption rule's folding, so "Lukasz"
/// finds Łukasz here as the caption rule finds him in "Well done Lukasz Nowak".
pub fn fold(s: &str) -> String {
    rules::caption::fold(s)
}

fn matches_search(p: &Pupil, needle: &str) -> bool {
    let hay = fold(&format!(
        "{} {} {} {} {} {} {}",
        p.legal_forename,
        p.preferred_forename.as_deref().unwrap_or(""),
        p.legal_surname,
        p.preferred_surname.as_deref().unwrap_or(""),
        p.upn,
        p.reg_group.as_deref().unwrap_or(""),
        p.admission_number.as_deref().unwrap_or("")
    ));
    // Apostrophes and hyphens are typed or not ("ONeill", "O'Neill", "O’Neill"; "Anna Marie"
    // for Anna-Marie): compared without them.
    let squash = |t: &str| t.replace(['\'', '\u{2019}', '-'], "");
    let hay = squash(&hay);
    needle
        .split_whitespace()
        .map(squash)
        .filter(|w| !w.is_empty())
        .all(|w| hay.contains(&w))
}

/// A flag as shown: the never-publish reason is withheld unless asked for (and that is audited).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FlagView {
    pub kind: FlagKind,
    pub active: bool,
    /// `None` when withheld.
    pub reason: Option<String>,
    pub set_on: NaiveDate,
    pub set_by: String,
    pub cleared_on: Option<NaiveDate>,
    pub cleared_reason: Option<String>,
}

/// Everything on a pupil's page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PupilDetail {
    #[serde(flatten)]
    pub summary: PupilSummary,
    pub legal_forename: String,
    pub legal_surname: String,
    pub preferred_forename: Option<String>,
    pub preferred_surname: Option<String>,
    pub admission_number: Option<String>,
    pub recorded_year_group: i32,
    pub recorded_for_academic_year: i32,
    /// Who must sign on the date.
    pub required: Vec<Signatory>,
    pub statuses: Vec<StatusRow>,
    pub history: Vec<register::consents::AnswerRecord>,
    pub withdrawals: Vec<register::consents::WithdrawalRecord>,
    pub flags: Vec<FlagView>,
    pub never_publish: bool,
    /// Said when the MIS year group (which decides who must sign) differs from the one the date
    /// of birth gives: a pupil taught out of their age group, or a typo to correct in the MIS.
    pub year_group_warning: Option<String>,
}

/// One pupil's page on a date.
pub fn show(store: &Store, upn: &str, on: NaiveDate) -> Result<PupilDetail> {
    let p = register::pupils::require(&store.conn, upn)?;
    let flags = register::flags::of_pupil(&store.conn, p.id)?;
    let statuses = consent::status(store, &StatusFilter::pupil(&p.upn), on)?;
    let parent_also = flag_active(&flags, FlagKind::ParentAlsoRequired, on);
    let year_group = year_group_on(&p, shown_on(&p, on));
    let from_dob = rules::year::ncy_from_dob(p.dob, shown_on(&p, on));
    let year_group_warning = (from_dob != year_group).then(|| {
        format!(
            "the MIS records {} on {}, where the date of birth ({}) gives {}: who must sign follows the MIS; if that is a mistake, correct it in the MIS and import the roll again",
            rules::year::year_group_label(year_group),
            shown_on(&p, on),
            p.dob,
            rules::year::year_group_label(from_dob)
        )
    });
    Ok(PupilDetail {
        year_group_warning,
        summary: summary(&p, on),
        legal_forename: p.legal_forename.clone(),
        legal_surname: p.legal_surname.clone(),
        preferred_forename: p.preferred_forename.clone(),
        preferred_surname: p.preferred_surname.clone(),
        admission_number: p.admission_number.clone(),
        recorded_year_group: p.year_group,
        recorded_for_academic_year: p.year_group_academic_year,
        required: rules::consent::required_signatories(year_group, parent_also),
        statuses,
        history: register::consents::answers_of(&store.conn, p.id)?,
        withdrawals: register::consents::withdrawals_of(&store.conn, p.id)?,
        never_publish: flag_active(&flags, FlagKind::NeverPublish, on),
        flags: flags
            .iter()
            .map(|f| FlagView {
                kind: f.kind,
                active: f.active_on(on),
                reason: (f.kind != FlagKind::NeverPublish).then(|| f.reason.clone()),
                set_on: f.set_on,
                set_by: f.set_by.clone(),
                cleared_on: f.cleared_on,
                cleared_reason: (f.kind != FlagKind::NeverPublish)
                    .then(|| f.cleared_reason.clone())
                    .flatten(),
            })
            .collect(),
    })
}

pub fn flag_active(flags: &[Flag], kind: FlagKind, on: NaiveDate) -> bool {
    flags.iter().any(|f| f.kind == kind && f.active_on(on))
}

/// Reveals the never-publish reasons of a pupil to someone who needs them. Audited.
pub fn reveal_never_publish_reason(
    store: &mut Store,
    upn: &str,
    why: &str,
    stamp: &Stamp,
) -> Result<Vec<FlagView>> {
    if why.trim().is_empty() {
        return Err(Error::Invalid(
            "say why you need to see a safeguarding reason".into(),
        ));
    }
    let p = register::pupils::require(&store.conn, upn)?;
    let tx = register::begin(&mut store.conn)?;
    let flags = register::flags::of_pupil(&tx, p.id)?;
    stamp.audit(
        &tx,
        "flag.reveal",
        Some(&p.subject()),
        serde_json::json!({"kind": "never_publish", "why": why.trim()}),
    )?;
    tx.commit()?;
    Ok(flags
        .into_iter()
        .filter(|f| f.kind == FlagKind::NeverPublish)
        .map(|f| FlagView {
            kind: f.kind,
            active: f.cleared_on.is_none(),
            reason: Some(f.reason),
            set_on: f.set_on,
            set_by: f.set_by,
            cleared_on: f.cleared_on,
            cleared_reason: f.cleared_reason,
        })
        .collect())
}

/// Sets a flag on a pupil from a date. Returns the number of takedown tasks raised.
pub fn flag(
    store: &mut Store,
    upn: &str,
    kind: FlagKind,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<usize> {
    let tx = register::begin(&mut store.conn)?;
    let p = register::pupils::require(&tx, upn)?;
    let granted_before = consent::channels_with_consent(&tx, &p, &Channel::ALL, on)?;
    register::flags::set(&tx, &p, kind, reason, on, stamp)?;
    // A never-publish flag turns every clearance naming the pupil into a takedown task.
    let takedowns = match kind {
        FlagKind::NeverPublish => register::takedowns::raise_for_pupil(
            &tx,
            p.id,
            &p.subject(),
            &[],
            "never-publish flag set",
            on,
            stamp,
        )?,
        // A sixth former's own "yes" is no longer enough: each channel that the parent has
        // refused, or not answered, no longer has consent, and a photo posted on it is taken
        // down as for a new "no".
        FlagKind::ParentAlsoRequired => {
            consent::take_down_where_consent_is_lost(
                &tx,
                &p,
                &granted_before,
                on,
                "a parent's consent is now also required",
                stamp,
            )?
            .1
        }
    };
    tx.commit()?;
    Ok(takedowns)
}

/// Clears a pupil's flag from a date: every one of that kind in force (two after two flagged
/// records of the child were merged). Returns how many were cleared.
pub fn unflag(
    store: &mut Store,
    upn: &str,
    kind: FlagKind,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<usize> {
    let tx = register::begin(&mut store.conn)?;
    let p = register::pupils::require(&tx, upn)?;
    let cleared = register::flags::clear(&tx, &p, kind, reason, on, stamp)?;
    tx.commit()?;
    Ok(cleared.len())
}

/// What `pupils rekey` did: the record's UPN replaced, another record of the same child merged
/// into it if the new UPN had one, and the takedown tasks that the merged history calls for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RekeyReport {
    #[serde(flatten)]
    pub rekeyed: register::rekey::Rekeyed,
    /// The record as it is now.
    pub pupil: PupilSummary,
    /// Whether it carries a never-publish flag today (from either record).
    pub never_publish: bool,
    pub takedowns_raised: usize,
    /// A dry run: this is what would happen; nothing was changed.
    pub dry_run: bool,
}

/// How `pupils rekey` goes about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RekeyOptions {
    /// A person has checked that two records whose legal names differ are one child.
    pub names_differ: bool,
    /// Report what would happen and change nothing.
    pub dry_run: bool,
}

/// Replaces a pupil's UPN (`from`, on the register) by `to` (a valid UPN): a temporary UPN by
/// the permanent one, or one keyed in wrongly. When `to` already has a record (an import brought
/// it), the two are merged into one (see [`register::rekey`]); a clearance that the merged
/// history no longer supports becomes a takedown task.
pub fn rekey(
    store: &mut Store,
    from: &str,
    to: &str,
    opts: RekeyOptions,
    today: NaiveDate,
    stamp: &Stamp,
) -> Result<RekeyReport> {
    let to =
        rules::upn::validate_upn(to).map_err(|e| Error::Invalid(format!("the new UPN: {e}")))?;
    // A transaction on a shared borrow of the connection, so that the consent rules can read
    // the merged records (through `store`) before the change is committed. The pupils are read
    // inside it, so that a change made meanwhile by another program is seen.
    let tx = register::begin_shared(&store.conn)?;
    let pupil = register::pupils::require(&tx, from)?;
    let rekeyed = register::rekey::rekey(&tx, &pupil, to.as_ref(), opts.names_differ, stamp)?;
    let now = register::pupils::require(&tx, to.as_ref())?;
    let mut takedowns_raised = 0;
    if rekeyed.merged {
        for (c, status, day) in crate::photos::clearances_no_longer_consented(store, &now, today)? {
            let cause = format!(
                "the records of UPN {} and {} were merged: consent for {} is {} on {day}",
                rekeyed.from,
                rekeyed.to,
                c.channel,
                status.as_str()
            );
            if register::takedowns::raise(&tx, &c, now.id, &now.subject(), &cause, today, stamp)? {
                takedowns_raised += 1;
            }
        }
    }
    let never_publish = flag_active(
        &register::flags::of_pupil(&tx, now.id)?,
        FlagKind::NeverPublish,
        today,
    );
    if opts.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(RekeyReport {
        rekeyed,
        pupil: summary(&now, today),
        never_publish,
        takedowns_raised,
        dry_run: opts.dry_run,
    })
}

/// Imports an MIS roll (see [`register::import`]).
pub fn import_roll(
    store: &mut Store,
    bytes: &[u8],
    opts: &register::import::ImportOptions,
    stamp: &Stamp,
) -> Result<register::import::ImportReport> {
    // The import date marks who has left: a day still to come would mark them in advance, and
    // would let year groups for a distant school year through.
    let today = crate::today();
    if opts.on > today {
        return Err(Error::Invalid(format!(
            "the import date {} is after today ({today}); nothing was imported",
            opts.on
        )));
    }
    Ok(register::import::import(
        &mut store.conn,
        bytes,
        opts,
        stamp,
    )?)
}

/// Adds an academy.
pub fn add_academy(
    store: &mut Store,
    code: &str,
    name: &str,
    stamp: &Stamp,
) -> Result<register::academies::Academy> {
    let tx = register::begin(&mut store.conn)?;
    let a = register::academies::add(&tx, code, name, stamp)?;
    tx.commit()?;
    Ok(a)
}

pub fn academies(store: &Store) -> Result<Vec<register::academies::Academy>> {
    Ok(register::academies::list(&store.conn)?)
}
