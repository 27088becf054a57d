//! Associations: `server`, `pool`, `peer`, `broadcast`, `manycastclient`, and the local clock
//! driver (`server 127.127.1.u` with `fudge`).

use serde::{Deserialize, Serialize};

use super::bounded::{LocalClockUnit, PollExponent, PortNumber, StratumValue, VersionNumber};
use super::text::{Host, RefIdText};
use crate::KeyId;

/// The command that configured an association, which fixes its NTP mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AssociationMode {
    /// `server`: client mode (3) to one server.
    Server,
    /// `pool`: client mode to several servers found by resolving one name.
    Pool,
    /// `peer`: symmetric active mode (1).
    Peer,
    /// `broadcast`: broadcast or multicast server mode (5) to a local broadcast or group address.
    Broadcast,
    /// `manycastclient`: client mode to the servers that answer a multicast request.
    ManycastClient,
}

impl AssociationMode {
    /// The command word.
    pub fn keyword(self) -> &'static str {
        match self {
            AssociationMode::Server => "server",
            AssociationMode::Pool => "pool",
            AssociationMode::Peer => "peer",
            AssociationMode::Broadcast => "broadcast",
            AssociationMode::ManycastClient => "manycastclient",
        }
    }

    /// Every mode, in the manual's order.
    pub const ALL: [AssociationMode; 5] = [
        AssociationMode::Server,
        AssociationMode::Pool,
        AssociationMode::Peer,
        AssociationMode::Broadcast,
        AssociationMode::ManycastClient,
    ];
}

/// One association command with its options. Options the manual does not list for a command
/// are refused by the parser (see the crate documentation's table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Association {
    /// Which command.
    pub mode: AssociationMode,
    /// The remote address or name (a group address for `broadcast`/`manycastclient`).
    pub host: Host,
    /// `key N`: authenticate with symmetric key N.
    pub key: Option<KeyId>,
    /// `burst`: send a burst of packets at each poll while reachable.
    pub burst: bool,
    /// `iburst`: send a burst of packets while unreachable (fast start).
    pub iburst: bool,
    /// `prefer`: favour this source in selection.
    pub prefer: bool,
    /// `noselect`: never select this source (display only).
    pub noselect: bool,
    /// `version N`: NTP version to send (default 4).
    pub version: Option<VersionNumber>,
    /// `minpoll N`: minimum poll exponent.
    pub minpoll: Option<PollExponent>,
    /// `maxpoll N`: maximum poll exponent.
    pub maxpoll: Option<PollExponent>,
    /// `ttl N`: multicast time to live (broadcast, manycastclient).
    pub ttl: Option<u8>,
    /// `port P` (router extension): remote UDP port instead of 123.
    pub port: Option<PortNumber>,
}

impl Association {
    /// An association with no options.
    pub fn new(mode: AssociationMode, host: Host) -> Self {
        Association {
            mode,
            host,
            key: None,
            burst: false,
            iburst: false,
            prefer: false,
            noselect: false,
            version: None,
            minpoll: None,
            maxpoll: None,
            ttl: None,
            port: None,
        }
    }
}

/// The local clock driver (ntpd's type 1 reference clock, `server 127.127.1.u`): the host's own
/// clock offered as a source, usually at a high stratum as a last resort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocalClock {
    /// The unit `u` of `127.127.1.u`.
    pub unit: LocalClockUnit,
    /// `prefer` on the server line.
    pub prefer: bool,
    /// `noselect` on the server line.
    pub noselect: bool,
    /// `minpoll` on the server line.
    pub minpoll: Option<PollExponent>,
    /// `maxpoll` on the server line.
    pub maxpoll: Option<PollExponent>,
    /// `fudge 127.127.1.u stratum N`: the stratum the clock claims (0..=15; the driver default
    /// applies when unset).
    pub stratum: Option<StratumValue>,
    /// `fudge 127.127.1.u refid XXXX`: the reference id it announces (default `LOCL`).
    pub refid: Option<RefIdText>,
}

impl LocalClock {
    /// A local clock with the driver's defaults.
    pub fn new(unit: LocalClockUnit) -> Self {
        LocalClock {
            unit,
            prefer: false,
            noselect: false,
            minpoll: None,
            maxpoll: None,
            stratum: None,
            refid: None,
        }
    }
}
