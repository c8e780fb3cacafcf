//! The built console as the browser fetches it: every asset is served from
//! its precompressed copy (`xtask/precompress.mjs`, run by `cargo xtask`
//! after Trunk), never compressed per request. Prints the console's size.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use e2e::{Console, dist_dir};

/// The status line and headers (lower-cased names) of `GET path`.
fn head_of(url: &str, path: &str, encoding: &str) -> (String, Vec<(String, String)>) {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).expect("connect to the console");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the console is precompressed by `cargo xtask`; by hand: node xtask/precompress.mjs dist)",
                path.display()
            )
        })
        .len()
}

#[test]
fn the_console_is_served_precompressed() {
    let dist = dist_dir();
    let console = Console::start();
    let assets: Vec<String> = std::fs::read_dir(&dist)
        .expect("the dist directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| [".wasm", ".js", ".css"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    assert!(
        assets.iter().any(|n| n.ends_with(".wasm")),
        "no wasm in {}",
        dist.display()
    );
    let (mut raw, mut brotli) = (0, 0);
    for name in &assets {
        for (encoding, suffix) in [("br", "br"), ("gzip", "gz")] {
            let (status, headers) = head_of(&console.url, &format!("/{name}"), encoding);
            assert!(status.contains(" 200 "), "{name} ({encoding}): {status}");
            assert_eq!(
                header(&headers, "content-encoding"),
                Some(encoding),
                "{name}"
            );
            // A copy compressed per request goes out chunked, without a length.
            let stored = size(&dist.join(format!("{name}.{suffix}")));
            assert_eq!(
                header(&headers, "content-length"),
                Some(stored.to_string().as_str()),
                "{name} ({encoding}) is not its precompressed copy"
            );
        }
        raw += size(&dist.join(name));
        brotli += size(&dist.join(format!("{name}.br")));
    }
    println!(
        "console (wasm + js + css): {} KiB raw, {} KiB brotli q11",
        raw / 1024,
        brotli / 1024
    );
}
