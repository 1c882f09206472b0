//! IAM policy documents between platformctl's values and AWS's text. AWS returns documents
//! URL-encoded and in its own formatting; both sides become JSON values, so key order and
//! whitespace never show as changes.
//!
//! Service account trust policies name the OIDC issuer in condition keys (`<issuer>:sub`). The
//! stack writes `${oidc}:sub` (see expand::eks): writing fills in the issuer taken from the
//! `Federated` principal's ARN, reading puts the placeholder back.

use percent_encoding::percent_decode_str;

use platformctl_core::kinds::iam_role::OIDC_PLACEHOLDER;
use platformctl_core::resource::Value;

/// The document AWS should store for `doc`.
pub(super) fn to_text(doc: &Value) -> String {
    let text = serde_json::to_string(doc).unwrap_or_default();
    match federated_issuer(&serde_json::to_value(doc).unwrap_or_default()) {
        Some(issuer) => text.replace(OIDC_PLACEHOLDER, &issuer),
        None => text,
    }
}

/// A document as AWS returned it (URL-encoded or not), as a value comparable with the stack's.
pub(super) fn from_text(text: &str) -> Value {
    let decoded = percent_decode_str(text).decode_utf8_lossy();
    let mut json: serde_json::Value = match serde_json::from_str(&decoded) {
        Ok(j) => j,
        // Not JSON: shown as text, so the difference is visible in the plan.
        Err(_) => return Value::str(decoded),
    };
    if let Some(issuer) = federated_issuer(&json) {
        restore_placeholder(&mut json, &format!("{issuer}:"));
    }
    Value::from_json(json)
}

/// The issuer (`oidc.eks.<region>.amazonaws.com/id/<id>`) of the first `Federated` principal
/// that is an IAM OIDC provider ARN.
fn federated_issuer(json: &serde_json::Value) -> Option<String> {
    match json {
        serde_json::Value::Object(m) => m.iter().find_map(|(k, v)| match (k.as_str(), v) {
            ("Federated", serde_json::Value::String(arn)) => {
                arn.split_once(":oidc-provider/").map(|(_, issuer)| issuer.to_owned())
            }
            _ => federated_issuer(v),
        }),
        serde_json::Value::Array(items) => items.iter().find_map(federated_issuer),
        _ => None,
    }
}

fn restore_placeholder(json: &mut serde_json::Value, prefix: &str) {
    match json {
        serde_json::Value::Object(m) => {
            let keys: Vec<String> = m.keys().filter(|k| k.starts_with(prefix)).cloned().collect();
            for key in keys {
                if let Some(v) = m.remove(&key) {
                    m.insert(format!("{OIDC_PLACEHOLDER}:{}", &key[prefix.len()..]), v);
                }
            }
            m.values_mut().for_each(|v| restore_placeholder(v, prefix));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| restore_placeholder(v, prefix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policy_round_trips_through_aws_text() {
        let arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC";
        let doc = Value::from_json(serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Federated": arn },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": { "StringEquals": {
                    "${oidc}:sub": "system:serviceaccount:default:user-service",
                    "${oidc}:aud": "sts.amazonaws.com"
                }}
            }]
        }));
        let text = to_text(&doc);
        assert!(text.contains("\"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub\""), "{text}");
        assert!(!text.contains("${oidc}"));
        // AWS returns it URL-encoded, with its own spacing and key order.
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&text).unwrap()).unwrap();
        let encoded = percent_encoding::utf8_percent_encode(&pretty, percent_encoding::NON_ALPHANUMERIC).to_string();
        assert_eq!(from_text(&encoded), doc);
    }
}
