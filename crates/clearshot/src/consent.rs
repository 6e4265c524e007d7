//! Consent: recording forms and withdrawals, and the status of pupils on a date.

use std::path::Path;

use chrono::NaiveDate;
use register::consent_digest::IdMap;
use register::consents::Form;
use register::flags::FlagKind;
use register::pupils::PupilHead;
use rules::consent::{Channel, ConsentStatus, Decision, Signatories, Signatory};
use serde::Serialize;

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

impl StatusFilter {
    /// One pupil, whether on roll on the date or not (their page, a check, a change to them).
    pub fn pupil(upn: &str) -> StatusFilter {
        StatusFilter {
            upn: Some(upn.to_owned()),
            include_left: true,
            ..StatusFilter::default()
        }
    }
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

/// The status of the pupils on roll (filtered) for every channel (or one) on a date, decided
/// but not yet worded: what a trust-wide status costs. The sentences of a row are written when
/// the row is asked for ([`StatusReport::row`], [`StatusReport::rows`]).
///
/// Built with a fixed number of queries whatever the number of pupils (academies, pupils,
/// consent digests, withdrawals, flags), reading one consent digest per pupil rather than every
/// answer ever recorded.
pub struct StatusReport {
    on: NaiveDate,
    channels: Vec<Channel>,
    academies: IdMap<String>,
    pupils: Vec<ReportPupil>,
    digests: register::consent_digest::Digests,
    withdrawals: IdMap<Vec<rules::consent::Withdrawal>>,
    decisions: Vec<Decision>,
}

/// From how many pupils deciding is shared between two threads (a trust, not a class).
const PARALLEL_FROM: usize = 4_000;

struct ReportPupil {
    head: PupilHead,
    year_group: i32,
    required: Signatories,
    never_publish: bool,
}

/// One decided row of a [`StatusReport`].
#[derive(Debug, Clone, Copy)]
pub struct DecidedRow<'r> {
    pub upn: &'r str,
    pub academy: &'r str,
    pub year_group: i32,
    pub channel: Channel,
    pub status: ConsentStatus,
    pub still_needed: Signatories,
}

impl StatusReport {
    /// Decides the status of every pupil the filter selects, for every channel it selects.
    pub fn build(store: &Store, filter: &StatusFilter, on: NaiveDate) -> Result<StatusReport> {
        StatusReport::build_on(&store.conn, filter, on)
    }

