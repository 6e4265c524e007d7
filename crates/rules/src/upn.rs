//! The DfE Unique Pupil Number: format, check letter, local-authority number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::la_codes::LA_CODES;

/// The 23-letter alphabet of UPN check letters and serial letters (no I, O or S).
pub const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// What a UPN must look like, said once so every format error can repeat it.
const UPN_SHAPE: &str = "UPN must be 13 characters: a check letter, 3-digit LA number, \
     4-digit establishment number, 2-digit year and 3-character serial";

/// The check letter for the twelve characters that follow it, or `None` when one of them
/// is not a digit or a letter of [`UPN_ALPHABET`].
pub fn check_letter(body: &str) -> Option<char> {
    let bytes = body.as_bytes();
    if bytes.len() != 12 {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, b) in bytes.iter().enumerate() {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            _ => UPN_ALPHABET.iter().position(|a| a == b)? as u32,
        };
        sum += value * (i as u32 + 2);
    }
    UPN_ALPHABET.get((sum % 23) as usize).map(|&b| b as char)
}

/// Why a UPN was rejected, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpnError {
    /// The text is not shaped like a UPN; the message says what is wrong.
    #[error("{0}")]
    Format(String),
    /// The check letter does not match the other twelve characters (usually a typing slip).
    #[error("wrong UPN check letter: expected {expected}, found {found}")]
    CheckLetter { expected: char, found: char },
    /// The LA number is not one in [`LA_CODES`].
    #[error("unknown LA number {0}")]
    UnknownLa(String),
}

/// A validated UPN, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

impl Upn {
    /// The 13 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 3-digit local authority number.
    pub fn la(&self) -> &str {
        self.0.get(1..4).unwrap_or_default()
    }

    /// The 4-digit establishment number.
    pub fn establishment(&self) -> &str {
        self.0.get(4..8).unwrap_or_default()
    }

    /// A temporary UPN ends in a letter rather than a digit.
    pub fn is_temporary(&self) -> bool {
        self.0.ends_with(|c: char| c.is_ascii_alphabetic())
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Upn {
    type Err = UpnError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate_upn(s)
    }
}

impl TryFrom<String> for Upn {
    type Error = UpnError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        validate_upn(&s)
    }
}

impl From<Upn> for String {
    fn from(upn: Upn) -> String {
        upn.0
    }
}

impl AsRef<str> for Upn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether `code` is an LA number in [`LA_CODES`].
pub fn is_known_la(code: &str) -> bool {
    la_name(code).is_some()
}

/// The name of the local authority with this number, if it is in [`LA_CODES`].
pub fn la_name(code: &str) -> Option<&'static str> {
    LA_CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| LA_CODES.get(i))
        .map(|(_, name)| *name)
}

fn in_alphabet(c: char) -> bool {
    c.is_ascii() && UPN_ALPHABET.contains(&(c as u8))
}

