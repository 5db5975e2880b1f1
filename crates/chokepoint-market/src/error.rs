//! Errors of the market engine; each names the market or field at fault.

/// A bad input to the market engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    /// An elasticity that is not a finite number > 0, or a range out of order.
    #[error("{market}: elasticity {field} = {value}: {message}")]
    Elasticity {
        market: String,
        field: &'static str,
        value: f64,
        message: String,
    },
    /// No base price for a market that needs one.
    #[error("{market}: no base price: {message} (prices.csv needs a USD/kg row for this material)")]
    MissingBasePrice { market: String, message: String },
    /// Any other number out of its domain (negative quantity, non-finite price, ...).
    #[error("{field} = {value}: {message}")]
    Invalid {
        field: String,
        value: f64,
        message: String,
    },
}
