//! Infrastructure made by hand — with the SDK, the way a team made it before platformctl — for
//! the tests of `generate`.

use super::Emulator;

/// A VPC routed as platformctl's network is.
pub struct Network {
    pub vpc: String,
    pub igw: String,
    /// In eu-west-1a and eu-west-1b.
    pub public: Vec<String>,
    pub private: Vec<String>,
}

/// `<prefix>.0.0/16` with a public (`/20`, addresses on launch) and a private (`/18`) subnet in
/// two AZs, an internet gateway, one route table for the public subnets and one per private
/// subnet, DNS host names on.
pub async fn network(emu: &Emulator, prefix: &str) -> Network {
    let ec2 = aws_sdk_ec2::Client::new(&emu.sdk_config().await);
    let vpc = ec2.create_vpc().cidr_block(format!("{prefix}.0.0/16")).send().await.unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let igw = ec2.create_internet_gateway().send().await.unwrap();
    let igw = igw.internet_gateway().unwrap().internet_gateway_id().unwrap().to_owned();
    ec2.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&vpc).send().await.unwrap();
    let subnet = async |cidr: String, az: &str| {
        let s = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(az).send().await.unwrap();
        s.subnet().unwrap().subnet_id().unwrap().to_owned()
    };
    let public = vec![
        subnet(format!("{prefix}.0.0/20"), "eu-west-1a").await,
        subnet(format!("{prefix}.16.0/20"), "eu-west-1b").await,
    ];
    let private = vec![
        subnet(format!("{prefix}.128.0/18"), "eu-west-1a").await,
        subnet(format!("{prefix}.192.0/18"), "eu-west-1b").await,
    ];
    let on = aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build();
    for s in &public {
        ec2.modify_subnet_attribute().subnet_id(s).map_public_ip_on_launch(on.clone()).send().await.unwrap();
    }
    ec2.modify_vpc_attribute().vpc_id(&vpc).enable_dns_hostnames(on).send().await.unwrap();
    let table = async || {
        let t = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
        t.route_table().unwrap().route_table_id().unwrap().to_owned()
    };
    let public_table = table().await;
    let route = ec2.create_route().route_table_id(&public_table).destination_cidr_block("0.0.0.0/0");
    route.gateway_id(&igw).send().await.unwrap();
    for s in &public {
        ec2.associate_route_table().route_table_id(&public_table).subnet_id(s).send().await.unwrap();
    }
    for s in &private {
        let t = table().await;
        ec2.associate_route_table().route_table_id(&t).subnet_id(s).send().await.unwrap();
    }
    Network { vpc, igw, public, private }
}

/// `plan FILE --json --detailed-exitcode` in `dir`, expecting `code`.
pub fn plan(emu: &Emulator, dir: &std::path::Path, file: &str, code: i32) -> serde_json::Value {
    let run = emu.platformctl(dir, &["plan", file, "--json", "--detailed-exitcode"]);
    serde_json::from_str(&run.expect(code, "plan").stdout).unwrap()
}