    /// [`StatusReport::build`] on a connection, such as a transaction that has just changed
    /// what decides it.
    pub fn build_on(
        conn: &register::Connection,
        filter: &StatusFilter,
        on: NaiveDate,
    ) -> Result<StatusReport> {
        let academy_id = match &filter.academy {
            Some(code) => Some(register::academies::require(conn, code)?.id),
            None => None,
        };
        let heads = match &filter.upn {
            Some(upn) => {
                let p = register::pupils::require(conn, upn)?;
                register::pupils::heads(conn, academy_id, Some(&p.upn))?
            }
            None => register::pupils::heads(conn, academy_id, None)?,
        };
        let heads: Vec<PupilHead> = heads
            .into_iter()
            .filter(|p| filter.include_left || p.on_roll(on))
            .filter(|p| {
                filter.year_group.is_none_or(|y| {
                    rules::year::ncy_advanced(p.year_group, p.year_group_academic_year, on) == y
                })
            })
            .filter(|p| {
                filter.reg_group.as_ref().is_none_or(|r| {
                    p.reg_group
                        .as_ref()
                        .is_some_and(|g| g.eq_ignore_ascii_case(r))
                })
            })
            .collect();
        let channels: Vec<Channel> = match filter.channel {
            Some(c) => vec![c],
            None => Channel::ALL.to_vec(),
        };
        let academies = register::academies::list(conn)?
            .into_iter()
            .map(|a| (a.id, a.code))
            .collect();
        // One pupil: read only theirs; otherwise the academy's (or everyone's).
        let (scope, one) = match (&filter.upn, heads.first()) {
            (Some(_), Some(p)) => (Some(p.academy_id), Some(p.id)),
            _ => (academy_id, None),
        };
        let (digests, withdrawals_rows, flag_rows) = if heads.is_empty() {
            Default::default()
        } else {
            (
                register::consent_digest::read(conn, scope, one)?,
                match one {
                    Some(id) => register::consents::withdrawals_of(conn, id)?,
                    None => register::consents::withdrawals_for(conn, scope)?,
                },
                register::flags::for_academy(conn, scope)?,
            )
        };
        let mut withdrawals: IdMap<Vec<rules::consent::Withdrawal>> = IdMap::default();
        for w in withdrawals_rows {
            withdrawals.entry(w.pupil_id).or_default().push(w.to_rule());
        }
        let mut flags: IdMap<Vec<register::flags::Flag>> = IdMap::default();
        for f in flag_rows {
            flags.entry(f.pupil_id).or_default().push(f);
        }
        // Deciding is pure computation over what was read: a large report is split between
        // two threads.
        let decide_all = |heads: &[PupilHead]| -> (Vec<(i32, Signatories, bool)>, Vec<Decision>) {
            let mut meta = Vec::with_capacity(heads.len());
            let mut decisions = Vec::with_capacity(heads.len() * channels.len());
            for head in heads {
                let year_group =
                    rules::year::ncy_advanced(head.year_group, head.year_group_academic_year, on);
                let pflags = flags.get(&head.id).map_or(&[][..], Vec::as_slice);
                let parent_also =
                    crate::pupils::flag_active(pflags, FlagKind::ParentAlsoRequired, on);
                let never_publish = crate::pupils::flag_active(pflags, FlagKind::NeverPublish, on);
                let required = rules::consent::required_set(year_group, parent_also);
                let facts = digests.of(head.id);
                let pw = withdrawals.get(&head.id).map_or(&[][..], Vec::as_slice);
                for &channel in &channels {
                    decisions.push(rules::consent::decide(
                        required,
                        never_publish,
                        facts,
                        pw,
                        channel,
                        on,
                    ));
                }
                meta.push((year_group, required, never_publish));
            }
            (meta, decisions)
        };
        let (meta, decisions) = if heads.len() >= PARALLEL_FROM {
            let (first, second) = heads.split_at(heads.len() / 2);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| decide_all(second));
                let (mut meta, mut decisions) = decide_all(first);
                // A panic in the other half is a bug: let it carry on as one.
                let (meta2, decisions2) = other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                meta.extend(meta2);
                decisions.extend(decisions2);
                (meta, decisions)
            })
        } else {
            decide_all(&heads)
        };
        let pupils = heads
            .into_iter()
            .zip(meta)
            .map(
                |(head, (year_group, required, never_publish))| ReportPupil {
                    head,
                    year_group,
                    required,
                    never_publish,
                },
            )
            .collect();
        Ok(StatusReport {
            on,
            channels,
            academies,
            pupils,
            digests,
            withdrawals,
            decisions,
        })
    }

    /// Rows in the report: pupils times channels.
    pub fn len(&self) -> usize {
        self.decisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }

    fn academy(&self, id: i64) -> &str {
        self.academies.get(&id).map_or("", String::as_str)
    }

    /// Every row's decision, without the sentences.
    pub fn decided(&self) -> impl Iterator<Item = DecidedRow<'_>> + '_ {
        let n = self.channels.len();
        self.decisions.iter().enumerate().map(move |(i, d)| {
            let p = &self.pupils[i / n];
            DecidedRow {
                upn: &p.head.upn,
                academy: self.academy(p.head.academy_id),
                year_group: p.year_group,
                channel: self.channels[i % n],
                status: d.status,
                still_needed: d.still_needed,
            }
        })
    }

    /// Row `i` in full, with its sentence and warnings.
    pub fn row(&self, i: usize) -> Option<StatusRow> {
        let n = self.channels.len();
        let p = self.pupils.get(i / n.max(1))?;
        let channel = *self.channels.get(i % n.max(1))?;
        let e = rules::consent::explain(
            p.required,
            p.never_publish,
            self.digests.of(p.head.id),
            &self.digests,
            self.withdrawals
                .get(&p.head.id)
                .map_or(&[][..], Vec::as_slice),
            channel,
            self.on,
        );
        Some(StatusRow {
            upn: p.head.upn.clone(),
            name: p.head.name.clone(),
            academy: self.academy(p.head.academy_id).to_owned(),
            year_group: p.year_group,
            reg_group: p.head.reg_group.clone(),
            channel,
            required: p.required.to_vec(),
            status: e.status,
            detail: e.detail,
            still_needed: e.still_needed,
            warnings: e.warnings,
        })
    }

    /// Every row in full.
    pub fn rows(&self) -> Vec<StatusRow> {
        (0..self.len()).filter_map(|i| self.row(i)).collect()
    }
}

