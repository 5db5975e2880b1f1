//! The column schema of every file in `data/` (documented in `docs/data.md`).

use crate::table::Schema;

const PROV: [&str; 2] = ["source", "assumption"];

macro_rules! cols {
    ($($c:literal),* $(,)?) => { &[$($c,)* PROV[0], PROV[1]] };
}

pub const SOURCES: Schema = Schema {
    file: "sources.csv",
    columns: &[
        "id",
        "publisher",
        "title",
        "year",
        "locator",
        "url",
        "reliability",
        "published",
        "note",
    ],
    required: &["id", "publisher", "title", "reliability"],
    key: &["id"],
};
pub const COUNTRIES: Schema = Schema {
    file: "countries.csv",
    columns: cols!["iso3", "name"],
    required: &["iso3", "name"],
    key: &["iso3"],
};
pub const REGIONS: Schema = Schema {
    file: "regions.csv",
    columns: cols!["code", "name", "members", "note"],
    required: &["code", "name"],
    key: &["code"],
};
pub const DEPOSITS: Schema = Schema {
    file: "deposits.csv",
    columns: cols!["id", "name", "country", "ore_type", "note"],
    required: &["id", "name", "country"],
    key: &["id"],
};
pub const DEPOSIT_DISTRIBUTION: Schema = Schema {
    file: "deposit_distribution.csv",
    columns: cols!["deposit", "element", "share_pct", "note"],
    required: &["deposit", "element", "share_pct"],
    key: &["deposit", "element"],
};
pub const MATERIALS: Schema = Schema {
    file: "materials.csv",
    columns: cols![
        "id",
        "name",
        "form",
        "unit",
        "element",
        "deposit",
        "content",
        "unit_mass_kg",
        "note"
    ],
    required: &["id", "name", "form", "unit"],
    key: &["id"],
};
pub const MINE_PRODUCTION: Schema = Schema {
    file: "mine_production.csv",
    columns: cols![
        "edition",
        "country",
        "year",
        "production_t_reo",
        "estimated",
        "note"
    ],
    required: &["edition", "country", "year", "production_t_reo"],
    key: &["edition", "country", "year"],
};
pub const RESERVES: Schema = Schema {
    file: "reserves.csv",
    columns: cols!["edition", "country", "reserves_t_reo", "comparator", "note"],
    required: &["edition", "country", "reserves_t_reo"],
    key: &["edition", "country"],
};
pub const WORLD_TOTALS: Schema = Schema {
    file: "world_totals.csv",
    columns: cols![
        "edition",
        "metric",
        "year",
        "value_t_reo",
        "comparator",
        "note"
    ],
    required: &["edition", "metric", "value_t_reo"],
    key: &["edition", "metric", "year"],
};
pub const STAGE_SHARES: Schema = Schema {
    file: "stage_shares.csv",
    columns: cols!["stage", "country", "year", "share_pct", "basis", "note"],
    required: &["stage", "country", "year", "share_pct"],
    key: &["stage", "country", "year"],
};
pub const STAGE_OUTPUT: Schema = Schema {
    file: "stage_output.csv",
    columns: cols!["stage", "country", "year", "tonnes", "basis", "note"],
    required: &["stage", "country", "year", "tonnes", "basis"],
    key: &["stage", "country", "year"],
};
pub const TRADE_FLOWS: Schema = Schema {
    file: "trade_flows.csv",
    columns: cols!["flow", "year", "tonnes", "basis", "note"],
    required: &["flow", "year", "tonnes", "basis"],
    key: &["flow", "year"],
};
pub const OBSERVATIONS: Schema = Schema {
    file: "observations.csv",
    columns: cols![
        "id", "event", "kind", "subject", "date", "value", "unit", "note"
    ],
    required: &["id", "event", "kind", "subject", "date", "value", "unit"],
    key: &["id"],
};
pub const FACILITIES: Schema = Schema {
    file: "facilities.csv",
    columns: cols![
        "id",
        "name",
        "operator",
        "country",
        "stage",
        "status",
        "start",
        "end",
        "ramp_up_days",
        "deposit",
        "aggregate",
        "note"
    ],
    required: &["id", "name", "country", "stage", "status"],
    key: &["id"],
};
pub const FACILITY_CAPACITY: Schema = Schema {
    file: "facility_capacity.csv",
    columns: cols![
        "facility",
        "material",
        "year",
        "capacity",
        "capacity_unit",
        "note"
    ],
    required: &["facility", "material", "capacity", "capacity_unit"],
    key: &["facility", "material", "year"],
};
pub const RECIPES: Schema = Schema {
    file: "recipes.csv",
    columns: cols![
        "recipe",
        "facility",
        "side",
        "material",
        "quantity",
        "quantity_unit",
        "note"
    ],
    required: &[
        "recipe",
        "facility",
        "side",
        "material",
        "quantity",
        "quantity_unit",
    ],
    key: &["recipe", "side", "material"],
};
pub const LANES: Schema = Schema {
    file: "lanes.csv",
    columns: cols![
        "id",
        "from",
        "to",
        "material",
        "lead_time_days",
        "contracted_share_pct",
        "note"
    ],
    required: &[
        "id",
        "from",
        "to",
        "material",
        "lead_time_days",
        "contracted_share_pct",
    ],
    key: &["id"],
};
pub const SECTORS: Schema = Schema {
    file: "sectors.csv",
    columns: cols!["id", "name", "end_product", "priority", "note"],
    required: &["id", "name"],
    key: &["id"],
};
pub const DEMAND: Schema = Schema {
    file: "demand.csv",
    columns: cols![
        "id",
        "sector",
        "region",
        "year",
        "units",
        "magnet_material",
        "magnet_kg_per_unit",
        "dy_pct",
        "tb_pct",
        "note"
    ],
    required: &["id", "sector", "region", "year"],
    key: &["id"],
};
pub const TRADE_SHARES: Schema = Schema {
    file: "trade_shares.csv",
    columns: cols![
        "importer",
        "partner",
        "year",
        "item",
        "basis",
        "share_pct",
        "quantity",
        "quantity_unit",
        "note"
    ],
    required: &["importer", "partner", "year", "item", "basis", "share_pct"],
    key: &["importer", "partner", "year", "item", "basis"],
};
pub const PRICES: Schema = Schema {
    file: "prices.csv",
    columns: cols![
        "material",
        "market",
        "period",
        "price",
        "price_unit",
        "note"
    ],
    required: &["material", "market", "period", "price", "price_unit"],
    key: &["material", "market", "period"],
};
pub const SUPPLIER_TERMS: Schema = Schema {
    file: "supplier_terms.csv",
    columns: cols![
        "facility",
        "material",
        "price_market",
        "lead_time_days",
        "min_contract_t_per_year",
        "fixed_cost_usd",
        "note"
    ],
    required: &[
        "facility",
        "material",
        "price_market",
        "lead_time_days",
        "min_contract_t_per_year",
    ],
    key: &["facility", "material"],
};
pub const MARKET_PARAMS: Schema = Schema {
    file: "market_params.csv",
    columns: cols![
        "material",
        "tier",
        "elasticity_low",
        "elasticity_central",
        "elasticity_high",
        "note"
    ],
    required: &[
        "material",
        "tier",
        "elasticity_low",
        "elasticity_central",
        "elasticity_high",
    ],
    key: &["material", "tier"],
};
pub const STOCKPILES: Schema = Schema {
    file: "stockpiles.csv",
    columns: cols![
        "id",
        "owner",
        "location",
        "material",
        "quantity",
        "quantity_unit",
        "days_of_cover",
        "trigger",
        "max_release_per_day",
        "eligible",
        "priority_sectors",
        "note"
    ],
    required: &["id", "owner", "location", "material", "trigger"],
    key: &["id"],
};
pub const STOCKPILE_POLICIES: Schema = Schema {
    file: "stockpile_policies.csv",
    columns: cols![
        "id",
        "owner",
        "target_days",
        "state_days",
        "private_days",
        "high_risk_max_days",
        "note"
    ],
    required: &["id", "owner"],
    key: &["id"],
};

