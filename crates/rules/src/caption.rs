//! Caption safety (policy 5.1, 5.2): no pupil's full name, no @-handle other than a registered
//! trust account, no profanity, links only to the trust's own domains.
//!
//! Profanity uses `rustrict` (maintained, MIT/Apache, English word lists with a false-positive
//! list), checked one word at a time so that place names such as Scunthorpe, Cumbria or
//! Cockermouth pass: a word counts only when the filter's match covers the whole word (allowing
//! an inflection such as "-s", "-ing" or "-ed"). The threshold is moderate-or-worse profanity,
//! offensive, sexual or mean language; mild words ("bloody", "damn", "crap") are not flagged.
//! Known limitation: real names that are also slang (e.g. "Dick Whittington") are flagged.

use rustrict::{Censor, Type};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What the caption is checked against.
#[derive(Debug, Clone, Copy)]
pub struct CaptionContext<'a> {
    /// Every pupil on the register (or the academy).
    pub pupil_names: &'a [PupilName],
    /// Registered trust account handles, without '@', compared case-insensitively.
    pub trust_handles: &'a [String],
    /// Trust domains; a link to the domain or any subdomain is allowed.
    pub allowed_domains: &'a [String],
}

/// A pupil's names, for spotting a full name in a caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PupilName {
    /// The pupil's UPN, named in the problem instead of the name itself.
    pub upn: String,
    /// Legal and preferred forenames.
    pub forenames: Vec<String>,
    /// The surname.
    pub surname: String,
}

/// Which caption rule a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CaptionProblemKind {
    /// A pupil's full name (forename followed by surname).
    PupilName,
    /// An @-handle that is not a registered trust account.
    Handle,
    /// A profane word.
    Profanity,
    /// A link to a domain the trust does not own.
    Link,
}

/// One problem found in a caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CaptionProblem {
    /// The rule broken.
    pub kind: CaptionProblemKind,
    /// What was found, for the member of staff. Never a pupil's full name.
    pub detail: String,
}

/// Lower-case, accents removed (NFKD, combining marks dropped), typographic apostrophes as '.
/// Letters that Unicode does not decompose are written as people type them on a UK keyboard
/// (Łukasz as lukasz, Søren as soren, Straße as strasse), so a name is found either way.
/// Cyrillic and Greek letters drawn like Latin ones (the Cyrillic а, е, о, р, с of a name
/// typed to slip past a filter) are read as the Latin letters they look like.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        // Before lower-casing: the Greek capital Ν looks like N, its small letter ν like v.
        .map(|c| lookalike(c).unwrap_or(c))
        .flat_map(char::to_lowercase)
    {
        match c {
            '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '\u{00b4}' => out.push('\''),
            'ł' => out.push('l'),
            'ø' => out.push('o'),
            'đ' | 'ð' => out.push('d'),
            'ħ' => out.push('h'),
            'ı' => out.push('i'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'þ' => out.push_str("th"),
            c => out.push(c),
        }
    }
    out
}

/// The Latin letter a Cyrillic or Greek letter is drawn as, in common fonts (after Unicode's
/// confusables list, UTS #39, restricted to single letters that look the same).
fn lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic, small and capital.
        'а' | 'А' => 'a',
        'в' | 'В' => 'b',
        'е' | 'Е' | 'ё' | 'Ё' | 'є' | 'Є' => 'e',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'н' | 'Н' | 'һ' | 'Һ' => 'h',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'т' | 'Т' => 't',
        'у' | 'У' | 'ү' | 'Ү' => 'y',
        'х' | 'Х' => 'x',
        'і' | 'І' | 'ї' | 'Ї' | 'ӏ' | 'Ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'ѕ' | 'Ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' | 'Ԛ' => 'q',
        'ԝ' | 'Ԝ' => 'w',
        // Greek capitals, and the small letters that look Latin.
        'Α' | 'α' => 'a',
        'Β' => 'b',
        'Ε' => 'e',
        'Ζ' => 'z',
        'Η' => 'h',
        'Ι' | 'ι' => 'i',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'Ν' => 'n',
        'Ο' | 'ο' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' => 't',
        'Υ' | 'υ' => 'y',
        'Χ' | 'χ' => 'x',
        'ν' => 'v',
        _ => return None,
    })
}

/// Words of a folded text: runs of letters and digits, split at anything else (spaces,
/// hyphens, punctuation); apostrophes inside a word are dropped, so O'Neil and ONeil are one
/// word. Each word also carries its possessive-free form ("smith's" -> "smith").
fn words(folded: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for raw in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let trimmed = raw.trim_matches('\'');
        if trimmed.is_empty() {
            continue;
        }
        let bare = trimmed
            .strip_suffix("'s")
            .unwrap_or(trimmed)
            .replace('\'', "");
        out.push((trimmed.replace('\'', ""), bare));
    }
    out
}

