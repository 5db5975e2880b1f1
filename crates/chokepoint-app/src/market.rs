//! Prices for a simulated scenario (issue 16 items 1-2; `docs/markets.md`): the market engine
//! (`chokepoint-market`) fed with the run's balance, and the price back-test.
//!
//! Per priced material (a `market_params.csv` row) and tier, per calendar month of the horizon
//! and per replication:
//! * demand: the baseline flow of the material on every lane into a customer in the tier
//!   (China: customers in China; ex-China: every other customer), from the compiled network;
//! * gap: cross-border arrivals in the policy-free twin minus the scenario's, on the same seeds.
//!   For the ex-China tier, arrivals at customers outside China; for China, arrivals into China
//!   minus the exports China withheld (a withheld export stays on China's market: a surplus);
//! * release: each stockpile's drawdown in the replication, placed on its tier's market in the
//!   months that market was short (`chokepoint_market::spread_release`).
//!
//! Base prices: both tiers start from the latest `fob-china` USD/kg row of `prices.csv` whose
//! period ends before the scenario's first day (in undisturbed times ex-China buyers pay the
//! export price; the premium is what the disruption adds). A priced material without such a
//! row is left out of the money figures with a warning naming it (the back-test, which compares
//! multiples, still uses it).
//!
//! Invariants: pure (no I/O); replications are handled in index order, so the figures are the
//! same at any thread count; nothing here reads observations except [`price_backtest`], which
//! only compares against them.

use crate::AppError;
use chokepoint_core::market::{Market, PricePoint, PriceTier, PriceUnit};
use chokepoint_core::observation::ObservationKind;
use chokepoint_core::{CountryCode, Date, Element, World};
use chokepoint_market::{
    Elasticity, MarketSpec, Period, RangePoint, content_cost, landed_cost, spread_release,
    trajectory,
};
use chokepoint_rules::{
    EndUse, EndUser, Form, MaterialSpec, Product, ProductSpec, Shipment, TariffClass, Timeline,
};
use chokepoint_scenario::report::{ExportSeries, SectorRow, Summary};
use chokepoint_scenario::{Compiled, Scenario};
use chokepoint_sim::{McResult, Stat};
use serde::Serialize;

fn summary(xs: &[f64]) -> Summary {
    Stat::of(xs).into()
}

/// The price row a market starts from.
#[derive(Debug, Clone, Serialize)]
pub struct BasePrice {
    pub material: String,
    pub market: Market,
    pub period: String,
    /// USD/kg.
    pub price: f64,
    pub sources: Vec<String>,
    pub assumption: Option<String>,
}

impl BasePrice {
    /// The market's name as `prices.csv` spells it.
    pub fn market_label(&self) -> &'static str {
        match self.market {
            Market::ChinaDomestic => "china-domestic",
            Market::FobChina => "fob-china",
            Market::Europe => "europe",
            Market::UsgsUs => "usgs-us",
        }
    }
}

/// One month of one market over the replications.
#[derive(Debug, Clone, Serialize)]
pub struct PriceRow {
    pub month: String,
    /// Baseline demand of the tier in the month, tonnes.
    pub demand_t: f64,
    pub shortage: Summary,
    /// USD/kg at the central elasticity.
    pub price: Summary,
    /// Mean price at the low and high ends of the elasticity range (the low end moves more).
    pub price_low_elasticity: f64,
    pub price_high_elasticity: f64,
}

/// One priced market: material and tier.
#[derive(Debug, Clone, Serialize)]
pub struct MarketReport {
    pub material: String,
    pub tier: PriceTier,
    pub base: BasePrice,
    pub elasticity: Elasticity,
    pub rows: Vec<PriceRow>,
    /// The buyers' extra spend over the horizon (what they bought x (price - base)), USD.
    pub extra_spend_usd: Summary,
    pub extra_spend_low_elasticity_usd: f64,
    pub extra_spend_high_elasticity_usd: f64,
    /// The month of the highest mean price and that mean.
    pub peak_month: String,
    pub peak_price: f64,
}

