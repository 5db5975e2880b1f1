//! The de-minimis content test of an extraterritorial rule (MOFCOM No. 61 of 2025, Art. 2:
//! foreign-made goods whose Chinese-origin listed rare-earth content is worth 0.1% or more of
//! their value need a Chinese licence), written once for every engine that applies it.
//!
//! The measure states the test by value: the value of the goods' material lines that contain a
//! listed element in a listed form, each weighted by the share of its rare-earth content that
//! comes from the origin, over the value of the goods. [`value_share`] computes that share and
//! [`applies`] compares it with the threshold; the licence checker calls both on a bill of
//! materials. The simulator tracks origin as mass shares of the rare-earth content of each
//! stock, so the scenario compiler asks [`min_origin_share`] for the origin share at which goods
//! whose listed lines make up a given share of their value cross the threshold, and hands the
//! kernel that number. Both readings come from the same inequality and the same tolerance, so
//! they cannot disagree (a property test checks it).

/// Relative slack when comparing a value share with a threshold, so that decimal inputs such as
/// 0.1 USD of 100 USD count as exactly 0.1%.
pub const THRESHOLD_TOLERANCE: f64 = 1e-9;

/// The origin-weighted value share of a product's listed lines: `lines` yields, per listed
/// line, its value and the share of its rare-earth content from the origin (each in [0, 1]);
/// `product_value` is the value of the goods. 0 for goods of no value.
pub fn value_share(lines: impl IntoIterator<Item = (f64, f64)>, product_value: f64) -> f64 {
    if product_value <= 0.0 {
        return 0.0;
    }
    lines.into_iter().map(|(v, o)| v * o).sum::<f64>() / product_value
}

/// Whether a value share meets the threshold ("0.1% or more": at the threshold it applies).
pub fn applies(share: f64, threshold: f64) -> bool {
    share >= bar(threshold)
}

/// For goods whose listed lines make up `listed_value_share` of their value (1 for goods that
/// are themselves the listed material: a magnet, an alloy, an oxide), the smallest origin share
/// of the listed content at which the rule applies; `None` when no origin share can reach the
/// threshold (listed lines worth too little).
pub fn min_origin_share(threshold: f64, listed_value_share: f64) -> Option<f64> {
    if listed_value_share <= 0.0 {
        return None;
    }
    let s = bar(threshold) / listed_value_share;
    (s <= 1.0).then_some(s.max(0.0))
}

fn bar(threshold: f64) -> f64 {
    threshold * (1.0 - THRESHOLD_TOLERANCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measure_reads_at_or_above() {
        // 0.1 USD of Chinese-origin listed content in a 100 USD product is exactly 0.1%.
        let s = value_share([(0.1, 1.0)], 100.0);
        assert!(applies(s, 0.001));
        assert!(!applies(value_share([(0.09, 1.0)], 100.0), 0.001));
        // Half-Chinese content at 0.2 USD: 0.1%.
        assert!(applies(value_share([(0.2, 0.5)], 100.0), 0.001));
        assert_eq!(value_share([(5.0, 1.0)], 0.0), 0.0);
    }

    #[test]
    fn the_mass_reading_agrees_with_the_value_reading() {
        // For any goods (listed value share v) and origin share o of their content:
        // applies(o * v) <=> o >= min_origin_share(v).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..100_000 {
            let t = [0.001, 0.0001, 0.05, 0.5][(next() * 4.0) as usize % 4];
            let v = next();
            let o = next();
            let by_value = applies(value_share([(v, o)], 1.0), t);
            let by_share = min_origin_share(t, v).is_some_and(|m| o >= m);
            // Equality can differ only at the last bit of the division.
            if by_value != by_share {
                let m = min_origin_share(t, v).unwrap_or(f64::INFINITY);
                assert!(
                    (o - m).abs() <= 4.0 * f64::EPSILON * m.max(1e-300),
                    "t {t} v {v} o {o}"
                );
            }
        }
        assert_eq!(
            min_origin_share(0.001, 1.0),
            Some(0.001 * (1.0 - THRESHOLD_TOLERANCE))
        );
        assert_eq!(min_origin_share(0.001, 0.0005), None);
        assert_eq!(min_origin_share(0.001, 0.0), None);
    }
}