fn name_words(name: &str) -> Vec<String> {
    words(&fold(name)).into_iter().map(|(w, _)| w).collect()
}

/// The words of a `#hashtag` or `@handle` run together ("#HarryPatel", "@harry.patel"),
/// folded, with everything but letters and digits dropped.
fn tags(caption: &str) -> Vec<String> {
    caption
        .split(|c: char| c.is_whitespace())
        .filter_map(|token| {
            let at = token.find(['#', '@'])?;
            let tag: String = fold(&token[at + 1..])
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            (!tag.is_empty()).then_some(tag)
        })
        .collect()
}

/// The ways a name of `words` may be written: as its words, and (for more than one) run
/// together as a single word.
fn spellings(words: Vec<String>) -> Vec<Vec<String>> {
    if words.len() > 1 {
        let joined = vec![words.concat()];
        vec![words, joined]
    } else {
        vec![words]
    }
}

fn pupil_name_problems(
    caption: &str,
    caption_words: &[(String, String)],
    pupils: &[PupilName],
) -> Vec<CaptionProblem> {
    let caption_tags = tags(caption);
    let mut problems = Vec::new();
    for pupil in pupils {
        let surname = name_words(&pupil.surname);
        if surname.is_empty() {
            continue;
        }
        let in_order = |full: &[&String]| {
            let last = full.len() - 1;
            caption_words.windows(full.len()).any(|window| {
                window
                    .iter()
                    .zip(full)
                    .enumerate()
                    .all(|(i, ((word, bare), want))| {
                        // Only the final word may carry a possessive: "Jane Smith's".
                        word == *want || (i == last && bare == *want)
                    })
            })
        };
        // A name of several words may also be written run together: "MaryJane" for
        // Mary-Jane, "SmithJones" for Smith-Jones.
        let surnames = spellings(surname);
        let found = pupil.forenames.iter().any(|forename| {
            let forename = name_words(forename);
            if forename.is_empty() {
                return false;
            }
            spellings(forename).iter().any(|forename| {
                surnames.iter().any(|surname| {
                    let full: Vec<&String> = forename.iter().chain(surname.iter()).collect();
                    // A register's order ("Davies, José") names the pupil as surely.
                    let reversed: Vec<&String> = surname.iter().chain(forename.iter()).collect();
                    // Run together in a tag, either way round, with anything around it
                    // ("#TeamHarryPatel", "#PatelHarry2026").
                    let joined: String = full.iter().map(|w| w.as_str()).collect();
                    let joined_reversed: String = reversed.iter().map(|w| w.as_str()).collect();
                    let in_a_tag = caption_tags
                        .iter()
                        .any(|t| t.contains(&joined) || t.contains(&joined_reversed));
                    in_order(&full) || in_order(&reversed) || in_a_tag
                })
            })
        });
        if found {
            problems.push(CaptionProblem {
                kind: CaptionProblemKind::PupilName,
                detail: format!(
                    "the caption contains a pupil's full name (UPN {})",
                    pupil.upn
                ),
            });
        }
    }
    problems
}

fn handle_problems(caption: &str, trust_handles: &[String]) -> Vec<CaptionProblem> {
    let registered: Vec<String> = trust_handles
        .iter()
        .map(|h| h.trim().trim_start_matches('@').to_lowercase())
        .collect();
    // Compatibility forms first: a full-width ＠ or small ﹫ mentions an account as @ does.
    let chars: Vec<char> = caption.nfkc().collect();
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        // "office@school.org.uk" is an e-mail address, not a handle.
        if i > 0
            && chars
                .get(i - 1)
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            continue;
        }
        let handle: String = chars
            .iter()
            .skip(i + 1)
            .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '.')
            .collect();
        let handle = handle.trim_end_matches('.');
        if handle.is_empty() {
            continue;
        }
        let key = handle.to_lowercase();
        if registered.contains(&key) || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        problems.push(CaptionProblem {
            kind: CaptionProblemKind::Handle,
            detail: format!(
                "@{handle} is not a registered trust account: do not tag pupils' or personal accounts"
            ),
        });
    }
    problems
}

