//! The trust IT lead's registers: devices, staff approved to post, affiliated accounts,
//! posting holds, and takedown tasks.

use chrono::NaiveDate;
use register::accounts::Account;
use register::devices::{Device, NewDevice};
use register::holds::Hold;
use register::staff::Staff;
use register::takedowns::Takedown;
use serde::Serialize;

use crate::{Error, Result, Stamp, Store};

fn academy_id(store: &Store, code: Option<&str>) -> Result<Option<i64>> {
    Ok(match code {
        Some(c) => Some(register::academies::require(&store.conn, c)?.id),
        None => None,
    })
}

/// A device to register.
#[derive(Debug, Clone)]
pub struct DeviceInput {
    pub label: String,
    pub kind: String,
    pub make: String,
    pub model: String,
    pub serial: Option<String>,
    pub academy: Option<String>,
    pub added_on: NaiveDate,
}

pub fn add_device(store: &mut Store, d: &DeviceInput, stamp: &Stamp) -> Result<Device> {
    let academy_id = academy_id(store, d.academy.as_deref())?;
    let tx = register::begin(&mut store.conn)?;
    let id = register::devices::add(
        &tx,
        &NewDevice {
            label: d.label.clone(),
            kind: d.kind.trim().to_lowercase(),
            make: d.make.clone(),
            model: d.model.clone(),
            serial: d.serial.clone(),
            academy_id,
            added_on: d.added_on,
        },
        stamp,
    )?;
    let device = register::devices::by_id(&tx, id)?;
    tx.commit()?;
    Ok(device)
}

pub fn devices(store: &Store) -> Result<Vec<Device>> {
    Ok(register::devices::list(&store.conn)?)
}

pub fn retire_device(store: &mut Store, label: &str, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    let device = register::devices::require(&store.conn, label)?;
    let tx = register::begin(&mut store.conn)?;
    register::devices::retire(&tx, &device, on, stamp)?;
    tx.commit()?;
    Ok(())
}

pub fn add_staff(
    store: &mut Store,
    email: &str,
    name: &str,
    academy: Option<&str>,
    approved_on: NaiveDate,
    trained_on: Option<NaiveDate>,
    stamp: &Stamp,
) -> Result<Staff> {
    let academy_id = academy_id(store, academy)?;
    // Policy 4.4.2: staff post with their work address, never a personal one. Without the trust's
    // domains set there is nothing to compare with, and the address is taken as given.
    let domains = crate::settings::trust_domains(store)?;
    if !domains.is_empty() && !crate::settings::is_trust_address(email, &domains) {
        return Err(Error::Refused(format!(
            "{} is not a trust address (the trust's domains are {}): staff are approved with \
             their work address, never a personal one (policy 4.4.2). If the domain is the \
             trust's, add it first with `clearshot settings set trust-domains …`",
            email.trim(),
            domains.join(", ")
        )));
    }
    let tx = register::begin(&mut store.conn)?;
    register::staff::add(&tx, email, name, academy_id, approved_on, trained_on, stamp)?;
    let s = register::staff::by_email(&tx, email)?
        .ok_or_else(|| Error::NotFound(format!("{email} was not stored")))?;
    tx.commit()?;
    Ok(s)
}

pub fn staff(store: &Store) -> Result<Vec<Staff>> {
    Ok(register::staff::list(&store.conn)?)
}

/// Records a member of staff's social media training (see `register::staff::record_training`).
pub fn train_staff(store: &mut Store, email: &str, on: NaiveDate, stamp: &Stamp) -> Result<Staff> {
    let tx = register::begin(&mut store.conn)?;
    register::staff::record_training(&tx, email, on, stamp)?;
    let s = register::staff::by_email(&tx, email)?
        .ok_or_else(|| Error::NotFound(format!("{} is not on the staff list", email.trim())))?;
    tx.commit()?;
    Ok(s)
}

pub fn revoke_staff(store: &mut Store, email: &str, on: NaiveDate, stamp: &Stamp) -> Result<()> {
    let tx = register::begin(&mut store.conn)?;
    register::staff::revoke(&tx, email, on, stamp)?;
    tx.commit()?;
    Ok(())
}

/// An account with the problems the two-administrator rule finds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountView {
    #[serde(flatten)]
    pub account: Account,
    pub problems: Vec<String>,
}

pub fn add_account(
    store: &mut Store,
    platform: &str,
    handle: &str,
    academy: &str,
    admins: &[String],
    stamp: &Stamp,
) -> Result<AccountView> {
    let academy_id = register::academies::require(&store.conn, academy)?.id;
    // Policy 4.4: each administrator's work address, never a personal one. An address merely
    // off the trust's domains (a partner's, before the domains are set) is shown as a problem.
    no_personal_admin(admins)?;
    let tx = register::begin(&mut store.conn)?;
    register::accounts::add(&tx, platform, handle, academy_id, admins, stamp)?;
    tx.commit()?;
    account_view(store, platform, handle)
}

/// Refuses a personal address among an account's administrators (policy 4.4).
fn no_personal_admin(admins: &[String]) -> Result<()> {
    match admins
        .iter()
        .find(|a| crate::settings::is_personal_address(a))
    {
        Some(personal) => Err(Error::Invalid(format!(
            "{}: a personal e-mail address cannot administer a trust account (policy 4.4): give the administrator's work address; nothing was changed",
            personal.trim()
        ))),
        None => Ok(()),
    }
}

