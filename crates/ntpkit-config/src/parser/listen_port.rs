//! `port N`: the UDP port the daemon serves on (ntpkit extension, like chrony's `port`).
//! ntpd always serves on 123; a port of its own lets ntpkitd run as a local server without
//! root (the README's first command). Added by the ntpkitd owner (issue 6).

use super::Context;
use super::cursor::{Cursor, LineResult, integer};
use crate::model::bounded::PortNumber;

pub(super) fn listen_port(cx: &mut Context<'_>, c: &mut Cursor<'_, '_>) -> LineResult {
    let v = c.value("port", "a UDP port (1 to 65535)")?;
    cx.config.port = PortNumber::new(integer(v, 1, 65535, "port")? as i64);
    c.finish()
}

#[cfg(test)]
mod tests {
    use crate::{ParseOptions, parse_config};

    #[test]
    fn port_is_parsed_bounded_and_printed_back() {
        let parsed = parse_config("t.conf", "port 12300\n", &ParseOptions::default()).unwrap();
        assert_eq!(parsed.config.port.map(|p| p.get()), Some(12300));
        assert!(parsed.config.to_string().contains("port 12300\n"));
        for bad in ["port 0\n", "port 65536\n", "port\n", "port 1 2\n"] {
            assert!(
                parse_config("t.conf", bad, &ParseOptions::default()).is_err(),
                "{bad}"
            );
        }
    }
}
