//! What a user notices: includes, bounds, lenient mode, refusals that explain themselves,
//! diagnostics that point at the right place.

use std::collections::HashMap;

use ntpkit_config::*;

fn strict() -> ParseOptions {
    ParseOptions::default()
}

fn first_error(text: &str) -> Diagnostic {
    let err = parse_config("t.conf", text, &strict()).expect_err("should be refused");
    err.first().cloned().expect("at least one diagnostic")
}

/// A loader over an in-memory table of files.
struct Files(HashMap<&'static str, &'static str>);

impl IncludeLoader for Files {
    fn load(&mut self, _from: &str, path: &str) -> Result<Included, String> {
        self.0
            .get(path)
            .map(|text| Included {
                name: path.to_string(),
                text: text.to_string(),
            })
            .ok_or_else(|| "No such file or directory".to_string())
    }
}

#[test]
fn includefile_is_followed_in_place() {
    let mut files = Files(HashMap::from([
        (
            "/etc/ntp/servers.conf",
            "server a.example.org iburst\nincludefile /etc/ntp/keys.conf\n",
        ),
        ("/etc/ntp/keys.conf", "keys /etc/ntp/keys\ntrustedkey 5\n"),
    ]));
    let text = "driftfile /d\nincludefile /etc/ntp/servers.conf\nserver b.example.org\n";
    let parsed = parse_config_with_includes("main.conf", text, &strict(), &mut files).unwrap();
    let hosts: Vec<String> = parsed
        .config
        .associations
        .iter()
        .map(|a| a.host.to_string())
        .collect();
    assert_eq!(hosts, ["a.example.org", "b.example.org"]);
    assert_eq!(
        parsed
            .config
            .keys
            .trusted
            .iter()
            .map(|k| k.get())
            .collect::<Vec<_>>(),
        [5]
    );
}

#[test]
fn errors_in_included_files_name_that_file() {
    let mut files = Files(HashMap::from([(
        "inc.conf",
        "\n\nserver x.example.org minpoll 99\n",
    )]));
    let err =
        parse_config_with_includes("main.conf", "includefile inc.conf\n", &strict(), &mut files)
            .unwrap_err();
    let d = err.first().unwrap();
    assert_eq!((d.file.as_str(), d.line, d.column), ("inc.conf", 3, 30));
}

#[test]
fn include_cycles_are_refused() {
    let mut files = Files(HashMap::from([
        ("a.conf", "includefile b.conf\n"),
        ("b.conf", "includefile a.conf\n"),
    ]));
    let err = parse_config_with_includes("a.conf", "includefile b.conf\n", &strict(), &mut files)
        .unwrap_err();
    let d = err.first().unwrap();
    assert_eq!(d.kind, DiagnosticKind::Include);
    assert_eq!((d.file.as_str(), d.line, d.column), ("b.conf", 1, 13));
    assert!(d.message.contains("cycle"), "{}", d.message);
}

#[test]
fn include_depth_is_bounded() {
    // Each file includes the next one: f0 -> f1 -> ... ; a loader that never ends.
    let mut loader = |_from: &str, path: &str| -> Result<Included, String> {
        let n: u32 = path.trim_start_matches('f').parse().unwrap_or(0);
        Ok(Included {
            name: path.to_string(),
            text: format!("includefile f{}\n", n + 1),
        })
    };
    let options = ParseOptions {
        max_include_depth: 3,
        ..ParseOptions::default()
    };
    let err =
        parse_config_with_includes("f0", "includefile f1\n", &options, &mut loader).unwrap_err();
    let d = err.first().unwrap();
    assert_eq!(d.kind, DiagnosticKind::Include);
    assert_eq!(d.file, "f3", "depth 3 is the last file read");
}

#[test]
fn missing_include_and_missing_loader_are_errors() {
    let mut files = Files(HashMap::new());
    let err =
        parse_config_with_includes("m", "includefile /nope\n", &strict(), &mut files).unwrap_err();
    assert!(err.first().unwrap().message.contains("No such file"));
    let d = first_error("includefile /etc/ntp/crypto/pw\n");
    assert_eq!(d.kind, DiagnosticKind::Include);
    assert!(d.message.contains("loader"));
}

