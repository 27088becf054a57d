//! From ntp.conf and the key file to what the workers serve with. Used at start, on SIGHUP
//! and by `--check`; every problem is collected (not just the first) so that `--check` can
//! print them all.

use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use ntpkit_access::{AccessPolicy, DiscardConfig, MruConfig, RestrictEntry, RestrictList};
use ntpkit_assoc::control::ControlConfig;
use ntpkit_assoc::{ResponderConfig, ServerState};
use ntpkit_auth::{AuthPolicy, KeyStore, WeakAlgorithms, read_key_file};
use ntpkit_config::{
    HostAddress, IncludeLoader, Included, NtpConfig, ParseOptions, Restriction,
    parse_config_with_includes,
};
use ntpkit_wire::{Precision, ReferenceId, Stratum};

/// The port NTP servers listen on.
pub(crate) const NTP_PORT: u16 = 123;

/// Default stratum of ntpd's local clock driver when no `fudge ... stratum` is given.
const LOCAL_CLOCK_DEFAULT_STRATUM: u8 = 3;

/// What the workers read on every request; replaced whole on reload.
#[derive(Debug)]
pub(crate) struct Setup {
    pub(crate) state: ServerState,
    pub(crate) keys: KeyStore,
    pub(crate) responder: ResponderConfig,
    /// Mode 6: loopback only without restrict lines (as NTPsec), writes by `controlkey`.
    pub(crate) control: ControlConfig,
}

/// The access settings (the policy itself is shared and stateful: see `SharedState`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccessSettings {
    /// The restrict entries, names resolved (`RestrictList` is built from them).
    pub(crate) restrict: Vec<RestrictEntry>,
    pub(crate) discard: DiscardConfig,
    pub(crate) mru: MruConfig,
    pub(crate) kod: bool,
    pub(crate) monitor: Option<bool>,
}

impl AccessSettings {
    pub(crate) fn build_policy(&self, seed: u64) -> AccessPolicy {
        let mut policy = AccessPolicy::new(
            RestrictList::from_entries(self.restrict.iter().copied()),
            self.discard,
            &self.mru,
            seed,
        );
        policy.set_kod_enabled(self.kod);
        if let Some(monitor) = self.monitor {
            policy.set_monitor(monitor);
        }
        policy
    }
}

/// A configuration that loaded, with what is worth a warning.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) setup: Setup,
    pub(crate) access: AccessSettings,
    pub(crate) listen: Vec<SocketAddr>,
    /// Whether `listen` is the built-in default (wildcards on port 123), not configured.
    pub(crate) default_listen: bool,
    /// One line describing how we serve ("local reference at stratum 3", ...).
    pub(crate) role: String,
    /// The servers and pools to synchronise to (empty: none configured).
    pub(crate) upstream: crate::plan::UpstreamPlan,
    pub(crate) warnings: Vec<String>,
}

/// Everything wrong with a configuration.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub(crate) errors: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

/// Whether names are resolved (at start and reload) or only reported (`--check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Run,
    Check,
}

/// Follows `includefile` relative to the including file's directory.
struct FileLoader;

impl IncludeLoader for FileLoader {
    fn load(&mut self, from: &str, path: &str) -> Result<Included, String> {
        let full = resolve_relative(Path::new(from), path);
        let name = full.canonicalize().unwrap_or_else(|_| full.clone());
        let text = std::fs::read_to_string(&full).map_err(|e| e.to_string())?;
        Ok(Included {
            name: name.display().to_string(),
            text,
        })
    }
}

fn resolve_relative(from: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        return p.to_owned();
    }
    from.parent()
        .map_or_else(|| p.to_owned(), |dir| dir.join(p))
}