/// New capacity projects (one row per project and material; the long-horizon mode reads them).
pub const PROJECTS: Schema = Schema {
    file: "projects.csv",
    columns: cols![
        "id",
        "name",
        "facility",
        "material",
        "capacity",
        "capacity_unit",
        "start",
        "ramp_years",
        "delay_probability_pct",
        "delay_years",
        "note",
    ],
    required: &[
        "id",
        "facility",
        "material",
        "capacity",
        "capacity_unit",
        "start",
        "ramp_years",
        "delay_probability_pct",
        "delay_years",
    ],
    key: &["id", "material"],
};

pub const ALL: [Schema; 26] = [
    SOURCES,
    COUNTRIES,
    REGIONS,
    DEPOSITS,
    DEPOSIT_DISTRIBUTION,
    MATERIALS,
    MINE_PRODUCTION,
    RESERVES,
    WORLD_TOTALS,
    STAGE_SHARES,
    STAGE_OUTPUT,
    TRADE_FLOWS,
    OBSERVATIONS,
    FACILITIES,
    FACILITY_CAPACITY,
    RECIPES,
    LANES,
    SECTORS,
    DEMAND,
    TRADE_SHARES,
    PRICES,
    SUPPLIER_TERMS,
    MARKET_PARAMS,
    STOCKPILES,
    STOCKPILE_POLICIES,
    PROJECTS,
];
