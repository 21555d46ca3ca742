//! Seeding and small sampling helpers over `ChaCha8Rng`.
//!
//! Owns how a `(seed, stream, index)` triple becomes an independent random stream, so that every
//! row, instance and corpus file is a pure function of its coordinates. It does not know what the
//! streams are used for.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator every module uses.
pub(crate) type GenRng = ChaCha8Rng;

/// Stream ids, so that different uses of the same index never share randomness.
pub(crate) mod stream {
    pub const PLAN: u64 = 1;
    pub const INSTANCE: u64 = 2;
    pub const ROW: u64 = 3;
    pub const CORPUS: u64 = 4;
    pub const ISSUE: u64 = 5;
}

/// SplitMix64 finalizer: a bijective 64-bit mix.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent stream for `(seed, stream, index)`.
pub(crate) fn rng_for(seed: u64, stream: u64, index: u64) -> GenRng {
    let key = mix64(seed ^ mix64(stream.wrapping_mul(0xA24B_AED4_963E_E407) ^ mix64(index)));
    GenRng::seed_from_u64(key)
}

/// A uniformly chosen element.
pub(crate) fn pick<'a, T>(rng: &mut GenRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A uniformly chosen word of a static list.
pub(crate) fn word(rng: &mut GenRng, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// An index chosen with the given relative weights (all weights > 0 overall).
pub(crate) fn weighted(rng: &mut GenRng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u64 = weights.clone().map(u64::from).sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.enumerate() {
        let w = u64::from(w);
        if x < w {
            return i;
        }
        x -= w;
    }
    unreachable!("weights sum mismatch")
}

/// A sample from a normal distribution (Box-Muller), clamped to `[lo, hi]`.
pub(crate) fn normal_clamped(rng: &mut GenRng, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (mean + sd * z).clamp(lo, hi)
}

/// Lowercase hex of `n` nibbles.
pub(crate) fn hex(rng: &mut GenRng, n: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(n);
    let mut bits = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            bits = rng.random();
        }
        s.push(DIGITS[(bits & 0xf) as usize] as char);
        bits >>= 4;
    }
    s
}

/// Hex digits of a hash of `text` (for `index abc1234..def5678` lines).
pub(crate) fn text_hash_hex(text: &str, n: usize) -> String {
    let bytes = text.as_bytes();
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("chunk of 8"));
        h = (h ^ w).wrapping_mul(0xFF51_AFD7_ED55_8CCD).rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let h = mix64(h);
    format!("{h:016x}")[..n].to_string()
}
