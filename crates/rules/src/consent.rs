//! Who must consent, and whether the consent on record allows publication on a date
//! (DOMAIN.md "Who must consent", policy 6.2).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Who signs a consent answer: a parent or carer, or the pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Signatory {
    /// A parent or carer.
    Parent,
    /// The pupil themself.
    Pupil,
}

impl Signatory {
    /// Both signatory kinds, in enum order.
    pub const ALL: [Signatory; 2] = [Signatory::Parent, Signatory::Pupil];

    /// The stored name: "parent" or "pupil".
    pub fn as_str(self) -> &'static str {
        match self {
            Signatory::Parent => "parent",
            Signatory::Pupil => "pupil",
        }
    }
}

/// A name that is not one of a fixed set of stored names (a signatory, channel or status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {found:?}: expected one of {}", valid.join(", "))]
pub struct UnknownName {
    /// What was being parsed: "signatory", "channel" or "consent status".
    pub what: &'static str,
    /// The text that was given.
    pub found: String,
    /// The names that are accepted.
    pub valid: Vec<&'static str>,
}

/// Lower-cases and turns spaces and hyphens into underscores, so "Academy social" and
/// "academy-social" read as "academy_social".
fn stored_name(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn parse_name<T: Copy>(
    what: &'static str,
    s: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, UnknownName> {
    let key = stored_name(s);
    all.iter()
        .copied()
        .find(|&v| name(v) == key)
        .ok_or_else(|| UnknownName {
            what,
            found: s.to_owned(),
            valid: all.iter().map(|&v| name(v)).collect(),
        })
}

impl FromStr for Signatory {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name("signatory", s, &Signatory::ALL, Signatory::as_str)
    }
}

impl fmt::Display for Signatory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A purpose that consent is given or refused for (DOMAIN.md: consent is per channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Channel {
    /// An academy's own social media account.
    AcademySocial,
    /// A trust-wide or regional social media account.
    TrustSocial,
    /// The academy or trust website.
    Website,
    /// Printed materials and the prospectus.
    Print,
    /// The press.
    Press,
}

impl Channel {
    /// Every channel, in enum order.
    pub const ALL: [Channel; 5] = [
        Channel::AcademySocial,
        Channel::TrustSocial,
        Channel::Website,
        Channel::Print,
        Channel::Press,
    ];

    /// The stored name, e.g. "academy_social".
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::AcademySocial => "academy_social",
            Channel::TrustSocial => "trust_social",
            Channel::Website => "website",
            Channel::Print => "print",
            Channel::Press => "press",
        }
    }

    /// Words for office staff, e.g. "academy social media".
    pub fn label(self) -> &'static str {
        match self {
            Channel::AcademySocial => "academy social media",
            Channel::TrustSocial => "trust social media",
            Channel::Website => "the website",
            Channel::Print => "printed materials",
            Channel::Press => "the press",
        }
    }
}

impl FromStr for Channel {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name("channel", s, &Channel::ALL, Channel::as_str)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of [`evaluate`], strongest block first; only `Granted` allows publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ConsentStatus {
    /// A safeguarding flag blocks publication whatever the consent says.
    NeverPublish,
    /// A required signatory said no.
    Refused,
    /// A required signatory's yes was withdrawn.
    Withdrawn,
    /// A required signatory's yes has expired (expired means missing).
    Expired,
    /// A required signatory has not answered.
    Missing,
    /// Every required signatory said yes, and nothing blocks.
    Granted,
}

impl ConsentStatus {
    /// Every status, strongest block first.
    pub const ALL: [ConsentStatus; 6] = [
        ConsentStatus::NeverPublish,
        ConsentStatus::Refused,
        ConsentStatus::Withdrawn,
        ConsentStatus::Expired,
        ConsentStatus::Missing,
        ConsentStatus::Granted,
    ];

    /// The stored name, e.g. "never_publish".
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::NeverPublish => "never_publish",
            ConsentStatus::Refused => "refused",
            ConsentStatus::Withdrawn => "withdrawn",
            ConsentStatus::Expired => "expired",
            ConsentStatus::Missing => "missing",
            ConsentStatus::Granted => "granted",
        }
    }

    /// Whether this status allows publication.
    pub fn allows_publication(self) -> bool {
        self == ConsentStatus::Granted
    }
}

impl FromStr for ConsentStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name(
            "consent status",
            s,
            &ConsentStatus::ALL,
            ConsentStatus::as_str,
        )
    }
}

impl fmt::Display for ConsentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DOMAIN.md table: NCY <= 6 -> [Parent]; 7..=11 -> [Parent, Pupil]; >= 12 -> [Pupil], or
/// [Parent, Pupil] when `parent_also_required` (the pupil cannot give consent, or a parent was
/// given decision-making rights). Always in enum order, Parent first.
pub fn required_signatories(ncy: i32, parent_also_required: bool) -> Vec<Signatory> {
    required_set(ncy, parent_also_required).to_vec()
}

/// [`required_signatories`] as a copyable set (the bulk status's form).
pub fn required_set(ncy: i32, parent_also_required: bool) -> Signatories {
    match ncy {
        ..=6 => Signatories::of(&[Signatory::Parent]),
        7..=11 => Signatories::of(&Signatory::ALL),
        _ if parent_also_required => Signatories::of(&Signatory::ALL),
        _ => Signatories::of(&[Signatory::Pupil]),
    }
}

/// One signed answer, immutable once recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Recording order: a higher id was recorded later.
    pub id: i64,
    /// Whether a parent or the pupil signed.
    pub signatory: Signatory,
    /// The signer's name. Answers belong to a signer (name compared ignoring case and
    /// spaces); `None` is the unnamed signer of that kind.
    pub signer: Option<String>,
    /// The purpose answered for.
    pub channel: Channel,
    /// Yes (`true`) or no.
    pub granted: bool,
    /// The date the form was signed.
    pub signed_on: NaiveDate,
    /// The last date on which a yes is valid, if it expires.
    pub expires_on: Option<NaiveDate>,
}

/// Withdraws every yes of that signatory kind for that channel signed on or before `on`.
/// It never deletes history: a yes signed after `on` grants again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// Recording order.
    pub id: i64,
    /// The signatory kind whose consent is withdrawn.
    pub signatory: Signatory,
    /// The purpose withdrawn.
    pub channel: Channel,
    /// The date the withdrawal takes effect.
    pub on: NaiveDate,
}

/// The result of evaluating consent for one pupil, one channel, one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The strongest condition that holds.
    pub status: ConsentStatus,
    /// A plain-English sentence for office staff.
    pub detail: String,
    /// Signatories whose consent is missing or expired (the chase list). Empty when something
    /// stronger blocks publication (never publish, a refusal, a withdrawal): chasing a form
    /// cannot clear the pupil then.
    pub still_needed: Vec<Signatory>,
    /// Things to show but that do not block, e.g. a "no" from a signatory who is not required.
    pub warnings: Vec<String>,
}

/// A set of signatory kinds (at most both), small enough to copy: what the bulk status keeps
/// per pupil instead of a `Vec`. Iterates and serialises in enum order, Parent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Signatories(u8);

impl Signatories {
    pub const NONE: Signatories = Signatories(0);

    fn bit(kind: Signatory) -> u8 {
        match kind {
            Signatory::Parent => 1,
            Signatory::Pupil => 2,
        }
    }

