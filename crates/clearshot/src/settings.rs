//! Trust-wide settings.

use crate::{Error, Result, Stamp, Store};

/// The settings ClearShot knows, with what each holds.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "trust-domains",
        "the trust's e-mail and web domains, comma-separated (links and administrators must be on them)",
    ),
    (
        "retention-years",
        "years after leaving that a pupil's record is kept before purge",
    ),
    ("backup-dir", "the folder for the daily automatic backup"),
    ("backup-keep", "how many daily backups to keep"),
];

fn check_key(key: &str) -> Result<()> {
    if KNOWN.iter().any(|(k, _)| *k == key) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "unknown setting {key:?}; settings are {}",
            KNOWN.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )))
    }
}

pub fn set(store: &mut Store, key: &str, value: &str, stamp: &Stamp) -> Result<()> {
    check_key(key)?;
    let value = normalise(key, value)?;
    let tx = register::begin(&mut store.conn)?;
    register::settings::set(&tx, key, &value, stamp)?;
    tx.commit()?;
    Ok(())
}

fn normalise(key: &str, value: &str) -> Result<String> {
    match key {
        "trust-domains" => {
            let domains: Vec<String> = value
                .split(',')
                .map(|d| d.trim().trim_start_matches('@').to_lowercase())
                .filter(|d| !d.is_empty())
                .collect();
            if let Some(bad) = domains
                .iter()
                .find(|d| !d.contains('.') || d.contains(['/', ' ', ':']))
            {
                return Err(Error::Invalid(format!("{bad:?} is not a domain name")));
            }
            Ok(domains.join(","))
        }
        // A record kept a century is kept for ever; a thousand backups fill a disc.
        "retention-years" | "backup-keep" => value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(|n| n.to_string())
            .ok_or_else(|| {
                Error::Invalid(format!("{key} must be a whole number above 0, at most 100"))
            }),
        _ => Ok(value.trim().to_string()),
    }
}

pub fn get(store: &Store, key: &str) -> Result<Option<String>> {
    check_key(key)?;
    Ok(register::settings::get(&store.conn, key)?)
}

pub fn all(store: &Store) -> Result<Vec<(String, String)>> {
    Ok(register::settings::all(&store.conn)?)
}

/// The trust's domains (lower case, no '@').
pub fn trust_domains(store: &Store) -> Result<Vec<String>> {
    Ok(register::settings::get(&store.conn, "trust-domains")?
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default())
}