/// The rare-earth cost in one unit of a sector's end product, per tier.
#[derive(Debug, Clone, Serialize)]
pub struct ProductCost {
    pub sector: String,
    pub product: String,
    pub tier: PriceTier,
    /// At the base prices, USD per unit.
    pub base_usd: f64,
    /// In the month of its highest mean cost.
    pub peak_usd: f64,
    pub peak_month: String,
}

/// Landed cost of a priced material on one cross-border lane into the ex-China tier.
#[derive(Debug, Clone, Serialize)]
pub struct LaneCost {
    pub from: String,
    pub to: String,
    pub material: String,
    /// Modelled tariff rate at the destination on the scenario's first day (0 when none).
    pub tariff_rate: f64,
    pub tariff_measures: Vec<String>,
    /// USD/kg at the base price and at the tier's peak mean price (freight: no data, none).
    pub landed_base: f64,
    pub landed_peak: f64,
}

/// The scenario's prices and the cost of the disruption in money.
#[derive(Debug, Clone, Serialize)]
pub struct PriceReport {
    pub months: Vec<String>,
    pub markets: Vec<MarketReport>,
    /// Extra spend of the buyers outside China over every priced market, USD.
    pub extra_spend_ex_china_usd: Summary,
    /// The same for buyers in China (negative: a withheld export cheapens China's market).
    pub extra_spend_china_usd: Summary,
    /// Value of lost output (sectors with a unit value), mean USD, when any sector has one.
    pub lost_output_value_usd: Option<f64>,
    pub products: Vec<ProductCost>,
    pub lanes: Vec<LaneCost>,
    pub warnings: Vec<String>,
    pub assumptions: Vec<String>,
}

/// Days of the horizon in each calendar month, with the labels (as the flow series has them).
fn month_days(start: Date, horizon: u32) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut date = start;
    for _ in 0..horizon {
        let label = format!("{:04}-{:02}", date.year(), date.month());
        match out.last_mut() {
            Some((l, n)) if *l == label => *n += 1.0,
            _ => out.push((label, 1.0)),
        }
        date = date.tomorrow().unwrap_or(date);
    }
    out
}

/// Last day of a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` period.
fn period_end(period: &str) -> Option<Date> {
    let parts: Vec<&str> = period.split('-').collect();
    let num = |s: &str| s.parse::<i16>().ok();
    match parts.as_slice() {
        [y] => Date::new(num(y)?, 12, 31).ok(),
        [y, m] => Date::new(num(y)?, i8::try_from(num(m)?).ok()?, 1)
            .ok()
            .map(|d| d.last_of_month()),
        [_, _, _] => period.parse::<Date>().ok(),
        _ => None,
    }
}

/// The latest `fob-china` USD/kg price of `material` whose period ends before `start`.
pub fn base_price<'w>(
    world: &'w World,
    material: &str,
    start: Date,
) -> Result<&'w PricePoint, String> {
    let id = world
        .materials
        .lookup(material)
        .ok_or_else(|| format!("`{material}` is not in materials.csv"))?;
    world
        .prices
        .iter()
        .filter(|p| {
            p.material == id && p.market == Market::FobChina && p.unit == PriceUnit::UsdPerKg
        })
        .filter_map(|p| period_end(&p.period).filter(|d| *d < start).map(|d| (d, p)))
        // max_by_key keeps the last maximum: take the first row of the latest period instead.
        .fold(None::<(Date, &PricePoint)>, |best, (d, p)| match best {
            Some((bd, _)) if bd >= d => best,
            _ => Some((d, p)),
        })
        .map(|(_, p)| p)
        .ok_or_else(|| {
            format!("no fob-china USD/kg row in prices.csv whose period ends before {start}")
        })
}

fn base_row(world: &World, p: &PricePoint) -> BasePrice {
    BasePrice {
        material: world.materials.get(p.material).key.clone(),
        market: p.market,
        period: p.period.clone(),
        price: p.price,
        sources: p
            .provenance
            .citations
            .iter()
            .map(|c| world.sources.get(c.source).id.clone())
            .collect(),
        assumption: p.provenance.assumption.clone(),
    }
}

/// One market's inputs and per-replication trajectories at the three elasticities.
struct Computed {
    spec: MarketSpec,
    /// `None`: no base price (priced at 1.0: multiples only).
    base: Option<BasePrice>,
    demand: Vec<f64>,
    /// Per replication, [low, central, high].
    runs: Vec<[chokepoint_market::Trajectory; 3]>,
}

