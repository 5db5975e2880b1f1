//! # chokepoint-sim: the simulation kernel
//!
//! A time-stepped, deterministic Monte Carlo simulator of a multi-echelon supply network under
//! disruptions, export licensing and stockpile release. It is pure: no file I/O, no clock, no
//! printing; all randomness comes from the caller-supplied (or per-replication derived) RNG.
//!
//! ## Building and running
//! 1. Describe the network with a [`NetworkBuilder`] ([`NodeSpec`], [`EdgeSpec`],
//!    [`DisruptionSpec`], [`LicenceSpec`], [`StockpileSpec`], co-products, origin labels) and
//!    compile it with [`NetworkBuilder::build`], which validates everything and returns a
//!    struct-of-arrays [`Network`] or a [`ConfigError`] naming the node/edge and field.
//! 2. Run one replication with [`simulate`] (any [`Observer`], e.g. a [`TraceRecorder`] for
//!    stockpyl-style per-period output), or many with [`monte_carlo`].
//!
//! ## Period semantics (stockpyl 1.0.2, order lead time 0)
//! Each period `t`:
//! 1. disruption states update (declaration order; Markov draws one uniform each);
//! 2. external demands are drawn (node order);
//! 3. **orders**, processes in reverse topological order: a node's inbound order is the sum of
//!    its customers' orders on its out-lanes plus external demand; the inventory position is
//!    `IL + y * min_slots((RM + sum(on-order + held inbound)) / BOM)` and the base-stock order
//!    `max(0, S - (IP - inbound order))`; a co-production group orders for the binding output
//!    (`max_j OQ_j / y_j`), capped by capacity; orders are split over the slot's lanes by share
//!    (stockpyl: all to the first), zero on order-paused lanes; external supply ships at once
//!    into the lane's last pipeline slot;
//! 4. **shipments**, processes in topological order: receive pipeline slot 0 plus held inbound
//!    goods (receipt pause: slot 0 becomes held inbound goods); produce
//!    `min(capacity, min_slots(max(RM, 0) / BOM))`; each output node ships
//!    `ready = allotment of min(on-hand, backorders + new order)` per claim under its rationing
//!    rule; shipment-paused or unlicensed lanes hold `ready` as held outbound goods, other lanes
//!    ship `ready` plus previously held goods into the lane's pipeline slot `lead_time`;
//! 5. costs: holding `h * (max(IL, 0) + held outbound) + sum_slots h_supplier * (RM + held
//!    inbound)`, backorder `p * max(-IL, 0)`, in-transit `h_transit * goods in out-lanes`;
//! 6. pipelines advance one slot except on transit-paused lanes.
//!
//! ## Module map
//! - [`spec`]: the plain-data description and builder;
//! - [`network`]: compilation and validation into struct-of-arrays;
//! - [`state`]: per-replication state, O(nodes + pipeline slots);
//! - [`engine`]: the period kernel (one replication at a time, every feature);
//! - [`batch`]: the lane-batched kernel, `LANES` replications per pass, bit-identical to
//!   [`engine`] on every network without origin tracing; [`monte_carlo`] and the scenario
//!   runner use it when it applies;
//! - [`trace`]: stockpyl-column traces;
//! - [`mc`]: replications, per-replication summaries and cross-replication statistics;
//! - [`dist`]: small distributions.

pub mod batch;
pub mod cases;
pub mod dist;
pub mod engine;
pub mod error;
pub mod mc;
pub mod network;
pub mod spec;
pub mod state;
pub mod steady;
pub mod trace;

pub use dist::Dist;
pub use engine::{Observer, simulate, start, step};
pub use error::ConfigError;
pub use mc::{
    McConfig, McResult, ReplicationSummary, Stat, monte_carlo, reduce, replication_rng,
    run_replication, summarise,
};
pub use network::Network;
pub use spec::{
    BaseStock, Capacity, ContentRule, Demand, DisruptionKind, DisruptionProcess, DisruptionSpec,
    EdgeId, EdgeSpec, LicenceKey, LicenceSpec, NetworkBuilder, NodeId, NodeSpec, Rationing,
    StockpileSpec, Supply, Target,
};
pub use state::{MassBalance, State};
pub use trace::{PeriodRecord, TraceRecorder};
