//! A secret's value in memory: read out of the SDK's answer straight into `SecretString` (zeroed
//! on drop, never printed), and its JSON object held so that every string in it is zeroed when
//! it goes. What the SDK itself holds — the response buffer, the request it sends — is the SDK's;
//! platformctl keeps no other copy.

use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

/// The secret string of an answer, moved out of it (not copied).
pub(crate) fn take_string(mut out: GetSecretValueOutput) -> Option<SecretString> {
    out.secret_string.take().map(SecretString::from)
}

/// A secret's JSON object. Its strings (the password among them) are zeroed on drop.
pub(crate) struct SecretObject(serde_json::Map<String, serde_json::Value>);

impl SecretObject {
    pub(crate) fn empty() -> SecretObject {
        SecretObject(serde_json::Map::new())
    }

    /// The object in `text`; `None` when it is not a JSON object.
    pub(crate) fn parse(text: &SecretString) -> Option<SecretObject> {
        match serde_json::from_str(text.expose_secret()) {
            Ok(serde_json::Value::Object(map)) => Some(SecretObject(map)),
            Ok(mut other) => {
                zero(&mut other);
                None
            }
            Err(_) => None,
        }
    }

    /// One string field, as its own secret.
    pub(crate) fn field(&self, key: &str) -> Option<SecretString> {
        self.0.get(key).and_then(serde_json::Value::as_str).map(|v| SecretString::from(v.to_owned()))
    }

    /// The fields that are not secret values (not `password` or `auth_token`), copied out.
    pub(crate) fn public_fields(&self, secret_keys: &[&str]) -> serde_json::Map<String, serde_json::Value> {
        self.0.iter().filter(|(k, _)| !secret_keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// `{"<key>": <value>}`: a secret value shaped as its consumer expects.
    pub(crate) fn with(key: &str, value: &SecretString) -> SecretObject {
        let mut object = SecretObject::empty();
        object.0.insert(key.to_owned(), serde_json::Value::String(value.expose_secret().to_owned()));
        object
    }

    /// Sets fields, keeping the others as they are.
    pub(crate) fn merge(&mut self, fields: serde_json::Map<String, serde_json::Value>) {
        for (key, value) in fields {
            if let Some(mut old) = self.0.insert(key, value) {
                zero(&mut old);
            }
        }
    }

    /// The object as the JSON text to write.
    pub(crate) fn to_secret_string(&self) -> SecretString {
        SecretString::from(serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned()))
    }
}

impl Drop for SecretObject {
    fn drop(&mut self) {
        for (_, value) in self.0.iter_mut() {
            zero(value);
        }
    }
}

/// Zeroes every string in a JSON value.
fn zero(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(zero),
        serde_json::Value::Object(map) => map.iter_mut().for_each(|(_, v)| zero(v)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_merged_and_written_without_touching_the_password() {
        let text = SecretString::from(r#"{"password":"s3cret","host":"old","port":5432}"#.to_owned());
        let mut object = SecretObject::parse(&text).unwrap();
        assert_eq!(object.field("password").unwrap().expose_secret(), "s3cret");
        let public = object.public_fields(&["password"]);
        assert_eq!(serde_json::Value::Object(public), serde_json::json!({ "host": "old", "port": 5432 }));
        object.merge(serde_json::json!({ "host": "new" }).as_object().unwrap().clone());
        let written: serde_json::Value = serde_json::from_str(object.to_secret_string().expose_secret()).unwrap();
        assert_eq!(written, serde_json::json!({ "password": "s3cret", "host": "new", "port": 5432 }));
        assert!(SecretObject::parse(&SecretString::from("plain".to_owned())).is_none());
    }

    #[test]
    fn zeroing_clears_every_string() {
        let mut value = serde_json::json!({ "a": "secret", "b": ["x", { "c": "y" }] });
        zero(&mut value);
        assert_eq!(value, serde_json::json!({ "a": "", "b": ["", { "c": "" }] }));
    }
}
