//! The QR symbol (error correction M), with the mask chosen by the same penalty rules as the `qrcode`
//! crate's `apply_best_mask`, scored on a flat grid: that crate allocates a boxed closure for every
//! position of its finder-pattern rule, which made the mask choice ~1.4 ms of each generate-qris
//! request; this picks the identical mask (a test compares every module) in a fraction of it.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, QrResult, bits, ec};

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The symbol's modules, row-major (`true` = dark), and its width in modules.
pub fn encode(data: &[u8]) -> QrResult<(usize, Vec<bool>)> {
    let bits = bits::encode_auto(data, EcLevel::M)?;
    let version = bits.version();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M)?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let mut best: Option<(u32, Vec<bool>)> = None;
    let mut width = 0;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        width = dark.len().isqrt();
        let score = penalty(&dark, width);
        // The first of equal scores wins, as with `Iterator::min_by_key`.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, dark));
        }
    }
    let (_, dark) = best.expect("eight masks");
    Ok((width, dark))
}

/// The `qrcode` crate's total penalty for a (normal) QR symbol: runs of ≥ 5 (N1), 2×2 blocks (N2),
/// finder-like patterns (N3, the three real finders' 360 points subtracted per direction), balance.
fn penalty(dark: &[bool], w: usize) -> u32 {
    let mut transposed = vec![false; dark.len()];
    for y in 0..w {
        for x in 0..w {
            transposed[x * w + y] = dark[y * w + x];
        }
    }
    let mut score = 0;
    for grid in [dark, &transposed[..]] {
        let mut finder = 0u32;
        for line in grid.chunks_exact(w) {
            score += runs(line);
            finder += finders(line);
        }
        score += finder.saturating_sub(360);
    }
    // N2: every 2×2 block of one colour scores 3.
    for (top, bottom) in dark.chunks_exact(w).zip(dark.chunks_exact(w).skip(1)) {
        for x in 0..w - 1 {
            let c = top[x];
            if top[x + 1] == c && bottom[x] == c && bottom[x + 1] == c {
                score += 3;
            }
        }
    }
    // Balance, as the crate computes it.
    let ratio = dark.iter().filter(|d| **d).count() * 200 / dark.len();
    score + ratio.abs_diff(100) as u32
}

/// N1: each run of L ≥ 5 same-colour modules scores L - 2.
fn runs(line: &[bool]) -> u32 {
    let mut score = 0;
    let mut run = 1;
    for k in 1..line.len() {
        if line[k] == line[k - 1] {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    score
}

/// N3: 40 for each dark-light-dark×3-light-dark inside the line with four light (or outside)
/// modules before it or after it. A 15-module window slides over the line padded with light.
fn finders(line: &[bool]) -> u32 {
    const PATTERN: u32 = 0b1011101;
    let w = line.len();
    let module = |i: usize| -> u32 {
        // Padded index: four light modules on each side.
        (i >= 4 && i - 4 < w && line[i - 4]) as u32
    };
    let mut score = 0;
    let mut window = 0u32;
    for i in 0..14 {
        window = (window << 1) | module(i);
    }
    // The pattern starts at line index j = padded index j + 4; the window covers j-4 .. j+11.
    for j in 0..w.saturating_sub(6) {
        window = ((window << 1) | module(j + 14)) & 0x7FFF;
        if (window >> 4) & 0x7F == PATTERN && (window >> 11 == 0 || window & 0xF == 0) {
            score += 40;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::QrCode;

    fn reference(data: &[u8]) -> Vec<bool> {
        QrCode::with_error_correction_level(data, EcLevel::M)
            .unwrap()
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect()
    }

    #[test]
    fn picks_the_same_mask_as_the_qrcode_crate() {
        let demo = crate::qris::DEMO_STATIC.trim();
        let qris = crate::qris::Qris::parse(demo).unwrap();
        let mut cases: Vec<String> = vec![demo.to_owned(), "x".into(), "HELLO WORLD".into()];
        for (i, amount) in [1u64, 999, 1000, 25_000, 1_000_000, 9_999_999]
            .iter()
            .enumerate()
        {
            for trx in ["UP-261121180000-ABCDEFGH", "UP-250830181615-Z2345678"] {
                let dynamic = qris
                    .to_dynamic(*amount + i as u64, Some(trx), 20_000_000)
                    .unwrap();
                cases.push(dynamic.payload());
            }
        }
        for n in [10, 50, 120, 200, 400] {
            cases.push(
                (0..n)
                    .map(|i| char::from(b'A' + (i * 7 % 26) as u8))
                    .collect(),
            );
        }
        for case in cases {
            let (w, ours) = encode(case.as_bytes()).unwrap();
            assert_eq!(w * w, ours.len());
            assert_eq!(ours, reference(case.as_bytes()), "same symbol for {case:?}");
        }
    }
}
