//! MIS roll import: the CSV exports of Arbor, SIMS, Bromcom and Juniper-style systems.
//!
//! One transaction per import. A bad row is reported with its spreadsheet row number (the
//! header is row 1) and a reason a person understands; the good rows are imported. Pupils of
//! the academy missing from the file are marked as left (never deleted).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::pupils::{self, RollEntry};
use crate::{Error, Result, Stamp, academies};

/// A register field an MIS column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Field {
    Upn,
    LegalSurname,
    LegalForename,
    PreferredForename,
    PreferredSurname,
    Dob,
    YearGroup,
    RegGroup,
    AdmissionNumber,
    /// A column the user told us to ignore.
    Ignore,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Upn,
        Field::LegalSurname,
        Field::LegalForename,
        Field::PreferredForename,
        Field::PreferredSurname,
        Field::Dob,
        Field::YearGroup,
        Field::RegGroup,
        Field::AdmissionNumber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Upn => "upn",
            Field::LegalSurname => "legal_surname",
            Field::LegalForename => "legal_forename",
            Field::PreferredForename => "preferred_forename",
            Field::PreferredSurname => "preferred_surname",
            Field::Dob => "dob",
            Field::YearGroup => "year_group",
            Field::RegGroup => "reg_group",
            Field::AdmissionNumber => "admission_number",
            Field::Ignore => "ignore",
        }
    }

    /// The field a header (or a `--map` target) names: case-, space- and punctuation-insensitive.
    pub fn from_header(header: &str) -> Option<Field> {
        let key: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        Some(match key.as_str() {
            "upn" | "uniquepupilnumber" => Field::Upn,
            "legalsurname" | "surname" | "lastname" | "legallastname" | "familyname" => {
                Field::LegalSurname
            }
            "legalforename" | "forename" | "firstname" | "legalfirstname" | "givenname" => {
                Field::LegalForename
            }
            "preferredforename" | "preferredname" | "knownas" | "preferredfirstname"
            | "chosenname" | "chosenforename" | "chosenfirstname" => Field::PreferredForename,
            "preferredsurname"
            | "preferredlastname"
            | "preferredfamilyname"
            | "knownassurname"
            | "chosensurname" => Field::PreferredSurname,
            "dob" | "dateofbirth" | "birthdate" => Field::Dob,
            "year"
            | "yeargroup"
            | "ncyear"
            | "ncyearactual"
            | "curriculumyear"
            | "nationalcurriculumyear"
            | "yearofeducation" => Field::YearGroup,
            "reg" | "reggroup" | "registrationgroup" | "registrationform" | "form"
            | "formgroup" | "tutorgroup" | "class" => Field::RegGroup,
            "adno" | "admissionnumber" | "admissionno" | "admno" => Field::AdmissionNumber,
            "ignore" | "none" | "skip" => Field::Ignore,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Upn => "UPN",
            Field::LegalSurname => "legal surname",
            Field::LegalForename => "legal forename",
            Field::PreferredForename => "preferred forename",
            Field::PreferredSurname => "preferred surname",
            Field::Dob => "date of birth",
            Field::YearGroup => "year group",
            Field::RegGroup => "registration group",
            Field::AdmissionNumber => "admission number",
            Field::Ignore => "ignored",
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub academy: String,
    /// Calendar year in which the academic year of the file's year groups began.
    pub academic_year: i32,
    /// The import date: pupils missing from the roll are marked left on it.
    pub on: NaiveDate,
    pub dry_run: bool,
    /// `HEADER=field` overrides.
    pub maps: Vec<(String, String)>,
    pub mark_left: bool,
    /// Mark pupils as left even when they are more than [`MANY_LEAVERS`] says is plausible.
    pub allow_many_leavers: bool,
    /// Move pupils from another academy even when that is most of its roll ([`many_leavers`]'s
    /// measure: the file is most often that academy's roll imported for the wrong one).
    pub allow_many_moves: bool,
    /// UPNs whose legal forename and surname both change, confirmed as the same child renamed
    /// (otherwise such a row is rejected: a UPN now naming another child would carry the first
    /// child's consent forms).
    pub renamed: Vec<String>,
    /// Take the file's year groups even when most are a year or two from the dates of birth's
    /// (a special school teaching most pupils out of their age group): otherwise refused.
    pub accept_year_groups: bool,
}

/// An import that would mark more than 10 pupils, and more than a quarter of an academy's roll,
/// as left is most often the wrong file (one year group's export, another academy's roll): it
/// is refused unless asked for ([`ImportOptions::allow_many_leavers`]).
pub fn many_leavers(leaving: usize, on_roll: usize) -> bool {
    leaving > 10 && leaving * 4 > on_roll
}

/// A pupil the import marks as left.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Leaver {
    pub upn: String,
    pub name: String,
    /// The day the pupil is off roll from: the import's date, or for a roll of next school
    /// year's (made in the summer term) its 1 September, so that this year's leavers stay on
    /// roll, and their forms keep counting, until the end of August.
    pub left_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rejected {
    pub row: usize,
    pub upn: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warning {
    pub row: usize,
    pub upn: String,
    pub message: String,
}

/// How a column of the file was understood.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Column {
    pub header: String,
    pub field: Option<Field>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub left: usize,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<Warning>,
    pub columns: Vec<Column>,
    pub encoding: String,
    pub delimiter: String,
    pub dry_run: bool,
    /// The pupils marked as left (in a dry run: who would be).
    pub leavers: Vec<Leaver>,
    /// Whether that is more than is plausible ([`many_leavers`]): a real import is then refused
    /// unless [`ImportOptions::allow_many_leavers`].
    pub many_leavers: bool,
    /// Optional fields with no column in the file: pupils already on the register keep what
    /// they had (a blank cell in a column that is there clears the field).
    pub kept_fields: Vec<Field>,
    /// Pupils whose legal forename and surname both change in the file: their rows are
    /// rejected unless confirmed ([`ImportOptions::renamed`]), and listed here either way.
    pub renamed: Vec<Renamed>,
    /// Most of the file's year groups are the same distance from the dates of birth's (last
    /// year's roll, next year's, an old one): what it is, in words. A real import is then
    /// refused unless [`ImportOptions::accept_year_groups`].
    pub year_groups_shifted: Option<String>,
    /// The file moves most of another academy's roll here ([`many_leavers`]'s measure): in
    /// words. A real import is then refused unless [`ImportOptions::allow_many_moves`].
    pub many_moves: Option<String>,
}

/// A pupil on the register whom the file gives new legal names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Renamed {
    pub row: usize,
    pub upn: String,
    /// The name on the register.
    pub was: String,
    /// The legal names in the file.
    pub now: String,
    /// Whether the import was asked to take the new names ([`ImportOptions::renamed`]).
    pub confirmed: bool,
}

/// A roll read from a file, before it touches the register.
#[derive(Debug, Clone)]
pub struct ParsedRoll {
    pub columns: Vec<Column>,
    pub encoding: &'static str,
    pub delimiter: u8,
    /// (spreadsheet row, entry)
    pub entries: Vec<(usize, RollEntry)>,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<Warning>,
    /// UPNs that appear in the file, valid or not (a rejected row still shows the pupil is on roll).
    pub upns_present: HashSet<String>,
    /// Rows with no year group (none in the file, or the cell blank): derived from the date of
    /// birth.
    pub year_derived: HashSet<usize>,
    /// Who the rejected rows may be ([`person_keys`]): a pupil on roll who is one of them is
    /// not marked as left for want of a row that was only mistyped.
    pub rejected_people: HashSet<String>,
    /// Optional fields a row stops before (Excel leaves out a row's empty last cells): kept as
    /// stored, like a column the file does not have.
    pub row_kept: HashMap<usize, Vec<Field>>,
}

/// Keys for matching a rejected row with a pupil: the UPN without its check letter (the letter
/// mistyped), and the legal names with the date of birth (the UPN mistyped otherwise).
fn person_keys(upn: &str, forename: &str, surname: &str, dob: Option<NaiveDate>) -> Vec<String> {
    let mut keys = Vec::new();
    let upn = upn.trim().to_uppercase();
    if upn.chars().count() == 13 {
        keys.push(format!("upn:{}", upn.chars().skip(1).collect::<String>()));
    }
    let (f, s) = (
        rules::caption::name_key(forename),
        rules::caption::name_key(surname),
    );
    if let Some(dob) = dob.filter(|_| !f.is_empty() && !s.is_empty()) {
        keys.push(format!("person:{f}|{s}|{dob}"));
    }
    keys
}

/// Whether a rejected row may be this pupil (see [`ParsedRoll::rejected_people`]).
fn a_rejected_row_may_be(rejected_people: &HashSet<String>, p: &pupils::Pupil) -> bool {
    person_keys(&p.upn, &p.legal_forename, &p.legal_surname, Some(p.dob))
        .iter()
        .any(|k| rejected_people.contains(k))
}

/// Refuses, in words, the files people pick by mistake instead of the CSV export: a workbook
/// (xlsx or ods, which are zip files; the older xls) or anything else with binary content
/// (UTF-16 without its byte-order mark reads as binary too).
fn not_a_spreadsheet_export(bytes: &[u8]) -> Result<()> {
    let save_as =
        "save it from the spreadsheet or MIS as CSV (UTF-8) and import that; nothing was imported";
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Error::Invalid(format!(
            "this is a workbook (xlsx or ods) or another zip file, not CSV: {save_as}"
        )));
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(Error::Invalid(format!(
            "this is an Excel 97-2003 workbook (xls), not CSV: {save_as}"
        )));
    }
    // A stray NUL in a field is that row's problem (rejected with its reason); text where more
    // than one byte in a hundred is NUL is not text.
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let nuls = sample.iter().filter(|&&b| b == 0).count();
    if !utf16 && nuls > 0 && nuls * 100 >= sample.len() {
        return Err(Error::Invalid(format!(
            "this file has binary content, so it is not CSV text (or it is UTF-16 without a byte-order mark): {save_as}"
        )));
    }
    Ok(())
}

