//! "Did you mean ...?": the known name nearest to one the user typed.

/// The candidate nearest to `typed`, if one is near enough to be what was meant: the
/// same name in other case, the only candidate it begins (at least three letters),
/// else the closest by edit distance (Damerau-Levenshtein, case ignored), at most 2 or
/// a third of the candidate's length away. Dotted names (module paths) are compared by
/// their last part.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).to_lowercase();
    let t = last(typed);
    if t.is_empty() {
        return None;
    }
    let candidates: Vec<(&str, String)> = candidates.into_iter().map(|c| (c, last(c))).collect();
    if let Some((c, _)) = candidates.iter().find(|(_, l)| *l == t) {
        return Some(c);
    }
    let prefixed: Vec<&str> = candidates
        .iter()
        .filter(|(_, l)| t.len() >= 3 && l.starts_with(&t))
        .map(|(c, _)| *c)
        .collect();
    if let [only] = prefixed[..] {
        return Some(only);
    }
    candidates
        .iter()
        .map(|(c, l)| (strsim::damerau_levenshtein(&t, l), *c, l.chars().count()))
        .filter(|&(d, _, len)| d <= (len / 3).max(2))
        .min_by_key(|&(d, _, _)| d)
        .map(|(_, c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    const CLASSES: [&str; 5] = [
        "LIFCell",
        "SLIFCell",
        "IFCell",
        "AlphaSynapse",
        "PoissonCell",
    ];

    #[test]
    fn a_typo_finds_the_class_and_nonsense_finds_nothing() {
        assert_eq!(nearest("LIFcell", CLASSES), Some("LIFCell"));
        assert_eq!(nearest("LIFCel", CLASSES), Some("LIFCell"));
        assert_eq!(nearest("AlphaSynpase", CLASSES), Some("AlphaSynapse"));
        assert_eq!(nearest("Poisson", CLASSES), Some("PoissonCell"));
        assert_eq!(nearest("Nope", CLASSES), None);
        assert_eq!(nearest("", CLASSES), None);
    }

    #[test]
    fn a_misspelt_argument_finds_its_name() {
        let args = ["tau_m", "refract_time", "thr", "v_rest"];
        assert_eq!(nearest("tau_mem", args), Some("tau_m"));
        assert_eq!(nearest("refract_tme", args), Some("refract_time"));
        assert_eq!(nearest("conductance", args), None);
    }

    #[test]
    fn module_paths_compare_by_their_class() {
        let paths = [
            "ngclearn.components.neurons.spiking.LIFCell",
            "ngclearn.components.synapses.AlphaSynapse",
        ];
        assert_eq!(
            nearest("ngclearn.components.LIFCel", paths),
            Some("ngclearn.components.neurons.spiking.LIFCell")
        );
    }
}
