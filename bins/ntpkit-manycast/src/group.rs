//! `--also GROUP[,interface=IF][,key-id=K][,ttl=T][,port=P]`: a further group the client
//! solicits, as a router runs `ntp-service manycast-client` on several interfaces, each
//! with its own group, key, TTL and port. What a spec leaves out is taken from the first
//! group's options.

use std::net::{IpAddr, SocketAddr};

/// One further group, parsed from its command-line spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupSpec {
    pub(crate) group: IpAddr,
    pub(crate) interface: Option<String>,
    pub(crate) key_id: Option<u32>,
    pub(crate) ttl: Option<u8>,
    pub(crate) port: Option<u16>,
}

impl GroupSpec {
    /// The group's address with `port` unless the spec names its own.
    pub(crate) fn address(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.group, self.port.unwrap_or(port))
    }
}

/// Parses a spec (clap's value parser for `--also`).
pub(crate) fn parse(spec: &str) -> Result<GroupSpec, String> {
    let mut parts = spec.split(',');
    let first = parts.next().unwrap_or("");
    let group: IpAddr = first
        .parse()
        .map_err(|_| format!("{first:?} is not a group address"))?;
    if !group.is_multicast() {
        return Err(format!("{group} is not a multicast group"));
    }
    let mut g = GroupSpec {
        group,
        interface: None,
        key_id: None,
        ttl: None,
        port: None,
    };
    for part in parts {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?}: expected NAME=VALUE"))?;
        let number = |what: &str| format!("{name}={value}: not a valid {what}");
        match name {
            "interface" if !value.is_empty() => g.interface = Some(value.to_owned()),
            "key-id" => {
                let k: u32 = value.parse().map_err(|_| number("key id"))?;
                if !(1..=65_534).contains(&k) {
                    return Err(number("key id (1..=65534)"));
                }
                g.key_id = Some(k);
            }
            "ttl" => match value.parse::<u8>() {
                Ok(t) if t >= 1 => g.ttl = Some(t),
                _ => return Err(number("TTL (1..=255)")),
            },
            "port" => g.port = Some(value.parse().map_err(|_| number("port"))?),
            _ => {
                return Err(format!(
                    "{part:?}: expected interface=, key-id=, ttl= or port="
                ));
            }
        }
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_spec_and_a_bare_group() {
        let g = parse("239.77.3.3,interface=eth1,key-id=7,ttl=2,port=1123").unwrap();
        assert_eq!(g.group, IpAddr::from([239, 77, 3, 3]));
        assert_eq!(g.interface.as_deref(), Some("eth1"));
        assert_eq!((g.key_id, g.ttl, g.port), (Some(7), Some(2), Some(1123)));
        assert_eq!(g.address(123), "239.77.3.3:1123".parse().unwrap());
        let bare = parse("ff05::101").unwrap();
        assert_eq!(bare.address(123), "[ff05::101]:123".parse().unwrap());
        assert_eq!(
            (bare.key_id, bare.ttl, bare.port, bare.interface),
            (None, None, None, None)
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("10.0.0.1", "not a multicast group"),
            ("nonsense", "not a group address"),
            ("239.1.1.1,key-id=0", "key id"),
            ("239.1.1.1,key-id=65535", "key id"),
            ("239.1.1.1,ttl=0", "TTL"),
            ("239.1.1.1,ttl=256", "TTL"),
            ("239.1.1.1,port=x", "port"),
            ("239.1.1.1,colour=red", "expected interface="),
            ("239.1.1.1,ttl", "NAME=VALUE"),
            ("239.1.1.1,interface=", "expected interface="),
        ] {
            let e = parse(spec).unwrap_err();
            assert!(e.contains(says), "{spec}: {e}");
        }
    }
}
