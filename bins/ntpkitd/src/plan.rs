//! From ntp.conf's `server`, `pool` and `tos`/`tinker` lines to what the upstream thread
//! runs: the sources with their addresses, the pools to draw from, the clock options.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use ntpkit_assoc::broadcast::{BroadcastClientConfig, BroadcastServerConfig};
use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::host::SourceConfig;
use ntpkit_assoc::manycast::{DEFAULT_MAX_TTL, MAX_RINGS, ManycastConfig};
use ntpkit_assoc::symmetric::SymmetricConfig;
use ntpkit_clock::ClockOptions;
use ntpkit_config::{Association, AssociationMode, HostAddress, NtpConfig};
use ntpkit_wire::{ReferenceId, Version};

use crate::setup::{Mode, NTP_PORT, Problems};

/// Symmetric passive associations allowed without `tos maxdynamic`.
const DEFAULT_MAX_PASSIVE: u32 = 8;

/// ntpd's default `tos maxclock`: the most sources a pool fills up to.
const DEFAULT_MAXCLOCK: usize = 10;

/// One source to start: where it is and how to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlannedSource {
    /// The name or address as written, for logs.
    pub(crate) name: String,
    pub(crate) addr: SocketAddr,
    pub(crate) config: SourceConfig,
    /// A `peer` line: the symmetric active settings (None: a `server`/`pool` client).
    pub(crate) peer: Option<SymmetricConfig>,
}

/// A `pool` line: a name that yields several servers, re-resolved to replace members.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PoolPlan {
    pub(crate) name: String,
    pub(crate) port: u16,
    pub(crate) template: SourceConfig,
}

/// Everything the upstream thread needs; empty when ntpkitd has no upstream.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct UpstreamPlan {
    pub(crate) sources: Vec<PlannedSource>,
    pub(crate) pools: Vec<PoolPlan>,
    pub(crate) options: ClockOptions,
    /// The most sources pools fill up to (`tos maxclock`).
    pub(crate) maxclock: usize,
    /// Statistics files to write (peerstats, loopstats, rawstats).
    pub(crate) stats: ntpkit_stats::StatsConfig,
    /// `driftfile`.
    pub(crate) drift_file: Option<std::path::PathBuf>,
    /// Caps on symmetric passive associations: in total (`tos maxdynamic`) and per key.
    pub(crate) passive_limits: (u32, u32),
    /// `enable kernel`.
    pub(crate) kernel: bool,
    /// `broadcast` lines: where to send mode 5 and how.
    pub(crate) broadcasts: Vec<BroadcastTarget>,
    /// `broadcastclient` / `multicastclient`: listen for broadcast servers.
    pub(crate) broadcast_client: Option<BroadcastClientPlan>,
    /// `manycastserver` groups: joined, so the workers answer manycast clients on them.
    pub(crate) manycast_groups: Vec<IpAddr>,
    /// `manycastclient GROUP [key K] [ttl T] [port P] ...` lines, each a group with its own
    /// ring (at most [`MAX_RINGS`]).
    pub(crate) manycast_clients: Vec<ManycastPlan>,
}

/// A `manycastclient` line: where to solicit and the client's settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ManycastPlan {
    pub(crate) group: IpAddr,
    /// `port`; `None`: the server's own port.
    pub(crate) port: Option<u16>,
    pub(crate) config: ManycastConfig,
}

/// A `broadcast ADDRESS [key K] [minpoll P] [ttl T] [version V]` line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BroadcastTarget {
    /// The broadcast address or multicast group (its port is the server's own).
    pub(crate) address: IpAddr,
    pub(crate) config: BroadcastServerConfig,
    /// TTL (IPv6 hop limit) of multicast datagrams; ntpd's default 127.
    pub(crate) ttl: u8,
}