/// Decodes the file's text: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 (BOM)");
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, enc, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text.into_owned(), enc.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// The delimiter that occurs most often in the header line, outside quotes.
pub fn sniff_delimiter(text: &str) -> u8 {
    // The header, not a report's title line above it: the first of the first lines that names
    // a UPN column, else the first line with anything in it.
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines
        .clone()
        .take(12)
        .find(|l| {
            let l = l.to_lowercase();
            l.contains("upn") || l.contains("unique pupil")
        })
        .or_else(|| lines.next())
        .unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == b {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Dates as MIS exports write them: dd/mm/yyyy, d/m/yyyy, yyyy-mm-dd, dd-Mon-yyyy (also
/// dd-Month-yyyy and dd Mon yyyy).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // Excel sometimes appends a midnight time: "03/04/2015 00:00:00".
    let s = s.split_whitespace().collect::<Vec<_>>();
    let s = match s.as_slice() {
        [d] => d.to_string(),
        [d, t] if t.contains(':') => d.to_string(),
        parts if parts.len() == 3 => parts.join("-"),
        _ => return None,
    };
    let num = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    if let Some((y, rest)) = s.split_once('-').filter(|(y, _)| y.len() == 4) {
        let (m, d) = rest.split_once('-')?;
        return NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || d.len() > 2 {
        return None;
    }
    let month = match num(m) {
        Some(m) if m.to_string().len() <= 2 => m,
        _ => {
            let lower = m.to_lowercase();
            if lower.len() < 3 {
                return None;
            }
            let idx = MONTHS
                .iter()
                .position(|name| lower.starts_with(name) && full_month(name).starts_with(&lower))?;
            idx as u32 + 1
        }
    };
    NaiveDate::from_ymd_opt(num(y)? as i32, month, num(d)?)
}

fn full_month(abbr: &str) -> &'static str {
    match abbr {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        "dec" => "december",
        _ => "",
    }
}

/// The longest field we accept: an MIS never writes a 1000-character name; a hostile file might.
const MAX_FIELD_CHARS: usize = 200;

/// Reads a roll from the file's bytes. Errors only for a file that cannot be a roll at all
/// (no header, required columns missing, a `--map` naming an absent column); row problems go
/// into `rejected`.
pub fn parse_roll(bytes: &[u8], opts: &ImportOptions) -> Result<ParsedRoll> {
    // The file's year groups are for this school year, or the next one (a roll prepared in the
    // summer) or the last: anything further would move every pupil's year group, and so who
    // must sign their forms.
    let current = rules::year::academic_year_of(opts.on);
    if (opts.academic_year - current).abs() > 1 {
        return Err(Error::Invalid(format!(
            "academic year {} is not {}/{:02}, the school year of the import date {}, or the year either side of it; nothing was imported",
            opts.academic_year,
            current,
            (current + 1) % 100,
            opts.on
        )));
    }
    // Last year's roll is for a file exported in July and imported as term starts; later in
    // the year it would mark this year's joiners as left and bring back last year's leavers.
    let late_september = NaiveDate::from_ymd_opt(current, 9, 30).unwrap_or(NaiveDate::MIN);
    if opts.academic_year < current && opts.on > late_september {
        return Err(Error::Invalid(format!(
            "academic year {}/{:02} is last year's: on {} export this year's roll from the MIS (last year's is taken until 30 September, for a roll exported in July); nothing was imported",
            opts.academic_year,
            (opts.academic_year + 1) % 100,
            opts.on
        )));
    }
    // Next year's roll exists from the summer term; before that, "2027" typed for 2026/27 would
    // make every pupil a year younger (a Year 7 treated as Year 6, cleared on a parent's form
    // alone).
    let summer = NaiveDate::from_ymd_opt(current + 1, 6, 1).unwrap_or(NaiveDate::MAX);
    if opts.academic_year > current && opts.on < summer {
        return Err(Error::Invalid(format!(
            "academic year {}/{:02} starts on 1 September {}, and a roll for it is made from June: on {} the school year is {}/{:02} (--academic-year {current}); nothing was imported",
            opts.academic_year,
            (opts.academic_year + 1) % 100,
            opts.academic_year,
            opts.on,
            current,
            (current + 1) % 100,
        )));
    }
    not_a_spreadsheet_export(bytes)?;
    let (mut text, encoding) = decode_text(bytes);
    // Excel's "sep=;" first line names the separator; Excel hides it, so it is no row.
    let named_separator = text
        .lines()
        .next()
        // Not `trim`: the separator may be a tab. A spreadsheet may quote the line.
        .map(|l| l.trim_matches([' ', '\r', '"']))
        .and_then(|l| l.strip_prefix("sep=").or_else(|| l.strip_prefix("SEP=")))
        .and_then(|rest| {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii() => Some(c as u8),
                _ => None,
            }
        });
    if named_separator.is_some() {
        let first_break = text.find('\n').unwrap_or(text.len());
        text.replace_range(..first_break, "");
    }
    let delimiter = named_separator.unwrap_or_else(|| sniff_delimiter(&text));
    // The csv crate reads an unclosed quote as one field running to the end of the file: the
    // rows after it would vanish (and be marked as left), so such a file is refused outright.
    if let Some(line) = unclosed_quote_line(text.as_bytes(), delimiter) {
        return Err(Error::Invalid(format!(
            "line {line}: a quoted field is never closed, so the rest of the file cannot be read; nothing was imported"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records().collect::<Vec<_>>().into_iter();

    let first = loop {
        match records.next() {
            None => return Err(Error::Invalid("the file is empty: no header row".into())),
            Some(Err(e)) => return Err(Error::Invalid(format!("row 1: unreadable CSV: {e}"))),
            Some(Ok(r)) if r.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
        }
    };
    // A report's title lines above the header ("Student List", "Printed 27/11/2026"): the
    // header is the first of the first rows with a UPN column, and the lines skipped are said.
    let names_upn = |r: &csv::StringRecord| {
        r.iter().any(|h| {
            Field::from_header(h) == Some(Field::Upn)
                || opts.maps.iter().any(|(m, f)| {
                    norm_header(m) == norm_header(h) && Field::from_header(f) == Some(Field::Upn)
                })
        })
    };
    let mut title_lines: Vec<String> = Vec::new();
    let header = if names_upn(&first) {
        first
    } else {
        match records
            .as_slice()
            .iter()
            .take(10)
            .position(|r| r.as_ref().is_ok_and(&names_upn))
        {
            Some(at) => {
                title_lines.push(
                    first
                        .iter()
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                for r in records.by_ref().take(at).flatten() {
                    let words: Vec<&str> =
                        r.iter().map(str::trim).filter(|c| !c.is_empty()).collect();
                    if !words.is_empty() {
                        title_lines.push(words.join(" "));
                    }
                }
                match records.next() {
                    Some(Ok(h)) => h,
                    _ => first,
                }
            }
            None => first,
        }
    };
    // The csv crate's own line count drifts after the first record (and ignores CRLF), so
    // line numbers are counted here from the records' byte offsets.
    let mut lines = LineCounter::new(text.as_bytes());
    let header_line =
        lines.line_of_record(header.position().map(|p| p.byte() as usize).unwrap_or(0));
    // Rows are numbered as the spreadsheet shows them: the header's own row (after any title
    // lines; Excel hides a "sep=" line) is its line, and the rows below follow on.
    let rows_before_header = header_line.saturating_sub(1 + usize::from(named_separator.is_some()));

    // Map columns: explicit --map first, then synonyms.
    let mut overrides: HashMap<String, Field> = HashMap::new();
    for (h, f) in &opts.maps {
        let field = Field::from_header(f).ok_or_else(|| {
            Error::Invalid(format!(
                "--map {h}={f}: unknown field {f:?}; fields are {}",
                Field::ALL.map(Field::as_str).join(", ")
            ))
        })?;
        let key = norm_header(h);
        if field != Field::Ignore
            && let Some((other, _)) = opts
                .maps
                .iter()
                .find(|(o, g)| norm_header(o) != key && Field::from_header(g) == Some(field))
        {
            return Err(Error::Invalid(format!(
                "--map {h}={f} and --map {other}={f}: two columns cannot both be the {}; nothing was imported",
                field.label()
            )));
        }
        if !header.iter().any(|x| norm_header(x) == key) {
            return Err(Error::Invalid(format!(
                "--map {h}={f}: the file has no column {h:?}"
            )));
        }
        overrides.insert(key, field);
    }
    let mut columns = Vec::new();
    let mut index: HashMap<Field, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let field = overrides
            .get(&norm_header(h))
            .copied()
            .or_else(|| Field::from_header(h).filter(|f| *f != Field::Ignore));
        let field = field.filter(|f| *f == Field::Ignore || !index.contains_key(f));
        if let Some(f) = field.filter(|f| *f != Field::Ignore) {
            index.insert(f, i);
        }
        columns.push(Column {
            header: h.trim().to_string(),
            field,
        });
    }
    let missing: Vec<&str> = [
        Field::Upn,
        Field::LegalSurname,
        Field::LegalForename,
        Field::Dob,
    ]
    .into_iter()
    .filter(|f| !index.contains_key(f))
    .map(Field::label)
    .collect();
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "the file has no column for: {} (columns found: {}); name them with --map \"HEADER=field\"",
            missing.join(", "),
            {
                let found = header
                    .iter()
                    .map(|h| h.trim())
                    .collect::<Vec<_>>()
                    .join(", ");
                // The header of a file that is not a roll can be anything, any length.
                clip(&found, 300)
            }
        )));
    }

    let mut entries = Vec::new();
    let mut rejected = Vec::new();
    let mut warnings = Vec::new();
    let mut upns_present = HashSet::new();
    let mut year_derived = HashSet::new();
    let mut rows_of_upn: HashMap<String, Vec<usize>> = HashMap::new();
    // Numeric dates of birth that read only one way: day first (25/12/2019), month first
    // (12/25/2019).
    let mut rejected_people = HashSet::new();
    let mut row_kept: HashMap<usize, Vec<Field>> = HashMap::new();
    let mut day_first = 0usize;
    let mut month_first: Vec<(usize, String)> = Vec::new();
    // Newlines inside quoted fields make a text line differ from a spreadsheet row.
    let mut embedded_newlines = 0usize;
    if !title_lines.is_empty() {
        warnings.push(Warning {
            row: 0,
            upn: String::new(),
            message: format!(
                "{} line{} above the header skipped, as a report's title: {}",
                title_lines.len(),
                if title_lines.len() == 1 { "" } else { "s" },
                clip(&title_lines.join(" / "), 120)
            ),
        });
    }
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e
                    .position()
                    .map(|p| {
                        (lines.line_of_record(p.byte() as usize) + 1)
                            .saturating_sub(header_line + embedded_newlines)
                            + rows_before_header
                    })
                    .unwrap_or(0);
                rejected.push(Rejected {
                    row,
                    upn: String::new(),
                    reason: format!("unreadable CSV row: {e}"),
                });
                continue;
            }
        };
        let line = lines.line_of_record(record.position().map(|p| p.byte() as usize).unwrap_or(0));
        let row = (line + 1).saturating_sub(header_line + embedded_newlines) + rows_before_header;
        embedded_newlines += record
            .iter()
            .map(|f| LineCounter::new(f.as_bytes()).line_of(f.len()) - 1)
            .sum::<usize>();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // A quote opened and not closed until a later row: the rows in between are read as
        // part of one cell, and would vanish (or be marked as left). The file is refused.
        if let Some((i, cell)) = swallowed_rows(&record, delimiter) {
            let breaks = LineCounter::new(cell.as_bytes()).line_of(cell.len()) - 1;
            let column = header.get(i).map(str::trim).unwrap_or("?");
            return Err(Error::Invalid(format!(
                "row {row}: a quote opens the {column:?} cell ({}…) and is not closed until {} lines further on, so the rows in between were read as part of that cell; remove or close the quote and import again; nothing was imported",
                clip(cell.lines().next().unwrap_or(""), 40),
                breaks
            )));
        }
        let raw_upn_cell = index
            .get(&Field::Upn)
            .and_then(|&i| record.get(i))
            .map(|u| u.trim().to_uppercase())
            .unwrap_or_default();
        // More cells than the header, with something in them: most often a comma inside a
        // value that is not in quotes, which moves every later value into the wrong column.
        // (Empty cells past the header are a spreadsheet's padding. A shift that leaves them
        // empty shows in the values it moves: a name with no letters, a date that is no date.)
        let extra: Vec<&str> = record
            .iter()
            .skip(header.len())
            .filter(|f| !f.trim().is_empty())
            .collect();
        // Fewer: the row stops before a column that must be read. (Excel leaves out the empty
        // cells at the end of many rows; an optional field cut off is kept, as a missing
        // column is.)
        let cut_short: Vec<&str> = [
            Field::Upn,
            Field::LegalSurname,
            Field::LegalForename,
            Field::Dob,
        ]
        .iter()
        .filter(|f| index.get(f).is_some_and(|&i| i >= record.len()))
        .map(|f| f.label())
        .collect();
        if !extra.is_empty() || !cut_short.is_empty() {
            // Whoever the row is stays on roll: any UPN in it, wherever the shift put it.
            for cell in record.iter() {
                if upn_like(cell) {
                    upns_present.insert(cell.trim().to_uppercase());
                }
            }
            if !raw_upn_cell.is_empty() {
                upns_present.insert(raw_upn_cell.clone());
            }
            rejected.push(Rejected {
                row,
                upn: raw_upn_cell,
                reason: if extra.is_empty() {
                    format!(
                        "the row has {} and the header {}: it stops before the {} (the row was not imported)",
                        cells(record.len()),
                        header.len(),
                        cut_short.join(", ")
                    )
                } else {
                    format!(
                        "the row has {} and the header {} (a comma inside a value that is not in quotes?), so its values would go into the wrong columns; the row was not imported. Extra: {}",
                        cells(record.len()),
                        header.len(),
                        clip(&extra.join(", "), 60)
                    )
                },
            });
            continue;
        }
        let cut_off: Vec<Field> = [
            Field::PreferredForename,
            Field::PreferredSurname,
            Field::RegGroup,
            Field::AdmissionNumber,
        ]
        .into_iter()
        .filter(|f| index.get(f).is_some_and(|&i| i >= record.len()))
        .collect();
        if !cut_off.is_empty() {
            row_kept.insert(row, cut_off);
        }
        let get = |f: Field| -> &str {
            index
                .get(&f)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        let raw_upn = get(Field::Upn).to_uppercase();
        if !raw_upn.is_empty() {
            upns_present.insert(raw_upn.clone());
        }
        match day_and_month(get(Field::Dob)) {
            Some((a, b)) if a > 12 && b <= 12 => day_first += 1,
            Some((a, b)) if b > 12 && a <= 12 => {
                month_first.push((row, get(Field::Dob).to_owned()))
            }
            _ => {}
        }
        match parse_row(&get, opts) {
            Ok((entry, warning)) => {
                rows_of_upn.entry(entry.upn.clone()).or_default().push(row);
                if let Some(message) = warning {
                    warnings.push(Warning {
                        row,
                        upn: entry.upn.clone(),
                        message,
                    });
                }
                if get(Field::YearGroup).is_empty()
                    || not_following_the_curriculum(get(Field::YearGroup))
                {
                    year_derived.insert(row);
                }
                entries.push((row, entry));
            }
            Err(reason) => {
                rejected_people.extend(person_keys(
                    &raw_upn,
                    get(Field::LegalForename),
                    get(Field::LegalSurname),
                    parse_date(get(Field::Dob)),
                ));
                rejected.push(Rejected {
                    row,
                    upn: raw_upn,
                    reason,
                })
            }
        }
    }
    // Dates that only read month first, and none that only read day first: the file was saved
    // in US format (mm/dd/yyyy), and its other dates (5/4/2020) are wrong without showing it.
    if !month_first.is_empty() && day_first == 0 {
        let shown: Vec<String> = month_first
            .iter()
            .take(3)
            .map(|(row, d)| format!("row {row}: {d}"))
            .collect();
        return Err(Error::Invalid(format!(
            "the dates of birth are month first (US format, mm/dd/yyyy): {}{}; read as dd/mm/yyyy, dates such as 05/04/2020 would be wrong. Save the file with dates as dd/mm/yyyy (or yyyy-mm-dd) and import again; nothing was imported",
            shown.join(", "),
            if month_first.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        )));
    }
    // A UPN twice in the file: neither row can be trusted over the other.
    let duplicated: HashMap<String, Vec<usize>> = rows_of_upn
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .collect();
    if !duplicated.is_empty() {
        entries.retain(|(row, e)| match duplicated.get(&e.upn) {
            Some(rows) => {
                let others: Vec<String> = rows
                    .iter()
                    .filter(|r| *r != row)
                    .map(|r| r.to_string())
                    .collect();
                rejected.push(Rejected {
                    row: *row,
                    upn: e.upn.clone(),
                    reason: format!(
                        "UPN appears more than once in the file (also row {}); neither row was imported",
                        others.join(", ")
                    ),
                });
                false
            }
            None => true,
        });
        warnings.retain(|w| !duplicated.contains_key(&w.upn));
    }
    rejected.sort_by_key(|r| r.row);
    Ok(ParsedRoll {
        columns,
        encoding,
        delimiter,
        entries,
        rejected,
        warnings,
        upns_present,
        year_derived,
        rejected_people,
        row_kept,
    })
}

