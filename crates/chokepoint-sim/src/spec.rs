//! Plain-data description of a network, as a caller (scenario loader, rules engine) builds it.
//!
//! Nothing here is optimised: [`NetworkBuilder::build`] validates the description and compiles
//! it into the struct-of-arrays [`crate::Network`] the kernel runs on. Periods are whole numbers
//! counted from 0 (the scenario start); the caller chooses whether a period is a day or a week.
//! Fields that a user could get wrong through a scenario file (lead times, durations, periods)
//! are signed so that a negative value is reported as an error instead of being unrepresentable.

use crate::dist::Dist;
use crate::error::{ConfigError, Result};
use crate::network::Network;

/// Index of a node (a stocked item at a facility) in the order nodes were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Index of an edge (a supplier -> customer lane) in the order edges were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeId(pub u32);

/// Index of a licence regime (one per (exporter, importer, item) key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenceKey(pub u32);

/// How scarce on-hand stock is split among the claims (backorders + new orders) of a node's
/// customers in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rationing {
    /// Customers in the order their edges were added, external demand last (stockpyl).
    #[default]
    InOrder,
    /// Every claim gets the same fraction.
    ProRata,
    /// Customers in the node's own country first (pro rata within the class), then the rest.
    /// External demand counts as domestic.
    DomesticFirst,
    /// By the customer node's `sector_priority` (lower first), pro rata within a class.
    /// External demand uses the node's own `demand_priority`.
    SectorPriority,
}

/// Where a node's process gets its inputs when it has no (or besides its) in-edges.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Supply {
    /// Only from in-edges (or nothing, for stockpiles).
    #[default]
    None,
    /// From an external supplier that is never short (stockpyl's external supplier); orders
    /// arrive after `lead_time` periods. With a finite [`Capacity`] this is a mine: the order
    /// is capped by the capacity of the period it is placed in.
    External {
        /// Shipment lead time in periods (>= 0).
        lead_time: i64,
    },
}

/// Production capacity per period (in units of the node's output, or of the co-production
/// activity for a co-production leader), possibly varying over time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// Full capacity per period; `f64::INFINITY` for none.
    pub per_period: f64,
    /// First period with capacity (plant opening); 0 for an existing plant.
    pub open_at: i64,
    /// First period without capacity (plant closure), if any.
    pub close_at: Option<i64>,
    /// Linear ramp-up: capacity in the k-th open period (k = 1, 2, ...) is
    /// `per_period * min(1, k / ramp_periods)`. 0 for no ramp.
    pub ramp_periods: i64,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity::UNLIMITED
    }
}

impl Capacity {
    /// No capacity limit at any time.
    pub const UNLIMITED: Capacity = Capacity {
        per_period: f64::INFINITY,
        open_at: 0,
        close_at: None,
        ramp_periods: 0,
    };

    /// Constant capacity from period 0.
    pub fn constant(per_period: f64) -> Self {
        Capacity {
            per_period,
            ..Capacity::UNLIMITED
        }
    }

    /// True if this profile never binds.
    pub fn is_unlimited(&self) -> bool {
        self.per_period == f64::INFINITY && self.open_at <= 0 && self.close_at.is_none()
    }

    /// Capacity in period `t`.
    #[inline]
    pub fn at(&self, t: u32) -> f64 {
        let t = i64::from(t);
        if t < self.open_at || self.close_at.is_some_and(|c| t >= c) {
            return 0.0;
        }
        let k = t - self.open_at + 1;
        if self.ramp_periods > 0 && k < self.ramp_periods {
            self.per_period * (k as f64 / self.ramp_periods as f64)
        } else {
            self.per_period
        }
    }
}

/// External demand at a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Demand {
    /// The same amount every period.
    Constant(f64),
    /// Replayed series; period `t` uses `values[t % len]` (stockpyl's `D` demand source).
    Series(Vec<f64>),
    /// Drawn each period from a distribution (e.g. [`Dist::Normal`], truncated at 0).
    Random(Dist),
}

