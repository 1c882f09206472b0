//! SSM Parameter Store: a database's connection details published for applications (seed 002).
//! The password parameter is a SecureString whose value is read from the database's secret in
//! the PutParameter call; reads never decrypt it, so its value is not compared.

use aws_sdk_ssm::types::{ParameterType, ResourceTypeForTagging, Tag};
use secrecy::{ExposeSecret, SecretString};

use super::common::{TagChanges, carry_over, changed, opt_str, str_attr, tag_pairs, tags_from_pairs};
use super::{Aws, AwsError, ReadRequest, secrets};
use crate::resource::{Address, Attrs, LiveResource, Observed, Value, attr};

/// GetParameters takes at most ten names per call.
const BATCH: usize = 10;

pub(super) async fn read(aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
    let name_of = |r: &ReadRequest| r.id.clone().or(str_attr(&r.attrs, "name").map(str::to_owned));
    let names: Vec<String> = requests.iter().filter_map(name_of).collect();
    let mut found = Vec::new();
    for chunk in names.chunks(BATCH) {
        let out = aws
            .ssm
            .get_parameters()
            .set_names(Some(chunk.to_vec()))
            .with_decryption(false)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetParameters", e))?;
        found.extend(out.parameters().to_vec());
    }
    // SSM has no batch tag listing: one call per parameter, all at once.
    let reads = requests.iter().map(|r| {
        let found = &found;
        async move {
            let name = name_of(r);
            let Some(p) = found.iter().find(|p| p.name().map(str::to_owned) == name) else {
                return Ok((r.address.clone(), Observed::Absent));
            };
            let name = p.name().unwrap_or_default();
            let secure = p.r#type() == Some(&ParameterType::SecureString);
            let tags = aws
                .ssm
                .list_tags_for_resource()
                .resource_type(ResourceTypeForTagging::Parameter)
                .resource_id(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
            let mut attrs = Attrs::from([
                ("name".into(), Value::str(name)),
                ("type".into(), opt_str(p.r#type().map(ParameterType::as_str))),
                ("value".into(), if secure { Value::Null } else { opt_str(p.value()) }),
                ("tags".into(), tags_from_pairs(tags.tag_list().iter().map(|t| (Some(t.key()), Some(t.value()))))),
            ]);
            carry_over(r, &mut attrs, &["value_from_secret"]);
            let outputs = Attrs::from([("version".into(), Value::Int(p.version()))]);
            let live = LiveResource { id: name.to_owned(), attrs, ready: true, outputs };
            Ok((r.address.clone(), Observed::Present(live)))
        }
    });
    futures::future::try_join_all(reads).await
}

/// The value to store: the stack's, or a field of a secret read for this call only.
async fn value(aws: &Aws, attrs: &Attrs) -> Result<SecretString, AwsError> {
    match attr(attrs, "value_from_secret").as_map() {
        Some(source) => {
            let secret = source.get("secret").and_then(Value::as_str).unwrap_or_default();
            let key = source.get("key").and_then(Value::as_str);
            secrets::value_of(aws, secret, key).await
        }
        None => Ok(SecretString::from(str_attr(attrs, "value").unwrap_or_default().to_owned())),
    }
}

fn parameter_type(attrs: &Attrs) -> ParameterType {
    ParameterType::from(str_attr(attrs, "type").unwrap_or("String"))
}

pub(super) async fn create(aws: &Aws, attrs: &Attrs) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    let value = value(aws, attrs).await?;
    let tags = tag_pairs(attr(attrs, "tags")).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build());
    let tags: Result<Vec<Tag>, _> = tags.collect();
    aws.ssm
        .put_parameter()
        .name(name)
        .value(value.expose_secret())
        .r#type(parameter_type(attrs))
        .set_tags(tags.ok())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("PutParameter", e))?;
    Ok(name.to_owned())
}

pub(super) async fn update(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "value") || changed(before, after, "value_from_secret") {
        let value = value(aws, after).await?;
        aws.ssm
            .put_parameter()
            .name(id)
            .value(value.expose_secret())
            .r#type(parameter_type(after))
            .overwrite(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutParameter", e))?;
    }
    TagChanges::between(before, after)
        .send(
            async |set| {
                let set: Result<Vec<Tag>, _> =
                    set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                let request = aws
                    .ssm
                    .add_tags_to_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(id)
                    .set_tags(set.ok());
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("AddTagsToResource", e))
            },
            async |keys| {
                let request = aws
                    .ssm
                    .remove_tags_from_resource()
                    .resource_type(ResourceTypeForTagging::Parameter)
                    .resource_id(id)
                    .set_tag_keys(Some(keys));
                request.send().await.map(drop).map_err(|e| AwsError::from_sdk("RemoveTagsFromResource", e))
            },
        )
        .await
}

pub(super) async fn delete(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.ssm.delete_parameter().name(id).send().await.map_err(|e| AwsError::from_sdk("DeleteParameter", e))?;
    Ok(())
}