/// The two leading numbers of a numeric date with a two- or four-digit year ("25/12/2019",
/// "12.25.19"), as written: day and month in either order.
fn day_and_month(raw: &str) -> Option<(u32, u32)> {
    let date = raw.split_whitespace().next()?;
    let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit());
    (digits(a, &[1, 2]) && digits(b, &[1, 2]) && digits(y, &[2, 4]))
        .then(|| Some((a.parse().ok()?, b.parse().ok()?)))
        .flatten()
}

/// A cell holding what must be whole rows: a quote opened in it that closes only rows later.
/// A line break (LF, CRLF or a Mac's lone CR) followed by a line with a UPN in it; an address
/// or a note may run over lines, and holds none. Returns the column and the cell.
fn swallowed_rows(record: &csv::StringRecord, delimiter: u8) -> Option<(usize, &str)> {
    let delimiter = delimiter as char;
    record.iter().enumerate().find(|(_, cell)| {
        cell.split(['\n', '\r'])
            .skip(1)
            .any(|line| line.split(delimiter).any(upn_like))
    })
}

/// Whether text has a UPN's shape: a letter, eleven digits, and a digit or letter.
fn upn_like(text: &str) -> bool {
    let t = text.trim().trim_matches('"').as_bytes();
    t.len() == 13
        && t[0].is_ascii_alphabetic()
        && t[1..12].iter().all(u8::is_ascii_digit)
        && t[12].is_ascii_alphanumeric()
}

