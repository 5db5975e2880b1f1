//! # chokepoint-longrun
//!
//! The long-horizon mode (issue 16 items 3 and 5; `docs/longrun.md`): a yearly balance from
//! 2010 to 2040 of Nd+Pr and Dy+Tb (separated oxides, element mass) and NdFeB magnets by region
//! (China, Japan, EU, US, rest of world), with
//! * supply from the dataset's mines, separation plants, scrap recyclers and magnet plants plus
//!   the capacity projects of `projects.csv`, each ramping up from its start and slipping by a
//!   drawn delay ([`base`], [`mc`]);
//! * recycled oxide from end-of-life magnets: the in-use stock model of `chokepoint-stocks`
//!   (inflow = magnet demand per sector and region, normal lifetimes per sector) times
//!   collection and recovery shares;
//! * demand: the base-year demand rows grown per sector, less the substitution and thrifting
//!   levers; export controls as a share of China's supply outside China withheld;
//! * per year: demand, supply, shortfall, China's share of each region's supply, the recycled
//!   share ([`model`]); against history where it overlaps ([`history`]).
//!
//! **Invariants.** No I/O, no clock; randomness only from the seed (run `k` uses stream `k`),
//! runs reduced in order, so a seed gives bit-identical results at any thread count. Allocation
//! conserves mass. Observations are compared, never read as inputs.

pub mod base;
pub mod error;
pub mod history;
pub mod mc;
pub mod model;
pub mod region;

pub use error::LongRunError;
pub use mc::{Band, Summary, simulate};
pub use model::{Cell, Model, YearBalance};
pub use region::Region;