/// `broadcastclient` and `multicastclient` lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BroadcastClientPlan {
    /// `broadcastclient`: take mode 5 arriving at the server's own sockets.
    pub(crate) broadcast: bool,
    /// `multicastclient` groups to join (on the server's port).
    pub(crate) groups: Vec<IpAddr>,
    /// The client settings; the key is chosen per broadcast (the trusted key it is signed
    /// with, as ntpd accepts any trusted key from a broadcast server).
    pub(crate) config: BroadcastClientConfig,
}

impl UpstreamPlan {
    /// Whether there is no time source to follow (servers, pools, peers, broadcasts).
    pub(crate) fn is_empty(&self) -> bool {
        self.sources.is_empty()
            && self.pools.is_empty()
            && self.broadcast_client.is_none()
            && self.manycast_clients.is_empty()
    }

    /// Whether the upstream thread has nothing at all to do (not even broadcasting).
    pub(crate) fn is_idle(&self) -> bool {
        self.is_empty() && self.broadcasts.is_empty() && self.manycast_groups.is_empty()
    }
}

/// ntpd's default `ttl` for broadcast and manycast (ntp.conf(5)).
const DEFAULT_TTL: u8 = 127;

/// The reference id clients see while `addr` is our system peer (RFC 5905 section 7.3).
pub(crate) use ntpkit_assoc::manycast::reference_id_for;

/// Builds the plan; names are resolved only in [`Mode::Run`].
pub(crate) fn plan(
    config: &NtpConfig,
    mode: Mode,
    precision: i8,
    problems: &mut Problems,
) -> UpstreamPlan {
    let mut plan = UpstreamPlan {
        options: clock_options(config, problems),
        maxclock: config
            .tos
            .maxclock
            .map_or(DEFAULT_MAXCLOCK, |m| m as usize)
            .max(1),
        stats: crate::stats::stats_config(config, problems),
        kernel: config.flags.kernel == Some(true),
        passive_limits: (
            config.tos.maxdynamic.unwrap_or(DEFAULT_MAX_PASSIVE),
            config.tos.maxdynamic.unwrap_or(DEFAULT_MAX_PASSIVE),
        ),
        drift_file: config
            .drift_file
            .as_ref()
            .map(|d| std::path::PathBuf::from(d.path.as_str())),
        ..UpstreamPlan::default()
    };
    for a in &config.associations {
        let port = a.port.map_or(NTP_PORT, |p| p.get());
        let template = source_config(a, precision);
        match a.mode {
            AssociationMode::Server | AssociationMode::Peer => {
                let peer = (a.mode == AssociationMode::Peer).then(|| peer_config(a, precision));
                let keyword = a.mode.keyword();
                let resolved = match (&a.host.address, mode) {
                    (HostAddress::Ip(ip), _) => Some((ip.to_string(), SocketAddr::new(*ip, port))),
                    (HostAddress::Name(name), Mode::Check) => {
                        problems.warnings.push(format!(
                            "warning: {keyword} {name}: the name is resolved at start (not checked offline)"
                        ));
                        None
                    }
                    (HostAddress::Name(name), Mode::Run) => {
                        let found = resolve(name.as_str(), port, a);
                        if found.is_none() {
                            problems.warnings.push(format!(
                                "warning: {keyword} {name}: cannot resolve; left out"
                            ));
                        }
                        found.map(|addr| (name.to_string(), addr))
                    }
                };
                if let Some((name, addr)) = resolved {
                    plan.sources.push(PlannedSource {
                        name,
                        addr,
                        config: with_refid(&template, addr.ip()),
                        peer,
                    });
                }
            }
            AssociationMode::Pool => {
                let mut template = template;
                template.ephemeral = true;
                plan.pools.push(PoolPlan {
                    name: address_text(&a.host.address),
                    port,
                    template,
                });
            }
            AssociationMode::ManycastClient => {
                manycast_line(config, a, &template, &mut plan.manycast_clients, problems);
            }
            AssociationMode::Broadcast => {
                if let HostAddress::Ip(address) = a.host.address {
                    plan.broadcasts.push(broadcast_target(a, address, problems));
                }
            }
            other => problems.warnings.push(format!(
                "warning: {} {}: this association mode is not run yet; ignored",
                other.keyword(),
                address_text(&a.host.address)
            )),
        }
    }
    plan.broadcast_client = broadcast_client_plan(config, precision, problems);
    plan.manycast_groups = config.manycast_servers.clone();
    plan
}