/// The line on which a quoted field opens and never closes, if any. A quote opens a quoted
/// field only at the start of a field (as the csv crate reads it); `""` inside is a quote.
fn unclosed_quote_line(text: &[u8], delimiter: u8) -> Option<usize> {
    let mut line = 1;
    let mut opened_on = 0;
    let mut quoted = false;
    let mut field_start = true;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if quoted {
            if b == b'"' {
                if text.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && field_start {
            quoted = true;
            opened_on = line;
        }
        if b == b'\n' {
            line += 1;
        }
        field_start = !quoted && (b == delimiter || b == b'\n' || b == b'\r');
        i += 1;
    }
    quoted.then_some(opened_on)
}

/// 1-based line numbers of byte offsets in a text, counting `\n`, `\r\n` and a lone `\r` as one
/// line break each. Offsets are asked for in increasing order, so the whole file is scanned once.
struct LineCounter<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            at: 0,
            line: 1,
        }
    }

    /// The line on which a record starts. The csv crate reports a record's offset as the end
    /// of the previous one, before its line break, so line breaks at the offset are skipped.
    fn line_of_record(&mut self, offset: usize) -> usize {
        let mut start = offset;
        while matches!(self.text.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        self.line_of(start)
    }

    fn line_of(&mut self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        while self.at < end {
            match self.text[self.at] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(self.at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
        self.line
    }
}

fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn text_field(
    value: &str,
    what: &str,
    required: bool,
) -> std::result::Result<Option<String>, String> {
    if value.is_empty() {
        return if required {
            Err(format!("missing {what}"))
        } else {
            Ok(None)
        };
    }
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(format!(
            "{what} is longer than {MAX_FIELD_CHARS} characters"
        ));
    }
    if value.chars().any(crate::is_unprintable) {
        return Err(format!(
            "{what} contains control characters or direction overrides"
        ));
    }
    // One spelling of each accented letter (NFC): a MIS export that writes "é" as "e" and a
    // combining accent would otherwise count as a changed name at every import, and line up
    // differently in lists.
    Ok(Some(value.nfc().collect()))
}

/// The census code "X": a pupil not following the National Curriculum (a special school's), whose
/// year group is then the date of birth's.
fn not_following_the_curriculum(raw: &str) -> bool {
    raw.trim().eq_ignore_ascii_case("x")
}

fn parse_row<'a>(
    get: &impl Fn(Field) -> &'a str,
    opts: &ImportOptions,
) -> std::result::Result<(RollEntry, Option<String>), String> {
    let raw_upn = get(Field::Upn);
    if raw_upn.is_empty() {
        return Err("missing UPN".into());
    }
    let upn = rules::upn::validate_upn(raw_upn).map_err(|e| e.to_string())?;
    let legal_surname =
        text_field(get(Field::LegalSurname), "legal surname", true)?.unwrap_or_default();
    let legal_forename =
        text_field(get(Field::LegalForename), "legal forename", true)?.unwrap_or_default();
    let preferred_forename =
        text_field(get(Field::PreferredForename), "preferred forename", false)?;
    // The same as the legal surname is no other name: kept empty, so that a later export
    // without the column does not count as a change.
    let preferred_surname = text_field(get(Field::PreferredSurname), "preferred surname", false)?
        .filter(|s| *s != legal_surname);
    let raw_dob = get(Field::Dob);
    if raw_dob.is_empty() {
        return Err("missing date of birth".into());
    }
    let dob = parse_date(raw_dob).ok_or_else(|| {
        format!("unreadable date of birth {raw_dob:?} (use dd/mm/yyyy, yyyy-mm-dd or dd-Mon-yyyy)")
    })?;
    if dob >= opts.on {
        return Err(format!("date of birth {dob} is not in the past"));
    }
    let first_sept = NaiveDate::from_ymd_opt(opts.academic_year, 9, 1)
        .ok_or_else(|| format!("academic year {} is out of range", opts.academic_year))?;
    let derived = rules::year::ncy_from_dob(dob, first_sept);
    if !(-2..=14).contains(&derived) && get(Field::YearGroup).is_empty() {
        return Err(format!(
            "date of birth {dob} gives no school year group in {}/{:02}",
            opts.academic_year,
            (opts.academic_year + 1) % 100
        ));
    }
    // A name with no letter in it ("000102") is a value from another column: the row's cells
    // were shifted (a comma inside a value not in quotes).
    for (what, name) in [
        ("legal surname", Some(&legal_surname)),
        ("legal forename", Some(&legal_forename)),
        ("preferred forename", preferred_forename.as_ref()),
        ("preferred surname", preferred_surname.as_ref()),
    ] {
        if let Some(name) = name.filter(|n| !n.chars().any(char::is_alphabetic)) {
            return Err(format!(
                "{what} {name:?} has no letters: are the row's values in the wrong columns (a comma inside a value that is not in quotes)? The row was not imported"
            ));
        }
    }
    let raw_year = get(Field::YearGroup);
    let (year_group, warning) = if raw_year.is_empty() {
        (derived, None)
    } else if not_following_the_curriculum(raw_year) {
        (
            derived,
            Some(format!(
                "year group {raw_year:?} (National Curriculum not followed): taken from the date of birth, {}",
                rules::year::year_group_label(derived)
            )),
        )
    } else {
        let recorded = rules::year::parse_year_group(raw_year)
            .filter(|y| (-2..=14).contains(y))
            .ok_or_else(|| format!("unknown year group {raw_year:?}"))?;
        // A school with one nursery class labels both its years "Nursery".
        let recorded = if rules::year::is_generic_nursery(raw_year) && (-2..=-1).contains(&derived)
        {
            derived
        } else {
            recorded
        };
        // Three or more years from the date of birth's is a typo (12 for 2), not a pupil taught
        // out of their age group, and would change who must sign the forms.
        if (recorded - derived).abs() >= 3 {
            return Err(format!(
                "year group {} is {} years from {}, the year group of a child born on {dob}: a typo in the MIS? The row was not imported",
                rules::year::year_group_label(recorded),
                (recorded - derived).abs(),
                rules::year::year_group_label(derived)
            ));
        }
        let warning = (recorded != derived).then(|| {
            format!(
                "MIS year group {} differs from {} expected from the date of birth {dob}; imported as {}",
                rules::year::year_group_label(recorded),
                rules::year::year_group_label(derived),
                rules::year::year_group_label(recorded)
            )
        });
        (recorded, warning)
    };
    Ok((
        RollEntry {
            upn: upn.as_str().to_string(),
            legal_forename,
            legal_surname,
            preferred_forename,
            preferred_surname,
            dob,
            reg_group: text_field(get(Field::RegGroup), "registration group", false)?,
            admission_number: text_field(get(Field::AdmissionNumber), "admission number", false)?,
            year_group,
            year_group_academic_year: opts.academic_year,
        },
        warning,
    ))
}