    pub fn of(kinds: &[Signatory]) -> Signatories {
        Signatories(kinds.iter().fold(0, |acc, &k| acc | Self::bit(k)))
    }

    pub fn contains(self, kind: Signatory) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    pub fn insert(&mut self, kind: Signatory) {
        self.0 |= Self::bit(kind);
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Signatory> {
        Signatory::ALL
            .into_iter()
            .filter(move |&k| self.contains(k))
    }

    pub fn to_vec(self) -> Vec<Signatory> {
        self.iter().collect()
    }
}

/// A signer with no usable name: the one unnamed signer of that kind.
pub const UNNAMED: u32 = u32::MAX;

/// An answer in the compact form the bulk status reads: no strings, so a trust's worth of
/// answers evaluates without allocating.
///
/// `signer` says whose answer it is: answers of the same kind with the same `signer` number
/// belong to one signer ([`UNNAMED`] for the unnamed signer of that kind). Whoever builds facts
/// gives equal numbers to names that are equal ignoring case and spaces ([`same_signer_name`]).
/// `name` is the caller's index of the name as recorded, used only for the sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub id: i64,
    pub signatory: Signatory,
    pub signer: u32,
    pub name: u32,
    pub channel: Channel,
    pub granted: bool,
    pub signed_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

/// The names the facts' `name` indexes point into.
pub trait SignerNames {
    /// The name as recorded, or `None`.
    fn name(&self, index: u32) -> Option<&str>;
}

impl SignerNames for Vec<Option<&str>> {
    fn name(&self, index: u32) -> Option<&str> {
        self.get(index as usize).copied().flatten()
    }
}

fn name_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
}

/// Whether two signer names are the same person: equal ignoring case and spaces. A name with
/// nothing but spaces is no name (the unnamed signer).
pub fn same_signer_name(a: &str, b: &str) -> bool {
    name_chars(a).eq(name_chars(b))
}

/// Whether a recorded name identifies a signer (it has something besides spaces).
pub fn is_named(name: Option<&str>) -> bool {
    name.is_some_and(|n| name_chars(n).next().is_some())
}

/// Who signed a form, as the rules tell signers apart: the name when one was given (compared
/// without case or spaces; the relationship typed beside it varies from form to form, "Mum",
/// "mother", blank, and does not split a signer). An unnamed signer is "mother" or "father"
/// when the relationship says so ("Mum" is "mother", "step-dad" "step-father"), else the one
/// unnamed signer (`None`). [`signer_numbers`] keeps an unnamed mother and an unnamed father
/// apart only when both are on record, so that one's "yes" does not undo the other's "no".
pub fn signer_identity(name: Option<&str>, relationship: Option<&str>) -> Option<String> {
    if let Some(name) = name.map(str::trim).filter(|n| is_named(Some(n))) {
        return Some(name.to_string());
    }
    let key: String = relationship?
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    let role = match key.as_str() {
        "mother" | "mum" | "mom" | "mummy" | "mam" | "mommy" | "m" => "mother",
        "father" | "dad" | "daddy" | "da" | "f" => "father",
        "stepmother" | "stepmum" | "stepmom" => "step-mother",
        "stepfather" | "stepdad" => "step-father",
        _ => return None,
    };
    Some(role.to_string())
}

/// The unnamed signers [`signer_identity`] tells apart by their relationship.
const UNNAMED_ROLES: [&str; 4] = ["mother", "father", "step-mother", "step-father"];

/// The outcome for one pupil, one channel, one date, without the sentences: what the bulk
/// status computes for every pupil. [`explain`] gives the sentences on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub status: ConsentStatus,
    /// Signatories whose consent is missing or expired (empty when something stronger blocks).
    pub still_needed: Signatories,
}

/// "Latest" = greatest signed_on, ties broken by greater id.
fn recency(fact: &Fact) -> (NaiveDate, i64) {
    (fact.signed_on, fact.id)
}

fn visible(fact: &Fact, channel: Channel, on: NaiveDate) -> bool {
    fact.channel == channel && fact.signed_on <= on
}

/// Whether `facts[i]` is its signer's latest visible answer for the channel on the date.
fn is_latest(facts: &[Fact], i: usize, channel: Channel, on: NaiveDate) -> bool {
    let f = &facts[i];
    visible(f, channel, on)
        && !facts.iter().any(|g| {
            visible(g, channel, on)
                && g.signatory == f.signatory
                && g.signer == f.signer
                && recency(g) > recency(f)
        })
}

/// Which facts are their signer's latest visible answer for the channel on the date, worked
/// out once per decision: a bit per fact (a pupil has far fewer than 64 answers; a longer
/// history falls back to asking [`is_latest`] each time).
enum Latest {
    Bits(u64),
    Each,
}

impl Latest {
    fn new(facts: &[Fact], channel: Channel, on: NaiveDate) -> Latest {
        if facts.len() > 64 {
            return Latest::Each;
        }
        let visible_bits = facts
            .iter()
            .enumerate()
            .filter(|(_, f)| visible(f, channel, on))
            .fold(0u64, |acc, (i, _)| acc | 1 << i);
        let mut bits = 0u64;
        for i in set_bits(visible_bits) {
            let f = &facts[i];
            let superseded = set_bits(visible_bits).any(|j| {
                let g = &facts[j];
                g.signatory == f.signatory && g.signer == f.signer && recency(g) > recency(f)
            });
            if !superseded {
                bits |= 1 << i;
            }
        }
        Latest::Bits(bits)
    }

    /// The indices of the latest facts, in fact order.
    fn indices<'a>(
        &self,
        facts: &'a [Fact],
        channel: Channel,
        on: NaiveDate,
    ) -> impl Iterator<Item = usize> + 'a {
        let (bits, each) = match self {
            Latest::Bits(b) => (*b, false),
            Latest::Each => (0, true),
        };
        let all = if each { facts.len() } else { 0 };
        set_bits(bits).chain((0..all).filter(move |&i| is_latest(facts, i, channel, on)))
    }
}

fn set_bits(mut bits: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            i
        })
    })
}

/// The sentences, when asked for.
struct Text<'n> {
    names: &'n dyn SignerNames,
    refused: Vec<String>,
    withdrawn: Vec<String>,
    expired: Vec<String>,
    missing: Vec<String>,
    granted: Vec<String>,
    warnings: Vec<String>,
}

impl Text<'_> {
    fn name(&self, fact: &Fact) -> Option<&str> {
        self.names
            .name(fact.name)
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// "parent (Mrs Jane O'Neil)" or just "parent" for the unnamed signer.
    fn who(&self, fact: &Fact) -> String {
        match self.name(fact) {
            Some(name) => format!("{} ({name})", fact.signatory),
            None => fact.signatory.as_str().to_owned(),
        }
    }
}

/// The latest withdrawal of `kind`'s consent for the channel in force on `on` that withdrew
/// `yes` (it is dated on or after that yes).
fn in_force<'w>(
    withdrawals: &'w [Withdrawal],
    kind: Signatory,
    channel: Channel,
    on: NaiveDate,
    yes: &Fact,
) -> Option<&'w Withdrawal> {
    withdrawals
        .iter()
        .filter(|w| {
            w.channel == channel && w.on <= on && w.signatory == kind && yes.signed_on <= w.on
        })
        .max_by_key(|w| (w.on, w.id))
}