/// Validates a UPN: trims, upper-cases, checks the shape (a permanent serial is 3 digits, a
/// temporary one 2 digits and a letter of [`UPN_ALPHABET`]), the check letter, then the LA
/// number. The check letter is tested before the LA so a mistyped UPN reads as a typing slip.
pub fn validate_upn(s: &str) -> Result<Upn, UpnError> {
    let upn = s.trim().to_uppercase();
    let chars: Vec<char> = upn.chars().collect();
    if chars.len() != 13 {
        return Err(UpnError::Format(format!(
            "{UPN_SHAPE}; {:?} has {}",
            s.trim(),
            chars.len()
        )));
    }
    let position_error = |pos: usize, c: char, want: &str| {
        UpnError::Format(format!(
            "{UPN_SHAPE}; character {pos} of {upn:?} is {c:?}, expected {want}"
        ))
    };
    for (i, &c) in chars.iter().enumerate() {
        let pos = i + 1;
        let ok = match pos {
            1 => in_alphabet(c),
            2..=12 => c.is_ascii_digit(),
            _ => c.is_ascii_digit() || in_alphabet(c),
        };
        if !ok {
            let want = match pos {
                1 => "a check letter (A-Z without I, O or S)",
                2..=4 => "a digit of the LA number",
                5..=8 => "a digit of the establishment number",
                9..=10 => "a digit of the year",
                11..=12 => "a digit of the serial",
                _ => "a digit, or a letter (A-Z without I, O or S) for a temporary UPN",
            };
            return Err(position_error(pos, c, want));
        }
    }
    // All 13 characters are ASCII now, so byte slicing is on character boundaries.
    let found = chars.first().copied().unwrap_or('?');
    let body = upn.get(1..).unwrap_or_default();
    let expected = check_letter(body).ok_or_else(|| UpnError::Format(UPN_SHAPE.to_owned()))?;
    if expected != found {
        return Err(UpnError::CheckLetter { expected, found });
    }
    let la = upn.get(1..4).unwrap_or_default();
    if !is_known_la(la) {
        return Err(UpnError::UnknownLa(la.to_owned()));
    }
    Ok(Upn(upn))
}

