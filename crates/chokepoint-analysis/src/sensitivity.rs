//! Sensitivity designs and indices: which uncertain input moves an answer most.
//!
//! A design is a list of points in the unit cube `[0, 1)^d` (one coordinate per input); the
//! caller maps each coordinate onto its input's range or list and evaluates the model there.
//! The designs:
//! * [`grid`]: the full factorial of given levels per input;
//! * [`latin_hypercube`]: `n` points, each input's range cut into `n` equal strata with one
//!   point in each, strata paired by seeded permutations;
//! * [`saltelli`]: the `n (d + 2)` points of Saltelli's scheme (matrices A, B and, per input j,
//!   A with column j from B) on an Owen-scrambled Sobol sequence, for variance-based indices;
//! * [`one_at_a_time`]: every input at its low and its high end with the others at the centre,
//!   for a tornado table.
//!
//! [`sobol_indices`] estimates first-order indices with Saltelli et al. (2010) and total
//! indices with Jansen (1999) from the Saltelli evaluations, with percentile bootstrap
//! intervals over the base samples; [`tornado`] ranks inputs by the swing between their low
//! and high ends.
//!
//! Invariants: no I/O, no clock; a design and its indices depend only on their arguments (the
//! seed included), so a sweep split over machines gives the same points and the same indices.

use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// Why a design or an estimate cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SensitivityError {
    #[error("{0}")]
    Invalid(String),
}

/// The full factorial of `levels[j]` evenly spread levels per input (`0.0` alone for one
/// level, else `k / (levels - 1)`): every combination, the last input varying fastest.
pub fn grid(levels: &[usize]) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if levels.is_empty() || levels.contains(&0) {
        return Err(SensitivityError::Invalid(
            "grid: every input needs at least one level".into(),
        ));
    }
    let total = levels
        .iter()
        .try_fold(1usize, |acc, &l| acc.checked_mul(l))
        .filter(|&t| t <= 1_000_000)
        .ok_or_else(|| {
            SensitivityError::Invalid("grid: more than 1,000,000 combinations".into())
        })?;
    let mut points = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut p = vec![0.0; levels.len()];
        for j in (0..levels.len()).rev() {
            let l = levels[j];
            let k = i % l;
            i /= l;
            p[j] = if l == 1 {
                0.0
            } else {
                k as f64 / (l - 1) as f64
            };
        }
        points.push(p);
    }
    Ok(points)
}

/// `n` points in `[0, 1)^d`, one in each of the `n` strata of every coordinate, at a random
/// place inside its stratum; strata are paired across coordinates by seeded permutations.
/// (Written here: the sampler is ten lines and the crates that offer it pull in more than
/// they give.)
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if n == 0 || d == 0 {
        return Err(SensitivityError::Invalid(
            "latin hypercube: needs at least one sample and one input".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Column by column: a permutation of the strata, then a place inside each.
    let columns: Vec<Vec<f64>> = (0..d)
        .map(|_| {
            let mut strata: Vec<usize> = (0..n).collect();
            // Fisher-Yates with the seeded stream.
            for i in (1..n).rev() {
                let k = rng.random_range(0..=i);
                strata.swap(i, k);
            }
            strata
                .iter()
                .map(|&s| {
                    let u: f64 = rng.random();
                    (s as f64 + u) / n as f64
                })
                .collect()
        })
        .collect();
    let points = (0..n)
        .map(|i| columns.iter().map(|c| c[i]).collect())
        .collect();
    Ok(points)
}

/// Where a Saltelli evaluation sits: base sample `sample`, and the matrix it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SaltelliRole {
    A,
    B,
    /// A with input `j`'s column taken from B.
    AB(usize),
}

/// Saltelli's `n (d + 2)` points: for each base sample i, A_i, B_i, then A_i with column j
/// from B_i for every j. A and B are the first and last `d` coordinates of an Owen-scrambled
/// Sobol sequence in `2d` dimensions (sobol_burley), with `seed` choosing the scrambling.
pub fn saltelli(
    n: usize,
    d: usize,
    seed: u64,
) -> Result<Vec<(usize, SaltelliRole, Vec<f64>)>, SensitivityError> {
    if n < 2 || d == 0 {
        return Err(SensitivityError::Invalid(
            "saltelli: needs at least two base samples and one input".into(),
        ));
    }
    if 2 * d > 256 {
        return Err(SensitivityError::Invalid(
            "saltelli: at most 128 inputs (the Sobol sequence has 256 dimensions)".into(),
        ));
    }
    let n32 = u32::try_from(n)
        .map_err(|_| SensitivityError::Invalid("saltelli: too many samples".into()))?;
    // sobol_burley takes a 32-bit seed; fold the 64-bit one.
    let s32 = (seed ^ (seed >> 32)) as u32;
    let mut out = Vec::with_capacity(n * (d + 2));
    for i in 0..n32 {
        let coord = |k: usize| f64::from(sobol_burley::sample(i, k as u32, s32));
        let a: Vec<f64> = (0..d).map(coord).collect();
        let b: Vec<f64> = (d..2 * d).map(coord).collect();
        let i = i as usize;
        out.push((i, SaltelliRole::A, a.clone()));
        out.push((i, SaltelliRole::B, b.clone()));
        for j in 0..d {
            let mut ab = a.clone();
            ab[j] = b[j];
            out.push((i, SaltelliRole::AB(j), ab));
        }
    }
    Ok(out)
}

/// One input's Sobol indices with their bootstrap intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolIndex {
    pub first_order: f64,
    pub first_order_ci: (f64, f64),
    pub total: f64,
    pub total_ci: (f64, f64),
}