#[test]
fn long_lines_line_counts_and_total_size_are_bounded() {
    let options = ParseOptions {
        max_line_len: 64,
        ..ParseOptions::default()
    };
    let long = format!("server {}.example.org\n", "a".repeat(100));
    let err = parse_config("t", &long, &options).unwrap_err();
    let d = err.first().unwrap();
    assert_eq!(d.kind, DiagnosticKind::Limit);
    assert!(d.source_line.len() <= 64, "the shown line is cut");

    let options = ParseOptions {
        max_lines: 100,
        ..ParseOptions::default()
    };
    // Exactly the limit, final newline included, is fine.
    assert!(parse_config("t", &"# comment\n".repeat(100), &options).is_ok());
    let many = "# comment\n".repeat(150);
    let d = parse_config("t", &many, &options)
        .unwrap_err()
        .first()
        .cloned()
        .unwrap();
    assert_eq!((d.kind, d.line), (DiagnosticKind::Limit, 101));

    let options = ParseOptions {
        max_total_bytes: 1000,
        ..ParseOptions::default()
    };
    let d = parse_config("t", &"#".repeat(1001), &options)
        .unwrap_err()
        .first()
        .cloned()
        .unwrap();
    assert_eq!(d.kind, DiagnosticKind::Limit);
}

#[test]
fn error_collection_is_bounded() {
    let options = ParseOptions {
        max_errors: 5,
        ..ParseOptions::default()
    };
    let err = parse_config("t", &"bogus\n".repeat(1000), &options).unwrap_err();
    assert_eq!(err.diagnostics().len(), 5);
}

#[test]
fn lenient_mode_turns_unknown_commands_into_warnings_only() {
    let text = "rlimit memlock 32\nserver a.example.org\n";
    assert_eq!(first_error(text).kind, DiagnosticKind::UnknownCommand);
    let lenient = ParseOptions {
        lenient: true,
        ..ParseOptions::default()
    };
    let parsed = parse_config("t", text, &lenient).unwrap();
    assert_eq!(parsed.config.associations.len(), 1);
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].severity, Severity::Warning);
    assert_eq!((parsed.warnings[0].line, parsed.warnings[0].column), (1, 1));
    // Other errors stay errors.
    assert!(parse_config("t", "server a.example.org minpoll 1\n", &lenient).is_err());
    assert!(parse_config("t", "crypto\n", &lenient).is_err());
}

#[test]
fn autokey_refusals_point_to_symmetric_keys() {
    for line in [
        "crypto pw x\n",
        "revoke 17\n",
        "autokey 12\n",
        "server a.example.org autokey\n",
    ] {
        let d = first_error(line);
        assert_eq!(d.kind, DiagnosticKind::Refused, "{line}");
        assert!(
            d.message.contains("symmetric keys"),
            "{line}: {}",
            d.message
        );
        assert!(
            d.message.contains("cannot be patched"),
            "{line}: {}",
            d.message
        );
    }
}

#[test]
fn reference_clocks_other_than_the_local_clock_are_refused_clearly() {
    let d = first_error("server 127.127.28.0\n");
    assert_eq!((d.kind, d.column), (DiagnosticKind::Refused, 8));
    assert!(d.message.contains("127.127.28.0") && d.message.contains("local clock driver"));
    let ok = parse_config(
        "t",
        "server 127.127.1.0 prefer\nfudge 127.127.1.0 refid GPS\n",
        &strict(),
    )
    .unwrap();
    assert_eq!(
        ok.config.local_clocks[0].refid.as_ref().map(|r| r.as_str()),
        Some("GPS")
    );
    assert!(ok.config.associations.is_empty());
}

