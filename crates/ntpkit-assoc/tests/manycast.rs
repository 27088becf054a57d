//! The manycast client in simulated time (issue 9's proof): the expanding ring, the
//! nearest good servers kept, authentication, falsetickers, the session cap and the
//! replacement of a server that vanishes. Servers run the real manycast server rule and
//! responder; expected figures are the scenario's own (hop distances, offsets).

mod manycast_sim;

use core::time::Duration;

use manycast_sim::{Behaviour, Sim, config, server};
use ntpkit_access::SessionRefusal;
use ntpkit_assoc::client::Rejection;
use ntpkit_assoc::host::{DemobilizeReason, HostEvent};
use ntpkit_assoc::manycast::{
    ManycastDemobilizeReason, ManycastEvent, ManycastRejection, SearchPhase,
};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn ring_grows_one_hop_per_poll_until_minclock_then_maintains() {
    let servers = vec![
        server(0, 1, 0.002, Behaviour::Good),
        server(1, 3, 0.002, Behaviour::Good),
        server(2, 6, 0.002, Behaviour::Good),
    ];
    let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
    let mut sim = Sim::new(config(), servers);
    sim.run(2 * HOUR);

    // One TTL step per minpoll (64 s) from 1 up to the farthest server's 6 hops.
    let ttls: Vec<u8> = sim.solicitations.iter().map(|(_, t)| *t).collect();
    assert_eq!(&ttls[..6], &[1, 2, 3, 4, 5, 6]);
    for (i, (at, _)) in sim.solicitations.iter().take(6).enumerate() {
        assert_eq!(*at, Duration::from_secs(64 * i as u64));
    }
    // Then enough (minclock 3): one solicitation per beacon (maxpoll 1024 s) at TTL 6.
    for pair in sim.solicitations[6..].windows(2) {
        assert_eq!(pair[1].0 - pair[0].0, Duration::from_secs(1024));
    }
    assert!(sim.solicitations[6..].iter().all(|(_, t)| *t == 6));
    assert_eq!(sim.client.search_phase(), SearchPhase::Maintaining(6));

    // Each server was found by the solicitation whose TTL first reached it.
    assert_eq!(
        sim.mobilized(),
        vec![(addrs[0], 1), (addrs[1], 3), (addrs[2], 6)]
    );
    // And the host synchronised to them: combined offset at the servers' 2 ms.
    let offsets = sim.clock_update_offsets();
    assert!(!offsets.is_empty());
    let last = *offsets.last().unwrap();
    assert!((last - 0.002).abs() < 0.000_1, "offset {last}");
    assert!(sim.system_peer().is_some());
}

#[test]
fn the_nearest_servers_are_kept_and_the_far_ones_never_solicited() {
    let servers = vec![
        server(0, 1, 0.001, Behaviour::Good),
        server(1, 1, 0.001, Behaviour::Good),
        server(2, 3, 0.001, Behaviour::Good),
        server(3, 3, 0.001, Behaviour::Good),
        server(4, 6, 0.001, Behaviour::Good),
        server(5, 6, 0.001, Behaviour::Good),
    ];
    let near: Vec<_> = servers.iter().take(4).map(|s| s.addr).collect();
    let mut c = config();
    c.minclock = 3;
    c.maxclock = 4;
    let mut sim = Sim::new(c, servers);
    sim.run(3 * HOUR);
    assert_eq!(sim.associated(), near);
    assert!(sim.solicitations.iter().all(|(_, ttl)| *ttl <= 3));
    assert!(sim.mobilized().iter().all(|(_, ttl)| *ttl != 6));
}

#[test]
fn wrong_key_and_unauthenticated_servers_are_never_used() {
    let servers = vec![
        server(0, 1, 0.3, Behaviour::WrongKey),
        server(1, 1, 0.3, Behaviour::Unauthenticated),
        server(2, 2, 0.3, Behaviour::Forger),
        server(3, 3, 0.001, Behaviour::Good),
        server(4, 6, 0.001, Behaviour::Good),
    ];
    let bad = [servers[0].addr, servers[1].addr, servers[2].addr];
    let good = vec![servers[3].addr, servers[4].addr];
    let mut c = config();
    c.minclock = 2;
    let mut sim = Sim::new(c, servers);
    sim.run(3 * HOUR);
    assert_eq!(sim.associated(), good);
    assert!(sim.mobilized().iter().all(|(a, _)| !bad.contains(a)));
    // Every bad server answered (a crypto-NAK, no MAC, a MAC with the wrong secret), and
    // every answer failed the MAC test.
    for addr in bad {
        let refused: Vec<_> = sim
            .rejections
            .iter()
            .filter(|(a, _)| *a == addr)
            .map(|(_, r)| r.clone())
            .collect();
        assert!(!refused.is_empty(), "{addr} never answered");
        assert!(
            refused
                .iter()
                .all(|r| matches!(r, ManycastRejection::Reply(Rejection::Authentication(_)))),
            "{refused:?}"
        );
    }
    // The bad servers' 0.3 s never reached the discipline.
    assert!(
        sim.clock_update_offsets()
            .iter()
            .all(|o| (o - 0.001).abs() < 0.001)
    );
}