/// The evaluations of one output at the Saltelli points, by base sample.
#[derive(Debug, Clone, Default)]
pub struct SaltelliValues {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    /// `ab[j][i]`: input j's column from B, base sample i.
    pub ab: Vec<Vec<f64>>,
}

impl SaltelliValues {
    /// Gathers evaluations given in [`saltelli`]'s order (`values[k]` at point k).
    pub fn from_design(
        design: &[(usize, SaltelliRole, Vec<f64>)],
        values: &[f64],
        d: usize,
    ) -> Result<SaltelliValues, SensitivityError> {
        if design.len() != values.len() {
            return Err(SensitivityError::Invalid(format!(
                "saltelli: {} values for {} points",
                values.len(),
                design.len()
            )));
        }
        let n = design.len() / (d + 2);
        let mut v = SaltelliValues {
            a: vec![f64::NAN; n],
            b: vec![f64::NAN; n],
            ab: vec![vec![f64::NAN; n]; d],
        };
        for ((i, role, _), &y) in design.iter().zip(values) {
            let slot = match *role {
                SaltelliRole::A => v.a.get_mut(*i),
                SaltelliRole::B => v.b.get_mut(*i),
                SaltelliRole::AB(j) => v.ab.get_mut(j).and_then(|c| c.get_mut(*i)),
            };
            match slot {
                Some(s) => *s = y,
                None => {
                    return Err(SensitivityError::Invalid(
                        "saltelli: a point outside the design".into(),
                    ));
                }
            }
        }
        Ok(v)
    }
}

fn indices_on(v: &SaltelliValues, rows: &[usize]) -> Vec<(f64, f64)> {
    let n = rows.len() as f64;
    let mut all: Vec<f64> = rows.iter().map(|&i| v.a[i]).collect();
    all.extend(rows.iter().map(|&i| v.b[i]));
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / all.len() as f64;
    v.ab.iter()
        .map(|abj| {
            if var <= 0.0 {
                return (0.0, 0.0);
            }
            let first = rows
                .iter()
                .map(|&i| v.b[i] * (abj[i] - v.a[i]))
                .sum::<f64>()
                / n
                / var;
            let total =
                rows.iter().map(|&i| (v.a[i] - abj[i]).powi(2)).sum::<f64>() / (2.0 * n) / var;
            (first, total)
        })
        .collect()
}

/// First-order (Saltelli 2010) and total (Jansen 1999) indices per input, with 95% percentile
/// bootstrap intervals from `resamples` resamplings of the base samples (seeded). An output
/// that does not vary has every index 0.
pub fn sobol_indices(
    v: &SaltelliValues,
    resamples: usize,
    seed: u64,
) -> Result<Vec<SobolIndex>, SensitivityError> {
    let n = v.a.len();
    if n < 2 || v.b.len() != n || v.ab.iter().any(|c| c.len() != n) {
        return Err(SensitivityError::Invalid(
            "sobol indices: the A, B and AB evaluations must have the same number of base samples (at least 2)".into(),
        ));
    }
    let finite = |x: &f64| x.is_finite();
    if !(v.a.iter().all(finite) && v.b.iter().all(finite) && v.ab.iter().flatten().all(finite)) {
        return Err(SensitivityError::Invalid(
            "sobol indices: an evaluation is missing or not finite".into(),
        ));
    }
    let all: Vec<usize> = (0..n).collect();
    let point = indices_on(v, &all);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = v.ab.len();
    let mut boot: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(resamples); d];
    let mut rows = vec![0usize; n];
    for _ in 0..resamples {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n);
        }
        for (j, x) in indices_on(v, &rows).into_iter().enumerate() {
            boot[j].push(x);
        }
    }
    let band = |mut xs: Vec<f64>| -> (f64, f64) {
        if xs.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        xs.sort_by(f64::total_cmp);
        let q = |p: f64| xs[((p * (xs.len() - 1) as f64).round() as usize).min(xs.len() - 1)];
        (q(0.025), q(0.975))
    };
    Ok(point
        .into_iter()
        .zip(boot)
        .map(|((first, total), b)| SobolIndex {
            first_order: first,
            first_order_ci: band(b.iter().map(|x| x.0).collect()),
            total,
            total_ci: band(b.iter().map(|x| x.1).collect()),
        })
        .collect())
}

