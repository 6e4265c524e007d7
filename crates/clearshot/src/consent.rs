//! Consent: recording forms and withdrawals, and the status of pupils on a date.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use register::consents::Form;
use register::flags::FlagKind;
use rules::consent::{Channel, ConsentStatus, Signatory};
use serde::Serialize;

use crate::pupils::year_group_on;
use crate::{Error, Result, Stamp, Store};

/// Which pupils and channels a status report covers.
#[derive(Debug, Clone, Default)]
pub struct StatusFilter {
    pub academy: Option<String>,
    pub upn: Option<String>,
    pub year_group: Option<i32>,
    pub reg_group: Option<String>,
    pub channel: Option<Channel>,
    /// Also pupils who have left by the date (a pupil's own page shows them).
    pub include_left: bool,
}

/// One pupil's status for one channel on a date (the `consent status --json` contract).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusRow {
    pub upn: String,
    pub name: String,
    pub academy: String,
    pub year_group: i32,
    pub reg_group: Option<String>,
    pub channel: Channel,
    pub required: Vec<Signatory>,
    pub status: ConsentStatus,
    pub detail: String,
    /// Signatories whose consent is missing or expired.
    pub still_needed: Vec<Signatory>,
    pub warnings: Vec<String>,
}

/// Status of every pupil on roll (filtered) for every channel (or one), on a date. A fixed
/// number of queries whatever the number of pupils: pupils, answers, withdrawals, flags.
pub fn status(store: &Store, filter: &StatusFilter, on: NaiveDate) -> Result<Vec<StatusRow>> {
    let conn = &store.conn;
    let academy_id = match &filter.academy {
        Some(code) => Some(register::academies::require(conn, code)?.id),
        None => None,
    };
    let pupils: Vec<register::pupils::Pupil> = match &filter.upn {
        Some(upn) => {
            let p = register::pupils::require(conn, upn)?;
            if academy_id.is_some_and(|a| a != p.academy_id) {
                Vec::new()
            } else {
                vec![p]
            }
        }
        None => register::pupils::list(conn, academy_id)?,
    };
    let pupils: Vec<_> = pupils
        .into_iter()
        .filter(|p| filter.include_left || p.on_roll(on))
        .filter(|p| filter.year_group.is_none_or(|y| year_group_on(p, on) == y))
        .filter(|p| {
            filter.reg_group.as_ref().is_none_or(|r| {
                p.reg_group
                    .as_ref()
                    .is_some_and(|g| g.eq_ignore_ascii_case(r))
            })
        })
        .collect();
    if pupils.is_empty() {
        return Ok(Vec::new());
    }
    let scope = if filter.upn.is_some() {
        Some(pupils[0].academy_id)
    } else {
        academy_id
    };
    let mut answers: HashMap<i64, Vec<rules::consent::Answer>> = HashMap::new();
    for (pupil_id, a) in register::consents::rule_answers_for(conn, scope, on)? {
        answers.entry(pupil_id).or_default().push(a);
    }
    let mut withdrawals: HashMap<i64, Vec<rules::consent::Withdrawal>> = HashMap::new();
    for w in register::consents::withdrawals_for(conn, scope)? {
        withdrawals.entry(w.pupil_id).or_default().push(w.to_rule());
    }
    let mut flags: HashMap<i64, Vec<register::flags::Flag>> = HashMap::new();
    for f in register::flags::for_academy(conn, scope)? {
        flags.entry(f.pupil_id).or_default().push(f);
    }
    let channels: Vec<Channel> = match filter.channel {
        Some(c) => vec![c],
        None => Channel::ALL.to_vec(),
    };
    let empty_a = Vec::new();
    let empty_w = Vec::new();
    let empty_f = Vec::new();
    let mut rows = Vec::with_capacity(pupils.len() * channels.len());
    for p in &pupils {
        let year_group = year_group_on(p, on);
        let pflags = flags.get(&p.id).unwrap_or(&empty_f);
        let parent_also = crate::pupils::flag_active(pflags, FlagKind::ParentAlsoRequired, on);
        let never = crate::pupils::flag_active(pflags, FlagKind::NeverPublish, on);
        let required = rules::consent::required_signatories(year_group, parent_also);
        let pa = answers.get(&p.id).unwrap_or(&empty_a);
        let pw = withdrawals.get(&p.id).unwrap_or(&empty_w);
        let name = p.display_name();
        for &channel in &channels {
            let e = rules::consent::evaluate(&required, never, pa, pw, channel, on);
            rows.push(StatusRow {
                upn: p.upn.clone(),
                name: name.clone(),
                academy: p.academy.clone(),
                year_group,
                reg_group: p.reg_group.clone(),
                channel,
                required: required.clone(),
                status: e.status,
                detail: e.detail,
                still_needed: e.still_needed,
                warnings: e.warnings,
            });
        }
    }
    Ok(rows)
}

/// A line of the chase list: who still has to sign what.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChaseRow {
    pub upn: String,
    pub name: String,
    pub academy: String,
    pub year_group: i32,
    pub reg_group: Option<String>,
    pub channel: Channel,
    pub status: ConsentStatus,
    /// The signatories still needed.
    pub needed: Vec<Signatory>,
    pub detail: String,
}