/// Imports a roll into the register in one transaction (rolled back for a dry run, so the
/// report is exactly what a real import would do).
/// An import dated before this academy's last one is a typo ("2016" for "2026") more often
/// than a late file: it would mark pupils as left, and work out year groups, for a day gone by.
fn refuse_a_date_before_the_last_import(
    conn: &Connection,
    code: &str,
    on: NaiveDate,
    academic_year: i32,
) -> Result<()> {
    let Some(last) = last_import(conn, code)? else {
        return Ok(());
    };
    if on < last.on {
        return Err(Error::Invalid(format!(
            "the import date {on} is before the last roll imported for {code} (dated {}): pupils missing from the file would be marked as left on a day gone by; check --on; nothing was imported",
            last.on
        )));
    }
    // Last July's export found after September's was imported would mark this year's joiners
    // as left and bring back last year's leavers.
    // (This year's roll after next year's, in the summer term, is this year's: allowed.)
    let current = rules::year::academic_year_of(on);
    if let Some((year, when)) = last
        .academic_year
        .filter(|(y, _)| academic_year < *y && academic_year < current)
    {
        return Err(Error::Invalid(format!(
            "this file's year groups are for {academic_year}/{:02}, but the roll imported for {code} on {when} was already for {year}/{:02}: an older roll would mark this year's new pupils as left and bring back last year's leavers. Export the {year}/{:02} roll from the MIS; nothing was imported",
            (academic_year + 1) % 100,
            (year + 1) % 100,
            (year + 1) % 100,
        )));
    }
    Ok(())
}

