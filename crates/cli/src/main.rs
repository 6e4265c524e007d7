//! `clearshot`: the command-line face of ClearShot. Each command parses its arguments, calls one
//! use case of the `clearshot` crate, and prints the result (JSON with `--json`, else a table).
//!
//! Exit codes: 0 success; 1 a check that found a problem (audit chain broken, a file in a batch
//! unreadable); 2 bad input or an error, with nothing changed.

mod admin_cmds;
mod data_cmds;
#[macro_use]
mod output;
mod photo_cmds;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use clearshot::consent::{FormInput, StatusFilter};
use clearshot::pupils::PupilFilter;
use clearshot::{Channel, Signatory, Stamp, Store};
use register::flags::FlagKind;

use output::{Out, Table};

#[derive(Parser)]
#[command(
    name = "clearshot",
    version,
    about = "ClearShot: the consent register and photo clearance for a school trust",
    long_about = "ClearShot keeps a local register of pupils and their photo consents and clears photos for publication.\n\nThe register is the file given by --db, else $CLEARSHOT_DB, else the per-user data directory (the same file the desktop app uses). Any command creates or migrates it as needed."
)]
struct Cli {
    /// The register file.
    #[arg(long, global = true, env = "CLEARSHOT_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print JSON on stdout instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Who is making the change, for the audit log (default: $CLEARSHOT_ACTOR, else the login name).
    #[arg(long = "as", global = true, value_name = "NAME")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or migrate) the register explicitly.
    Init,
    /// The trust's academies.
    #[command(subcommand)]
    Academies(AcademiesCmd),
    /// Pupils: import a roll, list, show, flag.
    #[command(subcommand)]
    Pupils(PupilsCmd),
    /// Consent forms, withdrawals, status and the chase list.
    #[command(subcommand)]
    Consent(ConsentCmd),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Trust-wide settings.
    #[command(subcommand)]
    Settings(SettingsCmd),
    /// Trust-owned devices (provenance).
    #[command(subcommand)]
    Devices(admin_cmds::DevicesCmd),
    /// Staff approved to post.
    #[command(subcommand)]
    Staff(admin_cmds::StaffCmd),
    /// Trust-affiliated social media accounts.
    #[command(subcommand)]
    Accounts(admin_cmds::AccountsCmd),
    /// Posting holds (policy 4.6).
    #[command(subcommand)]
    Hold(admin_cmds::HoldCmd),
    /// Photos: ingest, inspect, check (clear) and export.
    #[command(subcommand)]
    Photos(photo_cmds::PhotosCmd),
    /// Takedown tasks raised when consent changes after a clearance.
    #[command(subcommand)]
    Takedowns(admin_cmds::TakedownsCmd),
    /// Your data: backup, restore, check, retention.
    #[command(flatten)]
    Data(data_cmds::DataCmd),
}

#[derive(Subcommand)]
enum AcademiesCmd {
    /// Add an academy.
    Add {
        /// A short code for the academy, e.g. OAK.
        code: String,
        /// Its name as parents know it, e.g. "Oak Primary Academy".
        #[arg(long)]
        name: String,
    },
    /// List the academies.
    List,
}

