//! SSM Parameter Store: a database's connection details published for applications (seed 002).
//! The password parameter is a SecureString whose value is read from the database's secret in
//! the PutParameter call; reads never decrypt it, so its value is not compared.

use aws_sdk_ssm::types::{ParameterType, ResourceTypeForTagging, Tag};
use secrecy::{ExposeSecret, SecretString};

use async_trait::async_trait;
use platformctl_core::kinds::ssm_parameter::{KMS_KEY, NAME, TAGS, TYPE, VALUE, VALUE_FROM_SECRET, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_str, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest, secrets};

pub(crate) struct Parameter;

#[async_trait]
impl Provider for Parameter {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let name_of = |r: &ReadRequest| r.id.clone();
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
                .aws("GetParameters")?;
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
                    .aws("ListTagsForResource")?;
                let attrs = Attrs::from([
                    NAME.to(Value::str(name)),
                    TYPE.to(opt_str(p.r#type().map(ParameterType::as_str))),
                    VALUE.to(if secure { Value::Null } else { opt_str(p.value()) }),
                    TAGS.to(tags_from_pairs(tags.tag_list().iter().map(|t| (Some(t.key()), Some(t.value()))))),
                ]);
                let outputs = Attrs::from([out::VERSION.to(p.version())]);
                let live = LiveResource { id: name.to_owned(), attrs, ready: true, outputs };
                Ok((r.address.clone(), Observed::Present(live)))
            }
        });
        futures::future::try_join_all(reads).await
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let attrs = new.attrs;
        let name = NAME.str(attrs).unwrap_or_default();
        let value = value(aws, attrs).await?;
        let tags = tag_pairs(attrs).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build());
        let tags: Result<Vec<Tag>, _> = tags.collect();
        aws.ssm
            .put_parameter()
            .name(name)
            .value(value.expose_secret())
            .r#type(parameter_type(attrs))
            .set_key_id(KMS_KEY.str(attrs).map(str::to_owned))
            .set_tags(tags.ok())
            .send()
            .await
            .aws("PutParameter")?;
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        // A new key re-encrypts the value: put again, with the key (none: `aws/ssm`).
        if VALUE.changed(before, after) || VALUE_FROM_SECRET.changed(before, after) || KMS_KEY.changed(before, after) {
            let value = value(aws, after).await?;
            aws.ssm
                .put_parameter()
                .name(id)
                .value(value.expose_secret())
                .r#type(parameter_type(after))
                .set_key_id(KMS_KEY.str(after).map(str::to_owned))
                .overwrite(true)
                .send()
                .await
                .aws("PutParameter")?;
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
                    request.send().await.map(drop).aws("AddTagsToResource")
                },
                async |keys| {
                    let request = aws
                        .ssm
                        .remove_tags_from_resource()
                        .resource_type(ResourceTypeForTagging::Parameter)
                        .resource_id(id)
                        .set_tag_keys(Some(keys));
                    request.send().await.map(drop).aws("RemoveTagsFromResource")
                },
            )
            .await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.ssm.delete_parameter().name(id).send().await.aws("DeleteParameter")?;
        Ok(())
    }
}

/// GetParameters takes at most ten names per call.
const BATCH: usize = 10;

/// The value to store: the stack's, or a field of a secret read for this call only.
async fn value(aws: &Aws, attrs: &Attrs) -> Result<SecretString, AwsError> {
    match VALUE_FROM_SECRET.map(attrs) {
        Some(source) => {
            let secret = source.get("secret").and_then(Value::as_str).unwrap_or_default();
            let key = source.get("key").and_then(Value::as_str);
            secrets::value_of(aws, secret, key).await
        }
        None => Ok(SecretString::from(VALUE.str(attrs).unwrap_or_default().to_owned())),
    }
}

fn parameter_type(attrs: &Attrs) -> ParameterType {
    ParameterType::from(TYPE.str(attrs).unwrap_or("String"))
}
