//! Trust-wide settings.

use crate::{Error, Result, Stamp, Store};

/// The settings ClearShot knows, with what each holds.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "trust-domains",
        "the trust's e-mail and web domains, comma-separated (links and administrators must be on them)",
    ),
    (
        "partner-handles",
        "other organisations' accounts a caption may tag (@RSPB, @NationalTrust), comma-separated",
    ),
    (
        "retention-years",
        "years after leaving that a pupil's record is kept before purge",
    ),
    (
        "staff-training-required",
        "whether staff must have their social media training recorded before they post: yes (policy 7.1.1, the default) or no (policy 4.2.1: the manager may require it)",
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
            let mut domains: Vec<String> = Vec::new();
            for typed in value.split([',', ';', ' ', '\t', '\n']) {
                let Some(domain) = trust_domain(typed)? else {
                    continue;
                };
                if !domains.contains(&domain) {
                    domains.push(domain);
                }
            }
            Ok(domains.join(","))
        }
        "partner-handles" => {
            let mut handles: Vec<String> = Vec::new();
            // Handles are separated by commas, or by spaces when each starts with @ ("@RSPB
            // @NationalTrust"); "@bad handle" is one mistyped handle, not two allowed ones.
            let mut typed_handles: Vec<&str> = Vec::new();
            for entry in value.split([',', ';', '\n']) {
                let words: Vec<&str> = entry.split_whitespace().collect();
                if words.len() > 1 && !words.iter().all(|w| w.starts_with(['@', '\u{FF20}'])) {
                    return Err(Error::Invalid(format!(
                        "{:?} is not an account handle: a handle has no spaces (give handles such as @RSPB, separated by commas)",
                        entry.trim()
                    )));
                }
                typed_handles.extend(words);
            }
            for typed in typed_handles {
                let handle = typed.trim().trim_start_matches(['@', '\u{FF20}']);
                if handle.is_empty() {
                    continue;
                }
                if !handle
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return Err(Error::Invalid(format!(
                        "{:?} is not an account handle (give handles such as @RSPB, separated by commas)",
                        typed.trim()
                    )));
                }
                if !handles.iter().any(|h| h.eq_ignore_ascii_case(handle)) {
                    handles.push(handle.to_owned());
                }
            }
            Ok(handles.join(","))
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
        "backup-dir" => backup_dir(value),
        "staff-training-required" => match value.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "on" | "1" => Ok("yes".into()),
            "no" | "n" | "false" | "off" | "0" => Ok("no".into()),
            _ => Err(Error::Invalid(format!(
                "staff-training-required must be yes or no, not {:?}",
                value.trim()
            ))),
        },
        _ => Ok(value.trim().to_string()),
    }
}

/// The daily backup's folder: it must take a file now, not fail on the first night. Kept as an
/// absolute path, as the app and the CLI may start in other folders. A new folder is made only
/// inside one that exists: a whole path made up would put a drive that is not plugged in
/// (/media/usb/backups) on the computer's own disc.
fn backup_dir(value: &str) -> Result<String> {
    let typed = value.trim();
    if typed.is_empty() {
        return Err(Error::Invalid(
            "backup-dir: give the folder for the daily backup".into(),
        ));
    }
    let dir = std::path::absolute(typed)
        .map_err(|e| Error::Invalid(format!("backup-dir: {typed}: {e}")))?;
    if !dir.is_dir() {
        let parent_exists = dir.parent().is_some_and(std::path::Path::is_dir);
        if dir.exists() || !parent_exists {
            return Err(Error::Invalid(format!(
                "backup-dir: {} is not a folder that exists, nor one that can be made in a folder that does: create it first (or connect the drive it is on); nothing was changed",
                dir.display()
            )));
        }
        std::fs::create_dir(&dir).map_err(|e| {
            Error::Invalid(format!(
                "backup-dir: {} cannot be made ({e}): choose a folder you can save in; nothing was changed",
                dir.display()
            ))
        })?;
    }
    let probe = dir.join(format!(".clearshot-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| {
            Error::Invalid(format!(
                "backup-dir: {} cannot be written to ({e}): choose a folder you can save in; nothing was changed",
                dir.display()
            ))
        })?;
    Ok(dir.to_string_lossy().into_owned())
}