/// Reads and checks `config_path` and the files it names.
pub(crate) fn load(
    config_path: &Path,
    mode: Mode,
    precision: Precision,
) -> Result<Loaded, Problems> {
    let mut problems = Problems::default();
    let name = config_path.display().to_string();
    let text = match std::fs::read_to_string(config_path) {
        Ok(t) => t,
        Err(e) => {
            problems
                .errors
                .push(format!("error: cannot read {name}: {e}"));
            return Err(problems);
        }
    };
    let parsed =
        match parse_config_with_includes(&name, &text, &ParseOptions::default(), &mut FileLoader) {
            Ok(p) => p,
            Err(e) => {
                problems
                    .errors
                    .extend(e.diagnostics().iter().map(|d| d.to_string()));
                return Err(problems);
            }
        };
    problems
        .warnings
        .extend(parsed.warnings.iter().map(|d| d.to_string()));
    let config = parsed.config;

    let keys = load_keys(&config, config_path, &mut problems);
    let restrict = restrict_list(&config, mode, &mut problems);
    check_files(&config, &mut problems);
    let (state, mut role) = server_state(&config, precision, &mut problems);
    let upstream = crate::plan::plan(&config, mode, precision.0, &mut problems);
    if !upstream.is_empty() {
        role = format!(
            "client of {} server(s) and {} pool(s); until synchronised, {role}",
            upstream.sources.len(),
            upstream.pools.len()
        );
    }
    let (listen, default_listen) = listen_addresses(&config, &mut problems);

    if !problems.errors.is_empty() {
        return Err(problems);
    }
    let mut control = ControlConfig::default();
    control.loopback_only = restrict.is_empty();
    control.control_key = config.keys.control_key;
    // Long answers (an `mrulist`) go out in up to 16 fragments: the first as the runtime's
    // reply, the rest as its extra replies (room for `MAX_EXTRA_REPLIES` = 16 more).
    control.max_fragments = ntpkit_assoc::control::MAX_RESPONSE_FRAGMENTS;
    let access = AccessSettings {
        restrict,
        discard: config.discard.unwrap_or_default(),
        mru: config.mru.unwrap_or_default(),
        kod: config.flags.kod.unwrap_or(false),
        monitor: config.flags.monitor,
    };
    Ok(Loaded {
        setup: Setup {
            state,
            keys,
            responder: ResponderConfig::default(),
            control,
        },
        access,
        listen,
        default_listen,
        role,
        upstream,
        warnings: problems.warnings,
    })
}

fn load_keys(config: &NtpConfig, config_path: &Path, problems: &mut Problems) -> KeyStore {
    let mut policy = AuthPolicy::default();
    if config.flags.weakcrypto == Some(false) {
        policy.weak_algorithms = WeakAlgorithms::Refuse;
    }
    if config.flags.keycheck == Some(true) {
        policy.complexity_check = true;
    }
    let mut store = KeyStore::with_policy(policy);
    let Some(file) = &config.keys.keys_file else {
        if !config.keys.trusted.is_empty() {
            problems
                .warnings
                .push("warning: trustedkey is set but no `keys` file is configured".into());
        }
        return store;
    };
    let mut path = PathBuf::from(file.as_str());
    if path.is_relative() {
        path = match &config.keys.keys_dir {
            Some(dir) => Path::new(dir.as_str()).join(path),
            None => resolve_relative(config_path, file.as_str()),
        };
    }
    let shown = path.display().to_string();
    let parsed = std::fs::File::open(&path)
        .map_err(|e| format!("error: cannot read key file {shown}: {e}"))
        .and_then(|f| read_key_file(&shown, f).map_err(|e| format!("error: {e}")));
    match parsed.and_then(|k| k.install(&mut store).map_err(|e| format!("error: {e}"))) {
        Ok(warnings) => problems
            .warnings
            .extend(warnings.iter().map(|w| format!("warning: {shown}: {w}"))),
        Err(e) => problems.errors.push(e),
    }
    store.trust_set(&config.keys.trusted);
    for id in config.keys.trusted.iter() {
        if store.get(id).is_none() {
            problems
                .warnings
                .push(format!("warning: trustedkey {id} is not in {shown}"));
        }
    }
    store
}

fn restrict_list(config: &NtpConfig, mode: Mode, problems: &mut Problems) -> Vec<RestrictEntry> {
    let mut list = Vec::new();
    for r in &config.restrictions {
        match r {
            Restriction::Entry(entry) => list.push(*entry),
            Restriction::Host { host, .. } => match (&host.address, mode) {
                (HostAddress::Ip(ip), _) => list.push(r.entry_for(*ip)),
                (HostAddress::Name(name), Mode::Check) => problems.warnings.push(format!(
                    "warning: restrict {name}: the name is resolved at start (not checked offline)"
                )),
                (HostAddress::Name(name), Mode::Run) => {
                    match (name.as_str(), 0).to_socket_addrs() {
                        Ok(addrs) => {
                            for addr in
                                addrs.filter(|a| host.family.is_none_or(|f| f.matches(&a.ip())))
                            {
                                list.push(r.entry_for(addr.ip()));
                            }
                        }
                        Err(e) => problems.warnings.push(format!(
                            "warning: restrict {name}: cannot resolve ({e}); line ignored"
                        )),
                    }
                }
            },
            other => problems
                .errors
                .push(format!("error: unsupported restrict line: {other}")),
        }
    }
    list
}

