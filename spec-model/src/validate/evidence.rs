//! The source register and the evidence every fact carries.

use super::*;

impl Cx {
    pub(super) fn sources(&mut self, files: &[LoadedFile]) -> Vec<Source> {
        let mut out = Vec::new();
        for file in files {
            let lines = item_lines_by(file, "id", file.spec.sources.iter().map(|s| s.id.as_str()));
            for (s, line) in file.spec.sources.iter().zip(lines) {
                if s.id.trim().is_empty() || s.id.contains(char::is_whitespace) {
                    self.errors.push(
                        SpecError::new(&file.path, format!("source id `{}` is empty or has spaces", s.id))
                            .field("sources")
                            .line(line),
                    );
                } else if !self.sources.insert(s.id.clone()) {
                    self.errors.push(
                        SpecError::new(&file.path, format!("duplicate source id `{}`", s.id))
                            .field("sources")
                            .line(line)
                            .hint("each source once in the register"),
                    );
                } else {
                    out.push(Source { id: s.id.clone(), title: s.title.trim().to_string() });
                }
            }
        }
        out
    }

    /// Resolves an evidence value, or says what is wrong with it (message, hint).
    pub(super) fn evidence(&self, e: &EvidenceSpec) -> Result<Provenance, (String, String)> {
        let level = spelled!(Evidence, &e.level).map_err(|h| {
            let near = names::did_you_mean(&e.level, Evidence::ALL.iter().map(|l| l.as_str()));
            (format!("unknown evidence level `{}`{near}", e.level), h)
        })?;
        if let Some(s) = e.sources.iter().find(|s| !self.sources.contains(*s)) {
            let known = self.sources.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            return Err((
                format!(
                    "evidence cites source `{s}`, which the register does not list{}",
                    names::did_you_mean(s, self.sources.iter().map(String::as_str))
                ),
                format!("an id under `sources:` ({known})"),
            ));
        }
        if e.sources.is_empty() && level != Evidence::Guessed {
            return Err((
                format!("evidence `{}` cites no source", e.level),
                "the ids of its sources, or `level: guessed` with a `note`".to_string(),
            ));
        }
        Ok(Provenance {
            level,
            sources: e.sources.clone(),
            note: e.note.as_ref().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
        })
    }

    /// The item's own `evidence:`, which every endpoint and event must state.
    pub(super) fn required_evidence(
        &mut self,
        at: &At<'_>,
        kind: &str,
        e: Option<&EvidenceSpec>,
    ) -> Option<Provenance> {
        match e {
            Some(ev) => self.evidence_at(at, "evidence", ev),
            None => {
                self.errors.push(at.err("", format!("the {kind} states no `evidence`")).hint(
                    "`evidence: {level: confirmed, sources: [S1, S2]}`; levels: documented, confirmed, \
                     single_source, analogue, seed_only, guessed",
                ));
                None
            }
        }
    }

    /// The evidence at `path`, else `default` (the item's own).
    pub(super) fn evidence_or(
        &mut self,
        at: &At<'_>,
        path: &str,
        e: Option<&EvidenceSpec>,
        default: &Option<Provenance>,
    ) -> Option<Provenance> {
        match e {
            Some(ev) => self.evidence_at(at, path, ev),
            None => default.clone(),
        }
    }

    /// Resolves the evidence at the item's key `path`, reporting a problem there.
    pub(super) fn evidence_at(&mut self, at: &At<'_>, path: &str, e: &EvidenceSpec) -> Option<Provenance> {
        self.evidence(e).map_err(|(m, h)| self.errors.push(at.err(path, m).hint(h))).ok()
    }
}