/// Whether `email` is a personal address (gmail.com, hotmail.co.uk, …): never an
/// administrator's or a member of staff's work address (policy 4.4).
pub fn is_personal_address(email: &str) -> bool {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('.').to_lowercase())
        .is_some_and(|d| PERSONAL_MAIL.contains(&d.as_str()))
}

/// Endings shared by many organisations: a trust domain that is one of these would let a
/// caption link to every school in England (`sch.uk`) or any company (`co.uk`).
const PUBLIC_SUFFIXES: &[&str] = &[
    "sch.uk",
    "co.uk",
    "org.uk",
    "ac.uk",
    "gov.uk",
    "ltd.uk",
    "plc.uk",
    "me.uk",
    "net.uk",
    "nhs.uk",
    "police.uk",
    "mod.uk",
    "nic.uk",
    "com",
    "org",
    "net",
    "edu",
    "gov",
    "uk",
    "eu",
    "com.au",
    "co.nz",
    "co.za",
    "blogspot.com",
    "github.io",
    "wordpress.com",
    "wixsite.com",
    "sharepoint.com",
    "google.com",
    "facebook.com",
];

/// One trust domain as typed ("https://www.OakHill.sch.uk/", "@oakhill.sch.uk",
/// "*.oakhill.sch.uk"): the domain, lower case; `None` for an empty entry. Links to the domain
/// and every subdomain are allowed, so "www." and "*." add nothing and are dropped.
fn trust_domain(typed: &str) -> Result<Option<String>> {
    let mut d = typed.trim().to_lowercase();
    for prefix in ["https://", "http://"] {
        if let Some(rest) = d.strip_prefix(prefix) {
            d = rest.to_owned();
        }
    }
    let d = d
        .trim_start_matches('@')
        .trim_start_matches("*.")
        .trim_start_matches("www.")
        .trim_end_matches('/')
        .trim_end_matches('.');
    if d.is_empty() {
        return Ok(None);
    }
    let labels: Vec<&str> = d.split('.').collect();
    let well_formed = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !well_formed {
        return Err(Error::Invalid(format!(
            "{:?} is not a domain name (give domains such as oakhill.sch.uk, separated by commas)",
            typed.trim()
        )));
    }
    if PUBLIC_SUFFIXES.contains(&d) {
        return Err(Error::Invalid(format!(
            "{d} is shared by many organisations, not the trust's own: give the trust's domains, such as oakhill.sch.uk"
        )));
    }
    if PERSONAL_MAIL.contains(&d) {
        return Err(Error::Invalid(format!(
            "{d} gives personal e-mail addresses, not the trust's: staff post with their work address (policy 4.4.2); give the trust's domains, such as oakhill.sch.uk"
        )));
    }
    Ok(Some(d.to_owned()))
}

/// Domains of personal e-mail, which can never be the trust's (policy 4.4.2: "you must not use
/// your personal e-mail address for professional social media activities").
const PERSONAL_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "live.com",
    "live.co.uk",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aol.co.uk",
    "btinternet.com",
    "btopenworld.com",
    "sky.com",
    "talktalk.net",
    "virginmedia.com",
    "ntlworld.com",
    "blueyonder.co.uk",
    "tiscali.co.uk",
    "protonmail.com",
    "proton.me",
    "gmx.com",
    "gmx.co.uk",
    "mail.com",
    "zoho.com",
    "outlook.co.uk",
    "outlook.ie",
    "hotmail.ie",
    "live.ie",
    "yahoo.ie",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.es",
    "hotmail.it",
    "live.fr",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "rocketmail.com",
    "aim.com",
    "virgin.net",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "web.de",
    "t-online.de",
    "fastmail.com",
    "hey.com",
    "pm.me",
    "tutanota.com",
    "yandex.com",
    "qq.com",
    "163.com",
];

pub fn get(store: &Store, key: &str) -> Result<Option<String>> {
    check_key(key)?;
    Ok(register::settings::get(&store.conn, key)?)
}

pub fn all(store: &Store) -> Result<Vec<(String, String)>> {
    Ok(register::settings::all(&store.conn)?)
}