fn check_files(config: &NtpConfig, problems: &mut Problems) {
    if let Some(drift) = &config.drift_file {
        let dir = Path::new(drift.path.as_str())
            .parent()
            .filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            problems.warnings.push(format!(
                "warning: driftfile directory {} does not exist",
                dir.display()
            ));
        }
    }
    if let Some(leap) = &config.leap_file {
        match std::fs::read_to_string(leap.as_str()) {
            Err(e) => problems
                .warnings
                .push(format!("warning: leapfile {}: {e}", leap.as_str())),
            Ok(text) => {
                if let Some(expiry) = leap_file_expiry(&text) {
                    let now_ntp =
                        ntpkit_runtime::UnixTime::now().secs + ntpkit_wire::UNIX_EPOCH_OFFSET;
                    if expiry < now_ntp {
                        problems
                            .warnings
                            .push(format!("warning: leapfile {} has expired", leap.as_str()));
                    }
                }
            }
        }
    }
}

/// The expiry of a leap-seconds.list file: its `#@ NTPSECONDS` line.
fn leap_file_expiry(text: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix("#@"))
        .and_then(|v| v.trim().parse().ok())
}

fn server_state(
    config: &NtpConfig,
    precision: Precision,
    problems: &mut Problems,
) -> (ServerState, String) {
    if let Some(clock) = config.local_clocks.first() {
        let stratum = clock
            .stratum
            .map_or(LOCAL_CLOCK_DEFAULT_STRATUM, |s| s.get());
        let refid = clock.refid.as_ref().map_or(*b"LOCL", |r| r.to_bytes());
        if !(1..=15).contains(&stratum) {
            problems.errors.push(format!(
                "error: fudge 127.127.1.{} stratum {stratum}: a local reference must claim stratum 1 to 15",
                clock.unit.get()
            ));
        }
        let role = format!(
            "local reference (127.127.1.{}) at stratum {stratum}",
            clock.unit.get()
        );
        return (
            ServerState::local_reference(Stratum(stratum), ReferenceId(refid), precision),
            role,
        );
    }
    if let Some(orphan) = config
        .tos
        .orphan
        .map(|s| s.get())
        .filter(|s| (1..=15).contains(s))
    {
        // ntpd in orphan mode with no parent announces the loopback address as refid.
        let refid = ReferenceId::from_ipv4(Ipv4Addr::LOCALHOST);
        let role = format!("orphan mode at stratum {orphan} (no upstream)");
        return (
            ServerState::local_reference(Stratum(orphan), refid, precision),
            role,
        );
    }
    (
        ServerState::unsynchronized(precision),
        "unsynchronised (leap 3, stratum 16)".into(),
    )
}

fn listen_addresses(config: &NtpConfig, problems: &mut Problems) -> (Vec<SocketAddr>, bool) {
    let port = config.port.map_or(NTP_PORT, |p| p.get());
    // Reading the host's addresses changes nothing, so `--check` does it too.
    let interfaces = if config.interfaces.is_empty() {
        Vec::new()
    } else {
        ntpkit_runtime::local_addresses().unwrap_or_else(|e| {
            problems
                .warnings
                .push(format!("warning: cannot list the network interfaces: {e}"));
            Vec::new()
        })
    };
    let plan = crate::listen::plan_listen(&config.interfaces, port, &interfaces);
    problems.warnings.extend(plan.warnings);
    if plan.addrs.is_empty() {
        problems
            .errors
            .push("error: the interface rules leave no address to listen on".into());
    }
    (plan.addrs, plan.default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_file_expiry_is_the_hash_at_line() {
        let text = "# comment\n#$ 3676924800\n#@ 3928521600\n2272060800 10 # 1 Jan 1972\n";
        assert_eq!(leap_file_expiry(text), Some(3_928_521_600));
        assert_eq!(leap_file_expiry("2272060800 10\n"), None);
    }

    #[test]
    fn includes_resolve_next_to_the_including_file() {
        assert_eq!(
            resolve_relative(Path::new("/etc/ntp/ntp.conf"), "extra.conf"),
            Path::new("/etc/ntp/extra.conf")
        );
        assert_eq!(
            resolve_relative(Path::new("/etc/ntp.conf"), "/abs.conf"),
            Path::new("/abs.conf")
        );
    }
}