/// Local base-stock (order-up-to) policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaseStock {
    /// Order-up-to level in units.
    Level(f64),
    /// Days (periods) of cover times mean demand per period.
    DaysOfCover {
        /// Periods of cover.
        days: f64,
        /// Mean demand per period.
        mean_demand: f64,
    },
}

impl BaseStock {
    /// The order-up-to level in units.
    pub fn level(&self) -> f64 {
        match *self {
            BaseStock::Level(s) => s,
            BaseStock::DaysOfCover { days, mean_demand } => days * mean_demand,
        }
    }
}

/// A stockpile: the node holds `initial` units, has no inputs and never reorders; it releases
/// only to its customers (its out-edges are the eligible customers) and at most
/// `max_release_per_period` per period.
///
/// Release mechanics (orders are redirected at the customer, which keeps the base-stock
/// accounting of the customer correct because the stockpile order counts as on-order):
/// - from `release_from` on, an eligible customer's order for the input slot the stockpile
///   edge belongs to goes to the stockpile first (up to the release budget), the rest to its
///   regular suppliers;
/// - if `release_on_shortage`, at any time the customer additionally orders from the stockpile
///   the backlog its regular suppliers in that slot owe it (backorders + held shipments), minus
///   what is already on order from the stockpile, up to the budget.
///
/// The budget of a period is `min(max_release_per_period, on-hand at the start of the period)`,
/// shared by customers in processing order, so a stockpile never backorders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StockpileSpec {
    /// Units held at period 0.
    pub initial: f64,
    /// Period from which customers draw on it first.
    pub release_from: Option<i64>,
    /// Whether a shortage at a regular supplier triggers release.
    pub release_on_shortage: bool,
    /// Maximum units released per period (`f64::INFINITY` for none).
    pub max_release_per_period: f64,
}

/// A node: one item stocked at one facility.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// Unique, human-readable name (used in error messages).
    pub name: String,
    /// Country code of the facility (for [`Rationing::DomesticFirst`]).
    pub country: u16,
    /// Priority class as a customer under [`Rationing::SectorPriority`] (lower is served first).
    pub sector_priority: u8,
    /// Priority class of this node's external demand under [`Rationing::SectorPriority`].
    pub demand_priority: u8,
    /// Order-up-to policy.
    pub base_stock: BaseStock,
    /// Inventory at period 0; `None` means the base-stock level (stockpyl's default).
    pub initial_inventory: Option<f64>,
    /// Holding cost per unit-period of on-hand stock (also charged on raw material received
    /// from this node at its customers, and on held outbound shipments).
    pub holding_cost: f64,
    /// Backorder cost per unit-period.
    pub stockout_cost: f64,
    /// Holding cost per unit-period of goods in transit to customers; `None` = `holding_cost`.
    pub in_transit_holding_cost: Option<f64>,
    /// External supply.
    pub supply: Supply,
    /// Production capacity.
    pub capacity: Capacity,
    /// External demand, if any.
    pub demand: Option<Demand>,
    /// Rationing rule for scarce output.
    pub rationing: Rationing,
    /// Stockpile behaviour, if this node is a stockpile.
    pub stockpile: Option<StockpileSpec>,
    /// Origin label stamped on this node's output (sources: country of mining; a separation
    /// plant can restamp with the country of separation). `None` keeps the input mix.
    pub origin: Option<u16>,
    /// Start this node's process in the steady state of running at this activity (units of
    /// the node's output per period): every inbound pipeline holds what that activity ordered
    /// over the last lead-time periods, and the on-hand stock of each member is its base-stock
    /// level less its share of that pipeline, so the inventory position equals the base stock
    /// and a run without disruptions orders, ships and receives the same amounts from period 0.
    /// Read on a process's leader; overrides `initial_inventory`. `None` starts with empty
    /// pipelines (stockpyl's convention).
    pub steady_activity: Option<f64>,
}