#[derive(Args, Clone)]
pub struct OnDate {
    /// The date that matters (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
    pub on: Option<NaiveDate>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct FlagChoice {
    /// Sixth form: a parent must consent as well as the pupil.
    #[arg(long)]
    parent_also_required: bool,
    /// Safeguarding: never publish this pupil, whatever the consent says.
    #[arg(long)]
    never_publish: bool,
}

impl FlagChoice {
    fn kind(&self) -> FlagKind {
        if self.never_publish {
            FlagKind::NeverPublish
        } else {
            FlagKind::ParentAlsoRequired
        }
    }
}

#[derive(Subcommand)]
enum PupilsCmd {
    /// Import an academy's roll from an MIS CSV export.
    Import {
        /// The CSV file, with a header row (UPN, names, date of birth, year and registration
        /// group; common MIS headers are recognised, others are named with --map).
        file: PathBuf,
        /// The academy whose roll this is (its code, e.g. OAK).
        #[arg(long)]
        academy: String,
        /// The calendar year in which the academic year of the file's year groups began
        /// (default: the academic year containing the import date).
        #[arg(long, value_name = "YYYY")]
        academic_year: Option<i32>,
        /// Report exactly what would happen and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Name a column: "HEADER=field" (fields: upn, legal_surname, legal_forename,
        /// preferred_forename, preferred_surname, dob, year_group, reg_group, admission_number,
        /// ignore).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        maps: Vec<String>,
        /// Do not mark pupils missing from the file as left.
        #[arg(long)]
        no_mark_left: bool,
        /// Mark pupils missing from the file as left even when they are more than 10 and more
        /// than a quarter of the academy's roll (refused otherwise: most often the wrong file).
        #[arg(long, conflicts_with = "no_mark_left")]
        allow_many_leavers: bool,
        /// Move pupils here from another academy even when they are more than 10 and more than
        /// a quarter of its roll (refused otherwise: most often its roll imported for the wrong
        /// academy).
        #[arg(long)]
        allow_many_moves: bool,
        /// UPNs whose legal forename and surname both change, confirmed as the same child
        /// renamed (otherwise those rows are rejected).
        #[arg(long, value_name = "UPN,...", value_delimiter = ',')]
        renamed: Vec<String>,
        /// Take the file's year groups even when most are a year or two from the dates of
        /// birth's (a special school teaching pupils out of their age group); refused otherwise,
        /// as most often last year's or next year's roll.
        #[arg(long)]
        accept_year_groups: bool,
        #[command(flatten)]
        on: OnDate,
    },
    /// List pupils on roll.
    List {
        /// Only this academy (its code).
        #[arg(long)]
        academy: Option<String>,
        /// Only this year group on the date: 7, R (reception), N (nursery), 12, ...
        #[arg(long, value_name = "N", value_parser = parse_year_group_arg, allow_hyphen_values = true)]
        year_group: Option<i32>,
        /// Only this registration group, e.g. 7B.
        #[arg(long)]
        reg_group: Option<String>,
        /// Name, UPN or registration group.
        #[arg(long)]
        search: Option<String>,
        /// Include pupils who have left.
        #[arg(long)]
        include_left: bool,
        #[command(flatten)]
        on: OnDate,
    },
    /// One pupil: details, year group and who must sign on the date, status per channel,
    /// consent history, flags.
    Show {
        /// The pupil's UPN.
        upn: String,
        #[command(flatten)]
        on: OnDate,
    },
    /// Show the reason of a never-publish flag (recorded in the audit log).
    RevealReason {
        /// The pupil's UPN.
        upn: String,
        /// Why you need to see it.
        #[arg(long)]
        why: String,
    },
    /// Subject access: everything held on one pupil, into a folder (audited).
    Export(data_cmds::ExportArgs),
    /// Replace a pupil's UPN: a temporary UPN by the permanent one, or one keyed in wrongly.
    /// If an import already brought the new UPN as a record of its own (same date of birth),
    /// the two records of the child are merged into this one: its consent forms, withdrawals,
    /// flags, clearances and takedown tasks, with the newer record's roll details.
    Rekey {
        /// The UPN the register holds now (e.g. the temporary one).
        from: String,
        /// The new UPN (e.g. the permanent one).
        #[arg(long)]
        to: String,
        /// The two records' legal names differ, and you have checked that they are one child
        /// (without it, such a merge is refused: twins share a birthday).
        #[arg(long)]
        names_differ: bool,
        /// Report exactly what would happen and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Set a flag on a pupil.
    Flag {
        /// The pupil's UPN.
        upn: String,
        #[command(flatten)]
        which: FlagChoice,
        /// Why (kept in the register and the audit log; a never-publish reason is shown only
        /// through `reveal-reason`).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        on: OnDate,
    },
    /// Clear a flag.
    Unflag {
        /// The pupil's UPN.
        upn: String,
        #[command(flatten)]
        which: FlagChoice,
        /// Why the flag no longer applies (kept in the audit log).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        on: OnDate,
    },
}

#[derive(Args, Clone)]
struct StatusArgs {
    /// Only this academy (its code).
    #[arg(long)]
    academy: Option<String>,
    /// Only this pupil.
    #[arg(long)]
    upn: Option<String>,
    /// Only this year group on the date: 7, R (reception), N (nursery), 12, ...
    #[arg(long, value_name = "N", value_parser = parse_year_group_arg, allow_hyphen_values = true)]
    year_group: Option<i32>,
    /// Only this registration group, e.g. 7B.
    #[arg(long)]
    reg_group: Option<String>,
    /// Only this channel: academy_social, trust_social, website, print or press.
    #[arg(long, value_parser = parse_channel)]
    channel: Option<Channel>,
    #[command(flatten)]
    on: OnDate,
}

impl StatusArgs {
    fn filter(&self) -> StatusFilter {
        StatusFilter {
            academy: self.academy.clone(),
            upn: self.upn.clone(),
            year_group: self.year_group,
            reg_group: self.reg_group.clone(),
            channel: self.channel,
            include_left: false,
        }
    }
}

#[derive(Subcommand)]
enum ConsentCmd {
    /// Record a returned consent form.
    Record {
        /// The pupil's UPN.
        upn: String,
        /// Who signed the form: parent or pupil.
        #[arg(long, value_parser = parse_signatory)]
        signatory: Signatory,
        /// The date on the form.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        signed_on: NaiveDate,
        /// Channels granted, comma-separated: academy_social, trust_social, website, print,
        /// press.
        #[arg(long, value_name = "CH,...")]
        grant: Option<String>,
        /// Channels refused, comma-separated.
        #[arg(long, value_name = "CH,...")]
        refuse: Option<String>,
        /// The name signed on the form.
        #[arg(long)]
        signer_name: Option<String>,
        /// e.g. mother, father, carer, guardian.
        #[arg(long)]
        relationship: Option<String>,
        /// The last day the form covers, when it says so (default: none, it holds until withdrawn).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        expires: Option<NaiveDate>,
        /// The scanned form (PDF or image), stored by content hash beside the register.
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
    },
    /// Withdraw consent from a date.
    Withdraw {
        /// The pupil's UPN.
        upn: String,
        /// Who withdraws: parent or pupil.
        #[arg(long, value_parser = parse_signatory)]
        signatory: Signatory,
        /// The first day the consent no longer holds.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        on: NaiveDate,
        /// Channels withdrawn (default: every channel).
        #[arg(long, value_name = "CH,...")]
        channels: Option<String>,
        /// The name of the person who asked, as they gave it.
        #[arg(long)]
        signer_name: Option<String>,
        /// Their relationship to the pupil, e.g. mother, father, carer.
        #[arg(long)]
        relationship: Option<String>,
        /// How the withdrawal came, e.g. "email to the office", "phone call to reception".
        #[arg(long)]
        note: Option<String>,
        /// The email or letter (PDF or image), stored by content hash beside the register.
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
    },
    /// Void a form recorded in error (on the wrong pupil, twice, with yes and no swapped): its
    /// answers stay in the history, marked, and no longer count. A yes it gave that leaves the
    /// pupil without consent makes each photo cleared for that channel a takedown task.
    Void {
        /// The pupil's UPN.
        upn: String,
        /// The form's id: the 8 characters `pupils show UPN` prints for it (its end), or any 6 or
        /// more from its start or end that name one form.
        #[arg(long)]
        form: String,
        /// Why it is voided, for the record ("recorded on the wrong pupil").
        #[arg(long)]
        reason: String,
        // --on: the day from which consent is decided without it, for takedown tasks.
        #[command(flatten)]
        on: OnDate,
    },
    /// Consent status of pupils on roll per channel on a date.
    Status {
        #[command(flatten)]
        args: StatusArgs,
        /// Print CSV (for a spreadsheet) instead of a table: one row per pupil and channel.
        #[arg(long)]
        csv: bool,
    },
    /// Pupils whose consent is missing or expired, with the signatories still needed.
    Chase {
        #[command(flatten)]
        args: StatusArgs,
        /// Print CSV (for a spreadsheet or mail merge) instead of a table.
        #[arg(long)]
        csv: bool,
        /// With --csv: one row per pupil (one letter to their family), the channels still to answer
        /// in one cell, each signatory's own in "Parent to answer" and "Pupil to answer", and
        /// forename and surname columns for a mail merge.
        #[arg(long, requires = "csv")]
        per_pupil: bool,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Verify the audit chain: exit 0 when intact, 1 naming the first bad entry.
    Verify {
        /// Also check that the chain still holds the last entry this backup recorded (the
        /// backup file or its manifest): the removal of the newest entries shows only so.
        #[arg(long, value_name = "BACKUP")]
        against: Option<PathBuf>,
    },
    /// Show audit entries.
    Log {
        /// Only entries from this date on.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        since: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
enum SettingsCmd {
    /// Set a setting, e.g. `settings set trust-domains a.org,b.sch.uk`.
    Set {
        /// trust-domains, partner-handles, retention-years, backup-dir or backup-keep
        /// (`settings list` says what each holds).
        key: String,
        /// The new value.
        value: String,
    },
    /// Show one setting.
    Get {
        /// trust-domains, partner-handles, retention-years, backup-dir or backup-keep.
        key: String,
    },
    /// Show every setting.
    List,
}

/// `--csv` and `--json` ask for two different outputs: refused rather than one chosen silently.
fn csv_or_json(csv: bool, json: bool) -> Result<(), clearshot::Error> {
    if csv && json {
        return Err(clearshot::Error::Invalid(
            "--csv and --json each choose the output: give one of them".into(),
        ));
    }
    Ok(())
}

fn takedown_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("; {n} takedown task(s) raised: see `clearshot takedowns list --open`")
    }
}

pub fn parse_iso_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; use YYYY-MM-DD"))
}

fn parse_year_group_arg(s: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .ok()
        .or_else(|| rules::year::parse_year_group(s))
        .filter(|y| (-2..=14).contains(y))
        .ok_or_else(|| format!("{s:?} is not a year group (e.g. 7, R, N, -1)"))
}

pub fn parse_channel(s: &str) -> Result<Channel, String> {
    s.trim().parse::<Channel>().map_err(|_| {
        format!(
            "unknown channel {s:?}; channels are {}",
            Channel::ALL.map(|c| c.as_str()).join(", ")
        )
    })
}

fn parse_signatory(s: &str) -> Result<Signatory, String> {
    s.trim()
        .parse::<Signatory>()
        .map_err(|_| format!("unknown signatory {s:?}; use parent or pupil"))
}

/// A failure: message for stderr and the exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<clearshot::Error> for Failure {
    fn from(e: clearshot::Error) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

pub fn fail(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them; a usage error is one line on
        // stderr with exit code 2, like every other error (the contract for bad input).
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.to_string();
            let line = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let line = line.trim_start_matches("error: ");
            eprintln!("clearshot: {line} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("clearshot: {}", output::printable(&f.message));
            ExitCode::from(f.code)
        }
    }
}

/// Today ([`clearshot::today`]: `CLEARSHOT_TODAY` in a debug build, else the clock).
pub fn today() -> NaiveDate {
    clearshot::today()
}

fn stamp(actor: &Option<String>) -> Stamp {
    let actor = actor
        .clone()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(clearshot::login_name);
    Stamp::new(
        actor,
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

fn run(cli: Cli) -> Result<u8, Failure> {
    let path = cli.db.clone().unwrap_or_else(register::db::default_path);
    if let Command::Data(cmd) = &cli.command {
        return data_cmds::run(cmd, &path, &Out { json: cli.json }, &stamp(&cli.actor));
    }
    let mut store = Store::open(&path)?;
    let out = Out { json: cli.json };
    let stamp = stamp(&cli.actor);
    let on = |d: &OnDate| d.on.unwrap_or_else(today);
    match cli.command {
        Command::Init => {
            out.value(
                &serde_json::json!({"register": path, "schema_version": register::db::schema_version()}),
                || format!("register ready at {}", path.display()),
            );
        }
        Command::Academies(AcademiesCmd::Add { code, name }) => {
            let a = clearshot::pupils::add_academy(&mut store, &code, &name, &stamp)?;
            out.value(&a, || format!("added academy {} ({})", a.code, a.name));
        }
        Command::Academies(AcademiesCmd::List) => {
            let list = clearshot::pupils::academies(&store)?;
            out.table(&list, || {
                let mut t = Table::new(["code", "name"]);
                for a in &list {
                    t.row([a.code.clone(), a.name.clone()]);
                }
                t
            });
        }
        Command::Pupils(cmd) => return pupils(cmd, &mut store, &out, &stamp, on),
        Command::Devices(cmd) => return admin_cmds::devices(cmd, &mut store, &out, &stamp),
        Command::Staff(cmd) => return admin_cmds::staff(cmd, &mut store, &out, &stamp),
        Command::Accounts(cmd) => return admin_cmds::accounts(cmd, &mut store, &out, &stamp),
        Command::Hold(cmd) => return admin_cmds::hold(cmd, &mut store, &out, &stamp),
        Command::Takedowns(cmd) => return admin_cmds::takedowns(cmd, &mut store, &out, &stamp),
        Command::Data(_) => {} // dispatched above, before the register is opened
        Command::Photos(cmd) => return photo_cmds::photos(cmd, &mut store, &out, &stamp),
        Command::Consent(cmd) => return consent(cmd, &mut store, &out, &stamp, on),
        Command::Audit(AuditCmd::Verify { against }) => {
            let mut v = register::audit::verify(&store.conn).map_err(clearshot::Error::from)?;
            if let Some(backup) = against
                && v.ok
                && let Some((seq, problem)) =
                    clearshot::backup::audit_holds_backup_head(&store, &backup)?
            {
                v.ok = false;
                v.first_bad_seq = Some(seq);
                v.problem = Some(problem);
            }
            out.value(&v, || {
                if v.ok {
                    format!(
                        "audit chain intact: {} entries{}, head {}",
                        v.entries,
                        if v.redacted > 0 {
                            format!(
                                " ({} redacted by retention purges: their payloads are gone, their hashes remain)",
                                v.redacted
                            )
                        } else {
                            String::new()
                        },
                        v.head
                    )
                } else {
                    format!(
                        "AUDIT CHAIN BROKEN at entry {}: {}",
                        v.first_bad_seq.unwrap_or(0),
                        v.problem.clone().unwrap_or_default()
                    )
                }
            });
            if !v.ok {
                eprintln!(
                    "clearshot: audit chain broken at entry {}: {}",
                    v.first_bad_seq.unwrap_or(0),
                    v.problem.unwrap_or_default()
                );
                return Ok(1);
            }
        }
        Command::Audit(AuditCmd::Log { since }) => {
            let since = since.map(|d| d.to_string());
            let entries = register::audit::list_for_display(&store.conn, since.as_deref(), None)
                .map_err(clearshot::Error::from)?;
            out.table(&entries, || {
                let mut t = Table::new(["seq", "at", "actor", "action", "subject", "details"]);
                for e in &entries {
                    t.row([
                        e.seq.to_string(),
                        e.at.clone(),
                        e.actor.clone(),
                        e.action.clone(),
                        e.subject.clone().unwrap_or_default(),
                        e.payload
                            .as_ref()
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| "(redacted)".into()),
                    ]);
                }
                t
            });
        }
        Command::Settings(SettingsCmd::Set { key, value }) => {
            clearshot::settings::set(&mut store, &key, &value, &stamp)?;
            let value = clearshot::settings::get(&store, &key)?;
            let warnings = if key == "trust-domains" {
                clearshot::settings::outside_trust_domains(&store)?
            } else {
                Vec::new()
            };
            out.value(
                &serde_json::json!({"key": key, "value": value, "warnings": warnings}),
                || {
                    let mut t = format!("{key} = {}", value.clone().unwrap_or_default());
                    for w in &warnings {
                        t.push_str(&format!("\nwarning: {w}"));
                    }
                    t
                },
            );
        }
        Command::Settings(SettingsCmd::Get { key }) => {
            let value = clearshot::settings::get(&store, &key)?;
            out.value(&serde_json::json!({"key": key, "value": value}), || {
                format!(
                    "{key} = {}",
                    value.clone().unwrap_or_else(|| "(not set)".into())
                )
            });
        }
        Command::Settings(SettingsCmd::List) => {
            let all = clearshot::settings::all(&store)?;
            // Every setting ClearShot knows, set or not, with what it holds; the JSON is the
            // settings that are set.
            out.table(&all, || {
                let mut t = Table::new(["key", "value", "what it holds"]);
                for (k, what) in clearshot::settings::KNOWN {
                    let value = all
                        .iter()
                        .find(|(key, _)| key == k)
                        .map_or_else(|| "(not set)".to_owned(), |(_, v)| v.clone());
                    t.row([(*k).to_owned(), value, (*what).to_owned()]);
                }
                t
            });
        }
    }
    Ok(0)
}

fn pupils(
    cmd: PupilsCmd,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
    on: impl Fn(&OnDate) -> NaiveDate,
) -> Result<u8, Failure> {
    match cmd {
        PupilsCmd::Import {
            file,
            academy,
            academic_year,
            dry_run,
            maps,
            no_mark_left,
            allow_many_leavers,
            allow_many_moves,
            renamed,
            accept_year_groups,
            on: date,
        } => {
            let date = on(&date);
            let bytes =
                std::fs::read(&file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
            let maps = maps
                .iter()
                .map(|m| {
                    m.split_once('=')
                        .map(|(h, f)| (h.trim().to_string(), f.trim().to_string()))
                        .ok_or_else(|| fail(format!("--map {m:?}: use \"HEADER=field\"")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let opts = clearshot::ImportOptions {
                academy,
                academic_year: academic_year.unwrap_or_else(|| rules::year::academic_year_of(date)),
                on: date,
                dry_run,
                maps,
                mark_left: !no_mark_left,
                allow_many_leavers,
                allow_many_moves,
                renamed,
                accept_year_groups,
            };
            let report = clearshot::pupils::import_roll(store, &bytes, &opts, stamp)
                .map_err(|e| fail(format!("{}: {e}", file.display())))?;
            if out.json {
                out.print_json(&report);
            } else {
                output::print_import(&report, &file, date);
            }
        }
        PupilsCmd::List {
            academy,
            year_group,
            reg_group,
            search,
            include_left,
            on: date,
        } => {
            let list = clearshot::pupils::list(
                store,
                &PupilFilter {
                    academy,
                    year_group,
                    reg_group,
                    search,
                    include_left,
                },
                on(&date),
            )?;
            out.table(&list, || {
                let mut t = Table::new(["upn", "name", "academy", "year", "reg", "born", "left"]);
                for p in &list {
                    t.row([
                        p.upn.clone(),
                        p.name.clone(),
                        p.academy.clone(),
                        p.year_group_label.clone(),
                        p.reg_group.clone().unwrap_or_default(),
                        p.dob.to_string(),
                        p.left_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]);
                }
                t
            });
        }
        PupilsCmd::Show { upn, on: date } => {
            let d = clearshot::pupils::show(store, &upn, on(&date))?;
            if out.json {
                out.print_json(&d);
            } else {
                output::print_pupil(&d, on(&date));
            }
        }
        PupilsCmd::Export(args) => return data_cmds::export_pupil(args, store, out, stamp),
        PupilsCmd::Rekey {
            from,
            to,
            names_differ,
            dry_run,
        } => {
            let today = today();
            let opts = clearshot::pupils::RekeyOptions {
                names_differ,
                dry_run,
            };
            let r = clearshot::pupils::rekey(store, &from, &to, opts, today, stamp)?;
            if out.json {
                out.print_json(&r);
            } else {
                output::print_rekey(&r);
            }
        }
        PupilsCmd::RevealReason { upn, why } => {
            let flags = clearshot::pupils::reveal_never_publish_reason(store, &upn, &why, stamp)?;
            out.table(&flags, || {
                let mut t = Table::new(["flag", "active", "set on", "reason"]);
                for f in &flags {
                    t.row([
                        "never_publish".to_string(),
                        f.active.to_string(),
                        f.set_on.to_string(),
                        f.reason.clone().unwrap_or_default(),
                    ]);
                }
                t
            });
        }
        PupilsCmd::Flag {
            upn,
            which,
            reason,
            on: date,
        } => {
            let raised =
                clearshot::pupils::flag(store, &upn, which.kind(), &reason, on(&date), stamp)?;
            out.value(
                &serde_json::json!({"upn": upn, "flag": which.kind(), "set_on": on(&date), "takedowns_raised": raised}),
                || {
                    format!(
                        "{upn}: {} set from {}{}",
                        which.kind().as_str(),
                        on(&date),
                        takedown_note(raised)
                    )
                },
            );
        }
        PupilsCmd::Unflag {
            upn,
            which,
            reason,
            on: date,
        } => {
            let n =
                clearshot::pupils::unflag(store, &upn, which.kind(), &reason, on(&date), stamp)?;
            out.value(
                &serde_json::json!({"upn": upn, "flag": which.kind(), "cleared_on": on(&date), "flags_cleared": n}),
                || {
                    format!(
                        "{upn}: {} cleared from {}{}",
                        which.kind().as_str(),
                        on(&date),
                        if n > 1 {
                            format!(" ({n} flags of this kind were in force, from records merged into this one: all are cleared)")
                        } else {
                            String::new()
                        }
                    )
                },
            );
        }
    }
    Ok(0)
}

fn consent(
    cmd: ConsentCmd,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
    on: impl Fn(&OnDate) -> NaiveDate,
) -> Result<u8, Failure> {
    match cmd {
        ConsentCmd::Record {
            upn,
            signatory,
            signed_on,
            grant,
            refuse,
            signer_name,
            relationship,
            expires,
            evidence,
        } => {
            let grant = clearshot::parse_channels(grant.as_deref().unwrap_or(""))?;
            let refuse = clearshot::parse_channels(refuse.as_deref().unwrap_or(""))?;
            let r = clearshot::consent::record(
                store,
                &upn,
                &FormInput {
                    signatory,
                    signed_on,
                    grant,
                    refuse,
                    signer_name,
                    relationship,
                    expires_on: expires,
                    evidence,
                },
                today(),
                stamp,
            )?;
            out.value(&r, || {
                let mut said = format!(
                    "recorded {} answer(s) for {} signed {signed_on}{}",
                    r.answer_ids.len(),
                    r.upn,
                    takedown_note(r.takedowns_raised)
                );
                for warning in &r.warnings {
                    said.push_str(&format!("\nwarning: {warning}"));
                }
                said
            });
        }
        ConsentCmd::Withdraw {
            upn,
            signatory,
            on: date,
            channels,
            signer_name,
            relationship,
            note,
            evidence,
        } => {
            let channels = clearshot::parse_channels(channels.as_deref().unwrap_or(""))
                .and_then(|list| match (&channels, list.is_empty()) {
                    // An empty variable in a script must not withdraw everything.
                    (Some(given), true) => Err(clearshot::Error::Invalid(format!(
                        "--channels {given:?} names no channel: name them, or leave out --channels to withdraw every channel"
                    ))),
                    _ => Ok(list),
                })?;
            let input = clearshot::consent::WithdrawalInput {
                signer_name,
                relationship,
                note,
                evidence,
                ..clearshot::consent::WithdrawalInput::new(signatory, &channels, date)
            };
            let w = clearshot::consent::withdraw(store, &upn, &input, today(), stamp)?;
            out.value(&w, || {
                let mut said = format!(
                    "{}: {} withdrawal(s) recorded from {date}{}{}",
                    w.upn,
                    w.withdrawal_ids.len(),
                    w.evidence_sha256
                        .as_ref()
                        .map(|h| format!(", evidence {}", &h[..12.min(h.len())]))
                        .unwrap_or_default(),
                    takedown_note(w.takedowns_raised)
                );
                for warning in &w.warnings {
                    said.push_str(&format!("\nwarning: {warning}"));
                }
                said
            });
        }
        ConsentCmd::Void {
            upn,
            form,
            reason,
            on: date,
        } => {
            let date = on(&date);
            let v = clearshot::consent::void(store, &upn, &form, &reason, date, stamp)?;
            out.value(&v, || {
                let mut said = format!(
                    "{}: form {} voided ({} answer(s) no longer count){}",
                    v.upn,
                    v.form_id,
                    v.answers.len(),
                    takedown_note(v.takedowns_raised)
                );
                if !v.consent_lost.is_empty() {
                    let names: Vec<&str> = v.consent_lost.iter().map(|c| c.as_str()).collect();
                    said.push_str(&format!(
                        "\nwarning: without it there is no consent for {} on {date}",
                        names.join(", ")
                    ));
                }
                said
            });
        }
        ConsentCmd::Status { args, csv } => {
            csv_or_json(csv, out.json)?;
            let date = on(&args.on);
            let rows = clearshot::consent::status(store, &args.filter(), date)?;
            if csv {
                output::print_status_csv(&rows).map_err(|e| fail(e.to_string()))?;
                return Ok(0);
            }
            // One pupil asked about, and not on roll that day: say why there is no line.
            if let (false, true, Some(upn)) = (out.json, rows.is_empty(), &args.upn) {
                let p = clearshot::pupils::show(store, upn, date)?.summary;
                if let Some(left) = p.left_on.filter(|&left| left <= date) {
                    output::line(&format!(
                        "{} ({}) left on {left}, so is not on roll on {date}: consent is given for pupils on roll only. `clearshot pupils show {}` has the history.",
                        p.upn, p.name, p.upn
                    ));
                    return Ok(0);
                }
            }
            out.table(&rows, || {
                let mut t = Table::new([
                    "upn",
                    "name",
                    "year",
                    "channel",
                    "must sign",
                    "status",
                    "detail",
                ]);
                for r in &rows {
                    t.row([
                        r.upn.clone(),
                        r.name.clone(),
                        rules::year::year_group_label(r.year_group),
                        r.channel.as_str().to_string(),
                        output::signatories(&r.required),
                        r.status.as_str().to_string(),
                        // A "no" that does not block is still shown (DOMAIN.md).
                        std::iter::once(r.detail.clone())
                            .chain(r.warnings.iter().map(|w| format!("warning: {w}")))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]);
                }
                t
            });
        }
        ConsentCmd::Chase {
            args,
            csv,
            per_pupil,
        } => {
            csv_or_json(csv, out.json)?;
            let rows = clearshot::consent::chase(store, &args.filter(), on(&args.on))?;
            if csv && per_pupil {
                let upns: Vec<&str> = rows.iter().map(|r| r.upn.as_str()).collect();
                let pupils = register::pupils::by_upns(&store.conn, &upns)
                    .map_err(|e| fail(e.to_string()))?;
                output::print_chase_csv_per_pupil(&rows, &pupils)
                    .map_err(|e| fail(e.to_string()))?;
            } else if csv {
                output::print_chase_csv(&rows).map_err(|e| fail(e.to_string()))?;
            } else {
                out.table(&rows, || {
                    let mut t = Table::new([
                        "upn",
                        "name",
                        "year",
                        "reg",
                        "channel",
                        "status",
                        "still needed",
                    ]);
                    for r in &rows {
                        t.row([
                            r.upn.clone(),
                            r.name.clone(),
                            rules::year::year_group_label(r.year_group),
                            r.reg_group.clone().unwrap_or_default(),
                            r.channel.as_str().to_string(),
                            r.status.as_str().to_string(),
                            output::signatories(&r.needed),
                        ]);
                    }
                    t
                });
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command says what it is in `--help`, so a user never has to
    /// guess a channel's spelling or what a date means.
    #[test]
    fn every_argument_is_documented() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "clearshot", &mut missing);
        assert!(missing.is_empty(), "undocumented: {missing:#?}");
    }
}
