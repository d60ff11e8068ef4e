//! Strict JSON, as the saved models and model files are read: a regular file of at
//! most [`MAX_TEXT_BYTES`], an object that names a key twice refused (serde_json, like
//! Python's `json`, would keep the last silently), and the accessors that name the
//! file and field of what does not fit.

use crate::error::{Error, Result};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::io::Read;
use std::path::Path;

/// Largest JSON (or TOML model) file read: 1 GiB.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads the text file at `path`: a regular file of at most [`MAX_TEXT_BYTES`].
pub fn read_text(path: &Path) -> Result<String> {
    let file = crate::io::npy::open_regular(path)?;
    // Sized from the file's length (bounded), so that it is read in one go.
    let len = file.metadata().map_or(0, |m| m.len()).min(MAX_TEXT_BYTES);
    let mut bytes = Vec::with_capacity(len as usize + 1);
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Error::format(
            path.display(),
            "(file)",
            format!("larger than {MAX_TEXT_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| Error::format(path.display(), "(file)", format!("not UTF-8 text: {e}")))
}

/// A JSON value read with a check that no object names a key twice; `path` is the
/// field path of the value, recorded in `dup` when a duplicate is found.
struct Strict<'a> {
    path: &'a str,
    dup: &'a RefCell<Option<String>>,
}

impl Strict<'_> {
    fn child(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, out.len());
            let seed = Strict {
                path: &path,
                dup: self.dup,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.child(&key);
            if out.contains_key(&key) {
                *self.dup.borrow_mut() = Some(path);
                return Err(A::Error::custom(format!("duplicate key `{key}`")));
            }
            let seed = Strict {
                path: &path,
                dup: self.dup,
            };
            let v = map.next_value_seed(seed)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// The message of a serde_json error without its ` at line L column C`.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

/// Parses `text` (the JSON file at `path`), refusing an object that names a key twice.
pub(crate) fn parse_json(text: &str, path: &Path) -> Result<Value> {
    let dup = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Strict {
        path: "",
        dup: &dup,
    };
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    parsed.map_err(|e| match dup.into_inner() {
        Some(field) => Error::format(
            path.display(),
            field,
            format!(
                "the key appears twice (the second at line {}, column {}); JSON readers keep only one, so the file is ambiguous",
                e.line(),
                e.column()
            ),
        ),
        None => Error::Syntax {
            path: path.display().to_string(),
            line: e.line(),
            column: e.column(),
            message: format!("malformed JSON: {}", json_message(&e)),
        },
    })
}

pub(crate) fn read_json(path: &Path) -> Result<Value> {
    parse_json(&read_text(path)?, path)
}

pub(crate) fn object<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected an object, got {}", kind(v)),
        )
    })
}

pub(crate) fn array<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected a list, got {}", kind(v)),
        )
    })
}

pub(crate) fn string<'a>(v: &'a Value, path: &Path, field: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| {
        Error::format(
            path.display(),
            field,
            format!("expected a string, got {}", kind(v)),
        )
    })
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn get<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &Path,
    field: &str,
) -> Result<&'a Value> {
    obj.get(key)
        .ok_or_else(|| Error::format(path.display(), format!("{field}.{key}"), "missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_duplicate_keys_are_found_at_any_depth() {
        let p = Path::new("x.json");
        let v = parse_json(r#"{"a": [1, {"b": 2}], "c": null}"#, p).unwrap();
        assert_eq!(v, serde_json::json!({"a": [1, {"b": 2}], "c": null}));
        for (text, field) in [
            (r#"{"a": 1, "a": 2}"#, "a"),
            (r#"{"a": [1, {"b": 2, "b": 3}]}"#, "a[1].b"),
        ] {
            match parse_json(text, p) {
                Err(Error::Format { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            parse_json("{\"a\": 1,\n \"b\" 2}", p),
            Err(Error::Syntax { line: 2, .. })
        ));
    }
}