#[test]
fn diagnostic_display_shows_the_line_and_a_caret_under_the_column() {
    let err = parse_config(
        "ntp.conf",
        "driftfile /d\n\tserver  a.example.org  minpoll 2\n",
        &strict(),
    )
    .unwrap_err();
    let shown = err.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "error: ntp.conf:2:33: minpoll 2 is out of range");
    assert_eq!(lines[2], "2 | \tserver  a.example.org  minpoll 2");
    // The tab is repeated so that the caret lines up under the `2`.
    assert_eq!(lines[3], format!("  | \t{}^", " ".repeat(31)));
    assert_eq!(lines[4], "  = expected: minpoll: an integer from 3 to 17");
}

#[test]
fn host_names_keep_their_family_qualifier_and_are_not_resolved() {
    let p = parse_config(
        "t",
        "server -6 time.example.org\npool -4 pool.example.org\n",
        &strict(),
    )
    .unwrap();
    assert_eq!(
        p.config.associations[0].host.family,
        Some(AddressFamily::Ipv6)
    );
    assert_eq!(
        p.config.associations[0].host.address,
        HostAddress::Name(HostName::new("time.example.org").unwrap())
    );
    assert_eq!(
        p.config.associations[1].host.to_string(),
        "-4 pool.example.org"
    );
}

#[test]
fn restrict_host_names_resolve_through_entry_for() {
    let p = parse_config(
        "t",
        "restrict time.example.org nomodify ntpport\n",
        &strict(),
    )
    .unwrap();
    let entry = p.config.restrictions[0].entry_for("192.0.2.7".parse().unwrap());
    assert_eq!(
        entry.network,
        RestrictNetwork::host("192.0.2.7".parse().unwrap())
    );
    assert!(entry.ntpport);
    assert_eq!(entry.flags, RestrictFlags::NOMODIFY);
}

#[test]
fn warnings_mark_lines_without_effect() {
    let p = parse_config(
        "t",
        "requestkey 8\nenable calibrate\ndisable mode7\n",
        &strict(),
    )
    .unwrap();
    let kinds: Vec<(u32, DiagnosticKind)> = p.warnings.iter().map(|w| (w.line, w.kind)).collect();
    assert_eq!(
        kinds,
        [(1, DiagnosticKind::NoEffect), (2, DiagnosticKind::NoEffect)]
    );
    assert_eq!(first_error("enable mode7\n").kind, DiagnosticKind::Refused);
}

#[test]
fn later_lines_override_and_merge_as_ntpd_does() {
    let text = "tinker panic 0\ntinker step 0.5\nenable monitor\ndisable monitor\n\
                discard average 5\ndiscard minimum 4\nmru maxdepth 500\nmru maxage 30\nstatistics loopstats\nstatistics peerstats\n";
    let c = parse_config("t", text, &strict()).unwrap().config;
    assert_eq!((c.tinker.panic, c.tinker.step), (Some(0.0), Some(0.5)));
    assert_eq!(c.flags.monitor, Some(false));
    // Each option sets one value, as ntpd's globals do: the two discard lines merge.
    let d = c.discard.unwrap();
    assert_eq!((d.average, d.minimum, d.monitor), (5, 4, 3000));
    let m = c.mru.unwrap();
    assert_eq!((m.maxdepth, m.maxmem, m.maxage), (Some(500), None, 30));
    assert_eq!(c.stats.enabled.len(), 2);
}

#[test]
fn router_key_switches_become_the_auth_policy() {
    let c = parse_config("t", "disable weakcrypto\nenable keycheck\n", &strict())
        .unwrap()
        .config;
    let policy = c.auth_policy();
    assert!(!policy.allows(ntpkit_auth::MacAlgorithm::Md5));
    assert!(!policy.allows(ntpkit_auth::MacAlgorithm::Sha1));
    assert!(policy.allows(ntpkit_auth::MacAlgorithm::HmacSha256));
    assert!(policy.complexity_check);
    let default = NtpConfig::default().auth_policy();
    assert!(default.allows(ntpkit_auth::MacAlgorithm::Md5) && !default.complexity_check);
}
