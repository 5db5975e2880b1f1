//! Sample statistics for Monte Carlo replications: mean, standard deviation and a two-sided 95%
//! Student-t confidence interval, plus the paired comparison that common random numbers make
//! meaningful. Invariant: summaries of an empty sample are `None`, never NaN.

use serde::Serialize;

/// Two-sided 95% Student-t critical values for 1..=30 degrees of freedom (standard tables).
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The two-sided 95% t critical value. Beyond 30 degrees of freedom a Cornish-Fisher expansion
/// around z = 1.959964 is accurate to about 1e-3 (df = 40: 2.021; df = 120: 1.980).
pub fn t95(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= T95.len() {
        return T95[df - 1];
    }
    let z = 1.959_964_f64;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    /// 95% confidence interval of the mean; equals the mean when every replication agrees.
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Summary {
    pub fn of(xs: &[f64]) -> Option<Self> {
        let n = xs.len();
        if n == 0 {
            return None;
        }
        // Identical replications (a deterministic runner) get exactly that value and zero width,
        // not a rounding-noise interval.
        if xs.iter().all(|x| *x == xs[0]) {
            return Some(Self {
                n,
                mean: xs[0],
                sd: 0.0,
                ci_low: xs[0],
                ci_high: xs[0],
            });
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let half = if n > 1 && sd > 0.0 {
            t95(n - 1) * sd / (n as f64).sqrt()
        } else {
            0.0
        };
        Some(Self {
            n,
            mean,
            sd,
            ci_low: mean - half,
            ci_high: mean + half,
        })
    }

    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }
}

/// Paired difference `a[r] − b[r]` over replications. Under common random numbers replication r
/// of both knock-outs saw the same random draws, so the difference cancels the shared noise and
/// its interval is much narrower than the two separate intervals suggest.
pub fn paired_difference(a: &[f64], b: &[f64]) -> Option<Summary> {
    if a.len() != b.len() {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    Summary::of(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_hand_computed_sample() {
        // 2, 4, 6: mean 4, sd = sqrt((4+0+4)/2) = 2, half width = 4.303 × 2 / sqrt(3) = 4.9687.
        let s = Summary::of(&[2.0, 4.0, 6.0]).expect("non-empty");
        assert!((s.mean - 4.0).abs() < 1e-12);
        assert!((s.sd - 2.0).abs() < 1e-12);
        assert!((s.half_width() - 4.303 * 2.0 / 3f64.sqrt()).abs() < 1e-9);
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn constant_sample_has_zero_width() {
        let s = Summary::of(&[5.0; 10]).expect("non-empty");
        assert_eq!((s.ci_low, s.ci_high), (5.0, 5.0));
    }

    #[test]
    fn t_values_continue_smoothly_past_the_table() {
        assert!((t95(40) - 2.021).abs() < 2e-3);
        assert!((t95(120) - 1.980).abs() < 1e-3);
        assert!((t95(199) - 1.972).abs() < 1e-3);
    }

    #[test]
    fn paired_difference_cancels_shared_noise() {
        let a = [10.0, 20.0, 30.0];
        let b = [9.0, 19.0, 29.0];
        let d = paired_difference(&a, &b).expect("same length");
        assert_eq!((d.mean, d.sd), (1.0, 0.0));
    }
}