/// The warning for a withdrawal by a signatory whose consent is not required: a "no" like a
/// refusal, shown but not blocking.
fn withdrawn_not_required(
    kind: Signatory,
    channel: Channel,
    withdrawn_on: NaiveDate,
    on: NaiveDate,
) -> String {
    format!(
        "the {kind} withdrew consent for {} on {withdrawn_on}, but the {kind}'s consent is not required on {on}",
        channel.label()
    )
}

/// The sentence for a required signatory who withdrew consent without having said yes.
fn withdrawn_without_a_yes(kind: Signatory, channel: Channel, withdrawn_on: NaiveDate) -> String {
    format!(
        "the {kind} withdrew consent for {} on {withdrawn_on}, with no yes from the {kind} before it",
        channel.label()
    )
}

/// The rules of DOMAIN.md, once: decides, and writes the sentences when `text` is given.
fn run(
    required: Signatories,
    never_publish: bool,
    facts: &[Fact],
    withdrawals: &[Withdrawal],
    channel: Channel,
    on: NaiveDate,
    mut text: Option<&mut Text<'_>>,
) -> Decision {
    // Each signer's latest answers of one kind, most recent first (only for the sentences).
    let latest = Latest::new(facts, channel, on);
    let latest_of = |kind: Option<Signatory>| -> Vec<&Fact> {
        let mut v: Vec<&Fact> = latest
            .indices(facts, channel, on)
            .map(|i| &facts[i])
            .filter(|f| kind.is_none_or(|k| f.signatory == k))
            .collect();
        v.sort_by_key(|f| (f.signatory, std::cmp::Reverse(recency(f))));
        v
    };
    if let Some(t) = text.as_deref_mut() {
        for f in latest_of(None)
            .into_iter()
            .filter(|f| !required.contains(f.signatory) && !f.granted)
        {
            let sentence = format!(
                "{} refused {} on {}, but the {}'s consent is not required on {on}",
                t.who(f),
                channel.label(),
                f.signed_on,
                f.signatory
            );
            t.warnings.push(sentence);
        }
        for kind in [Signatory::Parent, Signatory::Pupil] {
            if required.contains(kind) {
                continue;
            }
            let answers = latest_of(Some(kind));
            let oldest_yes = answers
                .iter()
                .filter(|f| f.granted)
                .min_by_key(|f| recency(f));
            let standing = match oldest_yes {
                Some(y) => in_force(withdrawals, kind, channel, on, y),
                // A withdrawal from someone who never answered ("no photos of me") is said too.
                None if answers.is_empty() => withdrawals
                    .iter()
                    .filter(|w| w.channel == channel && w.on <= on && w.signatory == kind)
                    .max_by_key(|w| (w.on, w.id)),
                None => None,
            };
            if let Some(w) = standing {
                t.warnings
                    .push(withdrawn_not_required(kind, channel, w.on, on));
            }
        }
    }
    if never_publish {
        if let Some(t) = text {
            t.refused.push(
                "a safeguarding \"never publish\" flag blocks publication whatever the consent says"
                    .to_owned(),
            );
        }
        return Decision {
            status: ConsentStatus::NeverPublish,
            still_needed: Signatories::NONE,
        };
    }
    if required.is_empty() {
        if let Some(t) = text {
            t.missing.push(
                "no required signatories were given, so consent cannot be confirmed".to_owned(),
            );
        }
        return Decision {
            status: ConsentStatus::Missing,
            still_needed: Signatories::NONE,
        };
    }

    let (mut refused, mut withdrawn, mut expired, mut missing) = (false, false, false, false);
    let mut still_needed = Signatories::NONE;
    for kind in required.iter() {
        let of_kind = || {
            latest
                .indices(facts, channel, on)
                .map(|i| &facts[i])
                .filter(move |f| f.signatory == kind)
        };
        if of_kind().any(|f| !f.granted) {
            refused = true;
            if let Some(t) = text.as_deref_mut() {
                let latest = latest_of(Some(kind));
                let yeses: Vec<String> = latest
                    .iter()
                    .filter(|f| f.granted)
                    .map(|yes| {
                        let name = t
                            .name(yes)
                            .map_or_else(|| format!("another {kind}"), str::to_owned);
                        format!("{name} granted on {}", yes.signed_on)
                    })
                    .collect();
                for no in latest.iter().filter(|f| !f.granted) {
                    let mut sentence = format!("{} refused on {}", t.who(no), no.signed_on);
                    if !yeses.is_empty() {
                        let disagree = match kind {
                            Signatory::Parent => "parents disagree",
                            Signatory::Pupil => "the pupil's answers disagree",
                        };
                        sentence.push_str(&format!("; {disagree}: {}", yeses.join(", ")));
                    }
                    t.refused.push(sentence);
                }
            }
            continue;
        }
        // Every signer of this kind said yes last. One yes still in date is enough (a father's
        // open-ended yes stands when the mother's later one has lapsed); the latest decides
        // otherwise.
        let Some(yes) = of_kind()
            .filter(|f| f.expires_on.is_none_or(|e| e >= on))
            .max_by_key(|f| recency(f))
            .or_else(|| of_kind().max_by_key(|f| recency(f)))
        else {
            // No answer, but a withdrawal ("no photos of me", before any form came back): a
            // refusal in all but name, so withdrawn, and not chased for a form.
            if let Some(w) = withdrawals
                .iter()
                .filter(|w| w.channel == channel && w.on <= on && w.signatory == kind)
                .max_by_key(|w| (w.on, w.id))
            {
                withdrawn = true;
                if let Some(t) = text.as_deref_mut() {
                    t.withdrawn
                        .push(withdrawn_without_a_yes(kind, channel, w.on));
                }
                continue;
            }
            missing = true;
            still_needed.insert(kind);
            if let Some(t) = text.as_deref_mut() {
                t.missing.push(format!(
                    "no answer from the {kind} for {} on or before {on}",
                    channel.label()
                ));
            }
            continue;
        };
        // A withdrawal stands until every signer whose yes it withdrew has said yes again:
        // one parent's new yes does not undo the other's withdrawal.
        let oldest = of_kind().min_by_key(|f| recency(f)).unwrap_or(yes);
        if let Some(w) = in_force(withdrawals, kind, channel, on, oldest) {
            withdrawn = true;
            if let Some(t) = text.as_deref_mut() {
                let mut sentence = format!(
                    "{} granted on {}, but the {kind}'s consent was withdrawn on {}",
                    t.who(oldest),
                    oldest.signed_on,
                    w.on
                );
                if oldest.signed_on == w.on {
                    sentence.push_str(
                        " (a yes signed on the day of a withdrawal cannot be told from one signed before it, so the withdrawal stands: a new form dated after the withdrawal day restores consent)",
                    );
                }
                t.withdrawn.push(sentence);
            }
            continue;
        }
        match yes.expires_on {
            Some(expiry) if expiry < on => {
                expired = true;
                still_needed.insert(kind);
                if let Some(t) = text.as_deref_mut() {
                    let sentence = format!(
                        "{} granted on {}, but it expired after {expiry}",
                        t.who(yes),
                        yes.signed_on
                    );
                    t.expired.push(sentence);
                }
            }
            _ => {
                if let Some(t) = text.as_deref_mut() {
                    let sentence = format!("{} granted on {}", t.who(yes), yes.signed_on);
                    t.granted.push(sentence);
                }
            }
        }
    }

    let status = if refused {
        ConsentStatus::Refused
    } else if withdrawn {
        ConsentStatus::Withdrawn
    } else if expired {
        ConsentStatus::Expired
    } else if missing {
        ConsentStatus::Missing
    } else {
        ConsentStatus::Granted
    };
    if !matches!(status, ConsentStatus::Expired | ConsentStatus::Missing) {
        still_needed = Signatories::NONE;
    }
    Decision {
        status,
        still_needed,
    }
}

