//! Printing: JSON with `--json`, readable tables otherwise.

/// `println!` that ends the program quietly when stdout is closed (`clearshot … | head`)
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        if writeln!(std::io::stdout().lock(), "{}", $crate::output::printable(&text)).is_err() {
            std::process::exit(0);
        }
    }};
}

use std::borrow::Cow;
use std::path::Path;

/// Text for a terminal: control characters other than line breaks and tabs (an escape sequence
/// in a file name or a photo's metadata could move the cursor and rewrite a "BLOCKED" line) are
/// shown escaped, as `\u{1b}`.
pub fn printable(text: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if bad(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

use chrono::NaiveDate;
use clearshot::Signatory;
use clearshot::consent::ChaseRow;
use clearshot::pupils::PupilDetail;
use serde::Serialize;

pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn print_json<T: Serialize + ?Sized>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(s) => say!("{s}"),
            Err(e) => eprintln!("clearshot: cannot write JSON: {e}"),
        }
    }

    /// A single result: JSON, or a sentence.
    pub fn value<T: Serialize + ?Sized>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            self.print_json(value);
        } else {
            say!("{}", text());
        }
    }

    /// A list: JSON array, or a table.
    pub fn table<T: Serialize>(&self, rows: &[T], table: impl FnOnce() -> Table) {
        if self.json {
            self.print_json(rows);
        } else if rows.is_empty() {
            say!("(none)");
        } else {
            table().print();
        }
    }
}

/// A plain text table with aligned columns.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// A row; a line break or tab inside a cell (a file name can hold one) is shown escaped, so
    /// that the row stays one line.
    pub fn row<const N: usize>(&mut self, row: [String; N]) {
        self.rows.push(
            row.into_iter()
                .map(|c| {
                    if c.contains(['\n', '\r', '\t']) {
                        c.replace('\n', "\\n")
                            .replace('\r', "\\r")
                            .replace('\t', "\\t")
                    } else {
                        c
                    }
                })
                .collect(),
        );
    }

    pub fn print(&self) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let line = |cells: &[String]| {
            let last = cells.len().saturating_sub(1);
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == last {
                        c.clone()
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        say!("{}", line(&self.header).to_uppercase());
        for r in &self.rows {
            say!("{}", line(r));
        }
    }
}

/// One line of text on stdout.
pub fn line(text: &str) {
    say!("{text}");
}