#[test]
fn without_auth_disabled_explicitly_an_unsigned_server_is_used() {
    // The control for the test above: the same unsigned server is taken when, and only
    // when, authentication is disabled and no key is configured.
    let servers = vec![server(0, 1, 0.001, Behaviour::Unauthenticated)];
    let addr = servers[0].addr;
    let mut c = config();
    c.client.key = None;
    c.require_auth = false;
    c.minclock = 1;
    let mut sim = Sim::new(c, servers);
    sim.run(HOUR);
    assert_eq!(sim.associated(), vec![addr]);
}

#[test]
fn a_falseticker_is_never_chosen_and_is_replaced() {
    let servers = vec![
        server(0, 1, 0.250, Behaviour::Good),
        server(1, 1, 0.001, Behaviour::Good),
        server(2, 1, 0.001, Behaviour::Good),
        server(3, 2, 0.001, Behaviour::Good),
    ];
    let liar = servers[0].addr;
    let spare = servers[3].addr;
    let mut c = config();
    c.minclock = 3;
    c.maxclock = 3;
    let mut sim = Sim::new(c, servers);
    // Found at once with two truthful servers.
    sim.run(MINUTE);
    assert!(sim.associated().contains(&liar));
    sim.run(8 * HOUR);
    let liar_ids: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            ManycastEvent::Mobilized { id, server, .. } if *server == liar => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(liar_ids.len(), 1, "taken back after demobilisation");
    let peers: Vec<_> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            ManycastEvent::Host(HostEvent::SystemPeer(p)) => Some(*p),
            _ => None,
        })
        .collect();
    assert!(peers.iter().any(Option::is_some));
    assert!(peers.iter().all(|p| *p != Some(liar_ids[0])));
    // Demobilised as a falseticker, held down, and the ring found the hop-2 server instead.
    let gone = sim
        .events
        .iter()
        .position(|e| matches!(e,
            ManycastEvent::Demobilized { server, reason: ManycastDemobilizeReason::Host(DemobilizeReason::Falseticker(_)), .. } if *server == liar))
        .expect("liar demobilised");
    assert!(
        sim.rejections
            .contains(&(liar, ManycastRejection::HeldDown))
    );
    let mut expected = vec![servers_addr(&sim, 1), servers_addr(&sim, 2), spare];
    expected.sort();
    assert_eq!(sim.associated(), expected);
    // From then on the discipline sees the truthful servers' 1 ms only.
    let after: Vec<f64> = sim.events[gone..]
        .iter()
        .filter_map(|e| match e {
            ManycastEvent::Host(HostEvent::ClockUpdate { offset, .. }) => Some(*offset),
            _ => None,
        })
        .collect();
    assert!(after.len() > 5);
    assert!(
        after.iter().all(|o| (o - 0.001).abs() < 0.000_1),
        "{after:?}"
    );
}

fn servers_addr(sim: &Sim, i: usize) -> std::net::SocketAddr {
    sim.servers[i].addr
}

#[test]
fn the_dynamic_session_cap_holds() {
    let servers = (0..10)
        .map(|i| server(i, 1, 0.001, Behaviour::Good))
        .collect();
    let mut c = config();
    c.max_sessions = 4;
    c.minclock = 6; // never satisfied: the search keeps soliciting at every TTL
    c.maxclock = 10;
    let mut sim = Sim::new(c, servers);
    sim.run(6 * HOUR);
    assert_eq!(sim.max_associated, 4);
    assert_eq!(sim.associated().len(), 4);
    let capped = sim
        .rejections
        .iter()
        .filter(|(_, r)| *r == ManycastRejection::SessionCap(SessionRefusal::TotalCap))
        .count();
    // Six refused on the first solicitation alone, and again at every later one.
    assert!(capped >= 6, "{capped}");
}

