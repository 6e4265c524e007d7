//! Year groups in England: the academic year (1 September to 31 August) and the
//! national-curriculum year (NCY), from a date of birth or as recorded by the MIS.

use chrono::{Datelike, NaiveDate};

/// Calendar year in which the academic year containing `date` began (1 Sept .. 31 Aug).
pub fn academic_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// National-curriculum year from DOB on a date: cohort rule in DOMAIN.md.
/// -1 Nursery, 0 Reception, 1..=13 (14 possible).
///
/// `cohort` is the academic year of birth (a child born September–December belongs to the
/// cohort of that calendar year, one born January–August to the year before), and a cohort
/// enters Reception five academic years later.
pub fn ncy_from_dob(dob: NaiveDate, on: NaiveDate) -> i32 {
    academic_year_of(on) - academic_year_of(dob) - 5
}

/// A year group recorded by the MIS for academic year `recorded_academic_year`, advanced by
/// one at each 1 September.
pub fn ncy_advanced(recorded: i32, recorded_academic_year: i32, on: NaiveDate) -> i32 {
    recorded + (academic_year_of(on) - recorded_academic_year)
}

/// Parses MIS year-group spellings, case/space-insensitive: "7", "07", "Year 7", "Y7",
/// "Yr 7", "Yr7", "R", "Rec", "Reception", "YR", "N", "Nursery", "N1" (=-2), "N2" (=-1),
/// "12", "Year 13", "14". `None` if unknown.
pub fn parse_year_group(s: &str) -> Option<i32> {
    let squeezed: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if let Some(ncy) = parse_year_body(&squeezed) {
        return Some(ncy);
    }
    // Longest prefix first, so that "yr7" is "yr" + "7" and "yr" alone is "y" + "r".
    ["year", "yr", "y"]
        .iter()
        .find_map(|prefix| squeezed.strip_prefix(prefix).and_then(parse_year_body))
}

/// Whether a year-group spelling names the nursery without saying which of its two years
/// ("Nursery", "N", "FS1"): a school with one nursery class labels rising-3s and rising-4s alike.
pub fn is_generic_nursery(s: &str) -> bool {
    let squeezed: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(squeezed.as_str(), "n" | "nur" | "nursery" | "fs1" | "f1")
}

/// The part of a year-group spelling after any "Year"/"Yr"/"Y" prefix.
fn parse_year_body(body: &str) -> Option<i32> {
    match body {
        // The Foundation Stage: FS1 is the nursery year, FS2 reception.
        "r" | "rec" | "reception" | "fs2" | "f2" => Some(0),
        "n" | "nur" | "nursery" | "n2" | "nursery2" | "fs1" | "f1" => Some(-1),
        "n1" | "nursery1" => Some(-2),
        digits if (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<i32>().ok().filter(|n| (1..=14).contains(n))
        }
        _ => None,
    }
}

