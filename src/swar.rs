//! Eight bytes at a time: tests on the bytes of a `u64` without a loop or a branch per
//! byte, shared by the scans that look at every byte (word starts, capitals, plain
//! runs of text, CSV fields that need quotes).

/// Eight 0x01 bytes.
pub const ONES: u64 = 0x0101_0101_0101_0101;

/// Eight 0x80 bytes: the high bit of every byte.
pub const HIGH: u64 = ONES * 0x80;

/// The high bit of each byte of `low` (seven-bit values) that lies in `lo..=hi`, plus
/// stray bits below it. No sum carries into the next byte; a byte reaches `lo` whenever
/// it passes `hi`, so the two sums differ in the high bit just inside the range.
pub fn in_range_high(low: u64, lo: u8, hi: u8) -> u64 {
    (low + ONES * (0x80 - u64::from(lo))) ^ (low + ONES * (0x7F - u64::from(hi)))
}

/// The word of eight bytes, little-endian.
pub fn word8(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// The high bit of each byte of `x` that is an ASCII letter or digit.
pub fn alnum_high(x: u64) -> u64 {
    let low = x & !HIGH;
    // with bit 5 set, capitals are lowercase and no other byte becomes a letter
    let letter = in_range_high(low | (ONES * 0x20), b'a', b'z');
    let digit = in_range_high(low, b'0', b'9');
    (letter | digit) & !x & HIGH
}

/// The high bits of the eight bytes of `x` as the eight low bits of the result.
pub fn gather_high(x: u64) -> u64 {
    // byte k's bit lands on bit 56 + k and no two partial products overlap
    ((x >> 7) & ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alnum_high_marks_ascii_letters_and_digits() {
        // every byte value at every place, next to a mix of other bytes
        for b in 0..=255u8 {
            for k in 0..8 {
                let mut x = [0u8; 8];
                for (j, y) in x.iter_mut().enumerate() {
                    *y = b.wrapping_add((j as u8).wrapping_mul(37).wrapping_add(1));
                }
                x[k] = b;
                let want = x
                    .iter()
                    .enumerate()
                    .filter(|(_, y)| y.is_ascii_alphanumeric())
                    .fold(0u64, |m, (j, _)| m | 1 << j);
                let got = gather_high(alnum_high(u64::from_le_bytes(x)));
                assert_eq!(got, want, "{x:?}");
            }
        }
    }
}
