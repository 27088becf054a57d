//! ntpkitd: the ntpkit NTP daemon. Thin: command line, configuration and wiring; the
//! protocol lives in the ntpkit crates, the I/O in `ntpkit-runtime`.
//!
//! Today it serves time (client/server mode) as a local reference or, without one, as an
//! unsynchronised server, behind ntpd-compatible restrict lists, rate limiting, KoD and
//! symmetric-key authentication. It never touches the system clock.

mod broadcast;
mod check;
mod cli;
mod control;
mod forward;
mod listen;
mod logging;
mod monitor;
mod multicast_out;
mod plan;
mod service;
mod setup;
mod sources;
mod stats;
mod sysstats;
mod upstream;
mod virtualclock;

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use clap::Parser;
use ntpkit_runtime::{
    BoundServer, PidFile, SignalEvent, SignalListener, can_set_clock, clock_precision, detach,
    drop_privileges, lookup_identity,
};
use ntpkit_wire::Precision;

use crate::cli::Cli;
use crate::service::{NtpService, SharedState};
use crate::setup::{Loaded, Mode};
use crate::upstream::Upstream;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.check {
        return check::run(&cli.config);
    }
    if cli.quit {
        eprintln!(
            "ntpkitd: -q (set the clock once and exit) is not available yet: ntpkitd does not set the clock once and exit; run it as a daemon"
        );
        return ExitCode::from(2);
    }
    if let Err(e) = logging::init(cli.log_file.as_deref()) {
        eprintln!("ntpkitd: cannot open log file: {e}");
        return ExitCode::FAILURE;
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// A seed for the access policy's random draws (KoD and rate-limit leak): distinct per run.
fn seed() -> u64 {
    let t = ntpkit_runtime::UnixTime::now();
    (t.secs as u64).rotate_left(32)
        ^ u64::from(t.nanos)
        ^ u64::from(std::process::id()).rotate_left(17)
}

fn load(cli: &Cli, precision: Precision) -> Result<Loaded, String> {
    setup::load(&cli.config, Mode::Run, precision).map_err(|problems| {
        for w in &problems.warnings {
            tracing::warn!("{}", w.trim_start_matches("warning: "));
        }
        let mut message = format!("configuration {} not accepted:", cli.config.display());
        for e in &problems.errors {
            message.push('\n');
            message.push_str(e);
        }
        message
    })
}

fn run(cli: &Cli) -> Result<(), String> {
    let precision = Precision(clock_precision());
    let loaded = load(cli, precision)?;
    for w in &loaded.warnings {
        tracing::warn!("{}", w.trim_start_matches("warning: "));
    }
    let adjust = if cli.no_clock_adjust {
        tracing::info!("clock adjustment off (--no-clock-adjust)");
        false
    } else if !can_set_clock() {
        tracing::info!("clock adjustment off: no CAP_SYS_TIME (as with --no-clock-adjust)");
        false
    } else if loaded.upstream.is_empty() {
        tracing::info!("clock adjustment off: no server, pool or peer to follow");
        false
    } else {
        tracing::info!("clock adjustment on: ntpkitd disciplines the system clock");
        true
    };
    let listen = if cli.listen.is_empty() {
        loaded.listen.clone()
    } else {
        cli.listen.clone()
    };
    let workers = cli
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    if !cli.foreground {
        detach().map_err(|e| format!("cannot run in the background: {e}"))?;
    }
    // Before any thread starts: from now on these signals are events, not deaths.
    let mut signals = SignalListener::install().map_err(|e| e.to_string())?;
    let mut listen = listen;
    let bound = loop {
        match BoundServer::bind(&listen, workers) {
            Ok(b) => break b,
            // The built-in default includes [::]:123; a host without IPv6 still serves IPv4.
            Err(e) if cli.listen.is_empty() && loaded.default_listen => {
                tracing::warn!("{e}; trying IPv4 only");
                let v4: Vec<_> = listen.iter().copied().filter(|a| a.is_ipv4()).collect();
                break BoundServer::bind(&v4, workers).map_err(|e| e.to_string())?;
            }
            // An address the interface rules chose can be unbindable for now (an IPv6
            // address still tentative during duplicate address detection): serve the
            // others, as ntpd does until its next interface scan.
            Err(ntpkit_runtime::RuntimeError::Bind { addr, source })
                if cli.listen.is_empty() && listen.len() > 1 =>
            {
                tracing::warn!("cannot listen on {addr}: {source}; left out");
                listen.retain(|a| *a != addr);
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    if !bound.kernel_timestamps() {
        tracing::warn!(
            "the kernel gives no receive timestamps; using the clock after each receive"
        );
    }
    let pid_file = match &cli.pid_file {
        Some(path) => Some(PidFile::create(path).map_err(|e| e.to_string())?),
        None => None,
    };
    if let Some(user) = &cli.user {
        let id = lookup_identity(user).map_err(|e| e.to_string())?;
        drop_privileges(id, user).map_err(|e| e.to_string())?;
        tracing::info!("running as {user} (uid {}, gid {})", id.uid, id.gid);
    }

    let shared = Arc::new(SharedState {
        policy: Mutex::new(loaded.access.build_policy(seed())),
        totals: Mutex::new(Default::default()),
        start: Instant::now(),
        nonce_secret: control::nonce_secret(seed()),
    });
    let mut access = loaded.access.clone();
    let config_listen = loaded.listen.clone();
    let role = loaded.role.clone();
    let state_cell = ntpkit_runtime::Shared::new(loaded.setup.state);
    let monitor_cell = ntpkit_runtime::Shared::new(crate::monitor::Monitor::default());
    let forward_cell = ntpkit_runtime::Shared::new(None::<crate::forward::Forwarder>);
    let setup_cell = ntpkit_runtime::Shared::new(loaded.setup);
    let local_addrs = bound.local_addrs().to_vec();
    let server = bound
        .start(|worker| {
            NtpService::new(
                setup_cell.reader(),
                state_cell.reader(),
                monitor_cell.reader(),
                forward_cell.reader(),
                shared.clone(),
                worker == 0,
            )
        })
        .map_err(|e| e.to_string())?;
    let mut upstream_plan = loaded.upstream.clone();
    let cli_options = |plan: &mut crate::plan::UpstreamPlan| {
        // ntpd -x: slew, never step (step threshold 600 s); -g: one large first step allowed.
        if cli.slew_only {
            plan.options.tinker.step = 600.0;
        }
        if cli.panic_gate {
            plan.options.tinker.allow_first_panic = true;
        }
    };
    cli_options(&mut upstream_plan);
    let start_upstream = |plan: &crate::plan::UpstreamPlan| -> Result<Option<Upstream>, String> {
        if plan.is_idle() {
            return Ok(None);
        }
        Upstream::start(
            plan.clone(),
            precision.0,
            setup_cell.reader(),
            state_cell.clone(),
            monitor_cell.clone(),
            crate::upstream::ClockControl {
                adjust,
                drift_file: plan.drift_file.clone(),
                kernel: plan.kernel,
            },
            crate::upstream::Links {
                forward: forward_cell.clone(),
                listen: local_addrs.clone(),
                access: shared.clone(),
            },
        )
        .map(Some)
        .map_err(|e| format!("cannot start the upstream thread: {e}"))
    };
    let mut upstream = start_upstream(&upstream_plan)?;
    let sysstats =
        crate::sysstats::SysStatsTask::start(loaded.upstream.stats.clone(), shared.clone());
    tracing::info!(
        "serving as {role}, precision 2^{}, {workers} worker(s)",
        precision.0
    );
    for addr in &local_addrs {
        tracing::info!("listening on {addr}");
    }

    loop {
        match signals.wait() {
            SignalEvent::Reload => {
                tracing::info!("SIGHUP: reloading {}", cli.config.display());
                match load(cli, precision) {
                    Err(message) => {
                        tracing::error!("{message}\nkeeping the previous configuration")
                    }
                    Ok(new) => {
                        for w in &new.warnings {
                            tracing::warn!("{}", w.trim_start_matches("warning: "));
                        }
                        if cli.listen.is_empty() && new.listen != config_listen {
                            tracing::warn!(
                                "listen addresses changed: they take effect at the next restart"
                            );
                        }
                        if new.access != access {
                            let mut policy =
                                shared.policy.lock().unwrap_or_else(PoisonError::into_inner);
                            *policy = new.access.build_policy(seed());
                            access = new.access;
                        }
                        // Replace first, log after: the log line tells that workers now see it.
                        let fallback = new.setup.state;
                        setup_cell.replace(new.setup);
                        let mut new_plan = new.upstream;
                        cli_options(&mut new_plan);
                        if new_plan != upstream_plan {
                            if let Some(u) = upstream.take() {
                                forward_cell.replace(None);
                                u.stop();
                            }
                            state_cell.replace(fallback);
                            monitor_cell.replace(crate::monitor::Monitor::default());
                            upstream_plan = new_plan;
                            upstream = start_upstream(&upstream_plan)?;
                        } else if upstream.is_none() {
                            state_cell.replace(fallback);
                        }
                        tracing::info!("configuration reloaded; serving as {}", new.role);
                    }
                }
            }
            SignalEvent::Stop => break,
            _ => {}
        }
    }
    tracing::info!("stopping");
    if let Some(u) = upstream.take() {
        u.stop();
    }
    let counters = server.stop();
    // After the workers stopped: their last counters are in the totals.
    if let Some(task) = sysstats {
        task.stop();
    }
    let totals = *shared.totals.lock().unwrap_or_else(PoisonError::into_inner);
    tracing::info!(
        "stopped: {} received, {} replies ({} authenticated, {} crypto-NAK, {} KoD), {} not answered",
        counters.received,
        counters.replied,
        totals.authenticated,
        totals.crypto_naks,
        totals.kisses,
        counters.unanswered + counters.malformed,
    );
    drop(pid_file);
    Ok(())
}