/// One `manycastclient` line onto `lines`: a group address (not a name), settings that can
/// work, not a group already listed, and at most [`MAX_RINGS`] lines (each holds a socket
/// and a window of solicitations; ntpd has no limit, but a bound keeps memory bounded).
fn manycast_line(
    config: &NtpConfig,
    a: &Association,
    template: &SourceConfig,
    lines: &mut Vec<ManycastPlan>,
    problems: &mut Problems,
) {
    let text = address_text(&a.host.address);
    // ntpkit-config refuses a name here already.
    let HostAddress::Ip(group) = a.host.address else {
        return;
    };
    if lines.len() >= MAX_RINGS {
        problems.warnings.push(format!(
            "warning: manycastclient {text}: at most {MAX_RINGS} manycastclient lines are run; ignored"
        ));
        return;
    }
    let m = manycast_plan(config, a, group, template);
    if lines.iter().any(|l| l.group == m.group && l.port == m.port) {
        problems.warnings.push(format!(
            "warning: manycastclient {text}: this group is already solicited; ignored"
        ));
        return;
    }
    match m.config.validate() {
        Ok(()) => lines.push(m),
        Err(e) => problems
            .errors
            .push(format!("error: manycastclient {group}: {e}")),
    }
}

/// `manycastclient`: the expanding ring over `group`, authenticated unless `disable auth`;
/// `tos minclock`/`maxclock`/`maxdynamic` bound what it keeps.
fn manycast_plan(
    config: &NtpConfig,
    a: &Association,
    group: IpAddr,
    template: &SourceConfig,
) -> ManycastPlan {
    let mut m = ManycastConfig::default();
    m.client = template.client.clone();
    m.require_auth = config.flags.auth != Some(false);
    m.max_ttl = a.ttl.unwrap_or(DEFAULT_MAX_TTL).max(1);
    if let Some(v) = config.tos.minclock {
        m.minclock = (v as usize).max(1);
    }
    if let Some(v) = config.tos.maxclock {
        m.maxclock = (v as usize).max(m.minclock);
    }
    if let Some(v) = config.tos.maxdynamic {
        m.max_sessions = v.max(1);
    }
    ManycastPlan {
        group,
        port: a.port.map(|p| p.get()),
        config: m,
    }
}

fn broadcast_target(a: &Association, address: IpAddr, problems: &mut Problems) -> BroadcastTarget {
    let mut config = BroadcastServerConfig::default();
    config.key = a.key;
    if let Some(p) = a.minpoll {
        config.poll = p.get() as i8;
    }
    if let Some(v) = a.version.and_then(|v| Version::from_bits(v.get()).ok()) {
        config.version = v;
    }
    if config.key.is_none() {
        problems.warnings.push(format!(
            "warning: broadcast {address} has no key: clients that require authentication (the default) refuse its packets"
        ));
    }
    BroadcastTarget {
        address,
        config,
        ttl: a.ttl.unwrap_or(DEFAULT_TTL),
    }
}

/// `broadcastclient` (or `enable bclient`) and `multicastclient`: the client side of
/// broadcast mode, authenticated unless `disable auth`.
fn broadcast_client_plan(
    config: &NtpConfig,
    precision: i8,
    problems: &mut Problems,
) -> Option<BroadcastClientPlan> {
    let broadcast = config.broadcast_client || config.flags.bclient == Some(true);
    if !broadcast && config.multicast_clients.is_empty() {
        return None;
    }
    let mut client = BroadcastClientConfig::default();
    client.require_auth = config.flags.auth != Some(false);
    if let Some(d) = config.broadcast_delay {
        client.broadcast_delay = d;
    }
    if let Some(m) = config.tos.maxdynamic {
        client.max_sessions = m.max(1);
    }
    client.local_precision = precision;
    if client.require_auth && config.keys.trusted == Default::default() {
        problems.warnings.push(
            "warning: broadcastclient/multicastclient without a trustedkey: every broadcast will be refused (authentication is required unless `disable auth`)".to_string(),
        );
    }
    if !client.require_auth {
        problems.warnings.push(
            "warning: disable auth: unsigned broadcasts are accepted; anyone on the segment can set this host's time".to_string(),
        );
    }
    Some(BroadcastClientPlan {
        broadcast,
        groups: config.multicast_clients.clone(),
        config: client,
    })
}

