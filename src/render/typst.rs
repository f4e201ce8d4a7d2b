//! The typst program: finding it, checking its version, listing the fonts it
//! sees and running compiles. This is the only place that starts typst, so
//! every failure carries the program, its arguments, its exit status and its
//! own error text.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// The version the setup script installs; PDFs are byte-identical across
/// machines only with the same typst.
pub const PINNED: Version = Version(0, 15, 1);

/// The oldest typst the templates are known to work with.
pub const MINIMUM: Version = Version(0, 15, 0);

/// The environment variable naming the typst program.
pub const ENV: &str = "CERTEXAM_TYPST";

/// How to install the pinned typst.
pub fn install_hint() -> String {
    format!(
        "install it with `cargo install --locked typst-cli@{PINNED}` (or run scripts/setup.sh), or give its path with --typst PATH or {ENV}=PATH"
    )
}

/// A typst version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Version(pub u32, pub u32, pub u32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// Reads `typst 0.15.1 (abc123)` (the first `x.y.z` in the text).
    pub fn parse(text: &str) -> Option<Version> {
        text.split_whitespace().find_map(|word| {
            let mut parts = word.split('.').map(|p| p.parse::<u32>().ok());
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) => Some(Version(a, b, c)),
                _ => None,
            }
        })
    }
}

/// Where the typst program came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `--typst PATH`
    Option,
    /// `CERTEXAM_TYPST`
    Env,
    /// Found on `PATH`.
    Path,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Option => "--typst",
            Source::Env => ENV,
            Source::Path => "PATH",
        })
    }
}

/// What can go wrong with typst.
#[derive(Debug, thiserror::Error)]
pub enum TypstError {
    #[error("typst was not found on PATH; {}", install_hint())]
    NotFound,
    #[error("cannot run typst at {} (from {source_of}): {error}; {}", program.display(), install_hint())]
    Spawn {
        program: PathBuf,
        source_of: Source,
        error: std::io::Error,
    },
    #[error("{} (from {source_of}) did not say its version (it printed {output:?}); is it really typst? {}", program.display(), install_hint())]
    NoVersion {
        program: PathBuf,
        source_of: Source,
        output: String,
    },
    #[error("{} is typst {version}, older than {MINIMUM} that the templates need; {}", program.display(), install_hint())]
    TooOld { program: PathBuf, version: Version },
    #[error("typst failed ({status}) running {}:\n{}", command_line(program, args), stderr.trim_end())]
    Failed {
        program: PathBuf,
        args: Vec<OsString>,
        status: ExitStatus,
        stderr: String,
    },
}

fn command_line(program: &Path, args: &[OsString]) -> String {
    let mut line = program.display().to_string();
    for a in args {
        line.push(' ');
        line.push_str(&a.to_string_lossy());
    }
    line
}

/// A typst program whose version was checked.
#[derive(Clone, Debug)]
pub struct Typst {
    pub program: PathBuf,
    pub source: Source,
    pub version: Version,
}

/// One compile: `typst compile --root ROOT INPUT OUTPUT` with the options
/// that make the bytes reproducible.
#[derive(Clone, Debug)]
pub struct Compile<'a> {
    pub root: &'a Path,
    pub input: &'a Path,
    pub output: &'a Path,
    pub font_paths: &'a [PathBuf],
    /// Seconds since 1970, written as the PDF's creation date.
    pub creation_timestamp: i64,
    /// `sys.inputs` of the document.
    pub inputs: &'a [(&'a str, String)],
}