pub fn signatories(list: &[Signatory]) -> String {
    list.iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// `on`: the import's date.
pub fn print_import(r: &clearshot::ImportReport, file: &Path, on: chrono::NaiveDate) {
    say!(
        "{}{}: {} new, {} updated, {} unchanged, {} marked as left, {} rejected, {} warnings",
        if r.dry_run {
            "DRY RUN (nothing changed) "
        } else {
            ""
        },
        file.display(),
        r.imported,
        r.updated,
        r.unchanged,
        r.left,
        r.rejected.len(),
        r.warnings.len()
    );
    let unused: Vec<&str> = r
        .columns
        .iter()
        .filter(|c| c.field.is_none() && !c.header.is_empty())
        .map(|c| c.header.as_str())
        .collect();
    if !unused.is_empty() {
        say!(
            "Columns not read: {} (name one with --map \"HEADER=field\")",
            unused.join(", ")
        );
    }
    if !r
        .columns
        .iter()
        .any(|c| c.field == Some(register::import::Field::YearGroup))
    {
        say!(
            "No year-group column: new pupils' year groups come from their dates of birth; pupils already on the register keep theirs"
        );
    }
    if !r.kept_fields.is_empty() {
        let names: Vec<&str> = r.kept_fields.iter().map(|f| f.label()).collect();
        say!(
            "Not in the file: {}; pupils already on the register keep theirs",
            names.join(", ")
        );
    }
    if let Some(shifted) = &r.year_groups_shifted {
        say!(
            "\n{}: {shifted}",
            if r.dry_run {
                "WARNING"
            } else {
                "Taken as given (--accept-year-groups)"
            }
        );
    }
    if let Some(moves) = &r.many_moves {
        say!(
            "\n{}: {moves}",
            if r.dry_run {
                "WARNING"
            } else {
                "Moved (--allow-many-moves)"
            }
        );
    }
    if r.many_leavers && r.dry_run {
        say!(
            "\nWARNING: {} pupils would be marked as left, more than a quarter of the academy's roll: is this the whole roll? The import itself is refused unless --allow-many-leavers",
            r.leavers.len()
        );
    }
    if !r.leavers.is_empty() {
        // A roll for next school year: this year's leavers stay on roll until 31 August.
        let from = r
            .leavers
            .iter()
            .map(|l| l.left_on)
            .max()
            .filter(|d| *d > on)
            .map(|d| format!(" from {d} (on roll until the day before)"))
            .unwrap_or_default();
        say!(
            "\n{} as left{from}:",
            if r.dry_run {
                "Would be marked"
            } else {
                "Marked"
            }
        );
        for l in &r.leavers {
            say!("  {:<13}  {}", l.upn, l.name);
        }
    }
    let renamed: Vec<&register::import::Renamed> =
        r.renamed.iter().filter(|n| n.confirmed).collect();
    if !renamed.is_empty() {
        say!("\nRenamed (confirmed with --renamed):");
        for n in renamed {
            say!("  {:<13}  {} → {}", n.upn, n.was, n.now);
        }
    }
    if !r.rejected.is_empty() {
        say!("\nRejected rows (not imported):");
        for x in &r.rejected {
            say!("  row {:>4}  {:<13}  {}", x.row, x.upn, x.reason);
        }
    }
    if !r.warnings.is_empty() {
        say!("\nWarnings (imported):");
        for w in &r.warnings {
            if w.row == 0 {
                say!("  the whole file: {}", w.message);
            } else {
                say!("  row {:>4}  {:<13}  {}", w.row, w.upn, w.message);
            }
        }
    }
}

pub fn print_pupil(d: &PupilDetail, on: NaiveDate) {
    let s = &d.summary;
    say!("{}  {}", s.name, s.upn);
    say!(
        "  {} at {}{}, born {}",
        s.year_group_label,
        s.academy,
        s.reg_group
            .as_ref()
            .map(|r| format!(", registration group {r}"))
            .unwrap_or_default(),
        s.dob
    );
    if let Some(known) = d
        .preferred_surname
        .as_ref()
        .filter(|k| **k != d.legal_surname)
    {
        say!(
            "  known by the surname {known} (legal surname {}): captions are checked for both",
            d.legal_surname
        );
    }
    if let Some(warning) = &d.year_group_warning {
        say!("  warning: {warning}");
    }
    if let Some(joined) = s.joined_on {
        say!("  Joined the roll on {joined}");
    }
    if let Some(left) = s.left_on {
        say!("  LEFT on {left}");
    }
    if d.never_publish {
        say!("  NEVER PUBLISH: safeguarding flag set (reason withheld; `pupils reveal-reason`)");
    }
    say!("  must sign on {on}: {}", signatories(&d.required));
    say!("\nStatus on {on}:");
    for r in &d.statuses {
        say!(
            "  {:<15} {:<13} {}",
            r.channel.as_str(),
            r.status.as_str(),
            r.detail
        );
        for w in &r.warnings {
            say!("  {:<15} {:<13} warning: {w}", "", "");
        }
    }
    say!("\nConsent history:");
    if d.history.is_empty() && d.withdrawals.is_empty() {
        say!("  (no forms recorded)");
    }
    for a in &d.history {
        say!(
            "  {}  {:<6} {:<24} {:<15} {:<7} form {}{}{}{}",
            a.signed_on,
            a.signatory.as_str(),
            a.signer_name.clone().unwrap_or_else(|| "-".into()),
            a.channel.as_str(),
            if a.granted { "yes" } else { "no" },
            a.form_id
                .get(a.form_id.len().saturating_sub(8)..)
                .unwrap_or(&a.form_id),
            a.expires_on
                .map(|e| format!(" expires {e}"))
                .unwrap_or_default(),
            a.evidence_sha256
                .as_ref()
                .map(|h| format!(" evidence {}", &h[..12.min(h.len())]))
                .unwrap_or_default(),
            a.voided
                .as_ref()
                .map(|why| format!(" VOID ({why}): does not count"))
                .unwrap_or_default()
        );
    }
    for w in &d.withdrawals {
        let asked = match (&w.signer_name, &w.relationship) {
            (Some(name), Some(rel)) => format!(", asked by {name} ({rel})"),
            (Some(name), None) => format!(", asked by {name}"),
            (None, Some(rel)) => format!(", asked by the {rel}"),
            (None, None) => String::new(),
        };
        say!(
            "  {}  {:<6} withdrew {}{asked}{}{}",
            w.withdrawn_on,
            w.signatory.as_str(),
            w.channel.as_str(),
            w.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default(),
            w.evidence_sha256
                .as_ref()
                .map(|h| format!(" evidence {}", &h[..12.min(h.len())]))
                .unwrap_or_default()
        );
    }
    if !d.flags.is_empty() {
        say!("\nFlags:");
        for f in &d.flags {
            say!(
                "  {:<22} set {}{}{}",
                match f.kind {
                    register::flags::FlagKind::NeverPublish => "never publish",
                    register::flags::FlagKind::ParentAlsoRequired => "parent also required",
                },
                f.set_on,
                f.cleared_on
                    .map(|c| format!(", cleared {c}"))
                    .unwrap_or_default(),
                f.reason
                    .as_ref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_else(|| ": (reason withheld)".into())
            );
        }
    }
}

/// A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with an
/// apostrophe, so a hostile name such as `=HYPERLINK(…)` stays text.
pub fn csv_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The chase list with one row per pupil, for a mail merge: one letter a family, naming the
/// channels still to answer and who must sign.
pub fn print_chase_csv_per_pupil(
    rows: &[ChaseRow],
    pupils: &[register::pupils::Pupil],
) -> Result<(), csv::Error> {
    quiet_broken_pipe(chase_per_pupil(rows, pupils))
}

fn chase_per_pupil(
    rows: &[ChaseRow],
    pupils: &[register::pupils::Pupil],
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record([
        "UPN",
        "Forename",
        "Surname",
        "Name",
        "Academy",
        "Year",
        "Reg",
        "Channels",
        "Status",
        "Still needed",
        // Each signatory's own channels: a parent who said yes to the website is not asked
        // about it again because the pupil has not.
        "Parent to answer",
        "Pupil to answer",
    ])?;
    // The pupils in the list's order, each with their rows.
    let mut order: Vec<(&str, Vec<&ChaseRow>)> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for r in rows {
        let i = *at.entry(r.upn.as_str()).or_insert_with(|| {
            order.push((r.upn.as_str(), Vec::new()));
            order.len() - 1
        });
        order[i].1.push(r);
    }
    let by_upn: std::collections::HashMap<&str, &register::pupils::Pupil> =
        pupils.iter().map(|p| (p.upn.as_str(), p)).collect();
    for (upn, mine) in order {
        let first = mine[0];
        let p = by_upn.get(upn).copied();
        // The names the child is known by.
        let (forename, surname) = p
            .map(|p| {
                (
                    p.preferred_forename.as_deref().unwrap_or(&p.legal_forename),
                    p.preferred_surname.as_deref().unwrap_or(&p.legal_surname),
                )
            })
            .unwrap_or_default();
        let channels: Vec<&str> = mine.iter().map(|r| r.channel.label()).collect();
        let mut needed: Vec<Signatory> = Vec::new();
        for r in &mine {
            for s in &r.needed {
                if !needed.contains(s) {
                    needed.push(*s);
                }
            }
        }
        needed.sort();
        let expired = mine
            .iter()
            .any(|r| r.status == rules::consent::ConsentStatus::Expired);
        let to_answer = |who: Signatory| -> String {
            mine.iter()
                .filter(|r| r.needed.contains(&who))
                .map(|r| r.channel.label())
                .collect::<Vec<_>>()
                .join("; ")
        };
        w.write_record([
            csv_safe(upn),
            csv_safe(forename),
            csv_safe(surname),
            csv_safe(&first.name),
            csv_safe(&first.academy),
            rules::year::year_group_label(first.year_group),
            csv_safe(first.reg_group.as_deref().unwrap_or("")),
            csv_safe(&channels.join("; ")),
            if expired { "expired" } else { "missing" }.to_string(),
            signatories(&needed),
            to_answer(Signatory::Parent),
            to_answer(Signatory::Pupil),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// A reader that stops early (`| head`) is not an error.
fn quiet_broken_pipe(r: Result<(), csv::Error>) -> Result<(), csv::Error> {
    match r {
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            Ok(())
        }
        other => other,
    }
}

pub fn print_chase_csv(rows: &[ChaseRow]) -> Result<(), csv::Error> {
    quiet_broken_pipe(chase_csv(rows))
}

fn chase_csv(rows: &[ChaseRow]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record(
        PUPIL_HEADER
            .into_iter()
            .chain(["Channel", "Status", "Still needed"]),
    )?;
    for r in rows {
        let who = pupil_cells(
            &r.upn,
            &r.name,
            &r.academy,
            r.year_group,
            r.reg_group.as_deref(),
        );
        w.write_record(who.into_iter().chain([
            r.channel.as_str().to_string(),
            r.status.as_str().to_string(),
            signatories(&r.needed),
        ]))?;
    }
    w.flush()?;
    Ok(())
}

/// The headers of [`pupil_cells`].
const PUPIL_HEADER: [&str; 5] = ["UPN", "Name", "Academy", "Year", "Reg"];

/// The cells that say who a row is about, first in every CSV: UPN, name, academy, year, reg.
fn pupil_cells(
    upn: &str,
    name: &str,
    academy: &str,
    year_group: i32,
    reg: Option<&str>,
) -> [String; 5] {
    [
        csv_safe(upn),
        csv_safe(name),
        csv_safe(academy),
        rules::year::year_group_label(year_group),
        csv_safe(reg.unwrap_or("")),
    ]
}

/// The consent status as CSV: one row per pupil and channel, with the sentence that explains
/// it and any warning (a "no" that does not block).
pub fn print_status_csv(rows: &[clearshot::consent::StatusRow]) -> Result<(), csv::Error> {
    quiet_broken_pipe(status_csv(rows))
}

fn status_csv(rows: &[clearshot::consent::StatusRow]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record(PUPIL_HEADER.into_iter().chain([
        "Channel",
        "Must sign",
        "Status",
        "Still needed",
        "Detail",
        "Warnings",
    ]))?;
    for r in rows {
        let who = pupil_cells(
            &r.upn,
            &r.name,
            &r.academy,
            r.year_group,
            r.reg_group.as_deref(),
        );
        w.write_record(who.into_iter().chain([
            r.channel.as_str().to_string(),
            signatories(&r.required),
            r.status.as_str().to_string(),
            signatories(&r.still_needed),
            csv_safe(&r.detail),
            csv_safe(&r.warnings.join("; ")),
        ]))?;
    }
    w.flush()?;
    Ok(())
}

/// What `pupils rekey` did, in words.
pub fn print_rekey(r: &clearshot::pupils::RekeyReport) {
    let k = &r.rekeyed;
    let p = &r.pupil;
    if r.dry_run {
        say!("Dry run: nothing was changed. This is what would happen:");
    }
    say!(
        "{} is now {}: {}, {} {}{}",
        k.from,
        k.to,
        p.name,
        p.academy,
        p.year_group_label,
        p.left_on
            .map(|d| format!(" (left on {d})"))
            .unwrap_or_default()
    );
    if k.merged {
        say!(
            "Merged the record an import had made for {}: {} consent answer(s), {} withdrawal(s), {} flag(s), {} clearance(s) and {} takedown task(s) carried over; its roll details are kept.",
            k.to,
            k.consent_answers,
            k.consent_withdrawals,
            k.flags,
            k.clearances,
            k.takedowns
        );
        if k.duplicate_takedowns_closed > 0 {
            say!(
                "{} takedown task(s) closed as duplicates: both records had one for the same photo.",
                k.duplicate_takedowns_closed
            );
        }
    } else {
        say!("Its consent forms, flags, clearances and history stay with it.");
    }
    if r.never_publish {
        say!("NEVER-PUBLISH: the safeguarding flag applies to {}.", k.to);
    }
    if r.takedowns_raised > 0 {
        say!(
            "TAKEDOWN: {} clearance(s) are no longer supported by the merged consent record; see `clearshot takedowns list --open`.",
            r.takedowns_raised
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped_and_cells_stay_on_one_line() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(printable("IMG\u{1b}[2J.jpg\r"), "IMG\\u{1b}[2J.jpg\\u{d}");
        let mut t = Table::new(["path"]);
        t.row(["a\nok provenance\tb".to_string()]);
        assert_eq!(t.rows[0][0], "a\\nok provenance\\tb");
    }
}