fn address_text(address: &HostAddress) -> String {
    match address {
        HostAddress::Ip(ip) => ip.to_string(),
        HostAddress::Name(name) => name.to_string(),
    }
}

/// A `peer` line's on-wire settings.
fn peer_config(a: &Association, precision: i8) -> SymmetricConfig {
    let mut config = SymmetricConfig::default();
    config.version = a
        .version
        .and_then(|v| Version::from_bits(v.get()).ok())
        .unwrap_or(Version::V4);
    config.key = a.key;
    if let Some(p) = a.minpoll {
        config.minpoll = p.get() as i8;
    }
    if let Some(p) = a.maxpoll {
        config.maxpoll = p.get() as i8;
    }
    config.local_precision = precision;
    config
}

fn source_config(a: &Association, precision: i8) -> SourceConfig {
    let mut client = ClientConfig::default();
    client.version = a
        .version
        .and_then(|v| Version::from_bits(v.get()).ok())
        .unwrap_or(Version::V4);
    client.key = a.key;
    if let Some(p) = a.minpoll {
        client.minpoll = p.get() as i8;
    }
    if let Some(p) = a.maxpoll {
        client.maxpoll = p.get() as i8;
    }
    client.burst = a.burst;
    client.iburst = a.iburst;
    client.local_precision = precision;
    let mut config = SourceConfig::new(client, ReferenceId([0; 4]));
    config.prefer = a.prefer;
    config.noselect = a.noselect;
    config
}

/// `template` for a source at `ip`.
pub(crate) fn with_refid(template: &SourceConfig, ip: IpAddr) -> SourceConfig {
    let mut config = template.clone();
    config.refid = reference_id_for(ip);
    config
}

/// The first address of `name` in the association's family (`-4`/`-6`), if any.
fn resolve(name: &str, port: u16, a: &Association) -> Option<SocketAddr> {
    (name, port)
        .to_socket_addrs()
        .ok()?
        .find(|addr| a.host.family.is_none_or(|f| f.matches(&addr.ip())))
}

/// Every address a pool name yields now (blocking DNS; called at start and when a member
/// has to be replaced).
pub(crate) fn resolve_pool(pool: &PoolPlan) -> Vec<SocketAddr> {
    (pool.name.as_str(), pool.port)
        .to_socket_addrs()
        .map(|addrs| addrs.collect())
        .unwrap_or_default()
}