pub fn import(
    conn: &mut Connection,
    bytes: &[u8],
    opts: &ImportOptions,
    stamp: &Stamp,
) -> Result<ImportReport> {
    // Said before anything in the file, whose rows a wrong date also makes wrong.
    if let Ok(academy) = academies::require(conn, &opts.academy) {
        refuse_a_date_before_the_last_import(conn, &academy.code, opts.on, opts.academic_year)?;
    }
    let mut roll = parse_roll(bytes, opts)?;
    if roll.entries.is_empty() && roll.rejected.is_empty() {
        return Err(Error::Invalid(
            "the file has a header but no pupil rows; nothing was imported".into(),
        ));
    }
    // A file whose every row is bad (the wrong file, the wrong column mapped as the UPN) would
    // otherwise mark the whole academy as left: refused, with the first reasons.
    if roll.entries.is_empty() {
        let first: Vec<String> = roll
            .rejected
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "row {} {}: {}",
                    r.row,
                    clip(&r.upn, 20),
                    clip(&r.reason, 120)
                )
            })
            .collect();
        return Err(Error::Invalid(format!(
            "none of the file's {} pupil rows could be imported, so nothing was changed and nobody was marked as left (is it the right file, with the right columns?); {}{}",
            roll.rejected.len(),
            first.join("; "),
            if roll.rejected.len() > first.len() {
                "; …"
            } else {
                ""
            }
        )));
    }
    let tx = crate::begin(conn)?;
    let academy = academies::require(&tx, &opts.academy)?;
    refuse_a_date_before_the_last_import(&tx, &academy.code, opts.on, opts.academic_year)?;
    // The day a new pupil joins the roll: a first import's roll was there before the register
    // knew (no date); later, the import's day, or for next school year's roll its 1 September
    // (a new Reception child is not on this year's roll in June).
    let joined_on = last_import(&tx, &academy.code)?
        .map(|_| opts.on.max(pupils::first_september(opts.academic_year)));
    let next_year = opts.academic_year > rules::year::academic_year_of(opts.on);
    // This academy's pupils, and the file's other UPNs looked up together in one query (a pupil
    // moving in from another academy of the trust), rather than the whole trust for every file.
    let mut existing: HashMap<String, pupils::Pupil> = pupils::list(&tx, Some(academy.id))?
        .into_iter()
        .map(|p| (p.upn.clone(), p))
        .collect();
    // A UPN replaced with `pupils rekey` that the MIS still exports: the row is that child, not
    // a new one. Imported as new, it would make a second record without the forms, and mark the
    // one holding them as left. Rejected, naming the fix; the child counts as on the roll.
    let replaced = crate::rekey::replaced_upns(&tx)?;
    let mut stale = Vec::new();
    for (row, e) in &roll.entries {
        let Some((now, on)) = replaced.get(&e.upn) else {
            continue;
        };
        if existing.contains_key(&e.upn) || pupils::by_upn(&tx, &e.upn)?.is_some() {
            continue;
        }
        stale.push((*row, e.upn.clone(), now.clone(), on.clone()));
    }
    for (row, upn, now, on) in &stale {
        roll.entries.retain(|(r, _)| r != row);
        roll.upns_present.insert(now.clone());
        roll.rejected.push(Rejected {
            row: *row,
            upn: upn.clone(),
            reason: format!(
                "{upn} was replaced by {now} on {on} (`pupils rekey`), but the MIS still has the old UPN: correct it in the MIS (this child stays on roll as {now})"
            ),
        });
    }
    roll.rejected.sort_by_key(|r| r.row);
    let elsewhere: Vec<&str> = roll
        .entries
        .iter()
        .map(|(_, e)| e.upn.as_str())
        .filter(|u| !existing.contains_key(*u))
        .collect();
    for p in pupils::by_upns(&tx, &elsewhere)? {
        existing.insert(p.upn.clone(), p);
    }
    let mut report = ImportReport {
        rejected: roll.rejected,
        warnings: roll.warnings,
        columns: roll.columns,
        encoding: roll.encoding.to_string(),
        delimiter: match roll.delimiter {
            b'\t' => "tab".into(),
            d => (d as char).to_string(),
        },
        dry_run: opts.dry_run,
        ..ImportReport::default()
    };
    // Without a year group (no column, or a blank cell) the year is only derived from the
    // date of birth: a pupil already on the register keeps the MIS year recorded for them
    // (carried to this academic year), which may differ from it (a pupil taught out of their
    // age group).
    // An optional field with no column in the file is not "now empty": a later export made
    // with fewer columns must not wipe a preferred surname (which the caption rule protects).
    let has = |f: Field| report.columns.iter().any(|c| c.field == Some(f));
    report.kept_fields = [
        Field::PreferredForename,
        Field::PreferredSurname,
        Field::RegGroup,
        Field::AdmissionNumber,
    ]
    .into_iter()
    .filter(|f| !has(*f))
    .collect();
    let kept_fields = report.kept_fields.clone();
    // Last year's export imported as this year's (or next year's as this year's, or an older
    // one) puts most pupils the same distance from their date of birth's year group. Every
    // pupil a year out would move who must sign (a Year 7 read as Year 6 is cleared on a
    // parent's form alone): said once, for the whole file, and a real import is refused unless
    // the office says the year groups are right.
    let first_sept = pupils::first_september(opts.academic_year);
    let with_year: Vec<&RollEntry> = roll
        .entries
        .iter()
        .filter(|(row, _)| !roll.year_derived.contains(row))
        .map(|(_, e)| e)
        .collect();
    for shift in [-1, 1, -2, 2] {
        let off = with_year
            .iter()
            .filter(|e| e.year_group - rules::year::ncy_from_dob(e.dob, first_sept) == shift)
            .count();
        if off < 5 || off * 2 <= with_year.len() {
            continue;
        }
        let what = match shift {
            -1 => "Is this last year's roll? Export this year's from the MIS".to_string(),
            1 => format!(
                "Is this next year's roll? Import it with --academic-year {} (from 1 June)",
                opts.academic_year + 1
            ),
            _ => "Is this an old roll? Export this year's from the MIS".to_string(),
        };
        report.year_groups_shifted = Some(format!(
            "{off} of the file's {} year groups are {} {} the date of birth's in {}/{:02}. {what}. If the year groups are right (pupils taught out of their age group, as in a special school), import with --accept-year-groups",
            with_year.len(),
            if shift.abs() == 1 {
                "one year"
            } else {
                "two years"
            },
            if shift < 0 { "below" } else { "above" },
            opts.academic_year,
            (opts.academic_year + 1) % 100
        ));
        if !opts.dry_run && !opts.accept_year_groups {
            return Err(Error::Invalid(format!(
                "{}; nothing was imported",
                report.year_groups_shifted.as_deref().unwrap_or_default()
            )));
        }
        break;
    }
    // Most of another academy's roll moving here: that academy's file imported for this one.
    let mut moving: HashMap<(i64, &str), usize> = HashMap::new();
    for (_, e) in &roll.entries {
        if let Some(p) = existing.get(&e.upn)
            && p.academy_id != academy.id
            && p.left_on.is_none()
        {
            *moving
                .entry((p.academy_id, p.academy.as_str()))
                .or_default() += 1;
        }
    }
    for ((from_id, from), n) in moving {
        let on_roll = pupils::list(&tx, Some(from_id))?
            .iter()
            .filter(|p| p.left_on.is_none())
            .count();
        if many_leavers(n, on_roll) {
            let said = format!(
                "this file would move {n} of the {on_roll} pupils on roll at {from} to {}: is it {from}'s roll, imported for the wrong academy? If they really have moved, import allowing it (--allow-many-moves)",
                academy.code
            );
            if !opts.dry_run && !opts.allow_many_moves {
                return Err(Error::Invalid(format!("{said}; nothing was changed")));
            }
            report.many_moves = Some(said);
        }
    }
    let mut swapped_dobs: Vec<String> = Vec::new();
    let mut lookalikes = Lookalikes::default();
    for (row, entry) in &roll.entries {
        // An admission number that lost its leading zeros (a spreadsheet read "000101" as a
        // number) is the one stored: kept, and said.
        let padded;
        let entry = match existing.get(&entry.upn).and_then(|p| {
            let (stored, now) = (
                p.admission_number.as_deref()?,
                entry.admission_number.as_deref()?,
            );
            (stored != now && stored.trim_start_matches('0') == now.trim_start_matches('0'))
                .then(|| stored.to_owned())
        }) {
            Some(stored) => {
                report.warnings.push(Warning {
                    row: *row,
                    upn: entry.upn.clone(),
                    message: format!(
                        "admission number {} is {stored} without its leading zeros (a spreadsheet read it as a number?): {stored} is kept",
                        entry.admission_number.as_deref().unwrap_or_default()
                    ),
                });
                let mut e = entry.clone();
                e.admission_number = Some(stored);
                padded = e;
                &padded
            }
            None => entry,
        };
        let kept;
        let entry = match existing.get(&entry.upn) {
            Some(p)
                if roll.year_derived.contains(row)
                    || !kept_fields.is_empty()
                    || roll.row_kept.contains_key(row) =>
            {
                let mut e = entry.clone();
                if roll.year_derived.contains(row) {
                    e.year_group =
                        entry.year_group_academic_year - p.year_group_academic_year + p.year_group;
                }
                for f in kept_fields
                    .iter()
                    .chain(roll.row_kept.get(row).into_iter().flatten())
                {
                    match f {
                        Field::PreferredForename => {
                            e.preferred_forename = p.preferred_forename.clone()
                        }
                        Field::PreferredSurname => {
                            e.preferred_surname = p.preferred_surname.clone()
                        }
                        Field::RegGroup => e.reg_group = p.reg_group.clone(),
                        Field::AdmissionNumber => e.admission_number = p.admission_number.clone(),
                        _ => {}
                    }
                }
                kept = e;
                &kept
            }
            _ => entry,
        };
        match existing.get(&entry.upn) {
            None => {
                let lookalike = lookalikes.warning(&tx, entry, opts.on)?;
                let id = pupils::insert(&tx, academy.id, &academy.code, entry, joined_on, stamp)?;
                if let Some((w, flagged)) = lookalike {
                    // Safeguarding errs on the side of not publishing: the new record of what
                    // may be a never-publish child is flagged too, until a person has looked.
                    if flagged {
                        let new = pupils::by_id(&tx, id)?;
                        crate::flags::set(
                            &tx,
                            &new,
                            crate::flags::FlagKind::NeverPublish,
                            &format!(
                                "set by the roll import: may be the same child as {}, who has a never-publish flag",
                                w.1
                            ),
                            opts.on,
                            stamp,
                        )?;
                    }
                    report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: w.0,
                    });
                }
                report.imported += 1;
            }
            Some(p) if entry.matches(p, academy.id) => report.unchanged += 1,
            Some(p) => {
                // Another child under this UPN (both legal names changed; or the forename and
                // the date of birth, a sibling): a UPN reused in the MIS more often than a child
                // renamed, and the forms on record were signed for the first child. Listed
                // either way; rejected unless confirmed.
                if another_child(p, entry) {
                    let confirmed = opts
                        .renamed
                        .iter()
                        .any(|u| u.trim().eq_ignore_ascii_case(&p.upn));
                    let renamed = Renamed {
                        row: *row,
                        upn: p.upn.clone(),
                        was: format!("{}, born {}", p.display_name(), p.dob),
                        now: format!(
                            "{} {}, born {}",
                            entry.legal_forename, entry.legal_surname, entry.dob
                        ),
                        confirmed,
                    };
                    if !confirmed {
                        report.rejected.push(Rejected {
                            row: *row,
                            upn: entry.upn.clone(),
                            reason: format!(
                                "{} is {} (born {}) on the register, and this row names {} {} (born {}): a UPN is one child's for life, and the consent forms on record were signed for {}. Check the MIS; if it is the same child, renamed, import again with --renamed {} (nothing of this row was imported)",
                                p.upn,
                                p.display_name(),
                                p.dob,
                                entry.legal_forename,
                                entry.legal_surname,
                                entry.dob,
                                p.display_name(),
                                p.upn
                            ),
                        });
                        report.renamed.push(renamed);
                        continue;
                    }
                    report.renamed.push(renamed);
                }
                // A date of birth rarely changes; when it does, the office is told, and a day and
                // month swapped points at a US-format (mm/dd) export.
                if p.dob != entry.dob {
                    use chrono::Datelike;
                    let swapped = p.dob.day() == entry.dob.month()
                        && p.dob.month() == entry.dob.day()
                        && p.dob.year() == entry.dob.year();
                    if swapped {
                        swapped_dobs.push(format!("{} {} → {}", entry.upn, p.dob, entry.dob));
                    }
                    report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: format!(
                            "date of birth changed from {} to {}{}",
                            p.dob,
                            entry.dob,
                            if swapped {
                                ": day and month swapped — is the file's date format mm/dd/yyyy? Dates are read as dd/mm/yyyy"
                            } else {
                                ""
                            }
                        ),
                    });
                }
                let still_there = p.left_on.is_none_or(|left| left > opts.on);
                if next_year && p.academy_id != academy.id && still_there {
                    // Next year's intake from another academy of the trust (a feeder primary's
                    // Year 6): on that academy's roll, and in its lists, until the summer ends.
                    report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: format!(
                            "on {}'s roll until 31 August: not moved now; import {}'s roll again from 1 September to move them",
                            p.academy, academy.code
                        ),
                    });
                    report.unchanged += 1;
                    continue;
                }
                if p.academy_id != academy.id && p.left_on.is_none() {
                    report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: format!("moved from academy {} to {}", p.academy, academy.code),
                    });
                }
                // Leaving at the end of this school year, when this roll is for a later one:
                // they stay after all. For this year's roll the leaving date stands.
                let end_of_roll_year = pupils::first_september(opts.academic_year + 1);
                match p.left_on {
                    Some(left) if left <= opts.on => report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: format!(
                            "back on roll: marked as left on {left} (at {}); the forms on record from before still count",
                            p.academy
                        ),
                    }),
                    Some(left) if left < end_of_roll_year => report.warnings.push(Warning {
                        row: *row,
                        upn: entry.upn.clone(),
                        message: format!("no longer leaving on {left}: in this roll"),
                    }),
                    _ => {}
                }
                // Next year's registration groups apply from September, when that roll is
                // imported again; this term's stay meanwhile.
                let kept_reg;
                let entry = if next_year {
                    kept_reg = RollEntry {
                        reg_group: p.reg_group.clone(),
                        ..entry.clone()
                    };
                    &kept_reg
                } else {
                    entry
                };
                pupils::update(
                    &tx,
                    p,
                    academy.id,
                    &academy.code,
                    entry,
                    opts.on,
                    opts.on.max(pupils::first_september(opts.academic_year)),
                    end_of_roll_year,
                    stamp,
                )?;
                report.updated += 1;
            }
        }
    }
    // Several dates of birth with day and month swapped: the file is in mm/dd/yyyy, and every
    // date in it is suspect (the ones that read both ways are simply wrong). Nothing is changed.
    if swapped_dobs.len() >= 3 {
        return Err(Error::Invalid(format!(
            "{} pupils' dates of birth would change with day and month swapped ({}{}): the file's dates look like mm/dd/yyyy (US format). Save it with dates as dd/mm/yyyy and import again; nothing was changed",
            swapped_dobs.len(),
            swapped_dobs
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if swapped_dobs.len() > 3 { ", …" } else { "" }
        )));
    }
    if opts.mark_left {
        let mut leaving: Vec<&pupils::Pupil> = existing
            .values()
            .filter(|p| {
                p.academy_id == academy.id
                    && p.left_on.is_none()
                    && p.joined_on.is_none_or(|joined| joined <= opts.on)
                    && !roll.upns_present.contains(&p.upn)
                    && !a_rejected_row_may_be(&roll.rejected_people, p)
            })
            .collect();
        leaving.sort_by(|a, b| {
            (&a.legal_surname, &a.legal_forename, &a.upn).cmp(&(
                &b.legal_surname,
                &b.legal_forename,
                &b.upn,
            ))
        });
        let on_roll = existing
            .values()
            .filter(|p| p.academy_id == academy.id && p.left_on.is_none())
            .count();
        report.many_leavers = many_leavers(leaving.len(), on_roll);
        if report.many_leavers && !opts.dry_run && !opts.allow_many_leavers {
            let named: Vec<String> = leaving
                .iter()
                .take(5)
                .map(|p| format!("{} {}", p.upn, p.display_name()))
                .collect();
            return Err(Error::Invalid(format!(
                "this file would mark {} of the {on_roll} pupils on roll at {} as left ({}{}): is it the whole roll of {} (not one year group's export, or another academy's)? Nothing was changed. If they really have left, import again allowing it (--allow-many-leavers); to import without marking anyone as left, use --no-mark-left",
                leaving.len(),
                academy.code,
                named.join(", "),
                if leaving.len() > named.len() {
                    ", …"
                } else {
                    ""
                },
                academy.code
            )));
        }
        let left_on = opts.on.max(pupils::first_september(opts.academic_year));
        for p in leaving {
            pupils::mark_left(&tx, p, left_on, stamp)?;
            report.left += 1;
            report.leavers.push(Leaver {
                upn: p.upn.clone(),
                name: p.display_name(),
                left_on,
            });
        }
    }
    stamp.audit(
        &tx,
        "roll.import",
        Some(&format!("academy:{}", academy.code)),
        serde_json::json!({
            "academy": academy.code, "academic_year": opts.academic_year, "on": opts.on,
            "imported": report.imported, "updated": report.updated, "unchanged": report.unchanged,
            "left": report.left, "rejected": report.rejected.len(),
        }),
    )?;
    // A row rejected here (another child under the UPN) was not imported: its warnings from
    // reading it ("imported as …") do not stand.
    let unconfirmed: HashSet<usize> = report
        .renamed
        .iter()
        .filter(|n| !n.confirmed)
        .map(|n| n.row)
        .collect();
    report.warnings.retain(|w| !unconfirmed.contains(&w.row));
    report.warnings.sort_by_key(|w| w.row);
    report.rejected.sort_by_key(|r| r.row);
    if opts.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(report)
}