/// Top-level domains recognised in a bare domain with no scheme, "www." or path, so that
/// "Mr.Smith" or "end.Next" is not taken for a link.
const BARE_TLDS: &[&str] = &[
    "com", "org", "net", "uk", "co", "io", "info", "biz", "edu", "gov", "me", "tv", "ly", "app",
    "dev", "xyz", "online", "site", "shop", "store", "blog", "news", "link", "live", "club", "eu",
    "ie", "us", "ca", "au", "nz", "de", "fr", "es", "it", "nl", "be", "ch", "at", "in", "tk", "ru",
    "cn", "gg", "to", "fm", "am", "ai", "wales", "scot", "london", "page", "social",
];

/// The host of a link-shaped token, lower-case, or `None` if the token is not a link.
fn link_host(token: &str) -> Option<String> {
    let lower = token.to_lowercase();
    let (rest, explicit) = if let Some(r) = lower.strip_prefix("https://") {
        (r, true)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, true)
    } else if lower.starts_with("www.") {
        (lower.as_str(), true)
    } else {
        (lower.as_str(), false)
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let has_path = end < rest.len();
    let authority = rest.get(..end)?;
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = host_port
        .split(':')
        .next()
        .unwrap_or(host_port)
        .trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let well_formed = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if !well_formed {
        return None;
    }
    let tld = labels.last().copied().unwrap_or_default();
    let tld_ok = tld.len() >= 2 && tld.chars().all(char::is_alphabetic);
    if explicit || (tld_ok && (has_path || BARE_TLDS.contains(&tld))) {
        Some(host.to_owned())
    } else {
        None
    }
}

