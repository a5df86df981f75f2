//! Property tests: invariances of agreement statistics, and no panic on arbitrary input.

use checkval::stats::agreement::*;
use checkval::stats::icc::icc_anova;
use proptest::prelude::*;

fn table(n_units: usize, n_raters: usize, n_cats: u8) -> impl Strategy<Value = Vec<Vec<Option<f64>>>> {
    prop::collection::vec(
        prop::collection::vec(prop::option::weighted(0.85, (1..=n_cats).prop_map(|c| c as f64)), n_raters),
        n_units,
    )
}

fn close(a: &Result<Coef, checkval::stats::Na>, b: &Result<Coef, checkval::stats::Na>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => (x.estimate - y.estimate).abs() < 1e-9 && (x.se - y.se).abs() < 1e-9,
        (Err(_), Err(_)) => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn rater_order_does_not_matter(data in table(20, 3, 4)) {
        let rev: Vec<Vec<Option<f64>>> = data.iter().map(|u| u.iter().rev().copied().collect()).collect();
        if let (Ok(a), Ok(b)) = (RatingTable::new(&data, None), RatingTable::new(&rev, None)) {
            prop_assert!(close(&fleiss_kappa(&a, WeightKind::Identity, 0.95), &fleiss_kappa(&b, WeightKind::Identity, 0.95)));
            prop_assert!(close(&gwet_ac(&a, WeightKind::Identity, 0.95), &gwet_ac(&b, WeightKind::Identity, 0.95)));
            prop_assert!(close(&conger_kappa(&a, WeightKind::Identity, 0.95), &conger_kappa(&b, WeightKind::Identity, 0.95)));
            prop_assert!(close(&brennan_prediger(&a, WeightKind::Identity, 0.95), &brennan_prediger(&b, WeightKind::Identity, 0.95)));
            let ka = krippendorff_alpha(&a, Level::Nominal, 0.95, 0, 1).map(|c| c.estimate);
            let kb = krippendorff_alpha(&b, Level::Nominal, 0.95, 0, 1).map(|c| c.estimate);
            let same = match (ka, kb) { (Ok(x), Ok(y)) => (x - y).abs() < 1e-9, (Err(_), Err(_)) => true, _ => false };
            prop_assert!(same);
        }
    }

    #[test]
    fn nominal_statistics_ignore_category_labels(data in table(20, 3, 4)) {
        // Relabel 1→40, 2→10, 3→30, 4→20: nominal statistics must not change.
        let map = |v: f64| [40.0, 10.0, 30.0, 20.0][v as usize - 1];
        let rel: Vec<Vec<Option<f64>>> = data.iter().map(|u| u.iter().map(|v| v.map(map)).collect()).collect();
        if let (Ok(a), Ok(b)) = (RatingTable::new(&data, None), RatingTable::new(&rel, None)) {
            prop_assert!(close(&fleiss_kappa(&a, WeightKind::Identity, 0.95), &fleiss_kappa(&b, WeightKind::Identity, 0.95)));
            prop_assert!(close(&gwet_ac(&a, WeightKind::Identity, 0.95), &gwet_ac(&b, WeightKind::Identity, 0.95)));
            prop_assert!(close(&conger_kappa(&a, WeightKind::Identity, 0.95), &conger_kappa(&b, WeightKind::Identity, 0.95)));
            let pa = percent_agreement(&a, WeightKind::Identity).map(|x| x.0);
            let pb = percent_agreement(&b, WeightKind::Identity).map(|x| x.0);
            prop_assert_eq!(pa.is_ok(), pb.is_ok());
            if let (Ok(x), Ok(y)) = (pa, pb) { prop_assert!((x - y).abs() < 1e-12); }
            let ca: Vec<Option<f64>> = data.iter().map(|u| u[0]).collect();
            let cb: Vec<Option<f64>> = data.iter().map(|u| u[1]).collect();
            let ra: Vec<Option<f64>> = rel.iter().map(|u| u[0]).collect();
            let rb: Vec<Option<f64>> = rel.iter().map(|u| u[1]).collect();
            prop_assert!(close(&cohen_kappa(&ca, &cb, WeightKind::Identity, 0.95), &cohen_kappa(&ra, &rb, WeightKind::Identity, 0.95)));
        }
    }

    #[test]
    fn identical_ratings_give_kappa_one(col in prop::collection::vec((1u8..=5).prop_map(|c| Some(c as f64)), 5..40)) {
        let c = cohen_kappa(&col, &col, WeightKind::Identity, 0.95);
        let distinct = { let mut v: Vec<u8> = col.iter().map(|x| x.unwrap() as u8).collect(); v.sort(); v.dedup(); v.len() };
        if distinct >= 2 {
            let c = c.unwrap();
            prop_assert!((c.estimate - 1.0).abs() < 1e-12);
            for kind in [WeightKind::Linear, WeightKind::Quadratic] {
                prop_assert!((cohen_kappa(&col, &col, kind, 0.95).unwrap().estimate - 1.0).abs() < 1e-12);
            }
            let units: Vec<Vec<Option<f64>>> = col.iter().map(|v| vec![*v, *v, *v]).collect();
            let t = RatingTable::new(&units, None).unwrap();
            prop_assert!((fleiss_kappa(&t, WeightKind::Identity, 0.95).unwrap().estimate - 1.0).abs() < 1e-12);
            prop_assert!((gwet_ac(&t, WeightKind::Identity, 0.95).unwrap().estimate - 1.0).abs() < 1e-12);
            prop_assert!((krippendorff_alpha(&t, Level::Nominal, 0.95, 0, 1).unwrap().estimate - 1.0).abs() < 1e-12);
        } else {
            prop_assert!(c.is_err());
        }
    }

    #[test]
    fn icc_is_invariant_to_rater_order(rows in prop::collection::vec(prop::collection::vec((0u8..7).prop_map(|v| Some(v as f64)), 3), 4..20)) {
        let rev: Vec<Vec<Option<f64>>> = rows.iter().map(|r| r.iter().rev().copied().collect()).collect();
        match (icc_anova(&rows, 0.95), icc_anova(&rev, 0.95)) {
            (Ok(a), Ok(b)) => for (x, y) in a.forms.iter().zip(&b.forms) {
                match (&x.estimate, &y.estimate) {
                    (Ok(u), Ok(v)) => prop_assert!((u - v).abs() < 1e-9, "{}: {u} vs {v}", x.name),
                    (Err(_), Err(_)) => {}
                    (u, v) => prop_assert!(false, "{}: {u:?} vs {v:?}", x.name),
                }
            },
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false),
        }
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let p = std::path::Path::new("fuzz.csv");
        if let Ok(t) = checkval::io::TextTable::from_bytes(p, &bytes, &Default::default()) {
            for r in t.records().take(50) { let _ = r; }
            for c in t.chunks(3) { let _ = c.each_record(|_, _| Ok(())); }
        }
    }

    #[test]
    fn parsing_arbitrary_cells_never_panics(s in ".{0,40}") {
        let _ = checkval::io::values::parse_datetime(&s);
        let _ = checkval::io::values::parse_number(&s, checkval::io::dialect::DecimalMark::Comma);
        let _ = checkval::io::table::fold_code(&s);
    }
}