/// Whether a row under a pupil's UPN looks like another child: a new legal forename and a new
/// legal surname, or a new forename and a date of birth half a year or more away (a sibling).
/// A name counts as the same when it is one the register knows (legal or preferred, either
/// field: the two swapped), one part of it ("Hale" for "Ashworth-Hale"), or a typo of it
/// (one letter in a short name, two in a longer one: "Hary" for "Harry").
fn another_child(p: &pupils::Pupil, e: &RollEntry) -> bool {
    use rules::caption::name_key;
    let mut known: Vec<String> = Vec::new();
    for name in [&p.legal_forename, &p.legal_surname]
        .into_iter()
        .chain(p.preferred_forename.as_ref())
        .chain(p.preferred_surname.as_ref())
    {
        known.push(name_key(name));
        known.extend(
            name.split(|c: char| c.is_whitespace() || c == '-')
                .map(name_key)
                .filter(|part| part.chars().count() >= 2),
        );
    }
    let same = |name: &str| {
        let new = name_key(name);
        let parts: Vec<String> = name
            .split(|c: char| c.is_whitespace() || c == '-')
            .map(name_key)
            .filter(|part| part.chars().count() >= 2)
            .collect();
        known.iter().any(|k| {
            let allowed = if k.chars().count().min(new.chars().count()) <= 4 {
                1
            } else {
                2
            };
            *k == new || parts.contains(k) || edit_distance(k, &new) <= allowed
        })
    };
    let forename = same(&e.legal_forename);
    let surname = same(&e.legal_surname);
    let far_apart = (p.dob - e.dob).num_days().abs() >= 183;
    !forename && (!surname || far_apart)
}