/// Pupils whose consent is missing or expired, with the signatories still needed.
pub fn chase(store: &Store, filter: &StatusFilter, on: NaiveDate) -> Result<Vec<ChaseRow>> {
    Ok(status(store, filter, on)?
        .into_iter()
        .filter(|r| matches!(r.status, ConsentStatus::Missing | ConsentStatus::Expired))
        .map(|r| ChaseRow {
            upn: r.upn,
            name: r.name,
            academy: r.academy,
            year_group: r.year_group,
            reg_group: r.reg_group,
            channel: r.channel,
            status: r.status,
            needed: r.still_needed,
            detail: r.detail,
        })
        .collect())
}

/// A form as the office enters it.
#[derive(Debug, Clone)]
pub struct FormInput {
    pub signatory: Signatory,
    pub signed_on: NaiveDate,
    pub grant: Vec<Channel>,
    pub refuse: Vec<Channel>,
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    pub expires_on: Option<NaiveDate>,
    /// A scanned form to attach.
    pub evidence: Option<std::path::PathBuf>,
}

/// What recording a form did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recorded {
    pub upn: String,
    /// Takedown tasks raised because the form refuses a channel with clearances.
    pub takedowns_raised: usize,
    pub answer_ids: Vec<i64>,
    pub evidence_sha256: Option<String>,
}

/// Records a returned consent form.
pub fn record(
    store: &mut Store,
    upn: &str,
    form: &FormInput,
    today: NaiveDate,
    stamp: &Stamp,
) -> Result<Recorded> {
    if form.grant.is_empty() && form.refuse.is_empty() {
        return Err(Error::Invalid(
            "say which channels the form grants or refuses (--grant and/or --refuse)".into(),
        ));
    }
    if let Some(c) = form.grant.iter().find(|c| form.refuse.contains(c)) {
        return Err(Error::Invalid(format!(
            "channel {} is both granted and refused on one form",
            c.as_str()
        )));
    }
    if form.signed_on > today {
        return Err(Error::Invalid(format!(
            "the form is dated {}, after today ({today})",
            form.signed_on
        )));
    }
    if let Some(exp) = form.expires_on.filter(|e| *e < form.signed_on) {
        return Err(Error::Invalid(format!(
            "the expiry {exp} is before the signing date {}",
            form.signed_on
        )));
    }
    let pupil = register::pupils::require(&store.conn, upn)?;
    let evidence_sha256 = match &form.evidence {
        Some(path) => Some(store_evidence(store, path)?),
        None => None,
    };
    let answers = form
        .grant
        .iter()
        .map(|c| (*c, true))
        .chain(form.refuse.iter().map(|c| (*c, false)))
        .collect();
    let tx = register::begin(&mut store.conn)?;
    let ids = register::consents::record_form(
        &tx,
        &pupil,
        &Form {
            signatory: form.signatory,
            signer_name: clean(&form.signer_name),
            relationship: clean(&form.relationship),
            signed_on: form.signed_on,
            expires_on: form.expires_on,
            evidence_sha256: evidence_sha256.clone(),
            answers,
        },
        stamp,
    )?;
    // A new "no" turns every clearance already given for that channel into a takedown task.
    let refused: Vec<&str> = form.refuse.iter().map(|c| c.as_str()).collect();
    let takedowns = if refused.is_empty() {
        0
    } else {
        register::takedowns::raise_for_pupil(
            &tx,
            pupil.id,
            &pupil.subject(),
            &refused,
            &format!("{} refused {}", form.signatory.as_str(), refused.join(", ")),
            form.signed_on,
            stamp,
        )?
    };
    tx.commit()?;
    Ok(Recorded {
        takedowns_raised: takedowns,
        upn: pupil.upn,
        answer_ids: ids,
        evidence_sha256,
    })
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn store_evidence(store: &Store, path: &Path) -> Result<String> {
    crate::evidence::store(store, path)
}

/// Withdraws a signatory's consent for channels (default: all) from a date.
pub fn withdraw(
    store: &mut Store,
    upn: &str,
    signatory: Signatory,
    channels: &[Channel],
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Withdrawn> {
    let pupil = register::pupils::require(&store.conn, upn)?;
    let channels: Vec<Channel> = if channels.is_empty() {
        Channel::ALL.to_vec()
    } else {
        channels.to_vec()
    };
    let tx = register::begin(&mut store.conn)?;
    let ids = register::consents::withdraw(&tx, &pupil, signatory, &channels, on, stamp)?;
    let names: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    let takedowns = register::takedowns::raise_for_pupil(
        &tx,
        pupil.id,
        &pupil.subject(),
        &names,
        &format!(
            "{} withdrew consent for {}",
            signatory.as_str(),
            names.join(", ")
        ),
        on,
        stamp,
    )?;
    tx.commit()?;
    Ok(Withdrawn {
        upn: pupil.upn,
        withdrawal_ids: ids,
        takedowns_raised: takedowns,
    })
}

/// What a withdrawal did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Withdrawn {
    pub upn: String,
    pub withdrawal_ids: Vec<i64>,
    /// Takedown tasks raised for clearances already given.
    pub takedowns_raised: usize,
}
