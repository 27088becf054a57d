//! What the caller tells the policy about one received packet.

use std::net::IpAddr;

/// The kind of packet being judged, as the restrict flags distinguish them.
///
/// The caller classifies by NTP mode and by whether an association already exists (ntpd's
/// receive path does the same before it consults the flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PacketKind {
    /// A client request (mode 3) that a server answers with mode 4.
    TimeRequest,
    /// A symmetric active packet (mode 1) that would mobilize a new, ephemeral symmetric
    /// passive association.
    Symmetric,
    /// A broadcast or multicast packet (mode 5) that would mobilize a new broadcast-client
    /// association.
    Broadcast,
    /// A packet for an association that already exists: a server reply (mode 4) to our own
    /// client association, or symmetric/broadcast traffic of a mobilized association.
    AssociationReply,
    /// A read-only control (mode 6) request: `ntpq` reading variables or peers.
    ControlQuery,
    /// A control (mode 6) request that modifies the server: `:config`, `setvar`, write
    /// requests. Requires authentication in every configuration.
    ControlWrite,
    /// A control (mode 6) request to set a trap.
    ControlTrap,
    /// The control (mode 6) MRU list request (`ntpq mrulist`).
    ControlMruList,
    /// A private (mode 7, `ntpdc`) request. Never served: mode 7 is not implemented
    /// (CVE-2014-9295, CVE-2015-7848, CVE-2016-9310 and its monlist amplification).
    Private,
}

impl PacketKind {
    /// Every kind, in the order of the crate documentation's table.
    pub const ALL: &'static [PacketKind] = &[
        PacketKind::TimeRequest,
        PacketKind::Symmetric,
        PacketKind::Broadcast,
        PacketKind::AssociationReply,
        PacketKind::ControlQuery,
        PacketKind::ControlWrite,
        PacketKind::ControlTrap,
        PacketKind::ControlMruList,
        PacketKind::Private,
    ];

    /// Whether the kind is one of the mode 6 control requests.
    pub const fn is_control(self) -> bool {
        matches!(
            self,
            PacketKind::ControlQuery
                | PacketKind::ControlWrite
                | PacketKind::ControlTrap
                | PacketKind::ControlMruList
        )
    }

    /// Whether the kind is time service (what `noserve`, `notrust`, `version`, `limited`
    /// restrict) rather than a query.
    pub const fn is_time_service(self) -> bool {
        matches!(
            self,
            PacketKind::TimeRequest
                | PacketKind::Symmetric
                | PacketKind::Broadcast
                | PacketKind::AssociationReply
        )
    }
}

/// The outcome of the caller's MAC check on the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuthStatus {
    /// No MAC (or a crypto-NAK, which authenticates nothing).
    #[default]
    None,
    /// A MAC with a trusted key verified.
    Valid,
    /// A MAC was present and failed: unknown or untrusted key, wrong length, wrong digest.
    Failed,
}

impl From<bool> for AuthStatus {
    /// `true` is [`AuthStatus::Valid`], `false` is [`AuthStatus::None`].
    fn from(authenticated: bool) -> Self {
        if authenticated {
            AuthStatus::Valid
        } else {
            AuthStatus::None
        }
    }
}

/// Which kind of interface the packet arrived on. A loopback source address is genuine only
/// on a loopback interface (CVE-2014-9298).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ingress {
    /// The loopback interface (`lo`).
    Loopback,
    /// Any other interface.
    Network,
}

/// Everything [`AccessPolicy::decide`](crate::AccessPolicy::decide) needs to know about one
/// received packet.
///
/// ```
/// use ntpkit_access::{AuthStatus, Ingress, PacketKind, Request};
///
/// let request = Request::new("192.0.2.1".parse()?, 40123, PacketKind::TimeRequest, Ingress::Network)
///     .with_auth(AuthStatus::Valid)
///     .with_version(4);
/// assert_eq!(request.version, 4);
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Request {
    /// The packet's source address.
    pub src: IpAddr,
    /// The packet's source UDP port.
    pub src_port: u16,
    /// What kind of packet it is.
    pub kind: PacketKind,
    /// The result of the MAC check.
    pub auth: AuthStatus,
    /// The NTP version number from the header (1..=7 on the wire; 4 is current).
    pub version: u8,
    /// The kind of interface the packet arrived on.
    pub ingress: Ingress,
}

impl Request {
    /// A request without MAC, version 4.
    pub const fn new(src: IpAddr, src_port: u16, kind: PacketKind, ingress: Ingress) -> Self {
        Request {
            src,
            src_port,
            kind,
            auth: AuthStatus::None,
            version: crate::NTP_VERSION,
            ingress,
        }
    }

    /// The same request with the MAC check's outcome.
    pub const fn with_auth(mut self, auth: AuthStatus) -> Self {
        self.auth = auth;
        self
    }

    /// The same request with the header's version number.
    pub const fn with_version(mut self, version: u8) -> Self {
        self.version = version;
        self
    }
}