/// The account as `accounts` shows it, after a change.
fn account_view(store: &Store, platform: &str, handle: &str) -> Result<AccountView> {
    let handle = register::accounts::normalise_handle(handle);
    accounts(store)?
        .into_iter()
        .find(|a| {
            a.account.handle == handle && a.account.platform == platform.trim().to_lowercase()
        })
        .ok_or_else(|| Error::NotFound(format!("account @{handle} was not stored")))
}

/// Replaces an account's administrators: who can reach it now (a member of staff has left, a
/// personal address was given). Returns the account with any problem still to fix.
pub fn set_account_admins(
    store: &mut Store,
    platform: &str,
    handle: &str,
    admins: &[String],
    stamp: &Stamp,
) -> Result<AccountView> {
    no_personal_admin(admins)?;
    let tx = register::begin(&mut store.conn)?;
    register::accounts::set_admins(&tx, platform, handle, admins, stamp)?;
    tx.commit()?;
    account_view(store, platform, handle)
}

/// Takes an account off the register, with the reason for the audit log.
pub fn remove_account(
    store: &mut Store,
    platform: &str,
    handle: &str,
    reason: &str,
    stamp: &Stamp,
) -> Result<()> {
    let tx = register::begin(&mut store.conn)?;
    register::accounts::remove(&tx, platform, handle, reason, stamp)?;
    tx.commit()?;
    Ok(())
}

/// Every account, with a problem for fewer than two administrators or an administrator
/// outside the trust's domains (policy 4.4: work addresses, never personal ones).
pub fn accounts(store: &Store) -> Result<Vec<AccountView>> {
    let domains = crate::settings::trust_domains(store)?;
    Ok(register::accounts::list(&store.conn)?
        .into_iter()
        .map(|account| {
            let mut problems = Vec::new();
            if account.admins.len() < 2 {
                problems.push(format!(
                    "only {} administrator{}: policy 4.4 needs two",
                    account.admins.len(),
                    if account.admins.len() == 1 { "" } else { "s" }
                ));
            }
            if domains.is_empty() {
                problems.push(
                    "trust domains are not set, so administrators' addresses cannot be checked (`clearshot settings set trust-domains …`)".into(),
                );
            } else {
                for a in &account.admins {
                    if !crate::settings::is_trust_address(a, &domains) {
                        problems.push(format!("administrator {a} is not a trust address"));
                    }
                }
            }
            AccountView { account, problems }
        })
        .collect())
}

pub fn start_hold(
    store: &mut Store,
    academy: Option<&str>,
    reason: &str,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<()> {
    let a = match academy {
        Some(c) => Some(register::academies::require(&store.conn, c)?),
        None => None,
    };
    let tx = register::begin(&mut store.conn)?;
    register::holds::start(
        &tx,
        a.as_ref().map(|a| (a.id, a.code.as_str())),
        reason,
        on,
        stamp,
    )?;
    tx.commit()?;
    Ok(())
}

/// Ends the hold in force on `on` for an academy (or the trust-wide one), the latest started
/// if two are. Returns the holds that still stop posting on that day where the ended one did
/// (another of the academy's own, or the trust's; after the trust's, every academy's own), so
/// that nobody is told posting may resume when it may not.
pub fn end_hold(
    store: &mut Store,
    academy: Option<&str>,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Vec<Hold>> {
    end_hold_id(store, academy, None, on, stamp)
}

/// [`end_hold`] for the hold with `id` (of that academy, or the trust's), as the app's
/// "End the hold" on one row of the list does.
pub fn end_hold_id(
    store: &mut Store,
    academy: Option<&str>,
    id: Option<i64>,
    on: NaiveDate,
    stamp: &Stamp,
) -> Result<Vec<Hold>> {
    let a = match academy {
        Some(c) => Some(register::academies::require(&store.conn, c)?),
        None => None,
    };
    let tx = register::begin(&mut store.conn)?;
    register::holds::end(
        &tx,
        a.as_ref().map(|a| (a.id, a.code.as_str())),
        id,
        on,
        stamp,
    )?;
    tx.commit()?;
    let academy_id = a.map(|a| a.id);
    Ok(holds_in_force(store, on)?
        .into_iter()
        // Ending the trust's hold: every academy's own hold still stops that academy.
        .filter(|h| academy_id.is_none() || h.academy_id.is_none() || h.academy_id == academy_id)
        .collect())
}

pub fn holds(store: &Store) -> Result<Vec<Hold>> {
    Ok(register::holds::list(&store.conn)?)
}

/// Holds in force on a date (for the banner on every screen).
pub fn holds_in_force(store: &Store, on: NaiveDate) -> Result<Vec<Hold>> {
    Ok(holds(store)?
        .into_iter()
        .filter(|h| h.in_force(on))
        .collect())
}

pub fn takedowns(store: &Store, open_only: bool) -> Result<Vec<Takedown>> {
    Ok(register::takedowns::list(&store.conn, open_only)?)
}

pub fn takedown_done(store: &mut Store, id: i64, note: &str, stamp: &Stamp) -> Result<()> {
    let tx = register::begin(&mut store.conn)?;
    register::takedowns::done(&tx, id, note, stamp)?;
    tx.commit()?;
    Ok(())
}