/// The one-at-a-time design: the centre point (every coordinate 0.5), then per input its low
/// (0) and high (1) end with the others at the centre: `1 + 2d` points.
pub fn one_at_a_time(d: usize) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if d == 0 {
        return Err(SensitivityError::Invalid(
            "one at a time: needs at least one input".into(),
        ));
    }
    let mut out = vec![vec![0.5; d]];
    for j in 0..d {
        for end in [0.0, 1.0] {
            let mut p = vec![0.5; d];
            p[j] = end;
            out.push(p);
        }
    }
    Ok(out)
}

/// One bar of a tornado table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    pub input: usize,
    pub low: f64,
    pub high: f64,
    /// `|high - low|`.
    pub swing: f64,
}

/// Tornado bars from evaluations in [`one_at_a_time`]'s order, widest swing first (ties by
/// input order). Returns the centre value too.
pub fn tornado(values: &[f64], d: usize) -> Result<(f64, Vec<TornadoBar>), SensitivityError> {
    if values.len() != 1 + 2 * d {
        return Err(SensitivityError::Invalid(format!(
            "tornado: {} values for {} points",
            values.len(),
            1 + 2 * d
        )));
    }
    let mut bars: Vec<TornadoBar> = (0..d)
        .map(|j| {
            let (low, high) = (values[1 + 2 * j], values[2 + 2 * j]);
            TornadoBar {
                input: j,
                low,
                high,
                swing: (high - low).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.input.cmp(&b.input)));
    Ok((values[0], bars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn ishigami(x: &[f64]) -> f64 {
        // Inputs uniform on [-pi, pi]; a = 7, b = 0.1.
        let (a, b) = (7.0, 0.1);
        let z: Vec<f64> = x.iter().map(|u| -PI + 2.0 * PI * u).collect();
        z[0].sin() + a * z[1].sin().powi(2) + b * z[2].powi(4) * z[0].sin()
    }

    #[test]
    fn sobol_indices_of_the_ishigami_function_meet_the_analytic_values() {
        // Analytic (Ishigami and Homma 1990; Sobol' and Levitan 1999), a = 7, b = 0.1:
        // V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
        // V13 = b^2 pi^8 (1/18 - 1/50), so S1 = 0.3139, S2 = 0.4424, S3 = 0,
        // ST1 = 0.5576, ST2 = 0.4424, ST3 = 0.2437.
        let (a, b) = (7.0f64, 0.1f64);
        let p4 = PI.powi(4);
        let p8 = PI.powi(8);
        let v = a * a / 8.0 + b * p4 / 5.0 + b * b * p8 / 18.0 + 0.5;
        let v1 = (1.0 + b * p4 / 5.0).powi(2) / 2.0;
        let v2 = a * a / 8.0;
        let v13 = b * b * p8 * (1.0 / 18.0 - 1.0 / 50.0);
        let exact_first = [v1 / v, v2 / v, 0.0];
        let exact_total = [(v1 + v13) / v, v2 / v, v13 / v];
        assert!((exact_first[0] - 0.3139).abs() < 1e-4 && (exact_total[2] - 0.2437).abs() < 1e-4);

        let design = saltelli(8192, 3, 11).unwrap();
        let values: Vec<f64> = design.iter().map(|(_, _, x)| ishigami(x)).collect();
        let sv = SaltelliValues::from_design(&design, &values, 3).unwrap();
        let idx = sobol_indices(&sv, 100, 5).unwrap();
        for j in 0..3 {
            assert!(
                (idx[j].first_order - exact_first[j]).abs() < 0.02,
                "S{}: {} vs {}",
                j + 1,
                idx[j].first_order,
                exact_first[j]
            );
            assert!(
                (idx[j].total - exact_total[j]).abs() < 0.02,
                "ST{}: {} vs {}",
                j + 1,
                idx[j].total,
                exact_total[j]
            );
            let (lo, hi) = idx[j].total_ci;
            assert!(lo <= idx[j].total && idx[j].total <= hi, "{:?}", idx[j]);
        }
    }

    #[test]
    fn a_linear_model_splits_its_variance_by_the_squared_coefficients() {
        // y = 1 x1 + 2 x2 + 3 x3 on uniform inputs: S_j = ST_j = c_j^2 / sum c^2 (1/14, 4/14, 9/14).
        let c = [1.0, 2.0, 3.0];
        let design = saltelli(4096, 3, 3).unwrap();
        let values: Vec<f64> = design
            .iter()
            .map(|(_, _, x)| x.iter().zip(c).map(|(x, c)| x * c).sum())
            .collect();
        let sv = SaltelliValues::from_design(&design, &values, 3).unwrap();
        let idx = sobol_indices(&sv, 0, 1).unwrap();
        for (j, cj) in c.iter().enumerate() {
            let exact = cj * cj / 14.0;
            assert!(
                (idx[j].first_order - exact).abs() < 0.01,
                "{j}: {:?}",
                idx[j]
            );
            assert!((idx[j].total - exact).abs() < 0.01, "{j}: {:?}", idx[j]);
        }
    }

    #[test]
    fn a_constant_output_has_zero_indices_and_bad_values_are_refused() {
        let design = saltelli(16, 2, 0).unwrap();
        let sv = SaltelliValues::from_design(&design, &vec![3.0; design.len()], 2).unwrap();
        let idx = sobol_indices(&sv, 10, 0).unwrap();
        assert!(idx.iter().all(|i| i.first_order == 0.0 && i.total == 0.0));
        let mut bad = vec![1.0; design.len()];
        bad[5] = f64::NAN;
        let sv = SaltelliValues::from_design(&design, &bad, 2).unwrap();
        assert!(sobol_indices(&sv, 10, 0).is_err());
        assert!(SaltelliValues::from_design(&design, &bad[1..], 2).is_err());
        assert!(saltelli(1, 2, 0).is_err());
        assert!(saltelli(4, 200, 0).is_err());
    }

    #[test]
    fn saltelli_points_share_their_columns_as_the_scheme_says() {
        let d = 4;
        let design = saltelli(8, d, 9).unwrap();
        assert_eq!(design.len(), 8 * (d + 2));
        for chunk in design.chunks(d + 2) {
            let (a, b) = (&chunk[0].2, &chunk[1].2);
            assert_eq!((chunk[0].1, chunk[1].1), (SaltelliRole::A, SaltelliRole::B));
            for (j, (_, role, ab)) in chunk[2..].iter().enumerate() {
                assert_eq!(*role, SaltelliRole::AB(j));
                for k in 0..d {
                    assert_eq!(ab[k], if k == j { b[k] } else { a[k] });
                }
            }
            assert!(a.iter().chain(b).all(|u| (0.0..1.0).contains(u)));
        }
        // The same seed, the same points; another seed, other points.
        assert_eq!(design, saltelli(8, d, 9).unwrap());
        assert_ne!(design, saltelli(8, d, 10).unwrap());
    }

    #[test]
    fn a_latin_hypercube_has_one_point_in_every_stratum_of_every_input() {
        let (n, d) = (50, 3);
        let pts = latin_hypercube(n, d, 7).unwrap();
        for j in 0..d {
            let mut seen = vec![false; n];
            for p in &pts {
                let s = (p[j] * n as f64).floor() as usize;
                assert!(!seen[s], "stratum {s} of input {j} twice");
                seen[s] = true;
            }
            assert!(seen.iter().all(|&x| x));
        }
        assert_eq!(pts, latin_hypercube(n, d, 7).unwrap());
    }

    #[test]
    fn a_grid_is_the_full_factorial_and_a_tornado_ranks_by_swing() {
        let g = grid(&[2, 3]).unwrap();
        assert_eq!(
            g,
            vec![
                vec![0.0, 0.0],
                vec![0.0, 0.5],
                vec![0.0, 1.0],
                vec![1.0, 0.0],
                vec![1.0, 0.5],
                vec![1.0, 1.0]
            ]
        );
        assert!(grid(&[2, 0]).is_err());
        let oat = one_at_a_time(2).unwrap();
        assert_eq!(
            oat,
            vec![
                vec![0.5, 0.5],
                vec![0.0, 0.5],
                vec![1.0, 0.5],
                vec![0.5, 0.0],
                vec![0.5, 1.0]
            ]
        );
        // y = x1 + 10 x2: input 2 swings ten times more.
        let y: Vec<f64> = oat.iter().map(|p| p[0] + 10.0 * p[1]).collect();
        let (centre, bars) = tornado(&y, 2).unwrap();
        assert_eq!(centre, 5.5);
        assert_eq!(bars.iter().map(|b| b.input).collect::<Vec<_>>(), vec![1, 0]);
        assert_eq!(bars[0].swing, 10.0);
        assert!(tornado(&y[1..], 2).is_err());
    }
}