impl NodeSpec {
    /// A node with stockpyl's defaults: base stock 0, no costs, no supply, no demand.
    pub fn new(name: impl Into<String>) -> Self {
        NodeSpec {
            name: name.into(),
            country: 0,
            sector_priority: 0,
            demand_priority: 0,
            base_stock: BaseStock::Level(0.0),
            initial_inventory: None,
            holding_cost: 0.0,
            stockout_cost: 0.0,
            in_transit_holding_cost: None,
            supply: Supply::None,
            capacity: Capacity::UNLIMITED,
            demand: None,
            rationing: Rationing::InOrder,
            stockpile: None,
            origin: None,
            steady_activity: None,
        }
    }
    /// Sets the base-stock level in units.
    pub fn base_stock(mut self, s: f64) -> Self {
        self.base_stock = BaseStock::Level(s);
        self
    }
    /// Sets the base-stock level as days of cover times mean daily demand.
    pub fn days_of_cover(mut self, days: f64, mean_demand: f64) -> Self {
        self.base_stock = BaseStock::DaysOfCover { days, mean_demand };
        self
    }
    /// Sets holding and stockout cost.
    pub fn costs(mut self, holding: f64, stockout: f64) -> Self {
        self.holding_cost = holding;
        self.stockout_cost = stockout;
        self
    }
    /// Supplies the node from an external supplier with this lead time.
    pub fn external_supply(mut self, lead_time: i64) -> Self {
        self.supply = Supply::External { lead_time };
        self
    }
    /// Sets the capacity profile.
    pub fn capacity(mut self, c: Capacity) -> Self {
        self.capacity = c;
        self
    }
    /// Sets external demand.
    pub fn demand(mut self, d: Demand) -> Self {
        self.demand = Some(d);
        self
    }
    /// Sets the rationing rule.
    pub fn rationing(mut self, r: Rationing) -> Self {
        self.rationing = r;
        self
    }
    /// Sets the country code.
    pub fn country(mut self, c: u16) -> Self {
        self.country = c;
        self
    }
    /// Sets the sector priority class (as a customer).
    pub fn sector_priority(mut self, p: u8) -> Self {
        self.sector_priority = p;
        self
    }
    /// Makes the node a stockpile.
    pub fn stockpile(mut self, s: StockpileSpec) -> Self {
        self.stockpile = Some(s);
        self
    }
    /// Sets the origin label stamped on the node's output.
    pub fn origin(mut self, label: u16) -> Self {
        self.origin = Some(label);
        self
    }
    /// Sets the initial inventory.
    pub fn initial_inventory(mut self, x: f64) -> Self {
        self.initial_inventory = Some(x);
        self
    }
    /// Starts the node's process in steady state at `activity` per period (see
    /// [`NodeSpec::steady_activity`]).
    pub fn starts_steady(mut self, activity: f64) -> Self {
        self.steady_activity = Some(activity);
        self
    }
}

/// A lane from a supplier node to a customer node.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSpec {
    /// Supplier.
    pub from: NodeId,
    /// Customer.
    pub to: NodeId,
    /// Shipment lead time in periods (>= 0).
    pub lead_time: i64,
    /// Units of the supplier's item per unit of the customer's output (recipe / BOM).
    pub bom: f64,
    /// Input slot at the customer: edges into the same customer with the same slot key supply
    /// the same raw material (alternative suppliers, a stockpile); their raw material is pooled.
    /// `None` gives the edge its own slot (stockpyl: one raw material per predecessor).
    pub slot: Option<u32>,
    /// Share of the slot's order placed on this edge. If no edge of a slot sets a share, the
    /// first edge gets everything (stockpyl); otherwise unset shares are 0 and the shares of
    /// a slot must sum to 1.
    pub share: Option<f64>,
    /// Export licence regime, if shipments on this lane need a licence.
    pub licence: Option<LicenceKey>,
}