#[test]
fn a_server_that_vanishes_is_replaced_by_widening_the_ring() {
    let servers = vec![
        server(0, 1, 0.001, Behaviour::Good),
        server(1, 3, 0.001, Behaviour::Good),
        server(2, 6, 0.001, Behaviour::Good),
        server(3, 7, 0.001, Behaviour::Good),
    ];
    let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
    let mut sim = Sim::new(config(), servers);
    sim.run(HOUR);
    assert_eq!(sim.associated(), addrs[..3].to_vec());
    sim.server_mut(addrs[1]).alive = false;
    sim.run(12 * HOUR);
    assert!(sim.events.iter().any(|e| matches!(e,
        ManycastEvent::Demobilized { server, reason: ManycastDemobilizeReason::Host(DemobilizeReason::Unreachable(_)), .. } if *server == addrs[1])));
    let mut expected = vec![addrs[0], addrs[2], addrs[3]];
    expected.sort();
    assert_eq!(sim.associated(), expected);
    assert!(sim.mobilized().contains(&(addrs[3], 7)));
}

#[test]
fn a_configured_server_shares_the_host_and_keeps_its_own_traffic() {
    use ntpkit_assoc::client::ClientConfig;
    use ntpkit_assoc::host::SourceConfig;
    use ntpkit_assoc::manycast::Destination;
    use ntpkit_wire::ReferenceId;
    let mut sim = Sim::new(config(), vec![server(0, 1, 0.001, Behaviour::Good)]);
    let id = sim.client.host_mut().add_source(
        SourceConfig::new(ClientConfig::default(), ReferenceId([192, 0, 2, 1])),
        Duration::ZERO,
        manycast_sim::Lcg(3),
    );
    let keys = manycast_sim::keystore(manycast_sim::GOOD_SECRET);
    let mut buf = [0u8; 68];
    sim.client
        .handle_timeout(Duration::ZERO, manycast_sim::wall(Duration::ZERO));
    let mut destinations = Vec::new();
    while let Some(t) = sim
        .client
        .poll_transmit(
            Duration::ZERO,
            manycast_sim::wall(Duration::ZERO),
            &keys,
            &mut buf,
        )
        .unwrap()
    {
        destinations.push(t.destination);
    }
    // The solicitation, then the configured server's poll, named by its source id.
    assert_eq!(
        destinations,
        vec![Destination::Group { ttl: 1 }, Destination::Source(id)]
    );
    assert!(sim.client.servers().is_empty());
}

#[test]
fn servers_of_two_groups_compete_in_one_selection_under_one_maxclock() {
    // Group 0 holds two truthful servers one hop away and a spare two hops away; group 1 a
    // liar (250 ms off) one hop away. minclock = maxclock = 3 over both groups.
    let mut liar = server(0, 1, 0.250, Behaviour::Good);
    liar.ring = 1;
    let servers = vec![
        liar,
        server(1, 1, 0.001, Behaviour::Good),
        server(2, 1, 0.001, Behaviour::Good),
        server(3, 2, 0.001, Behaviour::Good),
    ];
    let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
    let mut c = config();
    c.minclock = 3;
    c.maxclock = 3;
    let mut sim = Sim::new(c, servers);
    sim.add_group(config());
    sim.run(MINUTE);
    // Each group's first solicitation (TTL 1) found its own servers: three in one host.
    let mut found = sim.mobilized();
    found.sort();
    assert_eq!(found, vec![(addrs[0], 1), (addrs[1], 1), (addrs[2], 1)]);
    let group_of = |sim: &Sim, addr| {
        let (id, _) = sim.client.servers().iter().find(|(_, a)| *a == addr)?;
        sim.client.ring_of(*id).map(|r| r.index())
    };
    assert_eq!(group_of(&sim, addrs[0]), Some(1));
    assert_eq!(group_of(&sim, addrs[1]), Some(0));
    sim.run(8 * HOUR);
    // The selection over both groups marked group 1's liar a falseticker; it was dropped and
    // held down, both rings searched again, and group 0's ring found the spare at TTL 2.
    assert!(sim.events.iter().any(|e| matches!(e,
        ManycastEvent::Demobilized { server, reason: ManycastDemobilizeReason::Host(DemobilizeReason::Falseticker(_)), .. } if *server == addrs[0])));
    assert!(
        sim.rejections
            .contains(&(addrs[0], ManycastRejection::HeldDown))
    );
    assert!(sim.mobilized().contains(&(addrs[3], 2)));
    assert_eq!(sim.associated(), addrs[1..].to_vec());
    assert!(sim.max_associated <= 3, "{}", sim.max_associated);
    let last = *sim.clock_update_offsets().last().unwrap();
    assert!((last - 0.001).abs() < 0.000_1, "offset {last}");
}
