//! `Located<T>`: a value from the stack file together with where it was written, so that
//! validation long after parsing can still point at the line and column. Transparent for serde
//! and for the JSON Schema (the schema shows just `T`).

use std::borrow::{Borrow, Cow};
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use marked_yaml::{Marker, Span, Spanned};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

use crate::diagnostics::Location;

#[derive(Clone, Debug)]
pub struct Located<T>(Spanned<T>);

impl<T> Located<T> {
    /// A value with a known position (used by tests and for map keys read from nodes).
    pub fn at(value: T, location: Option<Location>) -> Self {
        let span = match location {
            Some(l) => Span::new_start(Marker::new(l.source, 0, l.line, l.column)),
            None => Span::new_blank(),
        };
        Located(Spanned::new(span, value))
    }

    pub fn from_span(value: T, span: &Span) -> Self {
        Located(Spanned::new(*span, value))
    }

    /// Where the value starts in the file, 1-based.
    pub fn location(&self) -> Option<Location> {
        location_of(self.0.span())
    }

    pub fn value(&self) -> &T {
        &self.0
    }
}

/// Converts a marked-yaml span to our 1-based location.
pub fn location_of(span: &Span) -> Option<Location> {
    span.start().map(marker_location)
}

/// A marked-yaml marker as our location.
pub fn marker_location(m: &Marker) -> Location {
    Location { source: m.source(), line: m.line(), column: m.column() }
}

impl<T> Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl<T: Eq> Eq for Located<T> {}

impl<T: Hash> Hash for Located<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (*self.0).hash(state)
    }
}

impl Borrow<str> for Located<String> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<T>::deserialize(deserializer).map(Located)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