impl EdgeSpec {
    /// A lane with BOM 1, its own input slot and no licence.
    pub fn new(from: NodeId, to: NodeId, lead_time: i64) -> Self {
        EdgeSpec {
            from,
            to,
            lead_time,
            bom: 1.0,
            slot: None,
            share: None,
            licence: None,
        }
    }
    /// Sets the BOM quantity.
    pub fn bom(mut self, q: f64) -> Self {
        self.bom = q;
        self
    }
    /// Puts the edge in input slot `k` of its customer.
    pub fn slot(mut self, k: u32) -> Self {
        self.slot = Some(k);
        self
    }
    /// Sets the order share within the slot.
    pub fn share(mut self, s: f64) -> Self {
        self.share = Some(s);
        self
    }
    /// Requires a licence from this regime.
    pub fn licence(mut self, k: LicenceKey) -> Self {
        self.licence = Some(k);
        self
    }
}

/// Disruption type (Snyder & Shen / stockpyl taxonomy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisruptionKind {
    /// Order-pausing: no orders are placed (on the edge / by the node).
    OrderPausing,
    /// Shipment-pausing: the supplier holds shipments (they wait as held items).
    ShipmentPausing,
    /// Transit-pausing: the inbound pipeline does not advance.
    TransitPausing,
    /// Receipt-pausing: arrivals are not received (they wait as held inbound items).
    ReceiptPausing,
}

/// What a disruption hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// All in-edges of the node's process (incl. its external supply); stockpyl's node
    /// disruption. The node's `disrupted` flag in traces follows this disruption.
    Node(NodeId),
    /// One lane.
    Edge(EdgeId),
}

/// When a disruption is active.
#[derive(Debug, Clone, PartialEq)]
pub enum DisruptionProcess {
    /// Active in the listed half-open periods `[start, end)`.
    Scheduled(Vec<(i64, i64)>),
    /// Replayed series; period `t` uses `states[t % len]` (stockpyl's `E` process).
    Series(Vec<bool>),
    /// Two-state Markov chain starting up: up -> down with probability `alpha`, down -> up
    /// with `beta`. Each period draws `u ~ U[0,1)`; down iff `u <= 1 - beta` (was down) or
    /// `u <= alpha` (was up), as stockpyl.
    Markov {
        /// P(up -> down).
        alpha: f64,
        /// P(down -> up).
        beta: f64,
    },
    /// One episode per replication with probability `probability`: starts at a drawn period,
    /// lasts a drawn number of periods.
    Episode {
        /// Probability that the episode happens at all.
        probability: f64,
        /// Start period.
        start: Dist,
        /// Duration in periods.
        duration: Dist,
    },
}

/// A disruption.
#[derive(Debug, Clone, PartialEq)]
pub struct DisruptionSpec {
    /// What it hits.
    pub target: Target,
    /// What it does.
    pub kind: DisruptionKind,
    /// When it is active.
    pub process: DisruptionProcess,
}

/// An export licence regime for one (exporter, importer, item) key.
///
/// While a licence is required (`required_from <= t < required_until` and before
/// `general_licence_from`), shipments on the lanes of this key are held (like a
/// shipment-pausing disruption) unless a valid licence exists. The first time a shipment is held
/// without a pending application, the exporter applies: review takes a drawn number of periods;
/// the licence is approved with `approval_probability` and is then valid for `validity`
/// periods from the decision. A denial ends the application; the next held shipment reapplies.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceSpec {
    /// First period in which a licence is required.
    pub required_from: i64,
    /// First period in which it is no longer required (`None`: never lifted).
    pub required_until: Option<i64>,
    /// Review time in periods.
    pub review: Dist,
    /// Probability of approval (0 for denied end users).
    pub approval_probability: f64,
    /// Validity of an approved licence, in periods.
    pub validity: i64,
    /// From this period a general licence applies and no wait is needed.
    pub general_licence_from: Option<i64>,
    /// An extraterritorial content rule: a licence is needed only for goods whose traced origin
    /// mix holds at least this share of one origin label (needs origin tracing). `None`: every
    /// controlled shipment needs one.
    pub content_rule: Option<ContentRule>,
}

