//! `devices`, `staff`, `accounts`, `hold` and `takedowns`: the trust IT lead's registers.

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use clearshot::admin::DeviceInput;
use clearshot::{Stamp, Store};

use crate::output::{Out, Table};
use crate::{Failure, OnDate, parse_iso_date, today};

#[derive(Subcommand)]
pub enum DevicesCmd {
    /// Register a trust-owned device.
    Add {
        /// Its label or asset tag, e.g. OAK-CAM-1.
        #[arg(long)]
        label: String,
        /// camera, tablet, phone or other.
        #[arg(long)]
        kind: String,
        /// As the camera writes it in EXIF, e.g. Canon.
        #[arg(long)]
        make: String,
        /// As the camera writes it in EXIF, e.g. Canon EOS 20D.
        #[arg(long)]
        model: String,
        /// The body serial number, as EXIF records it.
        #[arg(long)]
        serial: Option<String>,
        /// The academy that holds it (default: the trust).
        #[arg(long)]
        academy: Option<String>,
        #[command(flatten)]
        on: OnDate,
    },
    /// List the registered devices.
    List,
    /// Retire a device: photos taken after the date no longer count for it.
    Retire {
        /// The device's label.
        label: String,
        /// The last day it counts: photos taken after it no longer count for this device.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        on: NaiveDate,
    },
}

#[derive(Subcommand)]
pub enum StaffCmd {
    /// Approve a member of staff to post.
    Add {
        /// Their work e-mail address.
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// Approved for this academy only (default: every academy).
        #[arg(long)]
        academy: Option<String>,
        /// The date of the approval.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        approved_on: NaiveDate,
        /// The date of their social media training (policy 7.1).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        trained_on: Option<NaiveDate>,
    },
    /// List staff approved to post.
    List,
    /// Record that a member of staff completed their social media training (policy 7.1.1).
    Train {
        /// Their work e-mail address.
        email: String,
        #[command(flatten)]
        on: OnDate,
    },
    /// Revoke an approval from a date.
    Revoke {
        /// Their work e-mail address.
        email: String,
        /// The first day they may no longer post.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_iso_date)]
        on: NaiveDate,
    },
}

