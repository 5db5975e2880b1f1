//! Property tests: the recipe balance check accepts every recipe whose outputs are a recovery
//! (<= 100%) of its inputs, and flags exactly the elements whose output exceeds input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use chokepoint_core::deposit::{Deposit, DistributionEntry};
use chokepoint_core::facility::{Facility, FacilityStatus, Recipe, RecipeLine, Stage};
use chokepoint_core::material::{
    ContentSpec, ElementContent, Material, MaterialForm, QuantityUnit,
};
use chokepoint_core::source::Provenance;
use chokepoint_core::units::{Days, Share};
use chokepoint_core::{Element, World};
use proptest::prelude::*;

fn material(
    w: &mut World,
    key: &str,
    unit: QuantityUnit,
    spec: ContentSpec,
) -> chokepoint_core::material::MaterialId {
    w.materials
        .insert(
            key,
            Material {
                key: key.into(),
                name: key.into(),
                form: MaterialForm::Other,
                unit,
                content_spec: spec,
                content: ElementContent::default(),
                unit_mass_kg: None,
            },
        )
        .unwrap()
}

/// A world with one ore of the given distribution, its concentrate and one separated oxide per
/// element, and a separation plant whose recipe co-produces at `recovery`.
fn separation_world(shares: &[(Element, f64)], recovery: f64) -> World {
    let mut w = World::default();
    let total: f64 = shares.iter().map(|s| s.1).sum();
    let dep = w
        .deposits
        .insert(
            "ore",
            Deposit {
                key: "ore".into(),
                name: "ore".into(),
                country: "CHN".parse().unwrap(),
                ore_type: String::new(),
                distribution: shares
                    .iter()
                    .map(|&(element, s)| DistributionEntry {
                        element,
                        share: Share::from_fraction(s / total).unwrap(),
                        provenance: Provenance::default(),
                    })
                    .collect(),
                provenance: Provenance::default(),
            },
        )
        .unwrap();
    let conc = material(
        &mut w,
        "conc",
        QuantityUnit::TonnesReo,
        ContentSpec::Deposit(dep),
    );
    for &(e, _) in shares {
        let key = format!("{}-oxide", e.symbol().to_lowercase());
        let id = material(
            &mut w,
            &key,
            QuantityUnit::TonnesReo,
            ContentSpec::Single(e),
        );
        w.materials.get_mut(id).form = MaterialForm::SeparatedOxide;
    }
    let fac = w
        .facilities
        .insert(
            "sep",
            Facility {
                key: "sep".into(),
                name: "sep".into(),
                operator: String::new(),
                country: "CHN".parse().unwrap(),
                stage: Stage::Separation,
                status: FacilityStatus::Operating,
                start: None,
                end: None,
                ramp_up: Days(0),
                deposit: Some(dep),
                aggregate: false,
                capacities: vec![],
                recipes: vec![],
                provenance: Provenance::default(),
            },
        )
        .unwrap();
    w.recipes
        .insert(
            "run",
            Recipe {
                key: "run".into(),
                facility: fac,
                inputs: vec![RecipeLine {
                    material: conc,
                    quantity: 1.0,
                }],
                outputs: vec![],
                coproduction: Some(chokepoint_core::facility::Coproduction {
                    feed: conc,
                    recovery: Share::from_fraction(recovery).unwrap(),
                }),
                provenance: Provenance::default(),
            },
        )
        .unwrap();
    w
}

fn distribution() -> impl Strategy<Value = Vec<(Element, f64)>> {
    proptest::sample::subsequence(Element::rare_earths().collect::<Vec<_>>(), 1..17)
        .prop_flat_map(|els| {
            let n = els.len();
            (Just(els), proptest::collection::vec(0.001f64..100.0, n))
        })
        .prop_map(|(els, w)| els.into_iter().zip(w).collect())
}

proptest! {
    #[test]
    fn coproduction_at_any_recovery_conserves_every_element(shares in distribution(), recovery in 0.0f64..=1.0) {
        let mut w = separation_world(&shares, recovery);
        prop_assert!(w.finish().is_empty());
        let r = w.recipes.get(w.recipes.lookup("run").unwrap());
        prop_assert_eq!(r.outputs.len(), shares.len());
        prop_assert!(w.recipe_mass_creation(r).is_empty());
        // Outputs carry the ore's proportions exactly.
        let total: f64 = r.outputs.iter().map(|l| l.quantity).sum();
        prop_assert!((total - recovery).abs() < 1e-9);
    }

    #[test]
    fn scaling_one_output_above_its_input_is_flagged(shares in distribution(), excess in 1.001f64..3.0, pick in any::<prop::sample::Index>()) {
        let mut w = separation_world(&shares, 1.0);
        prop_assert!(w.finish().is_empty());
        let id = w.recipes.lookup("run").unwrap();
        let i = pick.index(shares.len());
        w.recipes.get_mut(id).outputs[i].quantity *= excess;
        let flagged = w.recipe_mass_creation(w.recipes.get(id));
        prop_assert_eq!(flagged.len(), 1);
        prop_assert_eq!(flagged[0].element, shares[i].0);
        prop_assert!(flagged[0].output_t > flagged[0].input_t);
    }

    #[test]
    fn oxide_to_metal_conserves_only_up_to_stoichiometry(yield_frac in 0.0f64..1.2) {
        // 1 t REO of Nd2O3 holds 0.8573 t Nd: a metal yield above that creates mass.
        let mut w = World::default();
        let ox = material(&mut w, "nd-oxide", QuantityUnit::TonnesReo, ContentSpec::Single(Element::Nd));
        let metal = material(&mut w, "nd-metal", QuantityUnit::Tonnes, ContentSpec::Single(Element::Nd));
        w.finish();
        let recipe = Recipe {
            key: "m".into(),
            facility: chokepoint_core::Id::from_index(0),
            inputs: vec![RecipeLine { material: ox, quantity: 1.0 }],
            outputs: vec![RecipeLine { material: metal, quantity: yield_frac }],
            coproduction: None,
            provenance: Provenance::default(),
        };
        let creates = !w.recipe_mass_creation(&recipe).is_empty();
        prop_assert_eq!(creates, yield_frac > Element::Nd.element_fraction_of_oxide() * (1.0 + 1e-9) + 1e-12);
    }
}
