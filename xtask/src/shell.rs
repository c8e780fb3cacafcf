//! Running the steps: one environment for every child (tool PATH, Trunk
//! kept offline), each step timed and named when it fails.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct Shell {
    /// The workspace root (where Cargo.lock lives).
    pub root: PathBuf,
    path: OsString,
}

/// One command to run, with a name for the log.
pub struct Step {
    name: String,
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Step {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            program: String::new(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn program<I, S>(mut self, program: &str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.program = program.into();
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn cargo<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        self.program(&cargo, args)
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

impl Shell {
    pub fn new() -> Result<Self, String> {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .ok_or("xtask must live one level below the workspace root")?
            .to_path_buf();
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or("neither CARGO_HOME nor HOME is set")?
            .join("bin");
        let mut dirs = vec![root.join("node_modules/.bin"), cargo_bin];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        let path = std::env::join_paths(dirs).map_err(|e| e.to_string())?;
        Ok(Self { root, path })
    }

    /// A command in the workspace root with the tools' PATH.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    /// Runs a step, failing with its name when it fails.
    pub fn step(&self, step: Step) -> Result<(), String> {
        eprintln!("\n==> {}", step.name);
        let started = Instant::now();
        let mut cmd = self.command(&step.program);
        cmd.args(&step.args);
        for (k, v) in &step.env {
            cmd.env(k, v);
        }
        let status = cmd
            .status()
            .map_err(|e| format!("{}: cannot start {}: {e}", step.name, step.program))?;
        let secs = started.elapsed().as_secs_f64();
        if status.success() {
            eprintln!("==> {} done in {secs:.1}s", step.name);
            Ok(())
        } else {
            Err(format!(
                "step '{}' failed ({status}) after {secs:.1}s: {} {}",
                step.name,
                step.program,
                step.args.join(" ")
            ))
        }
    }

    /// Runs a command and returns its trimmed stdout, or None if it could
    /// not run or failed (used to probe installed tools).
    pub fn probe(&self, program: &str, args: &[&str]) -> Option<String> {
        let out = self.command(program).args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Replaces this process with `program` (so signals reach it directly),
    /// with `env` added to its environment.
    pub fn exec(
        &self,
        program: &Path,
        args: &[String],
        env: &[(&str, String)],
    ) -> Result<(), String> {
        use std::os::unix::process::CommandExt;
        let mut cmd = self.command(&program.display().to_string());
        cmd.args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let err = cmd.exec();
        Err(format!("cannot start {}: {err}", program.display()))
    }
}