/// `tinker` and `tos` lines onto ntpkit-clock's options (ntpd's defaults where unset).
fn clock_options(config: &NtpConfig, problems: &mut Problems) -> ClockOptions {
    let mut options = ClockOptions::default();
    let tinker = &config.tinker;
    let t = &mut options.tinker;
    if let Some(v) = tinker.step {
        t.step = v;
    }
    if let Some(v) = tinker.stepout {
        t.stepout = v;
    }
    if let Some(v) = tinker.panic {
        t.panic = v;
    }
    if let Some(v) = tinker.allan {
        t.allan = v;
    }
    if let Some(ppm) = tinker.dispersion {
        t.phi = ppm * 1e-6;
    }
    let tos = &config.tos;
    let o = &mut options.tos;
    if let Some(v) = tos.minsane {
        o.minsane = v as usize;
    }
    if let Some(v) = tos.minclock {
        o.minclock = v as usize;
    }
    if let Some(v) = tos.maxclock {
        o.maxclock = v as usize;
    }
    if let Some(v) = tos.maxdist {
        o.maxdist = v;
    }
    if let Some(v) = tos.mindist {
        o.mindist = v;
    }
    if let Some(v) = tos.floor {
        o.floor = v.get();
    }
    if let Some(v) = tos.ceiling {
        o.ceiling = v.get();
    }
    if let Some(v) = tos.orphan {
        o.orphan = v.get();
    }
    if let Some(v) = tos.orphanwait {
        o.orphanwait = f64::from(v);
    }
    if let Err(e) = options.validate() {
        problems
            .errors
            .push(format!("error: tinker/tos values out of range: {e}"));
        return ClockOptions::default();
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntpkit_config::{ParseOptions, parse_config};

    fn planned(conf: &str) -> (UpstreamPlan, Problems) {
        let parsed = parse_config("ntp.conf", conf, &ParseOptions::default()).unwrap();
        let mut problems = Problems::default();
        let p = plan(&parsed.config, Mode::Check, -20, &mut problems);
        (p, problems)
    }

    #[test]
    fn broadcast_lines_become_targets_with_ntpd_defaults_and_an_unkeyed_one_is_warned() {
        let (p, problems) = planned(
            "keys /dev/null\ntrustedkey 5\nbroadcast 239.1.2.3 key 5 minpoll 4 ttl 3\nbroadcast 192.0.2.255\n",
        );
        let targets: Vec<_> = p
            .broadcasts
            .iter()
            .map(|t| {
                (
                    t.address.to_string(),
                    t.config.key.map(|k| k.get()),
                    t.config.poll,
                    t.ttl,
                )
            })
            .collect();
        assert_eq!(
            targets,
            [
                ("239.1.2.3".to_string(), Some(5), 4, 3),
                // ntpd's defaults: minpoll 6 (64 s), ttl 127.
                ("192.0.2.255".to_string(), None, 6, 127),
            ]
        );
        assert!(p.is_empty(), "a broadcast server follows no source");
        assert!(
            !p.is_idle(),
            "but the upstream thread must run to broadcast"
        );
        assert_eq!(problems.warnings.len(), 1, "{:?}", problems.warnings);
        assert!(problems.warnings[0].contains("192.0.2.255 has no key"));
    }

    #[test]
    fn broadcast_clients_require_auth_unless_disabled_and_take_broadcastdelay_and_maxdynamic() {
        let (p, problems) = planned(
            "broadcastclient\nmulticastclient 239.1.2.3\nbroadcastdelay 0.01\ntos maxdynamic 3\n",
        );
        assert!(!p.is_empty(), "broadcast servers are time sources");
        let c = p.broadcast_client.expect("a broadcast client");
        assert!(c.broadcast);
        assert_eq!(c.groups, ["239.1.2.3".parse::<IpAddr>().unwrap()]);
        assert!(c.config.require_auth);
        assert_eq!(c.config.broadcast_delay, 0.01);
        assert_eq!(c.config.max_sessions, 3);
        assert!(
            problems
                .warnings
                .iter()
                .any(|w| w.contains("without a trustedkey")),
            "{:?}",
            problems.warnings
        );
        let (p, problems) = planned("multicastclient\ndisable auth\n");
        let c = p.broadcast_client.expect("a multicast client");
        assert!(!c.broadcast && !c.config.require_auth);
        // ntp.conf(5): multicastclient's default group is 224.0.1.1.
        assert_eq!(c.groups, ["224.0.1.1".parse::<IpAddr>().unwrap()]);
        assert!(
            problems
                .warnings
                .iter()
                .any(|w| w.contains("unsigned broadcasts are accepted"))
        );
    }

    #[test]
    fn a_manycastclient_without_a_key_is_an_error_unless_auth_is_disabled() {
        let (p, problems) = planned("manycastclient 239.1.2.3\n");
        assert!(p.manycast_clients.is_empty());
        assert!(
            problems
                .errors
                .iter()
                .any(|e| e.contains("manycastclient 239.1.2.3")),
            "{:?}",
            problems.errors
        );
        let (p, _) = planned("manycastclient 239.1.2.3\ndisable auth\n");
        assert!(matches!(&p.manycast_clients[..], [m] if !m.config.require_auth));
    }

    #[test]
    fn every_manycastclient_line_is_a_group_with_its_own_key_ttl_and_port() {
        let (p, problems) = planned(
            "manycastclient 239.1.2.3 key 7 ttl 4 port 1234\nmanycastclient 224.0.1.1 key 8\n\
             manycastclient ff05::101 key 9 ttl 2 minpoll 3\ntos minclock 2 maxclock 5 maxdynamic 9\n",
        );
        assert!(problems.warnings.is_empty(), "{:?}", problems.warnings);
        let lines: Vec<_> = p
            .manycast_clients
            .iter()
            .map(|m| {
                (
                    m.group.to_string(),
                    m.port,
                    m.config.client.key.map(|k| k.get()),
                    m.config.max_ttl,
                    m.config.client.minpoll,
                )
            })
            .collect();
        // ntp.conf(5) defaults where a line says nothing: ttl 8 steps (ntpd's TTL table),
        // the server's port, minpoll 6.
        assert_eq!(
            lines,
            [
                ("239.1.2.3".to_string(), Some(1234), Some(7), 4, 6),
                ("224.0.1.1".to_string(), None, Some(8), 8, 6),
                ("ff05::101".to_string(), None, Some(9), 2, 3),
            ]
        );
        // The tos bounds are the same on every line: they bound all groups together.
        for m in &p.manycast_clients {
            assert_eq!(
                (m.config.minclock, m.config.maxclock, m.config.max_sessions),
                (2, 5, 9)
            );
        }
    }

    #[test]
    fn manycastclient_lines_past_the_cap_and_duplicates_are_warned_and_ignored() {
        let mut conf: String = (0..MAX_RINGS + 2)
            .map(|i| format!("manycastclient 239.1.2.{i} key 7\n"))
            .collect();
        conf.push_str("manycastclient 239.1.2.0 key 8\n");
        let (p, problems) = planned(&conf);
        let groups: Vec<String> = p
            .manycast_clients
            .iter()
            .map(|m| m.group.to_string())
            .collect();
        let first: Vec<String> = (0..MAX_RINGS).map(|i| format!("239.1.2.{i}")).collect();
        assert_eq!(groups, first);
        let w = &problems.warnings;
        for past in [MAX_RINGS, MAX_RINGS + 1] {
            let needle = format!("239.1.2.{past}: at most {MAX_RINGS} manycastclient lines");
            assert!(w.iter().any(|l| l.contains(&needle)), "{needle}: {w:?}");
        }
        // The cap is reached before the duplicate is looked at; below it a duplicate is
        // refused as such.
        let (p, problems) =
            planned("manycastclient 239.1.2.0 key 7\nmanycastclient 239.1.2.0 key 8\n");
        assert_eq!(p.manycast_clients.len(), 1);
        assert!(
            problems
                .warnings
                .iter()
                .any(|l| l.contains("239.1.2.0: this group is already solicited")),
            "{:?}",
            problems.warnings
        );
    }

    #[test]
    fn manycastserver_groups_keep_the_upstream_thread_running() {
        let (p, _) = planned("manycastserver 239.1.2.3 ff05::101\n");
        assert_eq!(p.manycast_groups.len(), 2);
        assert!(p.is_empty() && !p.is_idle());
    }

    #[test]
    fn ipv4_refid_is_the_address_and_ipv6_refid_the_md5_prefix() {
        assert_eq!(
            reference_id_for("192.0.2.7".parse().unwrap()),
            ReferenceId([192, 0, 2, 7])
        );
        // MD5 of ::1 (15 zero octets, then 1) is cf404dc8... (`printf` into md5sum).
        assert_eq!(
            reference_id_for("::1".parse().unwrap()),
            ReferenceId([0xcf, 0x40, 0x4d, 0xc8])
        );
    }
}