/// Levenshtein distance between two short strings, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The rolls imported for an academy, from the audit log: the latest date, and the latest
/// school year of their year groups with the date of the import that had it.
struct LastImport {
    on: NaiveDate,
    academic_year: Option<(i32, NaiveDate)>,
}

fn last_import(conn: &Connection, code: &str) -> Result<Option<LastImport>> {
    let mut stmt = conn.prepare_cached(
        "SELECT payload FROM audit_log WHERE action = 'roll.import' AND subject = ?1 AND payload IS NOT NULL",
    )?;
    let mut last: Option<LastImport> = None;
    for payload in stmt.query_map([format!("academy:{code}")], |r| r.get::<_, String>(0))? {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&payload?) else {
            continue;
        };
        let Some(on) = v
            .get("on")
            .and_then(|o| o.as_str())
            .and_then(|o| o.parse::<NaiveDate>().ok())
        else {
            continue;
        };
        let academic_year = v
            .get("academic_year")
            .and_then(|y| y.as_i64())
            .and_then(|y| i32::try_from(y).ok());
        let l = last.get_or_insert(LastImport {
            on,
            academic_year: None,
        });
        l.on = l.on.max(on);
        if let Some(y) = academic_year
            && l.academic_year.is_none_or(|(ly, _)| y > ly)
        {
            l.academic_year = Some((y, on));
        }
    }
    Ok(last)
}

/// "1 cell", "3 cells".
fn cells(n: usize) -> String {
    format!("{n} cell{}", if n == 1 { "" } else { "s" })
}

/// At most `max` characters of `s`, with … when cut (a hostile field can be megabytes).
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// The register's pupils by date of birth, loaded when the file brings a new UPN: a new UPN
/// with the name and date of birth of a pupil already held is most often the same child (a
/// temporary UPN replaced by the permanent one), whose consents and flags stay on the old
/// record. That is said, never merged silently.
#[derive(Default)]
struct Lookalikes {
    by_dob: Option<HashMap<NaiveDate, Vec<pupils::Pupil>>>,
}

impl Lookalikes {
    fn warning(
        &mut self,
        conn: &Connection,
        entry: &RollEntry,
        on: NaiveDate,
    ) -> Result<Option<((String, String), bool)>> {
        if self.by_dob.is_none() {
            let mut map: HashMap<NaiveDate, Vec<pupils::Pupil>> = HashMap::new();
            for p in pupils::list(conn, None)? {
                map.entry(p.dob).or_default().push(p);
            }
            self.by_dob = Some(map);
        }
        let key = pupils::name_key;
        let Some(same) = self
            .by_dob
            .as_ref()
            .and_then(|m| m.get(&entry.dob))
            .and_then(|ps| {
                ps.iter().find(|p| {
                    p.upn != entry.upn
                        && key(&p.legal_surname) == key(&entry.legal_surname)
                        && key(&p.legal_forename) == key(&entry.legal_forename)
                })
            })
        else {
            return Ok(None);
        };
        let flagged = crate::flags::of_pupil(conn, same.id)?
            .iter()
            .any(|f| f.kind == crate::flags::FlagKind::NeverPublish && f.active_on(on));
        let status = match same.left_on {
            Some(left) => format!("left on {left}"),
            None => format!("on roll at {}", same.academy),
        };
        let message = if flagged {
            format!(
                "new UPN, but {} ({status}) has the same name and date of birth and a NEVER-PUBLISH safeguarding flag, so this record has been given the flag too until someone checks: if this is the same child (a temporary UPN replaced), merge the two (`clearshot pupils rekey {} --to {}`); if not, clear this record's flag (`clearshot pupils unflag {} --never-publish --reason …`)",
                same.upn, same.upn, entry.upn, entry.upn
            )
        } else {
            format!(
                "new UPN, but {} ({status}) has the same name and date of birth: if this is the same child (a temporary UPN replaced), their consent forms and flags stay on {} and do not apply to this record until the two are merged: `clearshot pupils rekey {} --to {}`",
                same.upn, same.upn, same.upn, entry.upn,
            )
        };
        Ok(Some(((message, same.upn.clone()), flagged)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_mis_spelling_parse() {
        let d = NaiveDate::from_ymd_opt(2015, 4, 3).unwrap();
        for s in [
            "03/04/2015",
            "3/4/2015",
            "2015-04-03",
            "03-Apr-2015",
            "3-apr-2015",
            "03 Apr 2015",
            "03-April-2015",
            "03/04/2015 00:00:00",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        for s in [
            "31/02/2015",
            "2015/04/03",
            "03/04/15",
            "Apr 3 2015",
            "",
            "03-Xyz-2015",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn an_unclosed_quote_is_found_and_escaped_quotes_are_not() {
        assert_eq!(unclosed_quote_line(b"a,b\nc,\"d\ne,f\n", b','), Some(2));
        assert_eq!(
            unclosed_quote_line(b"a,\"b \"\"x\"\" \nc\",d\n", b','),
            None
        );
        assert_eq!(unclosed_quote_line(b"a,O\"Neil\n", b','), None);
    }

    #[test]
    fn the_delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter("UPN;Surname;Forename\n"), b';');
        assert_eq!(sniff_delimiter("UPN\tSurname\tForename\n"), b'\t');
        assert_eq!(sniff_delimiter("UPN,\"Surname; legal\",Forename\n"), b',');
    }

    #[test]
    fn windows_1252_names_survive() {
        let (text, enc) = decode_text(b"Ren\xe9e O\x92Neil");
        assert_eq!(enc, "Windows-1252");
        assert_eq!(text, "Renée O\u{2019}Neil");
        let (text, enc) = decode_text("\u{feff}Zoë".as_bytes());
        assert_eq!((text.as_str(), enc), ("Zoë", "UTF-8 (BOM)"));
    }

    #[test]
    fn headers_are_matched_by_synonym() {
        assert_eq!(
            Field::from_header(" Unique Pupil Number "),
            Some(Field::Upn)
        );
        assert_eq!(
            Field::from_header("Known As"),
            Some(Field::PreferredForename)
        );
        assert_eq!(Field::from_header("NC Year"), Some(Field::YearGroup));
        assert_eq!(Field::from_header("Reg Group"), Some(Field::RegGroup));
        assert_eq!(Field::from_header("ADNO"), Some(Field::AdmissionNumber));
        assert_eq!(Field::from_header("Ethnicity"), None);
    }
}
