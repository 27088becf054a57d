//! Key-file parsing: both dialects, error positions, limits, and secrecy of keys.

use ntpkit_auth::{
    AuthError, KeyEncoding, KeyFileFormat, KeyFileProblem, MacAlgorithm, parse_chrony_keys,
    parse_key_file, parse_ntp_keys,
};

fn problem(err: AuthError) -> (String, usize, KeyFileProblem) {
    match err {
        AuthError::KeyFile {
            file,
            line,
            problem,
        } => (file, line, problem),
        other => panic!("expected a key-file error, got {other:?}"),
    }
}

#[test]
fn ntp_format_ascii_up_to_20_chars_hex_beyond() {
    let text = "\
# ntp.keys written by ntp-keygen
1 MD5 abcdefgh          # ASCII
2 M   12345678901234567890
3 SHA1 0123456789abcdef0123456789abcdef01234567
4 AES128CMAC 0123456789abcdef
5 AES128CMAC 30313233343536373839616263646566
6 AES256CMAC 603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4
";
    let file = parse_ntp_keys("ntp.keys", text).unwrap();
    assert_eq!(file.format, KeyFileFormat::Ntp);
    let e = &file.entries;
    assert_eq!(e.len(), 6);
    assert_eq!((e[0].id.get(), e[0].line), (1, 2));
    assert_eq!(e[0].key.expose_secret(), b"abcdefgh");
    assert_eq!(e[0].key.encoding(), KeyEncoding::Ascii);
    // Exactly 20 characters is still ASCII.
    assert_eq!(e[1].key.expose_secret(), b"12345678901234567890");
    assert_eq!(e[1].key.algorithm(), MacAlgorithm::Md5);
    // 40 characters: hex, 20 bytes.
    assert_eq!(e[2].key.len(), 20);
    assert_eq!(e[2].key.expose_secret()[..2], [0x01, 0x23]);
    // The NTPsec AES key given as 16 ASCII characters and as 32 hex digits is the same key.
    assert_eq!(e[3].key.expose_secret(), e[4].key.expose_secret());
    assert_eq!(e[5].key.len(), 32);
}

#[test]
fn chrony_format_with_prefixes_default_type_and_bare_ascii() {
    // The example from chrony.conf(5).
    let text = "\
10 tulip
11 hyacinth
20 MD5 ASCII:crocus
25 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70
30 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1
31 AES256 HEX:37DDCBC67BB902BCB8E995977FAB4D2B5642F5B32EBCEEE421921D97E5CBFE39
! comment
; comment
% comment
40 SHA256 averyveryverylongasciipassword_longer_than_20
";
    let file = parse_chrony_keys("chrony.keys", text).unwrap();
    assert_eq!(file.format, KeyFileFormat::Chrony);
    let e = &file.entries;
    assert_eq!(e.len(), 7);
    assert_eq!(e[0].key.algorithm(), MacAlgorithm::Md5);
    assert_eq!(e[0].key.expose_secret(), b"tulip");
    assert_eq!(e[2].key.expose_secret(), b"crocus");
    assert_eq!(e[3].key.expose_secret()[..3], [0x93, 0x3f, 0x62]);
    assert_eq!(e[4].key.algorithm(), MacAlgorithm::Aes128Cmac);
    assert_eq!(e[5].key.algorithm(), MacAlgorithm::Aes256Cmac);
    // chrony reads a long bare key as ASCII, unlike ntpd.
    assert_eq!(
        e[6].key.expose_secret(),
        b"averyveryverylongasciipassword_longer_than_20"
    );
    assert_eq!(e[6].line, 10);
}

#[test]
fn auto_detection_picks_the_dialect() {
    let chrony = parse_key_file("k", "1 SHA1 HEX:00112233445566778899\n").unwrap();
    assert_eq!(chrony.format, KeyFileFormat::Chrony);
    let chrony = parse_key_file("k", "1 tulip\n").unwrap();
    assert_eq!(chrony.format, KeyFileFormat::Chrony);
    let ntp = parse_key_file("k", "1 MD5 tulip\n2 SHA1 00112233445566778899aabb\n").unwrap();
    assert_eq!(ntp.format, KeyFileFormat::Ntp);
    assert_eq!(ntp.entries[1].key.len(), 12);
    // A broken ntpd line is an ntpd error, not a chrony key spelled "MD5".
    let err = parse_key_file("k", "1 MD5 abcdefgh\n2 MD5\n").unwrap_err();
    assert!(matches!(
        err,
        AuthError::KeyFile {
            line: 2,
            problem: KeyFileProblem::MissingField { found: 2 },
            ..
        }
    ));
}