/// "Goods with at least `min_share` of origin `label` in their traced mix need a licence"
/// (e.g. MOFCOM No. 61's 0.1% de-minimis rule for Chinese-origin rare earths in foreign-made
/// products). The share is of the goods' traced rare-earth content, by mass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContentRule {
    /// Origin label (see [`NetworkBuilder::origin_labels`]).
    pub label: u16,
    /// Threshold in [0, 1]; goods at or above it need a licence.
    pub min_share: f64,
}

/// Builder for a [`Network`].
#[derive(Debug, Clone, Default)]
pub struct NetworkBuilder {
    pub(crate) nodes: Vec<NodeSpec>,
    pub(crate) edges: Vec<EdgeSpec>,
    pub(crate) coproducts: Vec<(NodeId, NodeId, f64)>,
    pub(crate) disruptions: Vec<DisruptionSpec>,
    pub(crate) licences: Vec<LicenceSpec>,
    pub(crate) origin_labels: u16,
}

impl NetworkBuilder {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a node.
    pub fn node(&mut self, spec: NodeSpec) -> NodeId {
        self.nodes.push(spec);
        NodeId((self.nodes.len() - 1) as u32)
    }
    /// Adds a lane.
    pub fn edge(&mut self, spec: EdgeSpec) -> EdgeId {
        self.edges.push(spec);
        EdgeId((self.edges.len() - 1) as u32)
    }
    /// Shorthand for `edge(EdgeSpec::new(from, to, lead_time))`.
    pub fn lane(&mut self, from: NodeId, to: NodeId, lead_time: i64) -> EdgeId {
        self.edge(EdgeSpec::new(from, to, lead_time))
    }
    /// Declares `member` a co-product of `leader`'s production: one unit of the leader's
    /// output also yields `ratio` units of `member`. The member has no inputs of its own;
    /// production follows the binding (most needed) output and surplus co-products accumulate.
    pub fn coproduct(&mut self, leader: NodeId, member: NodeId, ratio: f64) {
        self.coproducts.push((leader, member, ratio));
    }
    /// Adds a disruption.
    pub fn disruption(&mut self, spec: DisruptionSpec) {
        self.disruptions.push(spec);
    }
    /// Registers a licence regime; attach it to lanes with [`EdgeSpec::licence`].
    pub fn licence(&mut self, spec: LicenceSpec) -> LicenceKey {
        self.licences.push(spec);
        LicenceKey((self.licences.len() - 1) as u32)
    }
    /// Turns origin tracing on with `k` labels (0 = off, the default).
    pub fn origin_labels(&mut self, k: u16) {
        self.origin_labels = k;
    }
    /// The spec of a node added earlier (to derive a variant network from a built one).
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut NodeSpec> {
        self.nodes.get_mut(id.0 as usize)
    }
    /// The spec of a licence regime registered earlier.
    pub fn licence_mut(&mut self, key: LicenceKey) -> Option<&mut LicenceSpec> {
        self.licences.get_mut(key.0 as usize)
    }
    /// The same network without origin tracing (no labels, no stamps): every quantity is the
    /// same, the kernel is the batched one where it applies.
    pub fn untraced(&self) -> NetworkBuilder {
        let mut b = self.clone();
        b.origin_labels = 0;
        for n in &mut b.nodes {
            n.origin = None;
        }
        b
    }
    /// Number of nodes added so far.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
    /// Validates and compiles.
    pub fn build(&self) -> Result<Network> {
        Network::compile(self)
    }

    pub(crate) fn node_name(&self, id: NodeId) -> String {
        self.nodes
            .get(id.0 as usize)
            .map_or_else(|| "?".to_string(), |n| n.name.clone())
    }

    pub(crate) fn edge_err(&self, e: usize, field: &'static str, reason: String) -> ConfigError {
        let (from, to) = self.edges.get(e).map_or(("?".into(), "?".into()), |s| {
            (self.node_name(s.from), self.node_name(s.to))
        });
        ConfigError::Edge {
            edge: e,
            from,
            to,
            field,
            reason,
        }
    }
}
