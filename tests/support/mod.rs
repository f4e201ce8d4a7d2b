//! The one harness every integration test runs certexam through, in the
//! spirit of just's `Test` builder: a fresh temporary folder, a fixed clock
//! (`CERTEXAM_NOW`), arguments, environment and standard input, and the
//! exit status and output expected — plus the few file helpers (the
//! repository root, fixtures, copying folders, reading PDFs back with the
//! real `pdftotext`) that each test file used to carry its own copy of.
//!
//! Each test file includes it with `mod support;` and uses part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// "Now" for every run unless a test says otherwise: results, archive
/// entries and expiry dates come out the same on every machine and day.
pub const NOW: &str = "2026-12-01T10:00:00Z";

/// The repository (the examples, templates and fixtures are read from it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder under `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures").join(path)
}

/// Copies a folder tree (the example bank, a drawn exam) so a test can
/// change its copy.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Runs a poppler program (`pdftotext`, `pdffonts`, `pdfinfo`, …) on a PDF
/// and returns what it printed. Fails the test, never skips it, when
/// poppler is missing.
pub fn poppler(program: &str, options: &[&str], pdf: &Path) -> String {
    let mut cmd = std::process::Command::new(program);
    cmd.args(options).arg(pdf);
    if program == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{program} is needed for these tests ({e}); run scripts/setup.sh (installs poppler-utils)")
    });
    assert!(
        out.status.success(),
        "{program} {options:?} {} failed: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text of a PDF as the real `pdftotext` reads it, with `options`
/// such as `["-raw"]` or `["-f", "2", "-l", "2"]`.
pub fn pdftotext(pdf: &Path, options: &[&str]) -> String {
    poppler("pdftotext", options, pdf)
}

/// `text` without any whitespace, nor the zero-width spaces that let typst
/// break long codes (typst breaks lines where it likes; a reader sees none
/// of them).
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200B}')
        .collect()
}

/// A file's bytes as snapshot text that keeps what a snapshot would smooth
/// over: the byte-order mark is written `<BOM>`, each carriage return `␍`
/// and the end of the file `␄` (so a lost or doubled last newline shows).
pub fn snapshot_file(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    snapshot_text(&String::from_utf8(bytes).unwrap())
}

/// [`snapshot_file`] for text already read.
pub fn snapshot_text(text: &str) -> String {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => format!("<BOM>{rest}"),
        None => text.to_string(),
    };
    format!("{}␄", text.replace('\r', "␍"))
}

/// certexam as `assert_cmd` runs it, in `dir`, at [`NOW`]: for tests that
/// use assert_cmd's own assertions.
pub fn certexam_in(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("certexam").unwrap();
    cmd.current_dir(dir).env("CERTEXAM_NOW", NOW);
    cmd
}

/// [`certexam_in`] the repository, where `examples/` and `templates/` are.
pub fn certexam() -> assert_cmd::Command {
    certexam_in(&root())
}

/// What a run gave: exit status and both outputs as text.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The folder it ran in.
    pub dir: PathBuf,
    /// Keeps a [`Test::new`] folder alive as long as the result is.
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl Run {
    /// The folder the run was in (its output files are there).
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir: PathBuf::new(),
            _temp: None,
        }
    }
}

/// Runs an already built command and collects what it gave.
pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    cmd.output().unwrap().into()
}

enum Expect {
    Exactly(String),
    Contains(String),
}

impl Expect {
    fn check(&self, what: &str, actual: &str, context: &str) {
        match self {
            Expect::Exactly(text) => assert_eq!(actual, text, "{what} of {context}"),
            Expect::Contains(text) => assert!(
                actual.contains(text.as_str()),
                "{what} of {context} should contain {text:?}"
            ),
        }
    }
}

/// One certexam run and what it must give. Without [`Test::status`] it
/// must succeed (status 0); outputs are checked only when asked for.
pub struct Test {
    temp: Option<Arc<tempfile::TempDir>>,
    dir: PathBuf,
    args: Vec<std::ffi::OsString>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    status: Option<i32>,
    stdout: Vec<Expect>,
    stderr: Vec<Expect>,
}

impl Test {
    /// A run in a fresh, empty temporary folder.
    pub fn new() -> Test {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        Test::with(Some(Arc::new(temp)), dir)
    }

    /// A run in an existing folder.
    pub fn in_dir(dir: &Path) -> Test {
        Test::with(None, dir.to_path_buf())
    }

    /// The next run in the same folder as `previous`.
    pub fn after(previous: &Run) -> Test {
        Test::with(previous._temp.clone(), previous.dir.clone())
    }

    fn with(temp: Option<Arc<tempfile::TempDir>>, dir: PathBuf) -> Test {
        Test {
            temp,
            dir,
            args: Vec::new(),
            env: vec![("CERTEXAM_NOW".into(), NOW.into())],
            stdin: None,
            status: Some(0),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// The folder the run happens in (to put input files there first).
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes a file (and its folders) into the run's folder.
    pub fn write(self, path: &str, contents: impl AsRef<[u8]>) -> Test {
        let path = self.dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<A: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = A>) -> Test {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Another fixed "now" (RFC 3339).
    pub fn now(self, now: &str) -> Test {
        self.env("CERTEXAM_NOW", now)
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(input.into());
        self
    }

    /// The exit status the run must end with.
    pub fn status(mut self, code: i32) -> Test {
        self.status = Some(code);
        self
    }

    /// Accepts any exit status (the test looks at it itself).
    pub fn any_status(mut self) -> Test {
        self.status = None;
        self
    }

    /// Standard output must be exactly this.
    pub fn stdout(mut self, text: &str) -> Test {
        self.stdout.push(Expect::Exactly(text.into()));
        self
    }

    pub fn stdout_has(mut self, text: &str) -> Test {
        self.stdout.push(Expect::Contains(text.into()));
        self
    }

    /// Standard error must be exactly this.
    pub fn stderr(mut self, text: &str) -> Test {
        self.stderr.push(Expect::Exactly(text.into()));
        self
    }

    pub fn stderr_has(mut self, text: &str) -> Test {
        self.stderr.push(Expect::Contains(text.into()));
        self
    }

    /// Runs certexam and checks everything expected; panics with the
    /// command and both outputs when something differs.
    pub fn run(self) -> Run {
        let mut cmd = assert_cmd::Command::cargo_bin("certexam").unwrap();
        cmd.current_dir(&self.dir).args(&self.args);
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        if let Some(input) = &self.stdin {
            cmd.write_stdin(input.clone());
        }
        let mut result = run(&mut cmd);
        let context = format!(
            "certexam {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.args, result.stdout, result.stderr
        );
        if let Some(code) = self.status {
            assert_eq!(result.code, code, "exit status of {context}");
        }
        for expect in &self.stdout {
            expect.check("stdout", &result.stdout, &context);
        }
        for expect in &self.stderr {
            expect.check("stderr", &result.stderr, &context);
        }
        result.dir = self.dir;
        result._temp = self.temp;
        result
    }
}

impl Default for Test {
    fn default() -> Test {
        Test::new()
    }
}