fn link_problems(caption: &str, allowed_domains: &[String]) -> Vec<CaptionProblem> {
    let allowed: Vec<String> = allowed_domains
        .iter()
        .map(|d| d.trim().trim_end_matches('.').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for raw in caption.split_whitespace() {
        // E-mail addresses are not links.
        if raw.contains('@') && !raw.contains("://") {
            continue;
        }
        let token = raw.trim_matches(|c: char| {
            matches!(
                c,
                '(' | ')'
                    | '['
                    | ']'
                    | '<'
                    | '>'
                    | '"'
                    | '\''
                    | ','
                    | '.'
                    | '!'
                    | '?'
                    | ';'
                    | ':'
                    | '\u{2019}'
                    | '\u{201c}'
                    | '\u{201d}'
            )
        });
        let Some(host) = link_host(token) else {
            continue;
        };
        let ok = allowed
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if ok || seen.contains(&host) {
            continue;
        }
        seen.push(host.clone());
        problems.push(CaptionProblem {
            kind: CaptionProblemKind::Link,
            detail: format!("link to {host}, which is not a trust domain"),
        });
    }
    problems
}

/// Endings allowed after a profane stem for it still to count as the whole word.
const INFLECTIONS: &[&str] = &["", "s", "es", "ed", "er", "ers", "ing", "y", "ty"];

/// Whether `word` (folded) is itself a profane word, not merely contains one.
fn is_profane_word(word: &str) -> bool {
    let threshold =
        (Type::PROFANE | Type::OFFENSIVE | Type::SEXUAL | Type::MEAN) & Type::MODERATE_OR_HIGHER;
    let mut censor = Censor::from_str(word);
    if !censor.analyze().is(threshold) {
        return false;
    }
    // The censored copy keeps at most the first character; the stars must cover the rest of
    // the word up to an inflection.
    let censored: Vec<char> = Censor::from_str(word).censor().chars().collect();
    let Some(first_star) = censored.iter().position(|c| *c == '*') else {
        return false;
    };
    let last_star = censored
        .iter()
        .rposition(|c| *c == '*')
        .unwrap_or(first_star);
    let tail: String = censored.iter().skip(last_star + 1).collect();
    first_star <= 1 && INFLECTIONS.contains(&tail.as_str())
}

/// Names and titles a school writes that hold a word the list counts as profane: the word is
/// not profanity beside its partner here ("Dick Whittington" is the Christmas panto).
const NAMED: &[(&str, &str)] = &[
    ("dick", "whittington"),
    ("dick", "turpin"),
    ("moby", "dick"),
    ("dick", "king"),
];

fn profanity_problems(caption_words: &[(String, String)]) -> Vec<CaptionProblem> {
    let mut seen: Vec<&str> = Vec::new();
    let mut problems = Vec::new();
    let word_at = |i: usize| caption_words.get(i).map(|(w, _)| w.as_str());
    for (i, (word, _)) in caption_words.iter().enumerate() {
        let named = NAMED.iter().any(|(a, b)| {
            (word == a && word_at(i + 1) == Some(*b))
                || (word == b && i > 0 && word_at(i - 1) == Some(*a))
        });
        if named || seen.contains(&word.as_str()) || !is_profane_word(word) {
            continue;
        }
        seen.push(word);
        let mut shown = word.chars();
        let first: String = shown.next().into_iter().collect();
        problems.push(CaptionProblem {
            kind: CaptionProblemKind::Profanity,
            detail: format!("profanity: \"{first}{}\"", "*".repeat(shown.count())),
        });
    }
    problems
}

/// Every problem in `caption`, in the order: pupil names, handles, profanity, links.
/// An empty list means the caption is safe.
pub fn check_caption(caption: &str, ctx: &CaptionContext) -> Vec<CaptionProblem> {
    let caption_words = words(&fold(caption));
    let mut problems = pupil_name_problems(caption, &caption_words, ctx.pupil_names);
    problems.extend(handle_problems(caption, ctx.trust_handles));
    problems.extend(profanity_problems(&caption_words));
    problems.extend(link_problems(caption, ctx.allowed_domains));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pupils() -> Vec<PupilName> {
        vec![
            PupilName {
                upn: "G801200010001".to_owned(),
                forenames: vec!["Zoë".to_owned(), "Zo".to_owned()],
                surname: "O'Neil".to_owned(),
            },
            PupilName {
                upn: "A202345619123".to_owned(),
                forenames: vec!["Mary-Jane".to_owned()],
                surname: "Smith".to_owned(),
            },
            PupilName {
                upn: "B202345619124".to_owned(),
                forenames: vec!["Łukasz".to_owned()],
                surname: "Søndergaard".to_owned(),
            },
        ]
    }

    fn check(caption: &str) -> Vec<CaptionProblem> {
        let pupils = pupils();
        let handles = vec!["OakTrust".to_owned(), "@oak_academy".to_owned()];
        let domains = vec!["oaktrust.org.uk".to_owned()];
        check_caption(
            caption,
            &CaptionContext {
                pupil_names: &pupils,
                trust_handles: &handles,
                allowed_domains: &domains,
            },
        )
    }

    fn kinds(caption: &str) -> Vec<CaptionProblemKind> {
        check(caption).into_iter().map(|p| p.kind).collect()
    }

    #[test]
    fn a_clean_caption_has_no_problems() {
        assert!(check("Year 4 enjoyed their trip to the science museum today!").is_empty());
    }

    #[test]
    fn pupil_full_name_is_flagged_by_upn_not_name() {
        let problems = check("Well done to Zoë O'Neil for her poem");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, CaptionProblemKind::PupilName);
        assert!(problems[0].detail.contains("G801200010001"));
        assert!(
            !problems[0].detail.contains("Neil"),
            "detail must not repeat the name"
        );
    }

    #[test]
    fn name_written_without_its_accent_or_with_a_curly_apostrophe_still_matches() {
        assert_eq!(
            kinds("Well done ZOE O\u{2019}NEIL!"),
            vec![CaptionProblemKind::PupilName]
        );
        assert_eq!(
            kinds("Well done Zoe ONeil"),
            vec![CaptionProblemKind::PupilName]
        );
        assert_eq!(
            kinds("Zo O'Neil's painting"),
            vec![CaptionProblemKind::PupilName]
        );
        assert_eq!(
            kinds("Mary Jane Smith sang"),
            vec![CaptionProblemKind::PupilName]
        );
        // Letters Unicode does not decompose, typed on a UK keyboard.
        assert_eq!(
            kinds("Well done Lukasz Sondergaard"),
            vec![CaptionProblemKind::PupilName]
        );
        assert_eq!(
            kinds("Well done ŁUKASZ SØNDERGAARD"),
            vec![CaptionProblemKind::PupilName]
        );
        assert_eq!(fold("Straße Æsir"), "strasse aesir");
    }

    #[test]
    fn a_name_as_a_hashtag_or_surname_first_is_still_a_full_name() {
        for caption in [
            "Go team! #MaryJaneSmith",
            "#SmithMaryJane2026",
            "#TeamZoeONeil",
            "Thanks @zoe_oneil",
            "Smith, Mary-Jane: star of the show",
            "O'Neil Zoë on the climbing wall",
        ] {
            // (The handle is also an unregistered account.)
            assert!(
                kinds(caption).contains(&CaptionProblemKind::PupilName),
                "{caption}"
            );
        }
        // A hashtag of a forename alone, or a word that merely contains the name, is not.
        assert!(kinds("#Zoe rocks #SmithsonianTrip").is_empty());
    }

    #[test]
    fn a_name_of_two_words_run_together_is_still_the_name() {
        for caption in [
            "Well done MaryJane Smith",
            "Smith, Maryjane",
            "MARYJANE SMITH's poem",
        ] {
            assert_eq!(
                kinds(caption),
                vec![CaptionProblemKind::PupilName],
                "{caption}"
            );
        }
        // Either half alone with the surname is not her full name.
        assert!(kinds("Mary Smith and Jane Smith").is_empty());
    }

    #[test]
    fn cyrillic_and_greek_lookalike_letters_do_not_hide_a_name() {
        // "Zoë O'Neil" with a Cyrillic о and е, and Greek capitals Ο and Ν.
        for caption in [
            "Well done Zо\u{0451} O'N\u{0435}il",
            "Well done Zoe \u{039F}'\u{039D}eil",
            "#M\u{0430}ryJ\u{0430}n\u{0435}Smith",
        ] {
            assert!(
                kinds(caption).contains(&CaptionProblemKind::PupilName),
                "{caption}"
            );
        }
        assert_eq!(fold("\u{0421}\u{043E}\u{0440}\u{0435}"), "cope");
        // Ordinary Greek and Cyrillic text is folded alike on both sides, and Latin is unchanged.
        assert_eq!(fold("Zoë O'Neil"), "zoe o'neil");
    }

    #[test]
    fn a_full_width_at_sign_is_a_handle_too() {
        assert_eq!(
            kinds("Thanks \u{FF20}millie_w"),
            vec![CaptionProblemKind::Handle]
        );
    }

    #[test]
    fn the_panto_is_not_profanity() {
        assert!(kinds("Dick Whittington panto rehearsals").is_empty());
        assert!(kinds("Reading Moby Dick in Year 9").is_empty());
        assert_eq!(kinds("what a dick"), vec![CaptionProblemKind::Profanity]);
    }

    #[test]
    fn forename_or_surname_alone_is_not_a_full_name() {
        assert!(check("Zoë read her poem; the O'Neil family came too").is_empty());
        assert!(check("Smith Jane and Mary went").is_empty());
    }

    #[test]
    fn unregistered_handle_is_flagged_and_registered_one_passes() {
        assert!(check("Thanks @oaktrust and @OAK_ACADEMY").is_empty());
        let problems = check("Great work @zoe_2012 with @OakTrust");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, CaptionProblemKind::Handle);
        assert!(problems[0].detail.contains("@zoe_2012"));
        assert!(
            check("Email office@oaktrust.org.uk to book").is_empty(),
            "an e-mail is not a handle"
        );
    }

    #[test]
    fn profanity_is_flagged_as_whole_words_only() {
        assert_eq!(
            kinds("What a shit day"),
            vec![CaptionProblemKind::Profanity]
        );
        assert_eq!(
            kinds("Fucking brilliant"),
            vec![CaptionProblemKind::Profanity]
        );
        assert!(
            check("Our class visited Scunthorpe, Cockermouth and Cumbria with Mr Hancock")
                .is_empty()
        );
        assert!(check("Sussex and Essex assembly").is_empty());
    }

    #[test]
    fn links_to_other_domains_are_flagged() {
        for caption in [
            "See https://evil.example.com/photos",
            "See http://bit.ly/abc",
            "See www.facebook.com",
            "See example.com/path",
            "Visit tiktok.com",
        ] {
            assert_eq!(kinds(caption), vec![CaptionProblemKind::Link], "{caption}");
        }
    }

    #[test]
    fn links_to_the_trust_domain_or_a_subdomain_pass() {
        assert!(check("More at https://oaktrust.org.uk/news.").is_empty());
        assert!(check("More at (www.oaktrust.org.uk)").is_empty());
        assert!(check("More at https://primary.OakTrust.org.uk/gallery?x=1").is_empty());
        assert!(check("Bookings: events.oaktrust.org.uk").is_empty());
        assert_eq!(
            kinds("https://oaktrust.org.uk.evil.com/"),
            vec![CaptionProblemKind::Link],
            "a lookalike is not a subdomain"
        );
        assert_eq!(
            kinds("https://notoaktrust.org.uk/"),
            vec![CaptionProblemKind::Link]
        );
    }

    #[test]
    fn sentences_without_spaces_and_abbreviations_are_not_links() {
        assert!(check("Thanks to Mr.Smith, e.g. for 3.5 hours. Next.Time").is_empty());
    }

    #[test]
    fn problem_kinds_serialise_snake_case() {
        assert_eq!(
            serde_json::to_string(&CaptionProblemKind::PupilName).unwrap(),
            "\"pupil_name\""
        );
    }
}
