//! Errors written for the person who edits the spec.

use std::fmt;

/// Where in the spec a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The spec file, as given to the generator.
    pub file: String,
    /// 1-based line, when it is known.
    pub line: Option<usize>,
    /// The endpoint (or named type) concerned.
    pub item: Option<String>,
    /// The field or key concerned.
    pub field: Option<String>,
}

/// One problem in the spec: where, what is wrong, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub hint: Option<String>,
}

impl SpecError {
    /// A new error at `file`.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            location: Location { file: file.into(), ..Location::default() },
            message: message.into(),
            hint: None,
        }
    }
    /// Sets the line.
    pub fn line(mut self, line: Option<usize>) -> Self {
        self.location.line = line;
        self
    }
    /// Sets the endpoint or type name.
    pub fn item(mut self, item: impl Into<String>) -> Self {
        self.location.item = Some(item.into());
        self
    }
    /// Sets the field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.location.field = Some(field.into());
        self
    }
    /// Sets what would be right.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.location;
        write!(f, "{}", l.file)?;
        if let Some(line) = l.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(item) = &l.item {
            write!(f, "`{item}`")?;
            if let Some(field) = &l.field {
                write!(f, ", field `{field}`")?;
            }
            f.write_str(": ")?;
        } else if let Some(field) = &l.field {
            write!(f, "key `{field}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (expected {hint})")?;
        }
        Ok(())
    }
}

/// Everything that went wrong in one run; the generator reports all problems it can find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<SpecError>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "the spec has {n} error{}:", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

impl std::error::Error for SpecError {}

impl From<SpecError> for Errors {
    fn from(e: SpecError) -> Self {
        Errors(vec![e])
    }
}
