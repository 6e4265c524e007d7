//! Perceptual hash: recognises a resized, recompressed or slightly cropped copy of a photo.

use crate::Decoded;
use crate::PhotoError;

/// Bytes in a [`PerceptualHash`]: 144 bits.
pub const PERCEPTUAL_HASH_BYTES: usize = 18;

/// A 144-bit "double gradient" difference hash (horizontal and vertical brightness gradients
/// of a small grey copy), computed by the `image_hasher` crate with hash size 16×16.
///
/// Chosen over the 64-bit DCT mean hash by measurement on the corpus: with the DCT mean hash,
/// unrelated photos came within 2–11 bits of each other while a 5% crop moved 11 bits. With
/// this hash a resize or recompression moves at most 4 of 144 bits and a 2% crop 12, while the
/// closest unrelated corpus photos (a pen drawing on white paper and a glider against the sky)
/// are 25 apart; a plain picture's hash is nearly all zeros (see [`PerceptualHash::has_detail`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerceptualHash(pub [u8; PERCEPTUAL_HASH_BYTES]);

/// Hashes at most this many bits apart (of 144) are the same photo: resized, recompressed, or
/// cropped by about 2% per edge. Measured in `tests/pixels.rs`: copies move up to 12 bits and
/// the closest unrelated photos are 25 apart, so a match is evidence, not a coincidence. (A 5%
/// crop moves up to 24 bits: too close to unrelated photos to count.)
/// The ingest hashes a decode whose long edge is at least this many pixels: ¼ scale in the DCT
/// for a 12 MP photo, a small photo in full. At ⅛ (500 px of a 12 MP photo, 80 px of a 640-px
/// one) a small photo's hash strayed up to 10 bits from its working copy's, more than
/// [`SIMILAR_UNTIMED_MAX_DISTANCE`] leaves for the copy itself.
pub const LEDGER_HASH_EDGE: u32 = 512;

pub const SIMILAR_MAX_DISTANCE: u32 = 16;

/// The distance within which a copy counts when the times its EXIF records cannot be compared
/// (one or both say nothing, as after WhatsApp or a screenshot). Resized and recompressed
/// copies are 0–4 bits from their original; a second shot of the same scene, panned a little
/// or with another child in the same place, can be 13–15, so without the times to tell them
/// apart only a near-exact look counts.
pub const SIMILAR_UNTIMED_MAX_DISTANCE: u32 = 8;

/// Set bits (and unset bits) a hash needs to recognise a copy by: the hash records brightness
/// gradients, so a plain or nearly plain picture (a blank frame, a lens cap, a white page)
/// hashes to almost all zeros and would be "similar" to every other plain picture. Photos of
/// anything have 50–90 of 144 set; the plainest frames of the corpus have 0–27.
pub const MIN_DETAIL_BITS: u32 = 36;

impl PerceptualHash {
    /// 36 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Result<PerceptualHash, PhotoError> {
        let mut bytes = [0u8; PERCEPTUAL_HASH_BYTES];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| {
            PhotoError::Malformed(format!(
                "perceptual hash must be {} hex digits, got {s:?}",
                PERCEPTUAL_HASH_BYTES * 2
            ))
        })?;
        Ok(PerceptualHash(bytes))
    }

    /// Number of differing bits (Hamming distance), 0–144.
    pub fn distance(&self, other: &PerceptualHash) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }

    /// Whether the picture has enough detail for its hash to recognise a copy of it.
    pub fn has_detail(&self) -> bool {
        let ones: u32 = self.0.iter().map(|b| b.count_ones()).sum();
        let bits = (PERCEPTUAL_HASH_BYTES * 8) as u32;
        ones >= MIN_DETAIL_BITS && bits - ones >= MIN_DETAIL_BITS
    }

    /// Whether the two hashes are of the same photo: both have detail, and they are at most
    /// [`SIMILAR_MAX_DISTANCE`] apart.
    pub fn is_similar(&self, other: &PerceptualHash) -> bool {
        self.has_detail() && other.has_detail() && self.distance(other) <= SIMILAR_MAX_DISTANCE
    }
}

impl Decoded {
    pub fn perceptual_hash(&self) -> PerceptualHash {
        // Shrink with the SIMD resizer first (an area average): the hasher's own resize of a
        // 12 MP image would cost more than the decode. 64×64 keeps more than its 17×16 input needs.
        let small =
            crate::export::resize_with(&self.image, 64, 64, fast_image_resize::FilterType::Box);
        let hasher = image_hasher::HasherConfig::new()
            .hash_size(16, 16)
            .hash_alg(image_hasher::HashAlg::DoubleGradient)
            .to_hasher();
        let hash = hasher.hash_image(&small);
        let mut bits = [0u8; PERCEPTUAL_HASH_BYTES];
        for (dst, src) in bits.iter_mut().zip(hash.as_bytes()) {
            *dst = *src;
        }
        PerceptualHash(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let mut bytes = [0u8; PERCEPTUAL_HASH_BYTES];
        bytes[0] = 0xab;
        bytes[17] = 0x01;
        let h = PerceptualHash(bytes);
        assert_eq!(h.to_hex(), format!("ab{}01", "0".repeat(32)));
        assert_eq!(PerceptualHash::from_hex(&h.to_hex()).ok(), Some(h));
        assert!(PerceptualHash::from_hex("xyz").is_err());
        assert!(PerceptualHash::from_hex(&"g".repeat(36)).is_err());
    }

    #[test]
    fn distance_counts_differing_bits() {
        let zero = PerceptualHash([0; PERCEPTUAL_HASH_BYTES]);
        let ones = PerceptualHash([0xff; PERCEPTUAL_HASH_BYTES]);
        assert_eq!(zero.distance(&ones), 144);
    }

    #[test]
    fn a_plain_picture_is_similar_to_nothing_not_even_itself() {
        let zero = PerceptualHash([0; PERCEPTUAL_HASH_BYTES]);
        assert!(!zero.has_detail() && !zero.is_similar(&zero));
        // Half the bits set, as a photo of something has: similar to itself and near copies.
        let detailed = PerceptualHash([0b1010_0101; PERCEPTUAL_HASH_BYTES]);
        assert!(detailed.has_detail() && detailed.is_similar(&detailed));
        let mut near = detailed;
        near.0[0] ^= 0xff;
        near.0[1] ^= 0xff;
        assert_eq!(detailed.distance(&near), 16);
        assert!(detailed.is_similar(&near));
        near.0[2] ^= 0x01;
        assert!(!detailed.is_similar(&near), "17 bits apart");
    }
}
