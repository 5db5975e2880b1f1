//! Monte Carlo over project delays.
//!
//! Run `k` draws, for every project in project order, two uniforms from its own stream
//! (ChaCha8 keyed by the seed, stream `k`): the first decides whether the project slips (with
//! its delay probability), the second how far (its typical delay times a factor uniform in
//! [0.5, 1.5]). Both are drawn whether or not the project slips, so one project's odds never
//! move another's draws. Runs are independent and collected in run order; statistics sort each
//! cell's values, so results are bit-identical at any thread count.

use crate::model::{COLS, Model, YearBalance};
use chokepoint_scenario::longrun::Commodity;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// The random stream of run `k`.
pub fn run_rng(seed: u64, k: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(k);
    rng
}

/// The delay, in years, of each project in run `k`.
pub fn draw_shifts(model: &Model, seed: u64, k: u64) -> Vec<f64> {
    let mut rng = run_rng(seed, k);
    let mut shifts = vec![0.0; model.draws()];
    for (p, shift) in shifts.iter_mut().enumerate() {
        let u: f64 = rng.random();
        let v: f64 = rng.random();
        // The project's odds: those of its first line (every line of a project shares them).
        let Some(l) = model.lines.iter().find(|l| l.project == Some(p)) else {
            continue;
        };
        if u < l.delay_probability {
            *shift = l.delay_years * (0.5 + v);
        }
    }
    shifts
}

/// Mean and 5th/95th percentiles of one quantity over runs (NaN values, e.g. a share of zero
/// supply, are left out; all NaN gives NaN).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

impl Band {
    pub fn of(values: &mut [f64]) -> Band {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return Band {
                mean: f64::NAN,
                p5: f64::NAN,
                p95: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        // Nearest-rank percentiles.
        let rank = |p: f64| {
            let n = v.len();
            let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            v[i]
        };
        Band {
            mean,
            p5: rank(0.05),
            p95: rank(0.95),
        }
    }
}

/// The bands of one (year, commodity, column).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CellBands {
    pub supply: Band,
    pub shortfall: Band,
    pub china_share: Band,
    pub recycled_share: Band,
}

/// The Monte Carlo summary: the path with every project on its announced date (plus fixed
/// scenario delays), and per year the bands over runs.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub runs: u32,
    pub seed: u64,
    pub announced: Vec<YearBalance>,
    /// By year index, commodity, column.
    pub bands: Vec<[[CellBands; COLS]; 3]>,
}

/// Runs `runs` draws on rayon's pool.
pub fn simulate(model: &Model, runs: u32, seed: u64) -> Summary {
    let announced = model.run(&[]);
    let paths: Vec<Vec<YearBalance>> = (0..u64::from(runs))
        .into_par_iter()
        .map(|k| model.run(&draw_shifts(model, seed, k)))
        .collect();
    let mut bands = Vec::with_capacity(announced.len());
    let mut buf = vec![0.0; paths.len()];
    for (i, yb) in announced.iter().enumerate() {
        let cell_bands = std::array::from_fn(|c| {
            let commodity = Commodity::ALL[c];
            std::array::from_fn(|col| {
                let mut band = |f: &dyn Fn(&YearBalance) -> f64| {
                    if paths.is_empty() {
                        let x = f(yb);
                        return Band {
                            mean: x,
                            p5: x,
                            p95: x,
                        };
                    }
                    for (b, p) in buf.iter_mut().zip(&paths) {
                        *b = f(&p[i]);
                    }
                    Band::of(&mut buf)
                };
                CellBands {
                    supply: band(&|y| y.cell(commodity, col).supply),
                    shortfall: band(&|y| y.cell(commodity, col).shortfall),
                    china_share: band(&|y| y.cell(commodity, col).china_share()),
                    recycled_share: band(&|y| y.cell(commodity, col).recycled_share()),
                }
            })
        });
        bands.push(cell_bands);
    }
    Summary {
        runs,
        seed,
        announced,
        bands,
    }
}
