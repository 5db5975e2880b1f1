//! Concentration by stage: published shares (USGS mine production) and the modelled ones from
//! the dataset's capacities, for all rare earths or one element.

use crate::AppError;
use chokepoint_analysis::concentration::{
    StageConcentration, Subject, modelled_concentrations, published_concentrations,
};
use chokepoint_core::World;
use chokepoint_core::stats::Edition;

/// The rows `analyze concentration` prints: published rows when the subject is all rare earths,
/// then the modelled rows per subject and stage.
pub fn table(
    world: &World,
    edition: &str,
    element: Option<&str>,
) -> Result<Vec<StageConcentration>, AppError> {
    let edition: Edition = edition
        .parse()
        .map_err(|e: String| AppError::Invalid(format!("edition: {e}")))?;
    let subjects = match element {
        Some(e) => vec![
            e.parse::<Subject>()
                .map_err(|err| AppError::Invalid(format!("element: {err}")))?,
        ],
        None => Subject::rare_earth_rows(),
    };
    let mut rows = Vec::new();
    if element.is_none() || subjects == [Subject::AllRareEarths] {
        rows.extend(published_concentrations(world, edition));
    }
    rows.extend(modelled_concentrations(world, &subjects));
    Ok(rows)
}
