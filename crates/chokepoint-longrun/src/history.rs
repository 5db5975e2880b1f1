//! The projection against history where they overlap: China's share of world mine output
//! (`stage_shares.csv`, stage mining: USGS) and China's share of Japan's rare-earth imports
//! (`trade_shares.csv`, JPN from CHN by volume: >90% in 2010, about two-thirds in 2022, <60%
//! in 2024). The observations are read, compared and printed; no parameter is set from them.

use crate::model::YearBalance;
use crate::region::Region;
use chokepoint_core::World;
use chokepoint_core::facility::Stage;
use chokepoint_core::market::TradeBasis;
use chokepoint_scenario::longrun::Commodity;
use serde::Serialize;

/// One observed figure against its modelled counterpart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// `china-share-of-world-mine-output` or `china-share-of-japan-supply`.
    pub series: &'static str,
    pub year: i32,
    /// Observed share, percent.
    pub observed_pct: f64,
    /// Modelled share, percent (announced path).
    pub modelled_pct: f64,
    /// Modelled minus observed, percentage points.
    pub error_pp: f64,
    /// Source ids of the observation.
    pub sources: Vec<String>,
    pub note: String,
}

/// Compares `path` (years it covers up to `last_history_year`) with the world's observations.
pub fn compare(world: &World, path: &[YearBalance], last_history_year: i32) -> Vec<Comparison> {
    let at = |y: i32| path.iter().find(|b| b.year == y && y <= last_history_year);
    let sources = |p: &chokepoint_core::source::Provenance| {
        p.citations
            .iter()
            .map(|c| world.sources.get(c.source).id.clone())
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    let mut mine: Vec<_> = world
        .stage_shares
        .iter()
        .filter(|s| s.stage == Stage::Mining && s.country.as_str() == "CHN")
        .collect();
    mine.sort_by_key(|s| s.year);
    for s in mine {
        let Some(b) = at(s.year) else { continue };
        let m = b.china_mine_share() * 100.0;
        let o = s.share.fraction() * 100.0;
        out.push(Comparison {
            series: "china-share-of-world-mine-output",
            year: s.year,
            observed_pct: o,
            modelled_pct: m,
            error_pp: m - o,
            sources: sources(&s.provenance),
            note: s.basis.clone(),
        });
    }
    let mut jpn: Vec<_> = world
        .trade_shares
        .iter()
        .filter(|t| {
            t.importer == "JPN"
                && t.partner.as_str() == "CHN"
                && t.basis == TradeBasis::Volume
                && t.item.starts_with("rare earths")
        })
        .collect();
    jpn.sort_by_key(|t| t.year);
    for t in jpn {
        let Some(b) = at(t.year) else { continue };
        // Japan's oxide supply, Nd+Pr and Dy+Tb together (element mass).
        let j = Region::Jpn.index();
        let (mut cn, mut all) = (0.0, 0.0);
        for c in [Commodity::Ndpr, Commodity::Dytb] {
            cn += b.cell(c, j).from_china;
            all += b.cell(c, j).supply;
        }
        let m = if all > 0.0 {
            cn / all * 100.0
        } else {
            f64::NAN
        };
        let o = t.share.fraction() * 100.0;
        out.push(Comparison {
            series: "china-share-of-japan-supply",
            year: t.year,
            observed_pct: o,
            modelled_pct: m,
            error_pp: m - o,
            sources: sources(&t.provenance),
            note: t.note.clone(),
        });
    }
    out
}
