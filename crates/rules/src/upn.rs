//! The DfE Unique Pupil Number: format, check letter, local-authority number.

/// The 23-letter alphabet of UPN check letters and serial letters (no I, O or S).
pub const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