/// Decides consent for `channel` on the date `on` from compact facts, without writing any
/// sentence: the bulk status's path. Same rules and precedence as [`evaluate`].
pub fn decide(
    required: Signatories,
    never_publish: bool,
    facts: &[Fact],
    withdrawals: &[Withdrawal],
    channel: Channel,
    on: NaiveDate,
) -> Decision {
    run(
        required,
        never_publish,
        facts,
        withdrawals,
        channel,
        on,
        None,
    )
}

/// The full evaluation (decision, sentence and warnings) from compact facts.
pub fn explain(
    required: Signatories,
    never_publish: bool,
    facts: &[Fact],
    names: &dyn SignerNames,
    withdrawals: &[Withdrawal],
    channel: Channel,
    on: NaiveDate,
) -> Evaluation {
    let mut text = Text {
        names,
        refused: Vec::new(),
        withdrawn: Vec::new(),
        expired: Vec::new(),
        missing: Vec::new(),
        granted: Vec::new(),
        warnings: Vec::new(),
    };
    let d = run(
        required,
        never_publish,
        facts,
        withdrawals,
        channel,
        on,
        Some(&mut text),
    );
    let sentences = match d.status {
        ConsentStatus::NeverPublish | ConsentStatus::Refused => text.refused,
        ConsentStatus::Withdrawn => text.withdrawn,
        // Expired and missing are both on the chase list; say both.
        ConsentStatus::Expired => {
            let mut s = text.expired;
            s.extend(text.missing);
            s
        }
        ConsentStatus::Missing => text.missing,
        ConsentStatus::Granted => text.granted,
    };
    Evaluation {
        status: d.status,
        detail: sentences.join("; "),
        still_needed: d.still_needed.to_vec(),
        warnings: text.warnings,
    }
}

/// Numbers answers' signers for [`Fact::signer`]: equal names (ignoring case and spaces) get
/// the number of the first answer with that name; unnamed signers get [`UNNAMED`]. Unnamed
/// signers known by their relationship ("mother", "father": [`signer_identity`]) are one
/// unnamed signer too unless two relationships are on record (a mother's and a father's
/// forms, neither named), when each is its own.
pub fn signer_numbers<'a>(names: impl IntoIterator<Item = Option<&'a str>>) -> Vec<u32> {
    let role = |n: &str| UNNAMED_ROLES.iter().position(|r| same_signer_name(r, n));
    let names: Vec<Option<&str>> = names.into_iter().collect();
    let mut roles: Vec<usize> = names.iter().flatten().filter_map(|n| role(n)).collect();
    roles.sort_unstable();
    roles.dedup();
    let names: Vec<Option<&str>> = if roles.len() < 2 {
        names
            .into_iter()
            .map(|n| n.filter(|n| role(n).is_none()))
            .collect()
    } else {
        names
    };
    (0..names.len())
        .map(|i| {
            let n = names[i].filter(|n| is_named(Some(n)));
            match n {
                None => UNNAMED,
                Some(n) => (0..i)
                    .find(|&j| {
                        names[j].is_some_and(|m| is_named(Some(m)) && same_signer_name(m, n))
                    })
                    .unwrap_or(i) as u32,
            }
        })
        .collect()
}

/// Evaluates consent for `channel` on the date `on` (see DOMAIN.md). Precedence:
/// never publish > refused > withdrawn > expired > missing > granted.
///
/// Answers and withdrawals dated after `on`, and answers for other channels, are ignored. An
/// empty `required` list is treated as missing (fail safe) rather than as vacuously granted.
pub fn evaluate(
    required: &[Signatory],
    never_publish: bool,
    answers: &[Answer],
    withdrawals: &[Withdrawal],
    channel: Channel,
    on: NaiveDate,
) -> Evaluation {
    let names: Vec<Option<&str>> = answers.iter().map(|a| a.signer.as_deref()).collect();
    let numbers = signer_numbers(names.iter().copied());
    let facts: Vec<Fact> = answers
        .iter()
        .zip(&numbers)
        .enumerate()
        .map(|(i, (a, &signer))| Fact {
            id: a.id,
            signatory: a.signatory,
            signer,
            name: i as u32,
            channel: a.channel,
            granted: a.granted,
            signed_on: a.signed_on,
            expires_on: a.expires_on,
        })
        .collect();
    explain(
        Signatories::of(required),
        never_publish,
        &facts,
        &names,
        withdrawals,
        channel,
        on,
    )
}

/// The implementation before the bulk status was made allocation-free, kept as the oracle the
/// property test compares [`evaluate`] with.
#[cfg(test)]
mod reference {
    use super::*;

    /// Answers grouped by signer, identified by kind and a name compared without case or spaces.
    fn signer_key(answer: &Answer) -> (Signatory, Option<String>) {
        let name = answer.signer.as_ref().map(|n| {
            n.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        });
        (answer.signatory, name.filter(|n| !n.is_empty()))
    }

    /// "Latest" = greatest signed_on, ties broken by greater id.
    fn recency(answer: &Answer) -> (NaiveDate, i64) {
        (answer.signed_on, answer.id)
    }