/// "Nursery 1" (-2), "Nursery" (-1), "Reception", "Year 1".."Year 14".
/// Anything below -2 (never a school year group) is shown as "NCY n" rather than guessed.
pub fn year_group_label(ncy: i32) -> String {
    match ncy {
        -2 => "Nursery 1".to_owned(),
        -1 => "Nursery".to_owned(),
        0 => "Reception".to_owned(),
        n if n >= 1 => format!("Year {n}"),
        n => format!("NCY {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn academic_year_turns_over_on_1_september() {
        assert_eq!(academic_year_of(d(2025, 8, 31)), 2024);
        assert_eq!(academic_year_of(d(2025, 9, 1)), 2025);
        assert_eq!(academic_year_of(d(2026, 1, 1)), 2025);
    }

    #[test]
    fn september_born_child_is_oldest_in_reception() {
        // Born 1 Sept 2020: cohort 2020, enters Reception in September 2025.
        assert_eq!(ncy_from_dob(d(2020, 9, 1), d(2025, 9, 1)), 0);
        // Born 31 Aug 2021: the youngest of the same cohort.
        assert_eq!(ncy_from_dob(d(2021, 8, 31), d(2025, 9, 1)), 0);
        // Born 1 Sept 2021: a year behind.
        assert_eq!(ncy_from_dob(d(2021, 9, 1), d(2025, 9, 1)), -1);
    }

    #[test]
    fn year_6_pupil_enters_year_7_on_1_september() {
        let dob = d(2014, 3, 10);
        assert_eq!(ncy_from_dob(dob, d(2025, 8, 31)), 6);
        assert_eq!(ncy_from_dob(dob, d(2025, 9, 1)), 7);
    }

    #[test]
    fn recorded_year_group_advances_each_september() {
        assert_eq!(ncy_advanced(6, 2024, d(2025, 8, 31)), 6);
        assert_eq!(ncy_advanced(6, 2024, d(2025, 9, 1)), 7);
        assert_eq!(ncy_advanced(6, 2024, d(2027, 9, 1)), 9);
    }

    #[test]
    fn mis_year_group_spellings_parse() {
        let cases: &[(&str, i32)] = &[
            ("7", 7),
            ("07", 7),
            ("Year 7", 7),
            ("Y7", 7),
            ("Yr 7", 7),
            ("Yr7", 7),
            ("  year  07 ", 7),
            ("R", 0),
            ("Rec", 0),
            ("Reception", 0),
            ("YR", 0),
            ("Year R", 0),
            ("N", -1),
            ("Nursery", -1),
            ("N1", -2),
            ("N2", -1),
            ("FS1", -1),
            ("F1", -1),
            ("FS2", 0),
            ("F2", 0),
            ("12", 12),
            ("Year 13", 13),
            ("14", 14),
        ];
        for (s, want) in cases {
            assert_eq!(parse_year_group(s), Some(*want), "spelling {s:?}");
        }
    }

    #[test]
    fn unknown_year_group_spellings_are_rejected() {
        for s in ["", "Year", "15", "Year 0", "X", "Y-7x", "Reception 2", "1a"] {
            assert_eq!(parse_year_group(s), None, "spelling {s:?}");
        }
    }

    #[test]
    fn labels_name_the_early_years() {
        assert_eq!(year_group_label(-2), "Nursery 1");
        assert_eq!(year_group_label(-1), "Nursery");
        assert_eq!(year_group_label(0), "Reception");
        assert_eq!(year_group_label(14), "Year 14");
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1990i32..2060, 1u32..=366)
            .prop_filter_map("valid ordinal", |(y, o)| NaiveDate::from_yo_opt(y, o))
    }

    proptest! {
        #[test]
        fn ncy_rises_by_exactly_one_at_each_1_september(dob in any_date(), y in 1995i32..2060) {
            let before = ncy_from_dob(dob, d(y, 8, 31));
            let after = ncy_from_dob(dob, d(y, 9, 1));
            prop_assert_eq!(after, before + 1);
        }

        #[test]
        fn ncy_is_constant_within_an_academic_year(dob in any_date(), y in 1995i32..2060, da in 0u64..365, db in 0u64..365) {
            // Any two days of the academic year starting 1 Sept y (Sept..Aug has at least 365 days).
            let start = d(y, 9, 1);
            let a = start + chrono::Days::new(da);
            let b = start + chrono::Days::new(db);
            prop_assert_eq!(academic_year_of(a), y);
            prop_assert_eq!(academic_year_of(b), y);
            prop_assert_eq!(ncy_from_dob(dob, a), ncy_from_dob(dob, b));
        }

        #[test]
        fn advanced_year_matches_dob_year_for_on_cohort_pupils(dob in any_date(), recorded_on in any_date(), on in any_date()) {
            let recorded = ncy_from_dob(dob, recorded_on);
            prop_assert_eq!(
                ncy_advanced(recorded, academic_year_of(recorded_on), on),
                ncy_from_dob(dob, on)
            );
        }

        #[test]
        fn academic_year_is_the_year_of_the_preceding_1_september(date in any_date()) {
            let y = academic_year_of(date);
            prop_assert!(d(y, 9, 1) <= date);
            prop_assert!(date < d(y + 1, 9, 1));
        }

        #[test]
        fn year_group_labels_parse_back(ncy in -2i32..=14) {
            prop_assert_eq!(parse_year_group(&year_group_label(ncy)), Some(ncy));
        }
    }
}
