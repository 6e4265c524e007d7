//! The clearance verdict from the results of the rules (DOMAIN.md "Clearing a photo").

use serde::{Deserialize, Serialize};

/// A rule that a photo must pass to be cleared, in the order of DOMAIN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Rule {
    /// Posting is not on hold (policy 4.6).
    Hold,
    /// The member of staff is approved to post.
    Staff,
    /// Every tagged pupil has consent for the channel.
    Consent,
    /// The photo was taken on a trust-owned device.
    Provenance,
    /// The caption is safe.
    Caption,
    /// No more faces than tagged pupils, or the difference was acknowledged.
    Faces,
    /// The register agrees with its audit log (it was not edited outside ClearShot), so the
    /// answers the other rules read can be relied on. Not one of DOMAIN.md's rules: what
    /// they all stand on.
    Register,
}

impl Rule {
    /// The stored name, e.g. "provenance".
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Hold => "hold",
            Rule::Staff => "staff",
            Rule::Consent => "consent",
            Rule::Provenance => "provenance",
            Rule::Caption => "caption",
            Rule::Faces => "faces",
            Rule::Register => "register",
        }
    }
}

/// The decision on a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Verdict {
    /// Every rule passed.
    Cleared,
    /// At least one rule failed outright.
    Blocked,
    /// Nothing failed outright, but a person must look (weak provenance, untagged faces).
    NeedsReview,
}

impl Verdict {
    /// The stored name, e.g. "needs_review".
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Cleared => "cleared",
            Verdict::Blocked => "blocked",
            Verdict::NeedsReview => "needs_review",
        }
    }
}

/// Evidence that a photo was captured on a trust-owned device, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ProvenanceLevel {
    /// A valid C2PA manifest from a registered device.
    C2pa,
    /// The bytes were ingested from a registered device into the provenance ledger.
    Ledger,
    /// A perceptual-hash match for a cropped or resized copy of a ledger original.
    LedgerSimilar,
    /// The EXIF body serial number matches a registered device.
    Serial,
    /// Only make and model match a registered device: weak, a person must check.
    MakeModel,
    /// No evidence at all.
    None,
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleOutcome {
    /// The rule.
    pub rule: Rule,
    /// Whether it passed.
    pub passed: bool,
    /// When not passed: `true` = not a block but needs a human (e.g. make-and-model
    /// provenance, more faces than tagged pupils). Ignored when passed.
    pub review: bool,
    /// Why, in words for the member of staff.
    pub detail: String,
}

/// Cleared when every outcome passed; Blocked when any failed and is not review-only; else
/// NeedsReview. No outcomes at all is NeedsReview: a photo is never cleared by default.
pub fn verdict(outcomes: &[RuleOutcome]) -> Verdict {
    if outcomes.is_empty() {
        Verdict::NeedsReview
    } else if outcomes.iter().all(|o| o.passed) {
        Verdict::Cleared
    } else if outcomes.iter().any(|o| !o.passed && !o.review) {
        Verdict::Blocked
    } else {
        Verdict::NeedsReview
    }
}