/// Other organisations' handles a caption may tag (no '@').
pub fn partner_handles(store: &Store) -> Result<Vec<String>> {
    Ok(register::settings::get(&store.conn, "partner-handles")?
        .map(|v| {
            v.split(',')
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default())
}

/// The trust's domains (lower case, no '@').
/// Whether a member of staff with no training recorded is refused (policy 7.1.1: "your manager
/// … will require you to undergo training before you do so"). Yes unless the trust has set
/// `staff-training-required` to no, following policy 4.2.1's "may require".
pub fn training_required(store: &Store) -> Result<bool> {
    Ok(register::settings::get(&store.conn, "staff-training-required")?.as_deref() != Some("no"))
}

pub fn trust_domains(store: &Store) -> Result<Vec<String>> {
    Ok(register::settings::get(&store.conn, "trust-domains")?
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default())
}

/// Who is outside the trust's domains as now set: each member of staff still approved, and
/// each account administrator, whose address is on none of them (said when the domains are
/// changed: a list set anew without an academy's domain would stop its staff posting).
pub fn outside_trust_domains(store: &Store) -> Result<Vec<String>> {
    let domains = trust_domains(store)?;
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = register::staff::list(&store.conn)?
        .into_iter()
        .filter(|s| s.revoked_on.is_none() && !is_trust_address(&s.email, &domains))
        .map(|s| {
            format!(
                "{} ({}) is approved to post but is not on the trust's domains now: their checks will be blocked",
                s.email, s.name
            )
        })
        .collect();
    for a in register::accounts::list(&store.conn)? {
        for admin in a.admins.iter().filter(|m| !is_trust_address(m, &domains)) {
            out.push(format!(
                "{admin}, an administrator of @{} ({}), is not on the trust's domains now",
                a.handle, a.platform
            ));
        }
    }
    Ok(out)
}

/// Whether an e-mail address is on one of the trust's domains (or a subdomain of one), compared
/// without regard to case. Policy 4.4.2: a work address, never a personal one.
pub fn is_trust_address(email: &str, domains: &[String]) -> bool {
    let domain = email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_lowercase())
        .unwrap_or_default();
    !domain.is_empty()
        && domains
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_addresses_are_the_domains_and_their_subdomains() {
        let domains = vec!["oak.sch.uk".to_string(), "trust.org".to_string()];
        for yes in [
            "a@oak.sch.uk",
            "A.Teacher@OAK.SCH.UK",
            "b@mail.trust.org",
            " c@trust.org. ",
        ] {
            assert!(is_trust_address(yes, &domains), "{yes}");
        }
        for no in [
            "a@gmail.com",
            "a@notoak.sch.uk",
            "a@trust.org.evil.com",
            "trust.org",
            "a@",
            "",
        ] {
            assert!(!is_trust_address(no, &domains), "{no}");
        }
        assert!(!is_trust_address("a@oak.sch.uk", &[]));
    }

    #[test]
    fn trust_domains_are_read_as_people_type_them() {
        let got = normalise(
            "trust-domains",
            "https://www.OakHill.sch.uk/; *.ctat.org.uk @oakhill.sch.uk,,",
        );
        assert_eq!(got.ok().as_deref(), Some("oakhill.sch.uk,ctat.org.uk"));
    }

    #[test]
    fn partner_handles_are_read_as_people_type_them() {
        let got = normalise(
            "partner-handles",
            "@RSPB; @NationalTrust,rspb, @bbc_sport  @Scouts",
        );
        assert_eq!(
            got.ok().as_deref(),
            Some("RSPB,NationalTrust,bbc_sport,Scouts")
        );
        assert!(normalise("partner-handles", "@RSPB, not/a/handle").is_err());
        // Words without @ between commas are one handle typed with a space, not two allowed.
        assert!(normalise("partner-handles", "@RSPB, bad handle").is_err());
        assert!(normalise("partner-handles", "rspb  bbc_sport").is_err());
    }

    #[test]
    fn shared_endings_and_non_domains_are_refused() {
        for bad in [
            "sch.uk",
            "co.uk",
            "oakhill.sch.uk,org.uk",
            "uk",
            "oak hill",
            "oak/hill.uk",
            "-oak.uk",
        ] {
            assert!(normalise("trust-domains", bad).is_err(), "{bad}");
        }
        for personal in ["gmail.com", "oak.sch.uk, Hotmail.co.uk", "@icloud.com"] {
            let e = normalise("trust-domains", personal)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("gives personal e-mail addresses"),
                "{personal}: {e}"
            );
        }
    }
}
