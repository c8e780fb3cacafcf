//! A throwaway PostgreSQL server on loopback for the backend's suite: its
//! own data directory and port, stopped and removed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::shell::{Shell, Step};

pub struct Postgres<'a> {
    sh: &'a Shell,
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub url: String,
}

impl<'a> Postgres<'a> {
    /// initdb and start. As root, the server runs as the `postgres` user
    /// (PostgreSQL refuses to run as root).
    pub fn start(sh: &'a Shell, bin: &Path) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for PostgreSQL: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("meshdeck-xtask-pg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_postgres = sh.probe("id", &["-u"]).as_deref() == Some("0");
        let server = Self {
            sh,
            bin: bin.to_path_buf(),
            dir,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        if as_postgres {
            let dir = server.dir.display().to_string();
            sh.step(
                Step::new("hand the data directory to postgres")
                    .program("chown", ["postgres", dir.as_str()]),
            )?;
        }
        let data = server.dir.join("data").display().to_string();
        server.run(
            "initdb (throwaway PostgreSQL)",
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            server.dir.display()
        );
        let log = server.dir.join("server.log").display().to_string();
        server.run(
            &format!("start PostgreSQL on 127.0.0.1:{port}"),
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )?;
        Ok(server)
    }

    fn run(&self, name: &str, tool: &str, args: &[&str]) -> Result<(), String> {
        let tool = self.bin.join(tool).display().to_string();
        let step = if self.as_postgres {
            let mut all = vec!["-u", "postgres", "--", tool.as_str()];
            all.extend_from_slice(args);
            Step::new(name).program("runuser", all)
        } else {
            Step::new(name).program(&tool, args.iter().copied())
        };
        self.sh.step(step)
    }
}

impl Drop for Postgres<'_> {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self.run(
            "stop PostgreSQL",
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