impl Typst {
    /// Finds typst: `explicit` (`--typst`), then `$CERTEXAM_TYPST`, then
    /// `PATH`; and checks its version.
    pub fn locate(explicit: Option<&Path>) -> Result<Typst, TypstError> {
        let (program, source) = if let Some(p) = explicit {
            (p.to_path_buf(), Source::Option)
        } else if let Some(p) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
            (PathBuf::from(p), Source::Env)
        } else {
            let p = which::which("typst").map_err(|_| TypstError::NotFound)?;
            (p, Source::Path)
        };
        let output = Command::new(&program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|error| TypstError::Spawn {
                program: program.clone(),
                source_of: source,
                error,
            })?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let version = Version::parse(&text)
            .filter(|_| text.trim_start().starts_with("typst"))
            .ok_or_else(|| TypstError::NoVersion {
                program: program.clone(),
                source_of: source,
                output: text.trim().to_string(),
            })?;
        if version < MINIMUM {
            return Err(TypstError::TooOld { program, version });
        }
        Ok(Typst {
            program,
            source,
            version,
        })
    }

    fn font_path_args(font_paths: &[PathBuf], args: &mut Vec<OsString>) {
        if let Ok(joined) = std::env::join_paths(font_paths)
            && !font_paths.is_empty()
        {
            args.push("--font-path".into());
            args.push(joined);
        }
    }

    fn run(&self, args: Vec<OsString>, cwd: Option<&Path>) -> Result<String, TypstError> {
        let mut command = Command::new(&self.program);
        command.args(&args).stdin(Stdio::null());
        if let Some(dir) = cwd {
            command.current_dir(dir);
        }
        // Spawned and tracked, so that Ctrl-C or termination of certexam
        // stops this typst too (see `crate::cleanup`).
        let output = crate::cleanup::output(command.stdout(Stdio::piped()).stderr(Stdio::piped()))
            .map_err(|error| TypstError::Spawn {
                program: self.program.clone(),
                source_of: self.source,
                error,
            })?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(TypstError::Failed {
                program: self.program.clone(),
                args,
                status: output.status,
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }

    /// The font families typst can see (`typst fonts`), with the extra font folders.
    pub fn fonts(&self, font_paths: &[PathBuf]) -> Result<Vec<String>, TypstError> {
        let mut args: Vec<OsString> = vec!["fonts".into()];
        Self::font_path_args(font_paths, &mut args);
        let out = self.run(args, None)?;
        Ok(out
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect())
    }

    /// The font families typst can see with their font files
    /// (`typst fonts --variants`), with the extra font folders.
    pub fn font_files(&self, font_paths: &[PathBuf]) -> Result<Vec<FontFamily>, TypstError> {
        let mut args: Vec<OsString> = vec!["fonts".into(), "--variants".into()];
        Self::font_path_args(font_paths, &mut args);
        Ok(parse_font_variants(&self.run(args, None)?))
    }

    /// The arguments of one compile.
    pub fn compile_args(c: &Compile<'_>) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "compile".into(),
            "--root".into(),
            c.root.into(),
            "--creation-timestamp".into(),
            c.creation_timestamp.to_string().into(),
            "--diagnostic-format".into(),
            "human".into(),
        ];
        Self::font_path_args(c.font_paths, &mut args);
        for (key, value) in c.inputs {
            args.push("--input".into());
            args.push(format!("{key}={value}").into());
        }
        args.push(c.input.into());
        args.push(c.output.into());
        args
    }

    /// Runs one compile, with extra `typst compile` options (such as
    /// `--pdf-standard a-2b`) placed before the input file; on failure the
    /// error holds typst's own message. typst runs inside the root folder,
    /// so its messages name files as `paper.typ:12:3`; every path it is
    /// given is made absolute first.
    pub fn compile_with(&self, c: &Compile<'_>, extra: &[&str]) -> Result<(), TypstError> {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let font_paths: Vec<PathBuf> = c.font_paths.iter().map(|p| abs(p)).collect();
        let (root, input, output) = (abs(c.root), abs(c.input), abs(c.output));
        let mut args = Self::compile_args(&Compile {
            root: &root,
            input: &input,
            output: &output,
            font_paths: &font_paths,
            ..c.clone()
        });
        let at = args.len() - 2;
        args.splice(at..at, extra.iter().map(OsString::from));
        self.run(args, Some(&root)).map(|_| ())
    }
}

/// A font family and the files of its styles, as `typst fonts --variants`
/// lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontFamily {
    pub name: String,
    pub files: Vec<PathBuf>,
    /// Some style is built into typst (listed as `(Embedded)`, no file).
    pub embedded: bool,
}

/// Reads `typst fonts --variants`: a family name at the start of a line,
/// then one `├ /path/file.ttf` (or `├ (Embedded)`) line per style, each
/// followed by an indented `Style: …` line.
pub fn parse_font_variants(text: &str) -> Vec<FontFamily> {
    let mut out: Vec<FontFamily> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            out.push(FontFamily {
                name: line.trim().to_string(),
                files: Vec::new(),
                embedded: false,
            });
            continue;
        }
        let entry = line.trim_start();
        let Some(rest) = entry.strip_prefix('├').or_else(|| entry.strip_prefix('└')) else {
            continue;
        };
        let file = rest.trim();
        if let Some(family) = out.last_mut() {
            if file == "(Embedded)" {
                family.embedded = true;
            } else if !file.is_empty() {
                family.files.push(PathBuf::from(file));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_font_files_from_the_variants_list() {
        let text = "DejaVu Sans\n  \u{251c} /usr/share/fonts/dejavu/DejaVuSans-Bold.ttf\n  \u{2502}   Style: Normal, Weight: 700, Stretch: 100%\n  \u{2514} /usr/share/fonts/dejavu/DejaVu Sans.ttf\n      Style: Normal, Weight: 400, Stretch: 100%\n\nLibertinus Serif\n  \u{2514} (Embedded)\n      Style: Normal, Weight: 400, Stretch: 100%\n";
        assert_eq!(
            parse_font_variants(text),
            vec![
                FontFamily {
                    name: "DejaVu Sans".into(),
                    files: vec![
                        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf".into(),
                        "/usr/share/fonts/dejavu/DejaVu Sans.ttf".into()
                    ],
                    embedded: false,
                },
                FontFamily {
                    name: "Libertinus Serif".into(),
                    files: vec![],
                    embedded: true,
                },
            ]
        );
    }

    #[test]
    fn reads_the_version_line() {
        assert_eq!(
            Version::parse("typst 0.15.1 (unknown commit)"),
            Some(Version(0, 15, 1))
        );
        assert_eq!(Version::parse("typst 0.13.0"), Some(Version(0, 13, 0)));
        assert_eq!(Version::parse("something else"), None);
        assert!(Version(0, 14, 2) < MINIMUM);
        assert!(PINNED >= MINIMUM);
    }

    #[cfg(unix)]
    #[test]
    fn compile_arguments_fix_the_timestamp_and_root() {
        let fonts = [PathBuf::from("/f1"), PathBuf::from("/f2")];
        let inputs = [("data", "/data/all.json".to_string())];
        let args = Typst::compile_args(&Compile {
            root: Path::new("/b"),
            input: Path::new("/b/paper.typ"),
            output: Path::new("/o/print.pdf"),
            font_paths: &fonts,
            creation_timestamp: 1_796_083_200,
            inputs: &inputs,
        });
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args.join(" "),
            "compile --root /b --creation-timestamp 1796083200 --diagnostic-format human \
             --font-path /f1:/f2 --input data=/data/all.json /b/paper.typ /o/print.pdf"
        );
    }
}
