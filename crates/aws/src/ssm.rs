//! SSM Parameter Store: a database's connection details published for applications (seed 002).
//! The password parameter is a SecureString whose value is read from the database's secret in
//! the PutParameter call; reads never decrypt it, so its value is not compared.

use std::collections::HashMap;

use aws_sdk_ssm::types::{Parameter, ParameterType, ResourceTypeForTagging, Tag};
use secrecy::{ExposeSecret, SecretString};

use async_trait::async_trait;
use platformctl_core::kinds::ssm_parameter::{KMS_KEY, NAME, TAGS, TYPE, VALUE, VALUE_FROM_SECRET, out};
use platformctl_core::resource::{Address, Attrs, Kind, LiveResource, Observed, Value};

use crate::common::{TagChanges, opt_str, tag_pairs, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider, confirmed};
use crate::tagging::StackTags;
use crate::{Aws, AwsError, ReadRequest, secrets};

pub(crate) struct SsmParameter;

/// Its type in the tagging API, whose listing carries its tags.
const LISTED_AS: &str = "ssm:parameter";

#[async_trait]
impl Provider for SsmParameter {
    fn tag_listing_type(&self) -> Option<&'static str> {
        Some(LISTED_AS)
    }

    /// GetParameters ten names a call, all at once, and the stack's parameter tags in one
    /// listing; a parameter the tag listing leaves out has its tags read on its own.
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let names: Vec<String> = requests.iter().filter_map(|r| r.id.clone()).collect();
        let (parameters, tags) =
            futures::try_join!(parameters_named(aws, &names), StackTags::of(aws, LISTED_AS, names.len()))?;
        let listed = requests.iter().filter_map(|r| Some((r, parameters.get(r.id.as_deref()?)?))).map(|(r, p)| {
            let tags = &tags;
            async move {
                let name = p.name().unwrap_or_default();
                let tags = tags.or_read(p.arn().unwrap_or_default(), || tags_of(aws, name)).await?;
                Ok::<_, AwsError>((r.address.clone(), live_parameter(p, tags)))
            }
        });
        let listed = futures::future::try_join_all(listed).await?.into_iter().collect();
        confirmed(Kind::SsmParameter, requests, listed, |r| read_one(aws, r)).await
    }

    /// GetParameters alone: its version, without its tags.
    async fn outputs(&self, aws: &Aws, request: &ReadRequest) -> Result<Option<Attrs>, AwsError> {
        Ok(parameter(aws, request).await?.map(|p| live_parameter(&p, Value::Null).outputs))
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

/// The parameters of these names that exist, by name (values of SecureStrings left encrypted).
async fn parameters_named(aws: &Aws, names: &[String]) -> Result<HashMap<String, Parameter>, AwsError> {
    let gets = names.chunks(BATCH).map(|chunk| async move {
        let request = aws.ssm.get_parameters().set_names(Some(chunk.to_vec())).with_decryption(false);
        Ok::<_, AwsError>(request.send().await.aws("GetParameters")?.parameters.unwrap_or_default())
    });
    let found = futures::future::try_join_all(gets).await?.into_iter().flatten();
    Ok(found.filter_map(|p| Some((p.name()?.to_owned(), p))).collect())
}

/// One parameter, read directly with its tags.
async fn read_one(aws: &Aws, request: &ReadRequest) -> Result<Option<LiveResource>, AwsError> {
    let Some(p) = parameter(aws, request).await? else { return Ok(None) };
    let tags = tags_of(aws, p.name().unwrap_or_default()).await?;
    Ok(Some(live_parameter(&p, tags)))
}

/// The parameter by its name, if it exists.
async fn parameter(aws: &Aws, request: &ReadRequest) -> Result<Option<Parameter>, AwsError> {
    let Some(name) = request.id.as_deref() else { return Ok(None) };
    Ok(parameters_named(aws, &[name.to_owned()]).await?.remove(name))
}

async fn tags_of(aws: &Aws, name: &str) -> Result<Value, AwsError> {
    let tags = aws
        .ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .aws("ListTagsForResource")?;
    Ok(tags_from_pairs(tags.tag_list().iter().map(|t| (Some(t.key()), Some(t.value())))))
}

fn live_parameter(p: &Parameter, tags: Value) -> LiveResource {
    let name = p.name().unwrap_or_default();
    let secure = p.r#type() == Some(&ParameterType::SecureString);
    let attrs = Attrs::from([
        NAME.to(Value::str(name)),
        TYPE.to(opt_str(p.r#type().map(ParameterType::as_str))),
        VALUE.to(if secure { Value::Null } else { opt_str(p.value()) }),
        TAGS.to(tags),
    ]);
    let outputs = Attrs::from([out::VERSION.to(p.version())]);
    LiveResource { id: name.to_owned(), attrs, ready: true, outputs }
}

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
