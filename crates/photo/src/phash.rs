//! Perceptual hash: recognises a resized, recompressed or slightly cropped copy of a photo.

use crate::Decoded;
use crate::PhotoError;

/// A 64-bit DCT perceptual hash (pHash: mean of the low-frequency DCT of a 32×32 grey image),
/// computed by the `image_hasher` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerceptualHash(pub u64);

/// Hashes at most this many bits apart are the same photo (resized, recompressed or cropped
/// by a few percent). Chosen from the corpus tests in `tests/phash.rs`.
pub const SIMILAR_MAX_DISTANCE: u32 = 12;

impl PerceptualHash {
    /// 16 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    pub fn from_hex(s: &str) -> Result<PerceptualHash, PhotoError> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PhotoError::Malformed(format!(
                "perceptual hash must be 16 hex digits, got {s:?}"
            )));
        }
        u64::from_str_radix(s, 16)
            .map(PerceptualHash)
            .map_err(|_| PhotoError::Malformed(format!("perceptual hash is not hex: {s:?}")))
    }

    /// Number of differing bits (Hamming distance), 0–64.
    pub fn distance(&self, other: &PerceptualHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    pub fn is_similar(&self, other: &PerceptualHash) -> bool {
        self.distance(other) <= SIMILAR_MAX_DISTANCE
    }
}

impl Decoded {
    pub fn perceptual_hash(&self) -> PerceptualHash {
        // Shrink with the SIMD resizer first: the hasher's own resize of a 12 MP image would
        // cost more than the decode. 64×64 keeps more than the hasher's 32×32 input needs.
        let small = crate::export::resize_exact(&self.image, 64, 64);
        let hasher = image_hasher::HasherConfig::new()
            .hash_size(8, 8)
            .hash_alg(image_hasher::HashAlg::Mean)
            .preproc_dct()
            .to_hasher();
        let hash = hasher.hash_image(&small);
        let mut bits = [0u8; 8];
        for (dst, src) in bits.iter_mut().zip(hash.as_bytes()) {
            *dst = *src;
        }
        PerceptualHash(u64::from_be_bytes(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let h = PerceptualHash(0x0123_4567_89ab_cdef);
        assert_eq!(h.to_hex(), "0123456789abcdef");
        assert_eq!(PerceptualHash::from_hex(&h.to_hex()).ok(), Some(h));
        assert!(PerceptualHash::from_hex("xyz").is_err());
        assert!(PerceptualHash::from_hex("0123456789abcdeg").is_err());
    }

    #[test]
    fn distance_counts_differing_bits() {
        assert_eq!(PerceptualHash(0).distance(&PerceptualHash(u64::MAX)), 64);
        assert_eq!(PerceptualHash(0b1010).distance(&PerceptualHash(0b0110)), 2);
    }
}