/// Provenance rule: make_model -> review (not passed, review = true), none -> blocked, others
/// pass. `device` names the registered device matched; `evidence` is a short description of
/// what matched (e.g. a hash prefix or serial number).
pub fn provenance_outcome(
    level: ProvenanceLevel,
    device: Option<&str>,
    evidence: &str,
) -> RuleOutcome {
    let on_device = match device.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => format!("registered device {d}"),
        None => "a registered device".to_owned(),
    };
    let evidence = evidence.trim();
    let with_evidence = |s: String| {
        if evidence.is_empty() {
            s
        } else {
            format!("{s} ({evidence})")
        }
    };
    let (passed, review, detail) = match level {
        ProvenanceLevel::C2pa => (true, false, format!("valid C2PA manifest from {on_device}")),
        ProvenanceLevel::Ledger => (
            true,
            false,
            format!("the same photo was ingested from {on_device}"),
        ),
        ProvenanceLevel::LedgerSimilar => (
            true,
            false,
            format!("a cropped or resized copy of a photo ingested from {on_device}"),
        ),
        ProvenanceLevel::Serial => (
            true,
            false,
            format!("camera serial number matches {on_device}"),
        ),
        ProvenanceLevel::MakeModel => (
            false,
            true,
            format!(
                "only the make and model match {on_device}: nothing proves this photo was taken on it. Ingest the device's photos into the provenance ledger (Devices → Ingest from a card; `clearshot photos ingest`), then check again"
            ),
        ),
        // The evidence of `none` already says there is none, and why: it is the whole detail
        // (in brackets after the sentence below it read "no evidence … (no evidence … (…))").
        ProvenanceLevel::None if !evidence.is_empty() => (false, false, evidence.to_owned()),
        ProvenanceLevel::None => (
            false,
            false,
            "no evidence that the photo was taken on a trust-owned device".to_owned(),
        ),
    };
    RuleOutcome {
        rule: Rule::Provenance,
        passed,
        review,
        detail: if matches!(level, ProvenanceLevel::None) {
            detail
        } else {
            with_evidence(detail)
        },
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Faces rule: more faces than tagged pupils, not acknowledged -> review, with detail such as
/// "5 faces found, 2 pupils tagged". `faces = None` (detection not run) passes, saying so.
pub fn faces_outcome(faces: Option<usize>, tagged: usize, acknowledged: bool) -> RuleOutcome {
    let tagged_text = count(tagged, "pupil tagged", "pupils tagged");
    let (passed, review, detail) = match faces {
        None => (
            true,
            false,
            format!("face detection was not run; {tagged_text}"),
        ),
        Some(found) => {
            let base = format!(
                "{}, {tagged_text}",
                count(found, "face found", "faces found")
            );
            if found <= tagged {
                (true, false, base)
            } else if acknowledged {
                (
                    true,
                    false,
                    format!("{base}; the extra faces were acknowledged"),
                )
            } else {
                (false, true, base)
            }
        }
    };
    RuleOutcome {
        rule: Rule::Faces,
        passed,
        review,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rule: Rule, passed: bool, review: bool) -> RuleOutcome {
        RuleOutcome {
            rule,
            passed,
            review,
            detail: String::new(),
        }
    }

    #[test]
    fn all_passed_is_cleared() {
        let o = [
            outcome(Rule::Hold, true, false),
            outcome(Rule::Consent, true, false),
        ];
        assert_eq!(verdict(&o), Verdict::Cleared);
    }

    #[test]
    fn any_hard_failure_blocks_even_with_reviews() {
        let o = [
            outcome(Rule::Hold, true, false),
            outcome(Rule::Provenance, false, true),
            outcome(Rule::Consent, false, false),
        ];
        assert_eq!(verdict(&o), Verdict::Blocked);
    }

    #[test]
    fn review_only_failures_need_review() {
        let o = [
            outcome(Rule::Hold, true, false),
            outcome(Rule::Faces, false, true),
        ];
        assert_eq!(verdict(&o), Verdict::NeedsReview);
    }

    #[test]
    fn no_outcomes_is_never_cleared() {
        assert_eq!(verdict(&[]), Verdict::NeedsReview);
    }

    #[test]
    fn make_and_model_provenance_needs_review_and_none_blocks() {
        let weak = provenance_outcome(
            ProvenanceLevel::MakeModel,
            Some("iPad 7 (TRUST-014)"),
            "Apple iPad",
        );
        assert!(!weak.passed && weak.review, "{weak:?}");
        assert_eq!(verdict(&[weak]), Verdict::NeedsReview);
        let none = provenance_outcome(ProvenanceLevel::None, None, "");
        assert!(!none.passed && !none.review);
        assert_eq!(
            none.detail,
            "no evidence that the photo was taken on a trust-owned device"
        );
        assert_eq!(verdict(&[none]), Verdict::Blocked);
        // The evidence of `none` says it all, once.
        let said =
            "no evidence that a trust-owned device took this photo (it says Apple iPhone 15)";
        let none = provenance_outcome(ProvenanceLevel::None, None, said);
        assert_eq!(none.detail, said);
        assert!(!none.passed && !none.review);
        for level in [
            ProvenanceLevel::C2pa,
            ProvenanceLevel::Ledger,
            ProvenanceLevel::LedgerSimilar,
            ProvenanceLevel::Serial,
        ] {
            let o = provenance_outcome(level, Some("Canon R50"), "serial 123");
            assert!(o.passed, "{level:?}");
            assert!(
                o.detail.contains("Canon R50") && o.detail.contains("serial 123"),
                "{}",
                o.detail
            );
        }
    }

    #[test]
    fn more_faces_than_tagged_pupils_needs_review_until_acknowledged() {
        let o = faces_outcome(Some(5), 2, false);
        assert!(!o.passed && o.review);
        assert_eq!(o.detail, "5 faces found, 2 pupils tagged");
        let ack = faces_outcome(Some(5), 2, true);
        assert!(ack.passed);
        assert_eq!(
            faces_outcome(Some(1), 1, false).detail,
            "1 face found, 1 pupil tagged"
        );
        assert!(faces_outcome(Some(1), 1, false).passed);
    }

    #[test]
    fn faces_not_counted_passes_and_says_so() {
        let o = faces_outcome(None, 3, false);
        assert!(o.passed);
        assert!(o.detail.contains("not run"), "{}", o.detail);
    }

    #[test]
    fn verdict_and_rule_serialise_snake_case() {
        assert_eq!(
            serde_json::to_string(&Verdict::NeedsReview).unwrap(),
            "\"needs_review\""
        );
        assert_eq!(
            serde_json::to_string(&ProvenanceLevel::LedgerSimilar).unwrap(),
            "\"ledger_similar\""
        );
        assert_eq!(
            serde_json::to_string(&ProvenanceLevel::MakeModel).unwrap(),
            "\"make_model\""
        );
        assert_eq!(
            serde_json::to_string(&Rule::Provenance).unwrap(),
            "\"provenance\""
        );
    }
}