/// Status of every pupil on roll (filtered) for every channel (or one), on a date, each row
/// with its sentence. See [`StatusReport`] for the same without the sentences.
pub fn status(store: &Store, filter: &StatusFilter, on: NaiveDate) -> Result<Vec<StatusRow>> {
    Ok(StatusReport::build(store, filter, on)?.rows())
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

/// Pupils whose consent is missing or expired, with the signatories still needed. Only the
/// rows on the list are worded.
pub fn chase(store: &Store, filter: &StatusFilter, on: NaiveDate) -> Result<Vec<ChaseRow>> {
    let report = StatusReport::build(store, filter, on)?;
    let on_list: Vec<usize> = report
        .decided()
        .enumerate()
        .filter(|(_, r)| matches!(r.status, ConsentStatus::Missing | ConsentStatus::Expired))
        .map(|(i, _)| i)
        .collect();
    Ok(on_list
        .into_iter()
        .filter_map(|i| report.row(i))
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
    /// The form's id (`consent void --form` takes it, or its first characters).
    pub form_id: String,
    /// Takedown tasks raised because the form refuses a channel with clearances.
    pub takedowns_raised: usize,
    pub answer_ids: Vec<i64>,
    pub evidence_sha256: Option<String>,
    /// What the office should know: the pupil had left by the signing date (the form is kept,
    /// but consent is given for pupils on roll only).
    pub warnings: Vec<String>,
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
    // A clear "no such pupil" before the scanned form is stored; read again inside the
    // transaction, as another program may have changed the record since (a merge).
    let pupil = register::pupils::require(&store.conn, upn)?;
    if form.signed_on < pupil.dob {
        return Err(Error::Invalid(format!(
            "the form is dated {}, before {} was born ({}): check the signing date; nothing was recorded",
            form.signed_on, pupil.upn, pupil.dob
        )));
    }
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
    let pupil = register::pupils::require(&tx, upn)?;
    let (form_id, ids) = register::consents::record_form(
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
    let mut warnings: Vec<String> = pupil
        .left_on
        .filter(|left| *left <= form.signed_on)
        .map(|left| {
            format!(
                "{} left on {left}, before the form was signed: it is kept, but consent is given for pupils on roll only",
                pupil.upn
            )
        })
        .into_iter()
        .collect();
    // A pupil's own form up to Year 6: kept (it becomes part of the picture from Year 7), but
    // today a parent's form decides.
    let year = crate::pupils::year_group_on(&pupil, form.signed_on);
    if form.signatory == Signatory::Pupil && year <= 6 {
        warnings.push(format!(
            "{} is in {} on {}: up to Year 6 a parent or carer signs, so the pupil's own form is kept but does not decide consent until Year 7",
            pupil.upn,
            rules::year::year_group_label(year),
            form.signed_on
        ));
    }
    Ok(Recorded {
        takedowns_raised: takedowns,
        upn: pupil.upn,
        form_id,
        answer_ids: ids,
        evidence_sha256,
        warnings,
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

/// The channels among `channels` for which `pupil` has (`granted`) or has not consent on `on`,
/// as the register now in `tx` decides it.
fn channels_where_consent_is(
    granted: bool,
    tx: &register::Connection,
    pupil: &register::pupils::Pupil,
    channels: &[Channel],
    on: NaiveDate,
) -> Result<Vec<Channel>> {
    Ok(
        StatusReport::build_on(tx, &StatusFilter::pupil(&pupil.upn), on)?
            .rows()
            .into_iter()
            .filter(|r| {
                channels.contains(&r.channel) && (r.status == ConsentStatus::Granted) == granted
            })
            .map(|r| r.channel)
            .collect(),
    )
}

/// The channels among `channels` with consent on `on`: read before a change that is no
/// withdrawal (a void, a flag), for [`take_down_where_consent_is_lost`] after it.
pub(crate) fn channels_with_consent(
    tx: &register::Connection,
    pupil: &register::pupils::Pupil,
    channels: &[Channel],
    on: NaiveDate,
) -> Result<Vec<Channel>> {
    channels_where_consent_is(true, tx, pupil, channels, on)
}

/// After a change that is no withdrawal (a void, a flag): the channels among `granted_before`
/// (those with consent before it) left without consent on `on`, each photo already cleared for
/// them a takedown task whose cause is `why` and the channels ("…, and is not given for website,
/// press"). A channel already without consent had its tasks raised when it lost it. Returns
/// (those channels, the tasks raised).
pub(crate) fn take_down_where_consent_is_lost(
    tx: &register::Transaction<'_>,
    pupil: &register::pupils::Pupil,
    granted_before: &[Channel],
    on: NaiveDate,
    why: &str,
    stamp: &Stamp,
) -> Result<(Vec<Channel>, usize)> {
    let lost = channels_where_consent_is(false, tx, pupil, granted_before, on)?;
    if lost.is_empty() {
        return Ok((lost, 0));
    }
    let names: Vec<&str> = lost.iter().map(|c| c.as_str()).collect();
    let raised = register::takedowns::raise_for_pupil(
        tx,
        pupil.id,
        &pupil.subject(),
        &names,
        &format!("{why}, and is not given for {}", names.join(", ")),
        on,
        stamp,
    )?;
    Ok((lost, raised))
}

/// What voiding a form did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Voided {
    pub upn: String,
    pub form_id: String,
    /// The form's answers, now marked void.
    pub answers: Vec<register::consents::AnswerRecord>,
    /// Channels the form said yes to that had consent before the void and have none now (on
    /// the day given).
    pub consent_lost: Vec<Channel>,
    pub takedowns_raised: usize,
}

/// Voids a form recorded in error (on the wrong child, twice, with yes and no swapped): its
/// answers stay in the history, marked with the reason, and no longer count. A yes it gave that
/// leaves the pupil without consent on `on` turns each photo cleared for that channel into a
/// takedown task, as a withdrawal would.
pub fn void(
    store: &mut Store,
    upn: &str,
    form: &str,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Voided> {
    let tx = register::begin(&mut store.conn)?;
    let pupil = register::pupils::require(&tx, upn)?;
    let granted_before = channels_with_consent(&tx, &pupil, &Channel::ALL, on)?;
    let answers = register::consents::void_form(&tx, &pupil, form, reason, stamp)?;
    let form_id = answers
        .first()
        .map(|a| a.form_id.clone())
        .unwrap_or_default();
    // The channels the form said yes to that had consent before it was voided.
    let granted: Vec<Channel> = answers
        .iter()
        .filter(|a| a.granted && granted_before.contains(&a.channel))
        .map(|a| a.channel)
        .collect();
    let (lost, takedowns) = take_down_where_consent_is_lost(
        &tx,
        &pupil,
        &granted,
        on,
        "a form recorded in error was voided",
        stamp,
    )?;
    tx.commit()?;
    Ok(Voided {
        upn: pupil.upn,
        form_id,
        answers,
        consent_lost: lost,
        takedowns_raised: takedowns,
    })
}

/// A withdrawal as the office enters it: who, which channels, from when; and, as for a form,
/// who asked by name, how it came, and the message or letter itself.
#[derive(Debug, Clone)]
pub struct WithdrawalInput {
    pub signatory: Signatory,
    /// Empty: every channel.
    pub channels: Vec<Channel>,
    /// The first day the consent no longer holds.
    pub on: NaiveDate,
    pub signer_name: Option<String>,
    pub relationship: Option<String>,
    /// How it came: "email to the office", "phone call to reception".
    pub note: Option<String>,
    /// The email or letter (PDF or image), stored beside the register by its SHA-256.
    pub evidence: Option<std::path::PathBuf>,
}

impl WithdrawalInput {
    /// A withdrawal of `channels` (empty: all) from `on`, with no details.
    pub fn new(signatory: Signatory, channels: &[Channel], on: NaiveDate) -> WithdrawalInput {
        WithdrawalInput {
            signatory,
            channels: channels.to_vec(),
            on,
            signer_name: None,
            relationship: None,
            note: None,
            evidence: None,
        }
    }
}

/// Withdraws a signatory's consent for channels (default: all) from a date: not before the
/// child's birth, nor more than a year after `today`. Says, in `warnings`, what it leaves
/// standing: consent until a day still to come, and yeses signed after its day.
pub fn withdraw(
    store: &mut Store,
    upn: &str,
    input: &WithdrawalInput,
    today: NaiveDate,
    stamp: &Stamp,
) -> Result<Withdrawn> {
    let (signatory, on) = (input.signatory, input.on);
    let channels: Vec<Channel> = if input.channels.is_empty() {
        Channel::ALL.to_vec()
    } else {
        input.channels.clone()
    };
    // The pupil must exist, and the day make sense, before a file is stored for them.
    let known = register::pupils::require(&store.conn, upn)?;
    if on < known.dob {
        return Err(Error::Invalid(format!(
            "a withdrawal from {on} is before {} was born ({}): check --on; nothing was recorded",
            known.upn, known.dob
        )));
    }
    // A withdrawal planned ahead ("from next term") holds consent until its day: more than a
    // year ahead is a year typed wrong, which would leave consent standing meanwhile.
    if on > today + chrono::Days::new(366) {
        return Err(Error::Invalid(format!(
            "a withdrawal from {on} is more than a year after today ({today}): until then consent would stand; check --on; nothing was recorded"
        )));
    }
    let evidence_sha256 = match &input.evidence {
        Some(path) => Some(store_evidence(store, path)?),
        None => None,
    };
    let details = register::consents::WithdrawalDetails {
        signer_name: clean(&input.signer_name),
        relationship: clean(&input.relationship),
        note: clean(&input.note),
        evidence_sha256: evidence_sha256.clone(),
    };
    // Read again inside the transaction: another program may have changed the record since
    // (a merge).
    let tx = register::begin(&mut store.conn)?;
    let pupil = register::pupils::require(&tx, upn)?;
    // A withdrawal covers the yeses given on or before its day. One dated before every yes
    // from this signatory for a channel (a year typed wrong) leaves that consent standing:
    // said, so the office does not believe it withdrawn.
    let answers = register::consents::rule_answers(&tx, Some(pupil.id))?;
    let mut unchanged = Vec::new();
    // Nothing to withdraw on a channel (the form said no, or never came back): said below, so
    // the office does not think it has done something. Kept all the same: it is the
    // signatory's answer, and covers a yes dated on or before its day that is recorded later.
    let mut without_yes: Vec<&str> = Vec::new();
    for channel in &channels {
        let first_yes = answers
            .iter()
            .map(|(_, a)| a)
            .filter(|a| a.signatory == signatory && a.channel == *channel && a.granted)
            .map(|a| a.signed_on)
            .min();
        match first_yes {
            None => without_yes.push(channel.as_str()),
            Some(first) if first > on => unchanged.push(format!(
                "{}: the {}'s yes was signed on {first}, after {on}, and a withdrawal covers only answers given on or before its day, so that consent stands (check --on)",
                channel.as_str(),
                signatory.as_str()
            )),
            Some(_) => {}
        }
    }
    if !without_yes.is_empty() {
        unchanged.push(format!(
            "no yes from the {} is on record for {}: there was nothing to withdraw, but the withdrawal stands as their answer (from {on}, where their consent is required, it is withdrawn, not missing, and they are not chased for a form; only a yes dated after {on} gives consent, and a yes dated on or before it recorded later is withdrawn)",
            signatory.as_str(),
            without_yes.join(", ")
        ));
    }
    // The same withdrawal again (a second click, or the email attached the second time): kept,
    // and said, as it changes nothing.
    let earlier = register::consents::withdrawals_of(&tx, pupil.id)?;
    let again: Vec<&str> = channels
        .iter()
        .filter(|c| {
            earlier
                .iter()
                .any(|w| w.signatory == signatory && w.channel == **c && w.withdrawn_on == on)
        })
        .map(|c| c.as_str())
        .collect();
    if !again.is_empty() {
        unchanged.push(format!(
            "the {}'s withdrawal of {} from {on} was already recorded: this one is kept beside it and changes nothing",
            signatory.as_str(),
            again.join(", ")
        ));
    }
    if on > today {
        unchanged.push(format!(
            "the withdrawal takes effect on {on}: until then the consent it withdraws stands"
        ));
    }
    let ids = register::consents::withdraw(&tx, &pupil, signatory, &channels, on, &details, stamp)?;
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
        evidence_sha256,
        takedowns_raised: takedowns,
        warnings: unchanged,
    })
}

/// What a withdrawal did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Withdrawn {
    pub upn: String,
    pub withdrawal_ids: Vec<i64>,
    /// The message or letter attached, by its SHA-256.
    pub evidence_sha256: Option<String>,
    /// Takedown tasks raised for clearances already given.
    pub takedowns_raised: usize,
    /// Channels whose consent the withdrawal leaves standing: every yes from that signatory
    /// was signed after its day.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use register::import::ImportOptions;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A valid UPN (LA 886) with a serial number.
    fn upn(n: u32) -> String {
        rules::upn::make_upn(
            "886",
            &format!("{:04}", 4000 + n / 1000),
            "15",
            &format!("{:03}", n % 1000),
        )
        .unwrap()
        .to_string()
    }

    #[test]
    fn a_report_large_enough_to_be_decided_on_two_threads_matches_pupil_by_pupil() {
        let n = PARALLEL_FROM as u32 + 200;
        let mut store = Store::in_memory().unwrap();
        let stamp = Stamp::new("office", "2025-09-01T00:00:00Z");
        crate::pupils::add_academy(&mut store, "OAK", "Oak", &stamp).unwrap();
        let mut csv = String::from("UPN,Legal Surname,Legal Forename,DOB,Year\n");
        for i in 0..n {
            let year = i % 14;
            let label = if year == 0 {
                "R".to_owned()
            } else {
                year.to_string()
            };
            csv.push_str(&format!(
                "{},Surname{},Pupil{i},{}-03-01,{label}\n",
                upn(i),
                i % 97,
                2021 - year as i32
            ));
        }
        let opts = ImportOptions {
            academy: "OAK".into(),
            academic_year: 2025,
            on: d("2025-09-01"),
            dry_run: false,
            maps: Vec::new(),
            mark_left: false,
            allow_many_leavers: false,
            allow_many_moves: false,
            renamed: Vec::new(),
            accept_year_groups: false,
        };
        let r = crate::pupils::import_roll(&mut store, csv.as_bytes(), &opts, &stamp).unwrap();
        assert_eq!(r.imported, n as usize, "{:?}", r.rejected.first());
        // Varied histories: grants, refusals, expiries, both signatories, a withdrawal.
        for i in (0..n).step_by(3) {
            let form = FormInput {
                signatory: if i % 2 == 0 {
                    Signatory::Parent
                } else {
                    Signatory::Pupil
                },
                signed_on: d("2025-09-05"),
                grant: vec![Channel::Website, Channel::Print],
                refuse: if i % 9 == 0 {
                    vec![Channel::Press]
                } else {
                    Vec::new()
                },
                signer_name: Some(format!("Signer {}", i % 5)),
                relationship: None,
                expires_on: (i % 4 == 0).then(|| d("2025-12-31")),
                evidence: None,
            };
            record(&mut store, &upn(i), &form, d("2025-09-05"), &stamp).unwrap();
        }
        withdraw(
            &mut store,
            &upn(n - 3),
            &WithdrawalInput::new(
                if (n - 3).is_multiple_of(2) {
                    Signatory::Parent
                } else {
                    Signatory::Pupil
                },
                &[Channel::Website],
                d("2025-10-01"),
            ),
            d("2025-10-01"),
            &stamp,
        )
        .unwrap();

        let on = d("2026-01-15");
        let all = status(&store, &StatusFilter::default(), on).unwrap();
        assert_eq!(all.len(), n as usize * Channel::ALL.len());
        let mut seen = std::collections::BTreeSet::new();
        for r in &all {
            seen.insert(r.status);
        }
        assert!(seen.len() >= 4, "varied statuses: {seen:?}");
        // In the roll's order, the two halves joined in order.
        let roll: Vec<String> = crate::pupils::list(&store, &Default::default(), on)
            .unwrap()
            .into_iter()
            .map(|p| p.upn)
            .collect();
        let reported: Vec<String> = all
            .iter()
            .step_by(Channel::ALL.len())
            .map(|r| r.upn.clone())
            .collect();
        assert_eq!(reported, roll);
        // Pupils from both halves, each asked for alone (one thread), give the same rows.
        for i in (0..n).step_by(131).chain([n - 3, n - 1]) {
            let one = status(
                &store,
                &StatusFilter {
                    upn: Some(upn(i)),
                    ..StatusFilter::default()
                },
                on,
            )
            .unwrap();
            let at = all.iter().position(|r| r.upn == upn(i)).unwrap();
            assert_eq!(
                &all[at..at + Channel::ALL.len()],
                one.as_slice(),
                "pupil {i}"
            );
        }
    }
}