/// Per replication, month x key cells of `series` re-indexed onto `keys`.
fn cell(series: &ExportSeries, r: usize, month: usize, key: Option<usize>) -> f64 {
    let w = series.keys.len();
    match (key, series.per_replication.get(r)) {
        (Some(k), Some(row)) => row.get(month * w + k).copied().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Month labels, the markets, and warnings (markets without a base price).
type Priced = (Vec<String>, Vec<Computed>, Vec<String>);

fn compute(
    world: &World,
    scenario: &Scenario,
    compiled: &Compiled,
    mc: &McResult,
    scen: &ExportSeries,
    twin: &ExportSeries,
) -> Result<Priced, AppError> {
    let china = CountryCode::CHINA;
    let months = month_days(scenario.start, compiled.horizon);
    let labels: Vec<String> = months.iter().map(|(l, _)| l.clone()).collect();
    let nm = months.len();
    let reps = scen.per_replication.len().min(twin.per_replication.len());
    let mut keys = scen.keys.clone();
    for k in &twin.keys {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    let pos = |s: &ExportSeries, k: &(String, String, String)| s.keys.iter().position(|x| x == k);
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for param in &world.market_params {
        let material = world.materials.get(param.material).key.clone();
        let market = format!("{material} ({})", param.tier.as_str());
        let elasticity = Elasticity::new(
            &market,
            param.elasticity_low,
            param.elasticity_central,
            param.elasticity_high,
        )
        .map_err(|e| AppError::Invalid(format!("market_params.csv: {e}")))?;
        let (spec, base) = match base_price(world, &material, scenario.start) {
            Ok(p) => (
                MarketSpec::new(&material, param.tier, Some(p.price), "", elasticity)
                    .map_err(|e| AppError::Invalid(format!("prices.csv: {e}")))?,
                Some(base_row(world, p)),
            ),
            Err(why) => {
                let e = MarketSpec::new(&material, param.tier, None, &why, elasticity)
                    .expect_err("no base price");
                warnings.push(format!("{e}; price multiples only"));
                (
                    MarketSpec::new(&material, param.tier, Some(1.0), "", elasticity)
                        .map_err(|e| AppError::Invalid(e.to_string()))?,
                    None,
                )
            }
        };
        let in_tier = |to: CountryCode| match param.tier {
            PriceTier::ChinaDomestic => to == china,
            PriceTier::ExChina => to != china,
        };
        let per_day: f64 = compiled
            .edges
            .iter()
            .filter(|e| e.material == param.material && in_tier(e.to_country))
            .map(|e| e.baseline_per_day)
            .sum();
        let demand: Vec<f64> = months.iter().map(|(_, d)| per_day * d).collect();
        // (scenario key, twin key, sign): +1 arrivals into the tier, -1 China's withheld exports.
        let mut lanes: Vec<(Option<usize>, Option<usize>, f64)> = Vec::new();
        for k in keys.iter().filter(|k| k.2 == material) {
            let (from, to) = (k.0.as_str(), k.1.as_str());
            let cn = china.as_str();
            let sign = match param.tier {
                PriceTier::ExChina if to != cn => 1.0,
                PriceTier::ChinaDomestic if to == cn => 1.0,
                PriceTier::ChinaDomestic if from == cn => -1.0,
                _ => continue,
            };
            lanes.push((pos(scen, k), pos(twin, k), sign));
        }
        let stockpiles: Vec<usize> = compiled
            .stockpiles
            .iter()
            .enumerate()
            .filter_map(|(i, key)| {
                let s = world.stockpiles.get(world.stockpiles.lookup(key)?);
                (s.material == param.material && in_tier(s.location)).then_some(i)
            })
            .collect();
        let mut runs = Vec::with_capacity(reps);
        for r in 0..reps {
            let gaps: Vec<f64> = (0..nm)
                .map(|mi| {
                    lanes
                        .iter()
                        .map(|&(sk, tk, sign)| {
                            sign * (cell(twin, r, mi, tk) - cell(scen, r, mi, sk))
                        })
                        .sum()
                })
                .collect();
            let released: f64 = stockpiles
                .iter()
                .filter_map(|&i| mc.replications.get(r).and_then(|x| x.drawdown.get(i)))
                .sum();
            let release = spread_release(released, &gaps);
            let periods: Vec<Period> = (0..nm)
                .map(|mi| Period {
                    demand: demand[mi],
                    gap: gaps[mi],
                    release: release[mi],
                })
                .collect();
            runs.push([
                trajectory(&spec, &periods, RangePoint::Low),
                trajectory(&spec, &periods, RangePoint::Central),
                trajectory(&spec, &periods, RangePoint::High),
            ]);
        }
        out.push(Computed {
            spec,
            base,
            demand,
            runs,
        });
    }
    Ok((labels, out, warnings))
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// The modelled tariff rate on `material` (an oxide of `element`) shipped from `from` to `to` on
/// `date`, and the measures behind it.
fn tariff(
    timeline: &Timeline,
    from: CountryCode,
    to: CountryCode,
    material: &str,
    element: Option<Element>,
    date: Date,
) -> (f64, Vec<String>) {
    let content: Vec<(Element, f64)> = element
        .map(|e| vec![(e, e.element_fraction_of_oxide())])
        .unwrap_or_default();
    let Ok(product) = Product::new(ProductSpec {
        id: material.into(),
        name: material.into(),
        form: Form::Oxide,
        goods: None,
        technologies: vec![],
        tariff_class: TariffClass::General,
        made_in: from,
        tech_origin: None,
        value_usd: None,
        materials: vec![MaterialSpec {
            name: material.into(),
            form: Form::Oxide,
            mass_kg: 1.0,
            value_usd: 1.0,
            content,
            re_origin: vec![(from, 1.0)],
        }],
    }) else {
        return (0.0, Vec::new());
    };
    let v = timeline.check(&Shipment {
        product: &product,
        exporter: from,
        destination: to,
        end_user: EndUser::Civil,
        end_use: EndUse::OtherCivil,
        date,
        holds_general_licence: false,
    });
    let measures = v
        .jurisdictions
        .iter()
        .filter_map(|j| j.tariff.as_ref())
        .flat_map(|t| t.measures.clone())
        .collect();
    (v.summary.tariff_rate.unwrap_or(0.0), measures)
}

/// The price section of a simulation: see the module docs.
#[allow(clippy::too_many_arguments)]
pub fn price_report(
    world: &World,
    timeline: &Timeline,
    scenario: &Scenario,
    compiled: &Compiled,
    mc: &McResult,
    scen: &ExportSeries,
    twin: &ExportSeries,
    sectors: &[SectorRow],
) -> Result<PriceReport, AppError> {
    let (months, computed, mut warnings) = compute(world, scenario, compiled, mc, scen, twin)?;
    let priced: Vec<&Computed> = computed.iter().filter(|c| c.base.is_some()).collect();
    let mut markets = Vec::new();
    for c in &priced {
        let rows: Vec<PriceRow> = months
            .iter()
            .enumerate()
            .map(|(mi, month)| PriceRow {
                month: month.clone(),
                demand_t: c.demand[mi],
                shortage: summary(&c.runs.iter().map(|t| t[1].shortage[mi]).collect::<Vec<_>>()),
                price: summary(&c.runs.iter().map(|t| t[1].price[mi]).collect::<Vec<_>>()),
                price_low_elasticity: mean(c.runs.iter().map(|t| t[0].price[mi])),
                price_high_elasticity: mean(c.runs.iter().map(|t| t[2].price[mi])),
            })
            .collect();
        let (peak_month, peak_price) =
            rows.iter()
                .fold((String::new(), f64::NEG_INFINITY), |best, r| {
                    if r.price.mean > best.1 {
                        (r.month.clone(), r.price.mean)
                    } else {
                        best
                    }
                });
        markets.push(MarketReport {
            material: c.spec.material.clone(),
            tier: c.spec.tier,
            base: c.base.clone().expect("priced"),
            elasticity: c.spec.elasticity,
            rows,
            extra_spend_usd: summary(
                &c.runs
                    .iter()
                    .map(|t| t[1].extra_spend_usd)
                    .collect::<Vec<_>>(),
            ),
            extra_spend_low_elasticity_usd: mean(c.runs.iter().map(|t| t[0].extra_spend_usd)),
            extra_spend_high_elasticity_usd: mean(c.runs.iter().map(|t| t[2].extra_spend_usd)),
            peak_month,
            peak_price,
        });
    }
    let reps = priced.first().map_or(0, |c| c.runs.len());
    let total = |tier: PriceTier| {
        let xs: Vec<f64> = (0..reps)
            .map(|r| {
                priced
                    .iter()
                    .filter(|c| c.spec.tier == tier)
                    .map(|c| c.runs[r][1].extra_spend_usd)
                    .sum()
            })
            .collect();
        summary(&xs)
    };
    let values: Vec<f64> = sectors
        .iter()
        .filter_map(|s| s.lost_value_usd.map(|v| v.mean))
        .collect();
    let lost_output_value_usd = (!values.is_empty()).then(|| values.iter().sum());

    // The rare-earth cost per unit of each sector's end product, element by element as oxide.
    let oxide_market = |e: Element, tier: PriceTier| {
        let key = format!("{}-oxide", e.symbol().to_lowercase());
        markets.iter().find(|m| m.material == key && m.tier == tier)
    };
    let mut products = Vec::new();
    for (_, sector) in world.sectors.iter() {
        let Some(pid) = sector.end_product else {
            continue;
        };
        let product = world.materials.get(pid);
        let content: Vec<(Element, f64)> =
            product.content.iter().filter(|(_, t)| *t > 0.0).collect();
        if content.is_empty() {
            continue;
        }
        for tier in PriceTier::ALL {
            let at = |mi: Option<usize>| {
                content_cost(&product.key, &content, |e| {
                    oxide_market(e, tier).map(|m| match mi {
                        None => m.base.price,
                        Some(i) => m.rows[i].price.mean,
                    })
                })
            };
            let base = match at(None) {
                Ok(c) => c.total_usd,
                Err(e) => {
                    if tier == PriceTier::ExChina {
                        warnings.push(format!("no rare-earth cost for sector {}: {e}", sector.key));
                    }
                    continue;
                }
            };
            let (peak_month, peak_usd) = (0..months.len())
                .filter_map(|mi| at(Some(mi)).ok().map(|c| (mi, c.total_usd)))
                .fold((String::new(), f64::NEG_INFINITY), |best, (mi, v)| {
                    if v > best.1 {
                        (months[mi].clone(), v)
                    } else {
                        best
                    }
                });
            products.push(ProductCost {
                sector: sector.key.clone(),
                product: product.key.clone(),
                tier,
                base_usd: base,
                peak_usd,
                peak_month,
            });
        }
    }

    // Landed cost on each cross-border lane of a priced material into the ex-China tier.
    let mut lanes = Vec::new();
    let mut seen: Vec<&(String, String, String)> = Vec::new();
    for key in scen.keys.iter().chain(&twin.keys) {
        if seen.contains(&key) || key.1 == CountryCode::CHINA.as_str() {
            continue;
        }
        seen.push(key);
        let Some(m) = markets
            .iter()
            .find(|m| m.material == key.2 && m.tier == PriceTier::ExChina)
        else {
            continue;
        };
        let (Ok(from), Ok(to)) = (key.0.parse::<CountryCode>(), key.1.parse::<CountryCode>())
        else {
            continue;
        };
        let element = world
            .materials
            .lookup(&key.2)
            .and_then(|id| {
                world
                    .materials
                    .get(id)
                    .content
                    .iter()
                    .find(|(_, x)| *x > 0.0)
            })
            .map(|(e, _)| e);
        let (rate, measures) = tariff(timeline, from, to, &key.2, element, scenario.start);
        let landed = |p: f64| landed_cost(p, rate, None).unwrap_or(f64::NAN);
        lanes.push(LaneCost {
            from: key.0.clone(),
            to: key.1.clone(),
            material: key.2.clone(),
            tariff_rate: rate,
            tariff_measures: measures,
            landed_base: landed(m.base.price),
            landed_peak: landed(m.peak_price),
        });
    }
    lanes.sort_by(|a, b| (&a.material, &a.to, &a.from).cmp(&(&b.material, &b.to, &b.from)));

    Ok(PriceReport {
        months,
        markets,
        extra_spend_ex_china_usd: total(PriceTier::ExChina),
        extra_spend_china_usd: total(PriceTier::ChinaDomestic),
        lost_output_value_usd,
        products,
        lanes,
        warnings,
        assumptions: vec![
            "short-run inverse demand p = p0 (1 - s)^(-1/e), s clamped to [-0.5, 0.9]; elasticity ranges from market_params.csv (flagged assumptions)".into(),
            "base price: the latest fob-china USD/kg row before the start, for both tiers".into(),
            "gap measured on cross-border lanes against the policy-free twin; China's withheld exports count as a surplus on its domestic market; buyers' own inventories are not netted (they bid for replacements), stockpile releases are".into(),
            "landed cost: price x (1 + modelled tariff at the destination on the first day); no freight data".into(),
        ],
    })
}

/// One price observation, modelled against observed.
#[derive(Debug, Clone, Serialize)]
pub struct PriceObservationResult {
    pub id: String,
    pub subject: String,
    pub date: String,
    pub observed: f64,
    pub unit: String,
    /// Over replications at the central elasticity.
    pub modelled: Option<Summary>,
    /// Mean at the low and high ends of the elasticity range.
    pub modelled_low_elasticity: Option<f64>,
    pub modelled_high_elasticity: Option<f64>,
    /// 100 x (modelled mean - observed) / observed.
    pub error_pct: Option<f64>,
    pub note: String,
    pub sources: Vec<String>,
}

/// The price back-test of one event.
#[derive(Debug, Clone, Serialize)]
pub struct PriceBacktest {
    pub scenario: String,
    pub title: String,
    pub start: String,
    pub runs: u32,
    pub seed: u64,
    pub observations: Vec<PriceObservationResult>,
    /// What the prices were built from: base rows (with their sources' publication dates) and
    /// elasticities, against the event's first day.
    pub parameters: Vec<String>,
    pub warnings: Vec<String>,
}

/// Replays the scenario in `text` on what was published before its first day (as the fidelity
/// back-test does) with its policy-free twin, prices it, and measures the price observations of
/// its event: `MATERIAL:TIER/base` (the highest monthly mean multiple of the tier's price over
/// its base up to the observed month) or `MATERIAL:TIER/OTHER-TIER` (the ratio of the two
/// tiers' prices in the observed month).
pub fn price_backtest(
    world: &World,
    timeline: &Timeline,
    text: &str,
    file: &str,
    runs: u32,
    seed: Option<u64>,
) -> Result<PriceBacktest, AppError> {
    let (mut scenario, _) = crate::simulate::parse(text, file, timeline)?;
    scenario.known_before = Some(scenario.start);
    let seed = seed.or(scenario.seed).unwrap_or(0);
    let compiled = chokepoint_scenario::compile(world, &scenario, file)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let (mc, scen) =
        chokepoint_scenario::run_detailed(world, &scenario, &compiled, runs, seed, &|| {})
            .map_err(|e| AppError::Run(format!("{file}: {e}")))?;
    let twin_scenario = scenario.policy_free();
    let twin_compiled = chokepoint_scenario::compile(world, &twin_scenario, file)
        .map_err(|e| AppError::Run(format!("{file} (policy-free baseline): {e}")))?;
    let (_, twin) = chokepoint_scenario::run_detailed(
        world,
        &twin_scenario,
        &twin_compiled,
        runs,
        seed,
        &|| {},
    )
    .map_err(|e| AppError::Run(format!("{file} (policy-free baseline): {e}")))?;
    let (months, computed, warnings) = compute(world, &scenario, &compiled, &mc, &scen, &twin)?;
    let find = |material: &str, tier: PriceTier| {
        computed
            .iter()
            .find(|c| c.spec.material == material && c.spec.tier == tier)
    };
    let mut parameters = Vec::new();
    for c in &computed {
        if c.spec.tier != PriceTier::ExChina {
            continue;
        }
        let e = c.spec.elasticity;
        parameters.push(format!(
            "{}: elasticity {} (range {}-{}), flagged assumption in market_params.csv",
            c.spec.material, e.central, e.low, e.high
        ));
        match &c.base {
            Some(b) => {
                let published: Vec<String> = b
                    .sources
                    .iter()
                    .map(|id| {
                        let p = world
                            .sources
                            .lookup(id)
                            .and_then(|s| world.sources.get(s).published.as_ref())
                            .map_or("undated".to_string(), |p| {
                                if p.earliest == p.latest {
                                    p.earliest.to_string()
                                } else {
                                    format!("{}..{}", p.earliest, p.latest)
                                }
                            });
                        format!("{id} (published {p})")
                    })
                    .collect();
                parameters.push(format!(
                    "{}: base {} USD/kg, fob-china {} (before {}), from {}",
                    b.material,
                    b.price,
                    b.period,
                    scenario.start,
                    published.join(", ")
                ));
            }
            None => parameters.push(format!(
                "{}: no base price before {}; only its multiples are compared",
                c.spec.material, scenario.start
            )),
        }
    }
    let mut observations = Vec::new();
    for o in world
        .observations
        .iter()
        .filter(|o| o.event == scenario.id && o.kind == ObservationKind::Price)
    {
        let month = format!("{:04}-{:02}", o.date.year(), o.date.month());
        let mut r = PriceObservationResult {
            id: o.key.clone(),
            subject: o.subject.clone(),
            date: month.clone(),
            observed: o.value,
            unit: o.unit.clone(),
            modelled: None,
            modelled_low_elasticity: None,
            modelled_high_elasticity: None,
            error_pct: None,
            note: String::new(),
            sources: o
                .provenance
                .citations
                .iter()
                .map(|c| world.sources.get(c.source).id.clone())
                .collect(),
        };
        let parsed = o.subject.split_once(':').and_then(|(m, rest)| {
            let (tier, reference) = rest.split_once('/')?;
            Some((m, tier.parse::<PriceTier>().ok()?, reference))
        });
        let Some((material, tier, reference)) = parsed else {
            r.note = "subject is not MATERIAL:TIER/base or MATERIAL:TIER/OTHER-TIER".into();
            observations.push(r);
            continue;
        };
        let Some(c) = find(material, tier) else {
            r.note = format!(
                "{material} ({}) is not priced (market_params.csv)",
                tier.as_str()
            );
            observations.push(r);
            continue;
        };
        let mi = months.iter().position(|m| *m == month);
        // Per replication, at [low, central, high]: the modelled value.
        let values: Vec<[f64; 3]> = if reference == "base" {
            let upto = mi.map_or(months.len(), |i| i + 1);
            if mi.is_none() {
                r.note = format!(
                    "the run's horizon ends {}: highest multiple over the horizon",
                    months.last().cloned().unwrap_or_default()
                );
            }
            c.runs
                .iter()
                .map(|t| {
                    std::array::from_fn(|j| {
                        t[j].price[..upto]
                            .iter()
                            .fold(f64::NEG_INFINITY, |a, &b| a.max(b))
                            / c.spec.base_price
                    })
                })
                .collect()
        } else {
            let Some(other) = reference
                .parse::<PriceTier>()
                .ok()
                .and_then(|t| find(material, t))
            else {
                r.note = format!("`{reference}` is not base or a priced tier");
                observations.push(r);
                continue;
            };
            let Some(mi) = mi else {
                r.note = format!("{month} is outside the run's horizon");
                observations.push(r);
                continue;
            };
            c.runs
                .iter()
                .zip(&other.runs)
                .map(|(a, b)| {
                    std::array::from_fn(|j| {
                        (a[j].price[mi] / c.spec.base_price)
                            / (b[j].price[mi] / other.spec.base_price)
                    })
                })
                .collect()
        };
        let central: Vec<f64> = values.iter().map(|v| v[1]).collect();
        let s = summary(&central);
        r.modelled_low_elasticity = Some(mean(values.iter().map(|v| v[0])));
        r.modelled_high_elasticity = Some(mean(values.iter().map(|v| v[2])));
        if o.value != 0.0 {
            r.error_pct = Some(100.0 * (s.mean - o.value) / o.value);
        }
        r.modelled = Some(s);
        observations.push(r);
    }
    Ok(PriceBacktest {
        scenario: scenario.id.clone(),
        title: scenario.title.clone(),
        start: scenario.start.to_string(),
        runs,
        seed,
        observations,
        parameters,
        warnings,
    })
}