    /// "parent (Mrs Jane O'Neil)" or just "parent" for the unnamed signer.
    fn who(answer: &Answer) -> String {
        match answer.signer.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => format!("{} ({name})", answer.signatory),
            _ => answer.signatory.as_str().to_owned(),
        }
    }

    /// Evaluates consent for `channel` on the date `on` (see DOMAIN.md). Precedence:
    /// never publish > refused > withdrawn > expired > missing > granted.
    ///
    /// Answers and withdrawals dated after `on`, and answers for other channels, are ignored. An
    /// empty `required` list is treated as missing (fail safe) rather than as vacuously granted.
    pub(super) fn evaluate(
        required: &[Signatory],
        never_publish: bool,
        answers: &[Answer],
        withdrawals: &[Withdrawal],
        channel: Channel,
        on: NaiveDate,
    ) -> Evaluation {
        let visible: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.channel == channel && a.signed_on <= on)
            .collect();
        let withdrawals: Vec<&Withdrawal> = withdrawals
            .iter()
            .filter(|w| w.channel == channel && w.on <= on)
            .collect();

        // Each signer's latest answer.
        let mut latest: Vec<&Answer> = Vec::new();
        for answer in &visible {
            let key = signer_key(answer);
            match latest.iter_mut().find(|l| signer_key(l) == key) {
                Some(slot) if recency(answer) > recency(slot) => *slot = answer,
                Some(_) => {}
                None => latest.push(answer),
            }
        }
        latest.sort_by_key(|a| (a.signatory, std::cmp::Reverse(recency(a))));

        let mut warnings = Vec::new();
        for answer in latest
            .iter()
            .filter(|a| !required.contains(&a.signatory) && !a.granted)
        {
            warnings.push(format!(
                "{} refused {} on {}, but the {}'s consent is not required on {on}",
                who(answer),
                channel.label(),
                answer.signed_on,
                answer.signatory
            ));
        }

        for kind in [Signatory::Parent, Signatory::Pupil] {
            if required.contains(&kind) {
                continue;
            }
            let answered = latest.iter().any(|a| a.signatory == kind);
            let oldest_yes = latest
                .iter()
                .filter(|a| a.signatory == kind && a.granted)
                .min_by_key(|a| recency(a));
            let standing = withdrawals
                .iter()
                .filter(|w| {
                    w.signatory == kind
                        && match oldest_yes {
                            Some(y) => y.signed_on <= w.on,
                            None => !answered,
                        }
                })
                .max_by_key(|w| (w.on, w.id));
            if let Some(w) = standing {
                warnings.push(super::withdrawn_not_required(kind, channel, w.on, on));
            }
        }

        let mut required: Vec<Signatory> = required.to_vec();
        required.sort();
        required.dedup();

        if never_publish {
            return Evaluation {
            status: ConsentStatus::NeverPublish,
            detail:
                "a safeguarding \"never publish\" flag blocks publication whatever the consent says"
                    .to_owned(),
            still_needed: Vec::new(),
            warnings,
        };
        }
        if required.is_empty() {
            return Evaluation {
                status: ConsentStatus::Missing,
                detail: "no required signatories were given, so consent cannot be confirmed"
                    .to_owned(),
                still_needed: Vec::new(),
                warnings,
            };
        }

        let mut refused = Vec::new();
        let mut withdrawn = Vec::new();
        let mut expired = Vec::new();
        let mut missing = Vec::new();
        let mut granted = Vec::new();
        let mut still_needed = Vec::new();

        for &kind in &required {
            let of_kind: Vec<&Answer> = latest
                .iter()
                .copied()
                .filter(|a| a.signatory == kind)
                .collect();
            let noes: Vec<&Answer> = of_kind.iter().copied().filter(|a| !a.granted).collect();
            if !noes.is_empty() {
                let yeses: Vec<&Answer> = of_kind.iter().copied().filter(|a| a.granted).collect();
                for no in noes {
                    let mut sentence = format!("{} refused on {}", who(no), no.signed_on);
                    if !yeses.is_empty() {
                        let others: Vec<String> = yeses
                            .iter()
                            .map(|yes| {
                                let name = yes.signer.as_deref().map(str::trim).unwrap_or("");
                                let name = if name.is_empty() {
                                    format!("another {kind}")
                                } else {
                                    name.to_owned()
                                };
                                format!("{name} granted on {}", yes.signed_on)
                            })
                            .collect();
                        let disagree = match kind {
                            Signatory::Parent => "parents disagree",
                            Signatory::Pupil => "the pupil's answers disagree",
                        };
                        sentence.push_str(&format!("; {disagree}: {}", others.join(", ")));
                    }
                    refused.push(sentence);
                }
                continue;
            }
            // Every signer of this kind said yes last; the latest yes still in date decides,
            // else the latest.
            let Some(yes) = of_kind
                .iter()
                .copied()
                .find(|a| a.expires_on.is_none_or(|e| e >= on))
                .or_else(|| of_kind.first().copied())
            else {
                if let Some(w) = withdrawals
                    .iter()
                    .filter(|w| w.signatory == kind)
                    .max_by_key(|w| (w.on, w.id))
                {
                    withdrawn.push(super::withdrawn_without_a_yes(kind, channel, w.on));
                    continue;
                }
                missing.push(format!(
                    "no answer from the {kind} for {} on or before {on}",
                    channel.label()
                ));
                still_needed.push(kind);
                continue;
            };
            // The withdrawal stands until every signer whose yes it withdrew says yes again.
            let oldest = of_kind.last().copied().unwrap_or(yes);
            if let Some(w) = withdrawals
                .iter()
                .filter(|w| w.signatory == kind && oldest.signed_on <= w.on)
                .max_by_key(|w| (w.on, w.id))
            {
                withdrawn.push(format!(
                    "{} granted on {}, but the {kind}'s consent was withdrawn on {}{}",
                    who(oldest),
                    oldest.signed_on,
                    w.on,
                    if oldest.signed_on == w.on {
                        " (a yes signed on the day of a withdrawal cannot be told from one signed before it, so the withdrawal stands: a new form dated after the withdrawal day restores consent)"
                    } else {
                        ""
                    }
                ));
                continue;
            }
            match yes.expires_on {
                Some(expiry) if expiry < on => {
                    expired.push(format!(
                        "{} granted on {}, but it expired after {expiry}",
                        who(yes),
                        yes.signed_on
                    ));
                    still_needed.push(kind);
                }
                _ => granted.push(format!("{} granted on {}", who(yes), yes.signed_on)),
            }
        }

        let (status, sentences) = if !refused.is_empty() {
            (ConsentStatus::Refused, refused)
        } else if !withdrawn.is_empty() {
            (ConsentStatus::Withdrawn, withdrawn)
        } else if !expired.is_empty() {
            // Expired and missing are both on the chase list; say both.
            expired.extend(missing);
            (ConsentStatus::Expired, expired)
        } else if !missing.is_empty() {
            (ConsentStatus::Missing, missing)
        } else {
            (ConsentStatus::Granted, granted)
        };
        if !matches!(status, ConsentStatus::Expired | ConsentStatus::Missing) {
            still_needed.clear();
        }
        Evaluation {
            status,
            detail: sentences.join("; "),
            still_needed,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signers_are_told_apart_by_name_and_unnamed_ones_by_relationship() {
        use super::signer_identity as id;
        assert_eq!(
            id(Some(" Grace Okafor "), None).as_deref(),
            Some("Grace Okafor")
        );
        // A name is the signer, whatever relationship is typed beside it.
        assert_eq!(
            id(Some("Grace Okafor"), Some("Mum")).as_deref(),
            Some("Grace Okafor")
        );
        assert_eq!(id(None, Some("Mum")).as_deref(), Some("mother"));
        assert_eq!(id(Some("  "), Some("Dad")).as_deref(), Some("father"));
        assert_eq!(id(None, Some("step-mum")).as_deref(), Some("step-mother"));
        assert_eq!(id(None, Some("Stepmother")).as_deref(), Some("step-mother"));
        for other in [Some("parent"), Some("carer"), Some("  "), None, Some("Nan")] {
            assert_eq!(id(None, other), None, "{other:?}");
        }
        let numbers = |names: &[Option<&str>]| super::signer_numbers(names.iter().copied());
        // One unnamed role, with or without blanks: one unnamed signer.
        assert_eq!(
            numbers(&[Some("mother"), None, Some("mother")]),
            [super::UNNAMED; 3]
        );
        // A mother and a father, unnamed: two; a blank is the third, apart from both.
        let n = numbers(&[Some("mother"), Some("father"), None]);
        assert!(n[0] != n[1] && n[0] != n[2] && n[1] != n[2], "{n:?}");
        assert_eq!(n[2], super::UNNAMED);
        assert_eq!(numbers(&[Some("Jane"), Some("jane ")]), [0, 0]);
    }

    use super::*;
    use crate::year::ncy_from_dob;
    use Signatory::{Parent, Pupil};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const CH: Channel = Channel::Website;

    fn answer(
        id: i64,
        signatory: Signatory,
        signer: Option<&str>,
        granted: bool,
        signed_on: NaiveDate,
    ) -> Answer {
        Answer {
            id,
            signatory,
            signer: signer.map(str::to_owned),
            channel: CH,
            granted,
            signed_on,
            expires_on: None,
        }
    }

    fn yes(id: i64, signatory: Signatory, signed_on: NaiveDate) -> Answer {
        answer(id, signatory, None, true, signed_on)
    }

    fn eval(
        required: &[Signatory],
        answers: &[Answer],
        withdrawals: &[Withdrawal],
        on: NaiveDate,
    ) -> Evaluation {
        evaluate(required, false, answers, withdrawals, CH, on)
    }

    #[test]
    fn nursery_to_year_6_need_a_parent_only() {
        for ncy in -2..=6 {
            assert_eq!(required_signatories(ncy, false), vec![Parent], "NCY {ncy}");
            assert_eq!(
                required_signatories(ncy, true),
                vec![Parent],
                "flag ignored below sixth form"
            );
        }
    }

    #[test]
    fn years_7_to_11_need_pupil_and_parent() {
        for ncy in 7..=11 {
            assert_eq!(
                required_signatories(ncy, false),
                vec![Parent, Pupil],
                "NCY {ncy}"
            );
        }
    }

    #[test]
    fn sixth_form_needs_the_pupil_only() {
        for ncy in 12..=14 {
            assert_eq!(required_signatories(ncy, false), vec![Pupil], "NCY {ncy}");
        }
    }

    #[test]
    fn sixth_form_parent_too_flag_adds_the_parent() {
        for ncy in 12..=14 {
            assert_eq!(
                required_signatories(ncy, true),
                vec![Parent, Pupil],
                "NCY {ncy}"
            );
        }
    }

    #[test]
    fn parent_only_form_lapses_on_entering_year_7() {
        let dob = d(2014, 3, 10);
        let answers = [yes(1, Parent, d(2024, 9, 5))];
        let last_day_of_year_6 = d(2025, 8, 31);
        let first_day_of_year_7 = d(2025, 9, 1);
        let req = required_signatories(ncy_from_dob(dob, last_day_of_year_6), false);
        assert_eq!(
            eval(&req, &answers, &[], last_day_of_year_6).status,
            ConsentStatus::Granted
        );
        let req = required_signatories(ncy_from_dob(dob, first_day_of_year_7), false);
        let e = eval(&req, &answers, &[], first_day_of_year_7);
        assert_eq!(
            e.status,
            ConsentStatus::Missing,
            "the pupil must now sign too: {e:?}"
        );
        assert_eq!(e.still_needed, vec![Pupil]);
    }

    #[test]
    fn granted_when_every_required_signatory_said_yes() {
        let answers = [yes(1, Parent, d(2025, 9, 1)), yes(2, Pupil, d(2025, 9, 2))];
        let e = eval(&[Parent, Pupil], &answers, &[], d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::Granted);
        assert!(e.still_needed.is_empty() && e.warnings.is_empty());
    }

    #[test]
    fn no_beats_yes() {
        // The pupil says yes, the parent no: the no blocks.
        let answers = [
            answer(1, Parent, None, false, d(2025, 9, 1)),
            yes(2, Pupil, d(2025, 9, 2)),
        ];
        let e = eval(&[Parent, Pupil], &answers, &[], d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::Refused);
        assert!(
            e.detail.contains("parent refused on 2025-09-01"),
            "{}",
            e.detail
        );
        assert!(e.still_needed.is_empty(), "no chasing a refusal");
    }

    #[test]
    fn two_parents_disagreeing_is_a_refusal_that_says_so() {
        let answers = [
            answer(1, Parent, Some("Mr O'Neil"), true, d(2025, 9, 1)),
            answer(2, Parent, Some("Mrs Jane O'Neil"), false, d(2025, 9, 3)),
        ];
        let e = eval(&[Parent], &answers, &[], d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::Refused);
        assert_eq!(
            e.detail,
            "parent (Mrs Jane O'Neil) refused on 2025-09-03; parents disagree: Mr O'Neil granted on 2025-09-01"
        );
    }

    #[test]
    fn a_signer_changing_their_mind_counts_their_latest_answer() {
        // Same signer (name differing only in case and spaces): the later yes replaces the no.
        let answers = [
            answer(1, Parent, Some("Jane  Smith"), false, d(2025, 9, 1)),
            answer(2, Parent, Some("jane smith"), true, d(2025, 9, 10)),
        ];
        assert_eq!(
            eval(&[Parent], &answers, &[], d(2025, 10, 1)).status,
            ConsentStatus::Granted
        );
        // On the same date, the higher id (recorded later) is the latest.
        let answers = [
            answer(5, Parent, Some("Jane Smith"), true, d(2025, 9, 1)),
            answer(4, Parent, Some("Jane Smith"), false, d(2025, 9, 1)),
        ];
        assert_eq!(
            eval(&[Parent], &answers, &[], d(2025, 10, 1)).status,
            ConsentStatus::Granted
        );
    }

    #[test]
    fn withdrawal_blocks_an_earlier_yes_from_its_date() {
        let answers = [yes(1, Parent, d(2025, 9, 1))];
        let w = [Withdrawal {
            id: 1,
            signatory: Parent,
            channel: CH,
            on: d(2025, 11, 1),
        }];
        assert_eq!(
            eval(&[Parent], &answers, &w, d(2025, 10, 31)).status,
            ConsentStatus::Granted
        );
        let e = eval(&[Parent], &answers, &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Withdrawn);
        assert!(e.detail.contains("withdrawn on 2025-11-01"), "{}", e.detail);
        assert!(e.still_needed.is_empty());
    }

    #[test]
    fn yes_signed_after_a_withdrawal_grants_again() {
        let answers = [
            yes(1, Parent, d(2025, 9, 1)),
            yes(2, Parent, d(2025, 12, 1)),
        ];
        let w = [Withdrawal {
            id: 1,
            signatory: Parent,
            channel: CH,
            on: d(2025, 11, 1),
        }];
        assert_eq!(
            eval(&[Parent], &answers, &w, d(2025, 11, 30)).status,
            ConsentStatus::Withdrawn
        );
        assert_eq!(
            eval(&[Parent], &answers, &w, d(2025, 12, 1)).status,
            ConsentStatus::Granted
        );
    }

    #[test]
    fn one_parents_new_yes_does_not_undo_a_withdrawal_of_the_other_parents_yes() {
        // Jane and John both say yes; a parent withdraws (John, say); Jane says yes again.
        let answers = [
            answer(1, Parent, Some("Jane McAllister"), true, d(2025, 9, 5)),
            answer(2, Parent, Some("John McAllister"), true, d(2025, 9, 6)),
            answer(3, Parent, Some("Jane McAllister"), true, d(2025, 10, 15)),
        ];
        let w = [Withdrawal {
            id: 1,
            signatory: Parent,
            channel: CH,
            on: d(2025, 10, 1),
        }];
        let e = eval(&[Parent], &answers, &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Withdrawn);
        assert_eq!(
            e.detail,
            "parent (John McAllister) granted on 2025-09-06, but the parent's consent was withdrawn on 2025-10-01"
        );
        // Once John says yes again too, every yes postdates the withdrawal.
        let mut again = answers.to_vec();
        again.push(answer(
            4,
            Parent,
            Some("John McAllister"),
            true,
            d(2025, 10, 20),
        ));
        let e = eval(&[Parent], &again, &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Granted, "{}", e.detail);
    }

    #[test]
    fn a_withdrawal_by_a_signatory_who_is_not_required_is_a_warning() {
        // Year 6: the parent's consent decides; the pupil's withdrawal is shown, not blocking.
        let answers = [yes(1, Parent, d(2025, 9, 5)), yes(2, Pupil, d(2025, 9, 5))];
        let w = [Withdrawal {
            id: 1,
            signatory: Pupil,
            channel: CH,
            on: d(2025, 10, 1),
        }];
        let e = eval(&[Parent], &answers, &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Granted);
        assert_eq!(
            e.warnings,
            [
                "the pupil withdrew consent for the website on 2025-10-01, but the pupil's consent is not required on 2025-11-01"
            ]
        );
        // A pupil who never said yes and withdraws ("no photos of me") is said too.
        let e = eval(&[Parent], &answers[..1], &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Granted);
        assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
        // Before its date, or after a new yes, there is nothing to warn about.
        assert!(
            eval(&[Parent], &answers, &w, d(2025, 9, 30))
                .warnings
                .is_empty()
        );
        let again = [
            answers[0].clone(),
            answers[1].clone(),
            yes(3, Pupil, d(2025, 10, 2)),
        ];
        assert!(
            eval(&[Parent], &again, &w, d(2025, 11, 1))
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn a_required_signatory_who_withdrew_before_any_yes_is_withdrawn_not_missing() {
        let on = d(2026, 3, 1);
        let parent_yes = yes(1, Signatory::Parent, d(2025, 9, 10));
        let pupil_out = Withdrawal {
            id: 1,
            signatory: Signatory::Pupil,
            channel: CH,
            on: d(2025, 10, 1),
        };
        // Year 8: the pupil must consent too, and said "no photos of me" before any form.
        let both = [Signatory::Parent, Signatory::Pupil];
        let e = eval(
            &both,
            std::slice::from_ref(&parent_yes),
            std::slice::from_ref(&pupil_out),
            on,
        );
        assert_eq!(e.status, ConsentStatus::Withdrawn, "{e:?}");
        assert!(e.still_needed.is_empty(), "not chased for a form: {e:?}");
        assert!(
            e.detail
                .contains("the pupil withdrew consent for the website on 2025-10-01"),
            "{e:?}"
        );
        // Before the withdrawal's day it is missing as before; a yes signed after it grants.
        let before = eval(
            &both,
            std::slice::from_ref(&parent_yes),
            std::slice::from_ref(&pupil_out),
            d(2025, 9, 30),
        );
        assert_eq!(before.status, ConsentStatus::Missing);
        let later_yes = yes(2, Signatory::Pupil, d(2025, 11, 1));
        let e = eval(&both, &[parent_yes, later_yes], &[pupil_out], on);
        assert_eq!(e.status, ConsentStatus::Granted, "{e:?}");
    }

    #[test]
    fn withdrawal_for_another_channel_or_signatory_does_not_apply() {
        let answers = [yes(1, Parent, d(2025, 9, 1))];
        let w = [
            Withdrawal {
                id: 1,
                signatory: Parent,
                channel: Channel::Press,
                on: d(2025, 10, 1),
            },
            Withdrawal {
                id: 2,
                signatory: Pupil,
                channel: CH,
                on: d(2025, 10, 1),
            },
        ];
        assert_eq!(
            eval(&[Parent], &answers, &w, d(2025, 11, 1)).status,
            ConsentStatus::Granted
        );
    }

    #[test]
    fn consent_is_valid_on_its_expiry_date_and_expired_the_day_after() {
        let mut a = yes(1, Parent, d(2024, 9, 1));
        a.expires_on = Some(d(2025, 8, 31));
        let answers = [a];
        assert_eq!(
            eval(&[Parent], &answers, &[], d(2025, 8, 31)).status,
            ConsentStatus::Granted
        );
        let e = eval(&[Parent], &answers, &[], d(2025, 9, 1));
        assert_eq!(e.status, ConsentStatus::Expired);
        assert_eq!(
            e.still_needed,
            vec![Parent],
            "expired means missing for the chase list"
        );
    }

    #[test]
    fn one_parents_yes_in_date_stands_when_the_other_parents_later_yes_has_expired() {
        // Dad: an open-ended yes. Mum, later: a yes for the school year only.
        let mut mum = answer(2, Parent, Some("Mum Okafor"), true, d(2025, 9, 10));
        mum.expires_on = Some(d(2026, 7, 31));
        let answers = [
            answer(1, Parent, Some("Dad Okafor"), true, d(2025, 9, 5)),
            mum,
        ];
        let e = eval(&[Parent], &answers, &[], d(2026, 8, 1));
        assert_eq!(e.status, ConsentStatus::Granted, "{}", e.detail);
        assert_eq!(e.detail, "parent (Dad Okafor) granted on 2025-09-05");
        // While both are in date the latest is named; once every yes has lapsed, expired.
        let e = eval(&[Parent], &answers, &[], d(2026, 7, 1));
        assert_eq!(e.detail, "parent (Mum Okafor) granted on 2025-09-10");
        let mut dad = answers[0].clone();
        dad.expires_on = Some(d(2026, 6, 30));
        let both = [dad, answers[1].clone()];
        let e = eval(&[Parent], &both, &[], d(2026, 8, 1));
        assert_eq!(e.status, ConsentStatus::Expired, "{}", e.detail);
        assert!(e.detail.contains("Mum Okafor"), "{}", e.detail);
    }

    #[test]
    fn a_yes_signed_on_the_day_of_a_withdrawal_does_not_undo_it_and_says_why() {
        let answers = [
            yes(1, Parent, d(2025, 9, 5)),
            yes(2, Parent, d(2025, 10, 1)),
        ];
        let w = [Withdrawal {
            id: 1,
            signatory: Parent,
            channel: CH,
            on: d(2025, 10, 1),
        }];
        let e = eval(&[Parent], &answers, &w, d(2025, 11, 1));
        assert_eq!(e.status, ConsentStatus::Withdrawn);
        assert!(
            e.detail
                .contains("a new form dated after the withdrawal day restores consent"),
            "{}",
            e.detail
        );
        let later = [answers[0].clone(), yes(2, Parent, d(2025, 10, 2))];
        assert_eq!(
            eval(&[Parent], &later, &w, d(2025, 11, 1)).status,
            ConsentStatus::Granted
        );
    }

    #[test]
    fn expired_outranks_missing_and_both_are_chased() {
        let mut a = yes(1, Parent, d(2024, 9, 1));
        a.expires_on = Some(d(2025, 8, 31));
        let e = eval(&[Parent, Pupil], &[a], &[], d(2025, 9, 2));
        assert_eq!(e.status, ConsentStatus::Expired);
        assert_eq!(e.still_needed, vec![Parent, Pupil]);
    }

    #[test]
    fn answers_signed_after_the_date_are_invisible() {
        let answers = [
            yes(1, Parent, d(2025, 9, 10)),
            answer(2, Parent, Some("Dad"), false, d(2025, 9, 20)),
        ];
        let e = eval(&[Parent], &answers, &[], d(2025, 9, 9));
        assert_eq!(e.status, ConsentStatus::Missing);
        assert_eq!(e.still_needed, vec![Parent]);
        assert_eq!(
            eval(&[Parent], &answers, &[], d(2025, 9, 10)).status,
            ConsentStatus::Granted
        );
        assert_eq!(
            eval(&[Parent], &answers, &[], d(2025, 9, 20)).status,
            ConsentStatus::Refused
        );
    }

    #[test]
    fn answers_for_other_channels_are_ignored() {
        let mut a = answer(1, Parent, None, false, d(2025, 9, 1));
        a.channel = Channel::Press;
        let e = eval(
            &[Parent],
            &[a, yes(2, Parent, d(2025, 9, 1))],
            &[],
            d(2025, 10, 1),
        );
        assert_eq!(e.status, ConsentStatus::Granted);
    }

    #[test]
    fn no_from_a_signatory_not_required_is_a_warning_not_a_block() {
        let answers = [
            yes(1, Parent, d(2025, 9, 1)),
            answer(2, Pupil, Some("Sam"), false, d(2025, 9, 2)),
        ];
        let e = eval(&[Parent], &answers, &[], d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::Granted);
        assert_eq!(e.warnings.len(), 1);
        assert!(
            e.warnings[0].contains("pupil (Sam) refused"),
            "{:?}",
            e.warnings
        );
    }

    #[test]
    fn never_publish_beats_granted() {
        let answers = [yes(1, Parent, d(2025, 9, 1))];
        let e = evaluate(&[Parent], true, &answers, &[], CH, d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::NeverPublish);
        assert!(e.still_needed.is_empty());
        assert!(!e.status.allows_publication());
    }

    #[test]
    fn precedence_refused_over_withdrawn_over_expired_over_missing() {
        let on = d(2025, 10, 1);
        let mut expired_parent = yes(1, Parent, d(2024, 9, 1));
        expired_parent.expires_on = Some(d(2025, 8, 31));
        let pupil_no = answer(2, Pupil, None, false, d(2025, 9, 1));
        let w = [Withdrawal {
            id: 1,
            signatory: Pupil,
            channel: CH,
            on: d(2025, 9, 15),
        }];
        let req = [Parent, Pupil];
        assert_eq!(
            eval(&req, &[expired_parent.clone(), pupil_no], &w, on).status,
            ConsentStatus::Refused
        );
        let pupil_yes = yes(3, Pupil, d(2025, 9, 1));
        assert_eq!(
            eval(&req, &[expired_parent.clone(), pupil_yes.clone()], &w, on).status,
            ConsentStatus::Withdrawn
        );
        assert_eq!(
            eval(&req, &[expired_parent.clone(), pupil_yes], &[], on).status,
            ConsentStatus::Expired
        );
        assert_eq!(
            eval(&req, &[yes(4, Parent, d(2025, 9, 1))], &[], on).status,
            ConsentStatus::Missing
        );
    }

    #[test]
    fn empty_required_list_is_never_granted() {
        let e = eval(&[], &[yes(1, Parent, d(2025, 9, 1))], &[], d(2025, 10, 1));
        assert_eq!(e.status, ConsentStatus::Missing);
    }

    #[test]
    fn names_parse_and_unknown_channel_lists_the_valid_ones() {
        assert_eq!(
            "Academy social".parse::<Channel>(),
            Ok(Channel::AcademySocial)
        );
        assert_eq!("trust_social".parse::<Channel>(), Ok(Channel::TrustSocial));
        assert_eq!("PUPIL".parse::<Signatory>(), Ok(Pupil));
        assert_eq!(
            "never_publish".parse::<ConsentStatus>(),
            Ok(ConsentStatus::NeverPublish)
        );
        let err = "tiktok".parse::<Channel>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown channel \"tiktok\": expected one of academy_social, trust_social, website, print, press"
        );
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        }
    }

    #[test]
    fn enums_serialise_as_snake_case() {
        assert_eq!(
            serde_json::to_string(&Channel::AcademySocial).unwrap(),
            "\"academy_social\""
        );
        assert_eq!(
            serde_json::to_string(&ConsentStatus::NeverPublish).unwrap(),
            "\"never_publish\""
        );
        assert_eq!(serde_json::to_string(&Parent).unwrap(), "\"parent\"");
    }

    mod same_as_before {
        use super::*;
        use proptest::prelude::*;

        fn any_answer() -> impl Strategy<Value = Answer> {
            (
                any::<bool>(),
                proptest::sample::select(vec![
                    None,
                    Some("Jane Doe"),
                    Some("jane  DOE"),
                    Some("Sam"),
                    Some(" "),
                    Some("Amélie"),
                ]),
                0usize..2,
                any::<bool>(),
                0i64..60,
                proptest::option::of(0i64..90),
            )
                .prop_map(|(parent, signer, ch, granted, day, expiry)| {
                    let base = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
                    let signed_on = base + chrono::Days::new(day as u64);
                    Answer {
                        id: 0,
                        signatory: if parent { Parent } else { Pupil },
                        signer: signer.map(str::to_owned),
                        channel: [Channel::Website, Channel::Press][ch],
                        granted,
                        signed_on,
                        expires_on: expiry.map(|e| signed_on + chrono::Days::new(e as u64)),
                    }
                })
        }

        fn any_withdrawal() -> impl Strategy<Value = Withdrawal> {
            (any::<bool>(), 0usize..2, 0i64..70).prop_map(|(parent, ch, day)| Withdrawal {
                id: 0,
                signatory: if parent { Parent } else { Pupil },
                channel: [Channel::Website, Channel::Press][ch],
                on: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap() + chrono::Days::new(day as u64),
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(60))]
            /// Past 64 answers the latest-answer bitmap gives way to asking each time.
            #[test]
            fn a_history_longer_than_64_answers_gives_the_same_outcome(
                mut answers in proptest::collection::vec(any_answer(), 60..90),
                day in 0i64..80,
            ) {
                for (i, a) in answers.iter_mut().enumerate() {
                    a.id = i as i64 + 1;
                }
                let on = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap() + chrono::Days::new(day as u64);
                for required in [vec![Parent], vec![Parent, Pupil]] {
                    prop_assert_eq!(
                        evaluate(&required, false, &answers, &[], Channel::Website, on),
                        reference::evaluate(&required, false, &answers, &[], Channel::Website, on)
                    );
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// The allocation-free rules give exactly what the first implementation gave:
            /// status, sentence, signatories still needed and warnings.
            #[test]
            fn evaluate_matches_the_reference_implementation(
                mut answers in proptest::collection::vec(any_answer(), 0..7),
                mut withdrawals in proptest::collection::vec(any_withdrawal(), 0..3),
                required in proptest::sample::select(vec![vec![], vec![Parent], vec![Pupil], vec![Parent, Pupil]]),
                never in proptest::bool::weighted(0.1),
                day in 0i64..80,
            ) {
                for (i, a) in answers.iter_mut().enumerate() {
                    a.id = i as i64 + 1;
                }
                for (i, w) in withdrawals.iter_mut().enumerate() {
                    w.id = i as i64 + 1;
                }
                let on = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap() + chrono::Days::new(day as u64);
                let now = evaluate(&required, never, &answers, &withdrawals, Channel::Website, on);
                let before = reference::evaluate(&required, never, &answers, &withdrawals, Channel::Website, on);
                prop_assert_eq!(&now, &before);
                let facts: Vec<Fact> = {
                    let numbers = signer_numbers(answers.iter().map(|a| a.signer.as_deref()));
                    answers.iter().zip(numbers).enumerate().map(|(i, (a, signer))| Fact {
                        id: a.id, signatory: a.signatory, signer, name: i as u32, channel: a.channel,
                        granted: a.granted, signed_on: a.signed_on, expires_on: a.expires_on,
                    }).collect()
                };
                let d = decide(Signatories::of(&required), never, &facts, &withdrawals, Channel::Website, on);
                prop_assert_eq!(d.status, before.status);
                prop_assert_eq!(d.still_needed.to_vec(), before.still_needed);
            }
        }
    }
}
