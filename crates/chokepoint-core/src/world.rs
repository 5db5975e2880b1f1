//! The `World`: every record of the dataset in typed arenas, plus the cross-record invariants.
//!
//! Building a world is two-phase: an adapter inserts records (each constructor has already
//! checked its own fields), then calls [`World::finish`], which resolves element contents and
//! expands co-production, and [`World::validate`], which reports every cross-record problem at
//! once as [`Issue`]s naming the record and field. A world that validates clean satisfies:
//! * every material has a resolved element content;
//! * every recipe conserves mass per element;
//! * deposit distributions, stage shares (per stage and year) and lane contracted shares (per
//!   customer and material) sum to 100% within [`SHARE_TOLERANCE_PCT`];
//! * facility date ranges are ordered;
//! * every lane's material is produced by its supplier and consumed by its customer.

use crate::demand::{Demand, Sector};
use crate::deposit::{Deposit, DepositId};
use crate::element::Element;
use crate::facility::{
    Facility, FacilityId, Lane, LaneId, MassCreation, Recipe, RecipeLine, Stage,
};
use crate::geo::{Country, CountryCode, Region};
use crate::ids::Arena;
use crate::market::{PricePoint, TradeShare};
use crate::material::{ContentSpec, ElementContent, Material, MaterialForm, MaterialId};
use crate::source::Source;
use crate::stats::{
    Comparator, Concentration, Edition, MineProduction, Reserves, StageShare, WorldMetric,
    WorldTotal,
};
use crate::stockpile::{Stockpile, StockpilePolicy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Shares that should sum to 100% may be off by this many percentage points (rounding in the
/// published tables).
pub const SHARE_TOLERANCE_PCT: f64 = 0.5;

/// Relative slack in per-element recipe balances, for decimal rounding of recipe quantities.
pub const MASS_TOLERANCE_REL: f64 = 1e-9;

/// Country codes that stand for published residuals ("other countries", "rest of world,
/// unallocated") rather than a country; they are left out of HHIs.
pub const RESIDUAL_CODES: [&str; 2] = ["ZZO", "ZZR"];

/// A cross-record problem, naming the record by kind and key and the offending field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// The record kind, named after its file (`recipes`, `lanes`, ...).
    pub kind: &'static str,
    pub key: String,
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct World {
    pub sources: Arena<Source>,
    pub countries: Arena<Country>,
    pub regions: Arena<Region>,
    pub materials: Arena<Material>,
    pub deposits: Arena<Deposit>,
    pub facilities: Arena<Facility>,
    pub recipes: Arena<Recipe>,
    pub lanes: Arena<Lane>,
    pub sectors: Arena<Sector>,
    pub demand: Arena<Demand>,
    pub stockpiles: Arena<Stockpile>,
    pub stockpile_policies: Arena<StockpilePolicy>,
    pub mine_production: Vec<MineProduction>,
    pub reserves: Vec<Reserves>,
    pub world_totals: Vec<WorldTotal>,
    pub stage_shares: Vec<StageShare>,
    /// Published stage outputs the baseline is checked against (`world balance`).
    pub stage_outputs: Vec<crate::stats::StageOutput>,
    /// Published annual trade flows the baseline is checked against (`world balance`).
    pub trade_flows: Vec<crate::stats::TradeFlow>,
    /// What happened during the events the back-test replays (never a model input).
    pub observations: Vec<crate::observation::Observation>,
    pub trade_shares: Vec<TradeShare>,
    pub prices: Vec<PricePoint>,
    /// Contract terms of candidate suppliers (`supplier_terms.csv`; the sourcing optimiser).
    pub supplier_terms: Vec<crate::supplier::SupplierTerms>,
    /// New capacity projects (`data/projects.csv`; the long-horizon mode reads them).
    pub projects: Vec<crate::project::Project>,
    /// Price elasticities per (material, tier) for the market engine (`market_params.csv`).
    pub market_params: Vec<crate::market::MarketParam>,
}

/// How the dataset's numeric records are backed: read in a source, derived from sources with a
/// stated step (citations plus an assumption line), or assumed (no citation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProvenanceCensus {
    pub sourced: usize,
    pub derived: usize,
    pub assumed: usize,
}

impl ProvenanceCensus {
    pub fn total(&self) -> usize {
        self.sourced + self.derived + self.assumed
    }
    /// Share of records with at least one citation (sourced or derived from sources).
    pub fn cited_share(&self) -> f64 {
        if self.total() == 0 {
            0.0
        } else {
            (self.sourced + self.derived) as f64 / self.total() as f64
        }
    }
    fn add(&mut self, p: &crate::source::Provenance) {
        match (p.citations.is_empty(), p.assumption.is_some()) {
            (false, false) => self.sourced += 1,
            (false, true) => self.derived += 1,
            (true, _) => self.assumed += 1,
        }
    }
}

impl World {
    /// The provenance of every record that carries numbers: facilities (dates, ramp-up),
    /// capacities, recipes, lanes, demand rows, deposit distributions, stockpiles, mine production, reserves, world totals,
    /// stage shares and outputs, trade shares and flows, prices, supplier terms.
    pub fn provenance_census(&self) -> ProvenanceCensus {
        let mut c = ProvenanceCensus::default();
        for f in self.facilities.values() {
            for cap in &f.capacities {
                c.add(&cap.provenance);
            }
        }
        self.recipes.values().for_each(|r| c.add(&r.provenance));
        self.lanes.values().for_each(|l| c.add(&l.provenance));
        self.demand.values().for_each(|d| c.add(&d.provenance));
        for d in self.deposits.values() {
            d.distribution.iter().for_each(|e| c.add(&e.provenance));
        }
        self.facilities.values().for_each(|f| c.add(&f.provenance));
        self.stockpiles.values().for_each(|s| c.add(&s.provenance));
        self.mine_production
            .iter()
            .for_each(|m| c.add(&m.provenance));
        self.reserves.iter().for_each(|m| c.add(&m.provenance));
        self.world_totals.iter().for_each(|m| c.add(&m.provenance));
        self.stage_shares.iter().for_each(|m| c.add(&m.provenance));
        self.stage_outputs.iter().for_each(|m| c.add(&m.provenance));
        self.trade_flows.iter().for_each(|m| c.add(&m.provenance));
        self.trade_shares.iter().for_each(|m| c.add(&m.provenance));
        self.prices.iter().for_each(|m| c.add(&m.provenance));
        self.supplier_terms
            .iter()
            .for_each(|m| c.add(&m.provenance));
        self.projects.iter().for_each(|m| c.add(&m.provenance));
        self.market_params.iter().for_each(|m| c.add(&m.provenance));
        c
    }

    /// A lane's share of its customer's purchases of the material, on `date` (`None`: with
    /// the newest capacity figures). A fixed share is the dataset's; a `capacity` share is the
    /// supplier's capacity over the sum of the capacities of every supplier on the customer's
    /// inbound lanes for the material.
    pub fn lane_share(&self, lane: LaneId, date: Option<crate::Date>) -> f64 {
        let l = self.lanes.get(lane);
        if !l.share_by_capacity {
            return l.contracted_share.fraction();
        }
        let cap = |f: FacilityId| {
            let fac = self.facilities.get(f);
            match date {
                Some(d) => fac.capacity_known_on(l.material, d).map(|c| c.per_year),
                None => fac.capacity_for(l.material),
            }
            .unwrap_or(0.0)
        };
        let total: f64 = self
            .lanes
            .values()
            .filter(|o| o.to == l.to && o.material == l.material)
            .map(|o| cap(o.from))
            .sum();
        if total > 0.0 {
            cap(l.from) / total
        } else {
            0.0
        }
    }

    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.countries
            .lookup(code.as_str())
            .map(|id| self.countries.get(id))
    }

    pub fn residual_codes() -> Vec<CountryCode> {
        RESIDUAL_CODES
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect()
    }

    /// The separated-oxide material of an element, if the dataset defines one.
    pub fn separated_oxide_of(&self, element: Element) -> Option<MaterialId> {
        self.materials.iter().find_map(|(id, m)| {
            (m.form == MaterialForm::SeparatedOxide
                && matches!(m.content_spec, ContentSpec::Single(e) if e == element))
            .then_some(id)
        })
    }

    /// Resolves element contents and expands co-production into explicit recipe outputs.
    /// Problems (a co-product without a separated-oxide material) come back as issues.
    pub fn finish(&mut self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let resolved: Vec<ElementContent> = self
            .materials
            .values()
            .map(|m| self.content_of_spec(&m.content_spec, m.unit))
            .collect();
        for (i, content) in resolved.into_iter().enumerate() {
            self.materials.get_mut(MaterialId::from_index(i)).content = content;
        }

        let mut expansions: Vec<(usize, Vec<RecipeLine>)> = Vec::new();
        for (rid, recipe) in self.recipes.iter() {
            let Some(co) = &recipe.coproduction else {
                continue;
            };
            let feed = self.materials.get(co.feed);
            let ContentSpec::Deposit(dep) = feed.content_spec else {
                issues.push(Issue {
                    kind: "recipes",
                    key: recipe.key.clone(),
                    field: "material",
                    message: format!(
                        "co-product feed `{}` has no deposit; co-production needs a concentrate or mixed compound whose `deposit` is set",
                        feed.key
                    ),
                });
                continue;
            };
            // Feed quantity per run: the recipe's input line for the feed (1 t REO if absent).
            let feed_qty = recipe
                .inputs
                .iter()
                .find(|l| l.material == co.feed)
                .map_or(1.0, |l| l.quantity);
            let mut lines = Vec::new();
            for (element, share) in self.deposits.get(dep).normalized() {
                if share == 0.0 {
                    continue;
                }
                match self.separated_oxide_of(element) {
                    Some(oxide) => lines.push(RecipeLine {
                        material: oxide,
                        quantity: feed_qty * share * co.recovery.fraction(),
                    }),
                    None => issues.push(Issue {
                        kind: "recipes",
                        key: recipe.key.clone(),
                        field: "material",
                        message: format!(
                            "co-product {} of deposit `{}` has no separated-oxide material (form separated-oxide, element {})",
                            element,
                            self.deposits.get(dep).key,
                            element
                        ),
                    }),
                }
            }
            expansions.push((rid.index(), lines));
        }
        for (i, lines) in expansions {
            let recipe = self
                .recipes
                .get_mut(crate::facility::RecipeId::from_index(i));
            for line in lines {
                if !recipe.outputs.iter().any(|o| o.material == line.material) {
                    recipe.outputs.push(line);
                }
            }
        }
        issues
    }

    /// Element content on an elemental basis. `element` and `deposit` specs of oxide-basis
    /// (t REO) materials are converted with each element's oxide stoichiometry (1 t REO of
    /// Nd2O3 holds 0.857 t Nd); explicit `content` is elemental already.
    fn content_of_spec(
        &self,
        spec: &ContentSpec,
        unit: crate::material::QuantityUnit,
    ) -> ElementContent {
        let mut c = ElementContent::default();
        let factor = |e: Element| match unit {
            crate::material::QuantityUnit::TonnesReo => e.element_fraction_of_oxide(),
            _ => 1.0,
        };
        match spec {
            ContentSpec::Single(e) => c.set(*e, factor(*e)),
            ContentSpec::Deposit(d) => {
                for (element, share) in self.deposits.get(*d).normalized() {
                    c.set(element, share * factor(element));
                }
            }
            ContentSpec::Explicit(list) => {
                for &(e, v) in list {
                    c.set(e, c.get(e) + v);
                }
            }
            ContentSpec::None => {}
        }
        c
    }

    /// Tonnes of element contained in `qty` of a material (contents are elemental).
    pub fn element_mass(&self, material: MaterialId, qty: f64) -> ElementContent {
        let m = self.materials.get(material);
        let mut out = ElementContent::default();
        for (e, frac) in m.content.iter() {
            out.set(e, qty * frac);
        }
        out
    }

    /// Whether a recipe brings material into the network from outside it: no inputs, at a
    /// mining facility (ore from the ground) or at a recycling facility (scrap collected
    /// outside the network: manufacturing swarf, imported and end-of-life scrap, which a loop
    /// back through the magnet makers would make a cycle the period kernel cannot take).
    /// Extraction is the only process allowed to create mass.
    pub fn is_extraction(&self, recipe: &Recipe) -> bool {
        recipe.inputs.is_empty()
            && matches!(
                self.facilities.get(recipe.facility).stage,
                Stage::Mining | Stage::Recycling
            )
    }

    /// Per-element excesses of a recipe's outputs over its inputs (empty when it conserves mass,
    /// and for extraction recipes).
    pub fn recipe_mass_creation(&self, recipe: &Recipe) -> Vec<MassCreation> {
        if self.is_extraction(recipe) {
            return Vec::new();
        }
        let sum = |lines: &[RecipeLine]| {
            let mut acc = ElementContent::default();
            for l in lines {
                let c = self.element_mass(l.material, l.quantity);
                for e in Element::ALL {
                    acc.set(e, acc.get(e) + c.get(e));
                }
            }
            acc
        };
        let (inp, out) = (sum(&recipe.inputs), sum(&recipe.outputs));
        Element::ALL
            .into_iter()
            .filter(|&e| out.get(e) > inp.get(e) * (1.0 + MASS_TOLERANCE_REL) + 1e-12)
            .map(|e| MassCreation {
                element: e,
                input_t: inp.get(e),
                output_t: out.get(e),
            })
            .collect()
    }

    /// Every cross-record problem in the world.
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let issue = |kind, key: &str, field, message: String| Issue {
            kind,
            key: key.to_string(),
            field,
            message,
        };

        for m in self.materials.values() {
            if m.unit.is_mass() && m.content.total() > 1.0 + 1e-9 {
                issues.push(issue(
                    "materials",
                    &m.key,
                    "content",
                    format!(
                        "element fractions sum to {:.4} > 1 for a mass-measured material",
                        m.content.total()
                    ),
                ));
            }
        }

        for d in self.deposits.values() {
            let sum: f64 = d.distribution.iter().map(|e| e.share.percent()).sum();
            if !d.distribution.is_empty() && (sum - 100.0).abs() > SHARE_TOLERANCE_PCT {
                issues.push(issue(
                    "deposit_distribution",
                    &d.key,
                    "share_pct",
                    format!("element shares of deposit `{}` sum to {sum:.2}%; expected 100% ± {SHARE_TOLERANCE_PCT}", d.key),
                ));
            }
        }

        for f in self.facilities.values() {
            if let (Some(s), Some(e)) = (f.start, f.end)
                && e <= s
            {
                issues.push(issue(
                    "facilities",
                    &f.key,
                    "end",
                    format!("end {e} is not after start {s}; expected end > start"),
                ));
            }
        }

        for r in self.recipes.values() {
            if r.inputs.is_empty() && !self.is_extraction(r) {
                issues.push(issue(
                    "recipes",
                    &r.key,
                    "side",
                    "recipe has outputs but no inputs at a facility that is neither a mine nor a recycler; only mining and recycling facilities may bring material in from outside the network (add `in` lines)".to_string(),
                ));
                continue;
            }
            for mc in self.recipe_mass_creation(r) {
                issues.push(issue(
                    "recipes",
                    &r.key,
                    "quantity",
                    format!(
                        "recipe creates {}: outputs contain {:.6} t but inputs only {:.6} t; expected outputs <= inputs per element",
                        mc.element, mc.output_t, mc.input_t
                    ),
                ));
            }
        }

        // Stage shares: per (stage, year) the shares must sum to 100%.
        let mut groups: BTreeMap<(Stage, i32), f64> = BTreeMap::new();
        for s in &self.stage_shares {
            *groups.entry((s.stage, s.year)).or_default() += s.share.percent();
        }
        for ((stage, year), sum) in groups {
            if (sum - 100.0).abs() > SHARE_TOLERANCE_PCT {
                issues.push(issue(
                    "stage_shares",
                    &format!("{stage}/{year}"),
                    "share_pct",
                    format!("shares for stage {stage} in {year} sum to {sum:.2}%; expected 100% ± {SHARE_TOLERANCE_PCT} (add a ZZR residual row)"),
                ));
            }
        }

        // Lanes: material made by supplier, used by customer; shares per (customer, material).
        let produces = |f: FacilityId, m: MaterialId| {
            let fac = self.facilities.get(f);
            fac.capacities.iter().any(|c| c.material == m)
                || fac
                    .recipes
                    .iter()
                    .any(|r| self.recipes.get(*r).outputs.iter().any(|l| l.material == m))
                || fac.stage == Stage::Stockpile
        };
        let consumes = |f: FacilityId, m: MaterialId| {
            let fac = self.facilities.get(f);
            fac.recipes
                .iter()
                .any(|r| self.recipes.get(*r).inputs.iter().any(|l| l.material == m))
                || fac.stage == Stage::Stockpile
        };
        let mut lane_shares: HashMap<(FacilityId, MaterialId), f64> = HashMap::new();
        let mut by_capacity: std::collections::BTreeMap<(FacilityId, MaterialId), Vec<String>> =
            std::collections::BTreeMap::new();
        for l in self.lanes.values() {
            let mat = &self.materials.get(l.material).key;
            if !produces(l.from, l.material) {
                issues.push(issue(
                    "lanes",
                    &l.key,
                    "from",
                    format!(
                        "supplier `{}` does not produce `{mat}` (no capacity or recipe output for it)",
                        self.facilities.get(l.from).key
                    ),
                ));
            }
            if !consumes(l.to, l.material) {
                issues.push(issue(
                    "lanes",
                    &l.key,
                    "to",
                    format!(
                        "customer `{}` does not use `{mat}` (no recipe input for it)",
                        self.facilities.get(l.to).key
                    ),
                ));
            }
            if l.share_by_capacity {
                by_capacity
                    .entry((l.to, l.material))
                    .or_default()
                    .push(l.key.clone());
            } else {
                *lane_shares.entry((l.to, l.material)).or_default() += l.contracted_share.percent();
            }
        }
        let mut mixed: Vec<_> = by_capacity
            .iter()
            .filter(|(k, _)| lane_shares.contains_key(k))
            .collect();
        mixed.sort_by_key(|((f, m), _)| (*f, *m));
        for ((to, mat), keys) in mixed {
            issues.push(issue(
                "lanes",
                &keys[0],
                "contracted_share_pct",
                format!(
                    "`capacity` shares cannot be mixed with percentages among the inbound lanes of `{}/{}`",
                    self.facilities.get(*to).key,
                    self.materials.get(*mat).key
                ),
            ));
        }
        for k in by_capacity.keys() {
            lane_shares.remove(k);
        }
        let mut lane_groups: Vec<_> = lane_shares.into_iter().collect();
        lane_groups.sort_by_key(|((f, m), _)| (*f, *m));
        for ((to, mat), sum) in lane_groups {
            if (sum - 100.0).abs() > SHARE_TOLERANCE_PCT {
                let key = format!(
                    "{}/{}",
                    self.facilities.get(to).key,
                    self.materials.get(mat).key
                );
                issues.push(issue(
                    "lanes",
                    &key,
                    "contracted_share_pct",
                    format!("inbound lanes of `{key}` have contracted shares summing to {sum:.2}%; expected 100% ± {SHARE_TOLERANCE_PCT}"),
                ));
            }
        }

        for d in self.demand.values() {
            let dy = d.dy_share.map_or(0.0, |s| s.fraction());
            let tb = d.tb_share.map_or(0.0, |s| s.fraction());
            if dy + tb > 1.0 {
                issues.push(issue(
                    "demand",
                    &d.key,
                    "dy_pct",
                    format!(
                        "Dy + Tb = {:.1}% of magnet mass; expected <= 100%",
                        (dy + tb) * 100.0
                    ),
                ));
            }
        }
        issues
    }

    /// Mine production by country for an edition and data year, against the published world
    /// total when there is one (the seed article's shares use the published total).
    pub fn mining_concentration(&self, edition: Edition, year: i32) -> Option<Concentration> {
        let rows: Vec<(CountryCode, f64)> = self
            .mine_production
            .iter()
            .filter(|p| p.edition == edition && p.year == year)
            .map(|p| (p.country, p.tonnes_reo))
            .collect();
        if rows.is_empty() {
            return None;
        }
        let total = self
            .world_total(edition, WorldMetric::Production, Some(year))
            .unwrap_or_else(|| rows.iter().map(|r| r.1).sum());
        Some(Concentration::from_quantities(
            format!("mine production {year} ({edition})"),
            &rows,
            total,
            &Self::residual_codes(),
        ))
    }

    /// Reserves by country for an edition, against the published world total.
    pub fn reserves_concentration(&self, edition: Edition) -> Option<Concentration> {
        let rows: Vec<(CountryCode, f64)> = self
            .reserves
            .iter()
            .filter(|r| r.edition == edition)
            .map(|r| (r.country, r.tonnes_reo))
            .collect();
        if rows.is_empty() {
            return None;
        }
        let total = self
            .world_total(edition, WorldMetric::Reserves, None)
            .unwrap_or_else(|| rows.iter().map(|r| r.1).sum());
        Some(Concentration::from_quantities(
            format!("reserves ({edition})"),
            &rows,
            total,
            &Self::residual_codes(),
        ))
    }

    pub fn world_total(
        &self,
        edition: Edition,
        metric: WorldMetric,
        year: Option<i32>,
    ) -> Option<f64> {
        self.world_totals
            .iter()
            .find(|t| {
                t.edition == edition
                    && t.metric == metric
                    && (metric == WorldMetric::Reserves || t.year == year)
            })
            .map(|t| t.tonnes_reo)
    }

    /// Whether a published world total is a lower bound (">90,000,000").
    pub fn world_total_is_lower_bound(&self, edition: Edition, metric: WorldMetric) -> bool {
        self.world_totals.iter().any(|t| {
            t.edition == edition && t.metric == metric && t.comparator == Comparator::GreaterThan
        })
    }

    /// Data years with mine production in an edition, newest last.
    pub fn production_years(&self, edition: Edition) -> Vec<i32> {
        let mut y: Vec<i32> = self
            .mine_production
            .iter()
            .filter(|p| p.edition == edition)
            .map(|p| p.year)
            .collect();
        y.sort_unstable();
        y.dedup();
        y
    }

    /// Country shares of a processing stage in the newest year with data that is not after
    /// `as_of` (outlooks such as the IEA's 2030 shares are left out unless asked for by year).
    pub fn stage_concentration(&self, stage: Stage, as_of: i32) -> Option<Concentration> {
        let year = self
            .stage_shares
            .iter()
            .filter(|s| s.stage == stage && s.year <= as_of)
            .map(|s| s.year)
            .max()?;
        self.stage_concentration_in(stage, year)
    }

    /// Country shares of a processing stage in one year.
    pub fn stage_concentration_in(&self, stage: Stage, year: i32) -> Option<Concentration> {
        let rows: Vec<(CountryCode, crate::units::Share)> = self
            .stage_shares
            .iter()
            .filter(|s| s.stage == stage && s.year == year)
            .map(|s| (s.country, s.share))
            .collect();
        if rows.is_empty() {
            return None;
        }
        Some(Concentration::from_shares(
            format!("{stage} {year}"),
            &rows,
            &Self::residual_codes(),
        ))
    }

    /// Modelled annual mine supply by element (t REO): each mining facility's concentrate
    /// capacity times its deposit's element distribution, summed over facilities active on the
    /// facility data's terms (operating or aggregate).
    pub fn element_supply(&self) -> ElementContent {
        let mut out = ElementContent::default();
        for f in self.facilities.values() {
            if f.stage != Stage::Mining {
                continue;
            }
            if matches!(
                f.status,
                crate::facility::FacilityStatus::Planned
                    | crate::facility::FacilityStatus::Closed
                    | crate::facility::FacilityStatus::Construction
            ) {
                continue;
            }
            for c in f
                .capacity_materials()
                .into_iter()
                .filter_map(|m| f.capacity_newest(m))
            {
                let m = self.materials.get(c.material);
                if m.unit != crate::material::QuantityUnit::TonnesReo {
                    continue;
                }
                // Contents are elemental; supply statistics are quoted in REO.
                for (e, frac) in m.content.iter() {
                    out.set(
                        e,
                        out.get(e) + c.per_year * frac / e.element_fraction_of_oxide(),
                    );
                }
            }
        }
        out
    }

    /// Deposits by key, for adapters.
    pub fn deposit_by_key(&self, key: &str) -> Option<DepositId> {
        self.deposits.lookup(key)
    }
}