#[derive(Subcommand)]
pub enum AccountsCmd {
    /// Register a trust-affiliated account. No password is ever asked for or stored.
    Add {
        /// facebook, x, instagram, youtube, linkedin or other.
        #[arg(long)]
        platform: String,
        /// The account's handle, e.g. @OakAcademy.
        #[arg(long)]
        handle: String,
        /// The academy it speaks for (its code).
        #[arg(long)]
        academy: String,
        /// An administrator's work address (give two).
        #[arg(long = "admin", value_name = "EMAIL")]
        admins: Vec<String>,
    },
    /// List accounts, with any problem (fewer than two administrators, a non-trust address).
    List,
    /// Replace an account's administrators (someone has left; a personal address was given).
    Admins {
        /// The account's platform.
        #[arg(long)]
        platform: String,
        /// The account's handle, e.g. @OakAcademy.
        #[arg(long)]
        handle: String,
        /// An administrator's work address (give two): the new list, replacing the old.
        #[arg(long = "admin", value_name = "EMAIL", required = true)]
        admins: Vec<String>,
    },
    /// Take an account off the register (closed, or not the trust's), with the reason.
    Remove {
        /// The account's platform.
        #[arg(long)]
        platform: String,
        /// The account's handle.
        #[arg(long)]
        handle: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct HoldScope {
    /// The whole trust.
    #[arg(long)]
    trust: bool,
    /// One academy.
    #[arg(long)]
    academy: Option<String>,
}

#[derive(Subcommand)]
pub enum HoldCmd {
    /// Put posting on hold.
    Start {
        #[command(flatten)]
        scope: HoldScope,
        /// Why posting is held, e.g. "critical incident".
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        on: OnDate,
    },
    /// End a hold.
    End {
        #[command(flatten)]
        scope: HoldScope,
        #[command(flatten)]
        on: OnDate,
    },
    /// List holds, current and past.
    List,
}

#[derive(Subcommand)]
pub enum TakedownsCmd {
    /// Clearances to take down because a pupil's consent changed.
    List {
        /// Only tasks not yet done.
        #[arg(long)]
        open: bool,
    },
    /// Mark a takedown task done.
    Done {
        /// The task's number from `takedowns list`.
        id: i64,
        /// What was done, e.g. "post removed from the academy Facebook page".
        #[arg(long)]
        note: String,
    },
}

fn on_or_today(d: &OnDate) -> NaiveDate {
    d.on.unwrap_or_else(today)
}

pub fn devices(
    cmd: DevicesCmd,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
) -> Result<u8, Failure> {
    match cmd {
        DevicesCmd::Add {
            label,
            kind,
            make,
            model,
            serial,
            academy,
            on,
        } => {
            let d = clearshot::admin::add_device(
                store,
                &DeviceInput {
                    label,
                    kind,
                    make,
                    model,
                    serial,
                    academy,
                    added_on: on_or_today(&on),
                },
                stamp,
            )?;
            out.value(&d, || {
                format!("registered {} ({} {} {})", d.label, d.kind, d.make, d.model)
            });
        }
        DevicesCmd::List => {
            let list = clearshot::admin::devices(store)?;
            out.table(&list, || {
                let mut t = Table::new([
                    "label", "kind", "make", "model", "serial", "academy", "added", "retired",
                ]);
                for d in &list {
                    t.row([
                        d.label.clone(),
                        d.kind.clone(),
                        d.make.clone(),
                        d.model.clone(),
                        d.serial.clone().unwrap_or_default(),
                        d.academy.clone().unwrap_or_else(|| "trust".into()),
                        d.added_on.to_string(),
                        d.retired_on.map(|r| r.to_string()).unwrap_or_default(),
                    ]);
                }
                t
            });
        }
        DevicesCmd::Retire { label, on } => {
            clearshot::admin::retire_device(store, &label, on, stamp)?;
            out.value(
                &serde_json::json!({"label": label, "retired_on": on}),
                || format!("{label} retired on {on}"),
            );
        }
    }
    Ok(0)
}

pub fn staff(cmd: StaffCmd, store: &mut Store, out: &Out, stamp: &Stamp) -> Result<u8, Failure> {
    match cmd {
        StaffCmd::Add {
            email,
            name,
            academy,
            approved_on,
            trained_on,
        } => {
            let s = clearshot::admin::add_staff(
                store,
                &email,
                &name,
                academy.as_deref(),
                approved_on,
                trained_on,
                stamp,
            )?;
            let required = clearshot::settings::training_required(store)?;
            out.value(&s, || {
                let mut said = format!(
                    "{} ({}) approved to post from {}",
                    s.name, s.email, s.approved_on
                );
                said.push_str(&training_words(&s, required, today()));
                said
            });
        }
        StaffCmd::List => {
            let list = clearshot::admin::staff(store)?;
            out.table(&list, || {
                let mut t =
                    Table::new(["email", "name", "academy", "approved", "trained", "revoked"]);
                for s in &list {
                    t.row([
                        s.email.clone(),
                        s.name.clone(),
                        s.academy.clone().unwrap_or_else(|| "trust".into()),
                        s.approved_on.to_string(),
                        s.trained_on.map(|d| d.to_string()).unwrap_or_default(),
                        s.revoked_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]);
                }
                t
            });
        }
        StaffCmd::Train { email, on } => {
            let on = on.on.unwrap_or_else(today);
            let s = clearshot::admin::train_staff(store, &email, on, stamp)?;
            out.value(&s, || {
                format!(
                    "{}: training recorded{}",
                    s.email,
                    training_words(&s, true, today())
                )
            });
        }
        StaffCmd::Revoke { email, on } => {
            clearshot::admin::revoke_staff(store, &email, on, stamp)?;
            out.value(
                &serde_json::json!({"email": email, "revoked_on": on}),
                || format!("{email}: approval revoked from {on}"),
            );
        }
    }
    Ok(0)
}

pub fn accounts(
    cmd: AccountsCmd,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
) -> Result<u8, Failure> {
    match cmd {
        AccountsCmd::Add {
            platform,
            handle,
            academy,
            admins,
        } => {
            let a =
                clearshot::admin::add_account(store, &platform, &handle, &academy, &admins, stamp)?;
            out.value(&a, || {
                let mut s = format!(
                    "registered {} @{} for {}",
                    a.account.platform, a.account.handle, a.account.academy
                );
                for p in &a.problems {
                    s.push_str(&format!("\n  PROBLEM: {p}"));
                }
                s
            });
        }
        AccountsCmd::Admins {
            platform,
            handle,
            admins,
        } => {
            let a =
                clearshot::admin::set_account_admins(store, &platform, &handle, &admins, stamp)?;
            out.value(&a, || {
                let mut s = format!(
                    "{} @{}: administrators now {}",
                    a.account.platform,
                    a.account.handle,
                    a.account.admins.join(", ")
                );
                for p in &a.problems {
                    s.push_str(&format!("\n  PROBLEM: {p}"));
                }
                s
            });
        }
        AccountsCmd::Remove {
            platform,
            handle,
            reason,
        } => {
            clearshot::admin::remove_account(store, &platform, &handle, &reason, stamp)?;
            let handle = register::accounts::normalise_handle(&handle);
            out.value(
                &serde_json::json!({"removed": {"platform": platform.trim().to_lowercase(), "handle": handle}}),
                || format!("removed {} @{handle} from the register", platform.trim().to_lowercase()),
            );
        }
        AccountsCmd::List => {
            let list = clearshot::admin::accounts(store)?;
            out.table(&list, || {
                let mut t = Table::new([
                    "platform",
                    "handle",
                    "academy",
                    "administrators",
                    "problems",
                ]);
                for a in &list {
                    t.row([
                        a.account.platform.clone(),
                        format!("@{}", a.account.handle),
                        a.account.academy.clone(),
                        a.account.admins.join(", "),
                        if a.problems.is_empty() {
                            "ok".into()
                        } else {
                            a.problems.join("; ")
                        },
                    ]);
                }
                t
            });
        }
    }
    Ok(0)
}

pub fn hold(cmd: HoldCmd, store: &mut Store, out: &Out, stamp: &Stamp) -> Result<u8, Failure> {
    match cmd {
        HoldCmd::Start { scope, reason, on } => {
            let on = on_or_today(&on);
            clearshot::admin::start_hold(store, scope.academy.as_deref(), &reason, on, stamp)?;
            let who = scope.academy.clone().unwrap_or_else(|| "trust".into());
            out.value(
                &serde_json::json!({"scope": who, "started_on": on, "reason": reason}),
                || format!("posting on hold for {who} from {on}"),
            );
        }
        HoldCmd::End { scope, on } => {
            let on = on_or_today(&on);
            let still = clearshot::admin::end_hold(store, scope.academy.as_deref(), on, stamp)?;
            let who = scope.academy.clone().unwrap_or_else(|| "trust".into());
            out.value(
                &serde_json::json!({"scope": who, "ended_on": on, "still_in_force": still}),
                || {
                    let mut t = format!("hold for {who} ended on {on}");
                    for h in &still {
                        t.push_str(&format!(
                            "\nStill on hold: {} since {} ({}); posting stays stopped until it ends too",
                            h.academy
                                .as_deref()
                                .map_or("the whole trust".to_string(), |c| c.to_string()),
                            h.started_on,
                            h.reason
                        ));
                    }
                    t
                },
            );
        }
        HoldCmd::List => {
            let list = clearshot::admin::holds(store)?;
            out.table(&list, || {
                let mut t = Table::new(["scope", "started", "ended", "by", "reason"]);
                for h in &list {
                    t.row([
                        h.academy.clone().unwrap_or_else(|| "trust".into()),
                        h.started_on.to_string(),
                        match h.ended_on {
                            Some(d) => d.to_string(),
                            None if h.started_on > crate::today() => "(planned)".into(),
                            None => "(in force)".into(),
                        },
                        h.started_by.clone(),
                        h.reason.clone(),
                    ]);
                }
                t
            });
        }
    }
    Ok(0)
}

pub fn takedowns(
    cmd: TakedownsCmd,
    store: &mut Store,
    out: &Out,
    stamp: &Stamp,
) -> Result<u8, Failure> {
    match cmd {
        TakedownsCmd::List { open } => {
            let list = clearshot::admin::takedowns(store, open)?;
            out.table(&list, || {
                let mut t = Table::new([
                    "id",
                    "clearance",
                    "photo",
                    "channel",
                    "academy",
                    "cleared",
                    "by",
                    "caption",
                    "pupil",
                    "exported",
                    "cause",
                    "done",
                ]);
                for d in &list {
                    t.row([
                        d.id.to_string(),
                        d.clearance_id.clone(),
                        d.photo_sha256.get(..12).unwrap_or("").to_string(),
                        d.channel.clone(),
                        d.academy.clone(),
                        d.cleared_on.to_string(),
                        d.cleared_by.clone(),
                        d.caption.clone().unwrap_or_default(),
                        match (&d.upn, &d.pupil_name) {
                            (Some(upn), Some(name)) => format!("{name} ({upn})"),
                            (Some(upn), None) => upn.clone(),
                            _ => "(purged)".into(),
                        },
                        d.exported_at
                            .as_deref()
                            .map_or("never", |at| at.get(..10).unwrap_or(at))
                            .to_string(),
                        d.cause.clone(),
                        d.done_at
                            .clone()
                            .map(|at| format!("{at}: {}", d.note.clone().unwrap_or_default()))
                            .unwrap_or_else(|| "OPEN".into()),
                    ]);
                }
                t
            });
        }
        TakedownsCmd::Done { id, note } => {
            clearshot::admin::takedown_done(store, id, &note, stamp)?;
            out.value(&serde_json::json!({"id": id, "done": true}), || {
                format!("takedown {id} done")
            });
        }
    }
    Ok(0)
}

/// What a member of staff's training means for their photo checks, as of `today`: a training
/// day still to come holds every check back until then; none recorded, where the trust requires
/// it (policy 7.1.1), holds them back until it is recorded.
fn training_words(s: &register::staff::Staff, required: bool, today: NaiveDate) -> String {
    match s.trained_on {
        Some(t) if t > today => {
            format!("; training is recorded for {t}, and photo checks are refused until then")
        }
        Some(t) => format!("; trained on {t}"),
        None if required => "; no training recorded: photo checks are refused until it is (policy 7.1.1: `clearshot staff train EMAIL --on DATE`)".to_owned(),
        None => String::new(),
    }
}