/// Builds a UPN from its parts, computing the check letter (for generators and tests).
/// `None` if the parts are not the right shape or the LA number is unknown.
pub fn make_upn(la: &str, estab: &str, year2: &str, serial: &str) -> Option<Upn> {
    let body = format!("{la}{estab}{year2}{serial}").to_uppercase();
    let letter = check_letter(&body)?;
    validate_upn(&format!("{letter}{body}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn check_letter_matches_a_known_good_upn() {
        // Worked example: body "801200001001"; weighted sum mod 23 picks the letter.
        let body = "801200001001";
        let letter = check_letter(body).unwrap();
        let sum: u32 = body
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * (i as u32 + 2))
            .sum();
        assert_eq!(letter as u8, UPN_ALPHABET[(sum % 23) as usize]);
    }

    #[test]
    fn check_letter_worked_by_hand() {
        // 8*2+0*3+1*4+2*5+0*6+0*7+0*8+1*9+0*10+0*11+0*12+1*13 = 52; 52 mod 23 = 6 -> 'G'.
        assert_eq!(check_letter("801200010001"), Some('G'));
        // A temporary serial letter counts as its alphabet index: 'A' = 0, 'B' = 1.
        // 52 - 1*13 + 1*13 ('B' at position 13) = 52 -> 'G' again.
        assert_eq!(check_letter("80120001000B"), Some('G'));
    }

    #[test]
    fn good_permanent_upn_validates_and_is_uppercased() {
        let upn = validate_upn("  g801200010001 ").unwrap();
        assert_eq!(upn.as_str(), "G801200010001");
        assert_eq!(upn.la(), "801");
        assert_eq!(upn.establishment(), "2000");
        assert!(!upn.is_temporary());
        assert_eq!(upn.to_string(), "G801200010001");
        assert_eq!("G801200010001".parse::<Upn>().unwrap(), upn);
    }

    #[test]
    fn good_temporary_upn_validates() {
        let upn = validate_upn("G80120001000B").unwrap();
        assert!(upn.is_temporary());
        let made = make_upn("886", "4001", "24", "01T").unwrap();
        assert!(made.is_temporary());
        assert_eq!(validate_upn(made.as_str()).unwrap(), made);
    }

    #[test]
    fn wrong_check_letter_is_named() {
        let err = validate_upn("A801200010001").unwrap_err();
        assert_eq!(
            err,
            UpnError::CheckLetter {
                expected: 'G',
                found: 'A'
            }
        );
        assert_eq!(
            err.to_string(),
            "wrong UPN check letter: expected G, found A"
        );
    }

    #[test]
    fn bad_format_explains_the_shape() {
        for bad in [
            "",
            "G80120001000",
            "G8012000100011",
            "I801200010001",
            "G80120001X001",
            "G8012000100I1",
            "G80120001000I",
            "1801200010001",
        ] {
            match validate_upn(bad) {
                Err(UpnError::Format(msg)) => assert!(msg.starts_with(UPN_SHAPE), "{bad:?}: {msg}"),
                other => panic!("{bad:?} should be a format error, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_la_is_rejected_after_a_good_check_letter() {
        let body = "999200010001";
        let letter = check_letter(body).unwrap();
        let err = validate_upn(&format!("{letter}{body}")).unwrap_err();
        assert_eq!(err, UpnError::UnknownLa("999".to_owned()));
        assert_eq!(err.to_string(), "unknown LA number 999");
        assert_eq!(make_upn("999", "2000", "10", "001"), None);
    }

    #[test]
    fn la_list_is_sorted_unique_and_has_common_codes() {
        assert!(
            LA_CODES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        assert!(
            LA_CODES
                .iter()
                .all(|(c, _)| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        for code in [
            "201", "202", "330", "335", "373", "420", "800", "801", "838", "839", "850", "886",
            "909", "926", "928", "936", "940", "941", "942", "943",
        ] {
            assert!(is_known_la(code), "{code} should be known");
        }
        assert_eq!(la_name("202"), Some("Camden"));
        assert!(!is_known_la("999"));
        assert!(!is_known_la("80"));
    }

    #[test]
    fn upn_round_trips_through_serde_and_rejects_bad_input() {
        let upn = make_upn("202", "3456", "19", "123").unwrap();
        let json = serde_json::to_string(&upn).unwrap();
        assert_eq!(json, format!("\"{upn}\""));
        assert_eq!(serde_json::from_str::<Upn>(&json).unwrap(), upn);
        let wrong_letter = if upn.as_str().starts_with('A') {
            'B'
        } else {
            'A'
        };
        let bad = format!("\"{wrong_letter}{}\"", &upn.as_str()[1..]);
        assert!(serde_json::from_str::<Upn>(&bad).is_err());
    }

    fn value(b: u8) -> u32 {
        match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            _ => UPN_ALPHABET.iter().position(|a| *a == b).unwrap() as u32,
        }
    }

    fn known_la() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(LA_CODES.iter().map(|(c, _)| *c).collect::<Vec<_>>())
    }

    fn serial() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{3}",
            ("[0-9]{2}", proptest::sample::select(UPN_ALPHABET.to_vec()))
                .prop_map(|(d, l)| format!("{d}{}", l as char)),
        ]
    }

    proptest! {
        #[test]
        fn made_upns_always_validate(la in known_la(), estab in "[0-9]{4}", year in "[0-9]{2}", serial in serial()) {
            let upn = make_upn(la, &estab, &year, &serial);
            prop_assert!(upn.is_some());
            let upn = upn.unwrap();
            prop_assert_eq!(validate_upn(upn.as_str()), Ok(upn.clone()));
            prop_assert_eq!(validate_upn(&upn.as_str().to_lowercase()), Ok(upn));
        }

        #[test]
        fn changing_one_body_character_changes_the_check_letter(
            la in known_la(), estab in "[0-9]{4}", year in "[0-9]{2}", serial in serial(),
            pos in 0usize..12, replacement in proptest::sample::select(b"0123456789ABCDEFGHJKLMNPQRTUVWXYZ".to_vec()),
        ) {
            let body = format!("{la}{estab}{year}{serial}");
            let mut changed = body.clone().into_bytes();
            // '1' and 'B' (like '0' and 'A') share a value, so they share a check letter.
            prop_assume!(value(changed[pos]) != value(replacement));
            changed[pos] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            let letter = check_letter(&body).unwrap();
            // Positions 2-13 carry weights 2..=13, all coprime with 23, and values differ by
            // less than 23, so a single substitution always moves the sum mod 23.
            let tampered = format!("{letter}{changed}");
            if let Some(new_letter) = check_letter(&changed) {
                prop_assert_ne!(new_letter, letter);
            }
            prop_assert!(validate_upn(&tampered).is_err());
        }
    }
}