#[test]
fn errors_name_file_line_and_problem() {
    let (file, line, p) =
        problem(parse_ntp_keys("/etc/ntp.keys", "1 MD5 ok\n\n7 FOO bar\n").unwrap_err());
    assert_eq!((file.as_str(), line), ("/etc/ntp.keys", 3));
    assert!(matches!(p, KeyFileProblem::BadType { ref text } if text == "FOO"));

    let err = parse_ntp_keys("ntp.keys", "0 MD5 secret\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ntp.keys:1: key id `0` is not a number in 1..=65534"
    );
    let (_, _, p) = problem(parse_ntp_keys("k", "65535 MD5 secret\n").unwrap_err());
    assert!(matches!(p, KeyFileProblem::BadKeyId { .. }));

    let (_, line, p) = problem(parse_ntp_keys("k", "1 MD5 a\n2 MD5\n").unwrap_err());
    assert_eq!(line, 2);
    assert_eq!(p, KeyFileProblem::MissingField { found: 2 });

    let (_, _, p) = problem(
        parse_ntp_keys("k", "1 SHA1 0123456789abcdef0123456789abcdef0123456z\n").unwrap_err(),
    );
    assert_eq!(p, KeyFileProblem::BadHex);
    let (_, _, p) =
        problem(parse_ntp_keys("k", "1 SHA1 0123456789abcdef0123456789abcdef012\n").unwrap_err());
    assert_eq!(p, KeyFileProblem::BadHex);

    let (_, line, p) = problem(parse_ntp_keys("k", "5 MD5 a\n5 SHA1 b\n").unwrap_err());
    assert_eq!(line, 2);
    assert!(matches!(
        p,
        KeyFileProblem::DuplicateKeyId { first_line: 1, .. }
    ));

    let (_, _, p) = problem(parse_ntp_keys("k", "1 AES128CMAC tooshort\n").unwrap_err());
    assert!(matches!(p, KeyFileProblem::BadKeyLength { actual: 8, .. }));

    // ntpd 4.2.8's per-key address list is refused, not silently ignored.
    let (_, _, p) = problem(parse_ntp_keys("k", "1 MD5 secret 10.0.0.1,10.0.0.2\n").unwrap_err());
    assert_eq!(p, KeyFileProblem::TrailingField { field: 4 });
    // A password with a space: the error must not quote the rest of it.
    let err = parse_ntp_keys("k", "1 MD5 correct horse\n").unwrap_err();
    assert!(!err.to_string().contains("horse"), "{err}");
    let err = parse_chrony_keys("k", "1 MD5 correct horse\n").unwrap_err();
    assert!(!err.to_string().contains("horse"), "{err}");

    let (_, _, p) = problem(parse_chrony_keys("k", "1 MD5 HEX:\n").unwrap_err());
    assert_eq!(p, KeyFileProblem::EmptyKey);
    let (_, _, p) = problem(parse_chrony_keys("k", "4294967295 MD5 x\n").unwrap_err());
    assert!(matches!(p, KeyFileProblem::BadKeyId { .. }));
    let (_, _, p) = problem(parse_chrony_keys("k", "1\n").unwrap_err());
    assert_eq!(p, KeyFileProblem::MissingField { found: 1 });
}

#[test]
fn des_key_types_are_rejected() {
    for t in ["S", "N", "A", "DES"] {
        let (_, _, p) =
            problem(parse_ntp_keys("k", &format!("1 {t} 0101010101010101\n")).unwrap_err());
        assert!(matches!(p, KeyFileProblem::BadType { .. }), "{t}");
    }
}

#[test]
fn limits_bound_lines_and_keys() {
    let long = format!("1 MD5 {}\n", "a".repeat(5000));
    let (_, _, p) = problem(parse_ntp_keys("k", &long).unwrap_err());
    assert_eq!(
        p,
        KeyFileProblem::LineTooLong {
            limit: ntpkit_auth::MAX_LINE_LEN
        }
    );

    let hex_key = format!("1 SHA1 {}\n", "ab".repeat(300));
    let (_, _, p) = problem(parse_ntp_keys("k", &hex_key).unwrap_err());
    assert!(matches!(
        p,
        KeyFileProblem::BadKeyLength { actual: 300, .. }
    ));

    let many = "\n".repeat(ntpkit_auth::MAX_LINES + 1);
    let (_, line, p) = problem(parse_ntp_keys("k", &many).unwrap_err());
    assert_eq!(line, ntpkit_auth::MAX_LINES + 1);
    assert_eq!(
        p,
        KeyFileProblem::TooManyLines {
            limit: ntpkit_auth::MAX_LINES
        }
    );
}

#[test]
fn crlf_and_trailing_comments_are_accepted() {
    let file = parse_ntp_keys("k", "1 MD5 abcdefgh\r\n2 SHA1 secret#comment\r\n").unwrap();
    assert_eq!(file.entries[1].key.expose_secret(), b"secret");
}

#[test]
fn debug_output_never_contains_the_secret() {
    let secret = "Sup3rS3cretPassw0rd";
    let file = parse_ntp_keys("k", &format!("1 SHA1 {secret}\n")).unwrap();
    let debug = format!("{file:?} {:?} {:#?}", file.entries[0], file.entries[0].key);
    assert!(!debug.contains(secret), "{debug}");
    assert!(!debug.contains("Sup3r"), "{debug}");
    // Nor in hex form.
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    let file = parse_ntp_keys("k", &format!("2 SHA1 {hex}\n")).unwrap();
    let debug = format!("{file:?}");
    assert!(
        !debug.contains(&hex) && !debug.contains("83, 117, 112"),
        "{debug}"
    );

    let mut store = ntpkit_auth::KeyStore::new();
    file.install(&mut store).unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("Sup3r") && !debug.contains(&hex), "{debug}");
}

#[cfg(feature = "std")]
#[test]
fn reader_caps_file_size_and_requires_utf8() {
    let big = vec![b'#'; ntpkit_auth::MAX_KEY_FILE_LEN + 1];
    assert!(matches!(
        ntpkit_auth::read_key_file("big", &big[..]),
        Err(AuthError::KeyFileTooLarge { .. })
    ));
    assert!(matches!(
        ntpkit_auth::read_key_file("bin", &[0xff, 0xfe][..]),
        Err(AuthError::Io { .. })
    ));
    let ok = ntpkit_auth::read_key_file("ok", &b"1 MD5 abc\n"[..]).unwrap();
    assert_eq!(ok.entries.len(), 1);
}
