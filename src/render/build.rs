//! The build folder every PDF is made in — papers, keys, reports, feedback
//! and certificates alike: the shipped templates with the user's
//! `--templates` laid over them, a `fonts.json` cut down to the fonts typst
//! has, the CJK font check before anything runs, and compiles into a
//! temporary PDF beside the destination that is renamed into place only
//! when typst succeeded. typst sees the folder as its whole world (`--root`).

use std::path::{Path, PathBuf};

use super::engine::Engine;
use super::fonts::FontFamilies;
use super::typst::{Compile, FontFamily, TypstError};
use super::{RenderError, io};

/// The templates shipped inside the binary: (file name, contents). A user's
/// `--templates DIR` is laid over them, so a folder holding only a changed
/// `paper.typ` works.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("common.typ", include_str!("../../templates/common.typ")),
    ("paper.typ", include_str!("../../templates/paper.typ")),
    ("key.typ", include_str!("../../templates/key.typ")),
    ("room.typ", include_str!("../../templates/room.typ")),
    ("quickkey.typ", include_str!("../../templates/quickkey.typ")),
    (
        "explanations.typ",
        include_str!("../../templates/explanations.typ"),
    ),
    ("fonts.json", include_str!("../../templates/fonts.json")),
];

/// What goes into a build folder.
#[derive(Clone, Debug, Default)]
pub struct BuildSpec<'a> {
    /// Build here and keep the folder (it must be new or empty); otherwise
    /// a temporary folder removed when the [`BuildFolder`] is dropped.
    pub keep: Option<&'a Path>,
    /// Templates of this kind of document, written beside the shipped ones
    /// (and, like them, under the user's).
    pub own_templates: &'a [(&'a str, &'a str)],
    /// The user's `--templates` folder.
    pub user_templates: Option<&'a Path>,
    /// `--font-path` folders.
    pub font_paths: &'a [PathBuf],
    /// The documents print Chinese (named here: "papers", "certificates"):
    /// stop with advice when typst sees none of the templates' CJK fonts,
    /// rather than print empty boxes.
    pub needs_cjk: Option<&'static str>,
    /// Let typst look only in the folders of the fonts the templates use
    /// (`--ignore-system-fonts`), when all of them are found: scanning all
    /// system fonts costs every typst process a moment, which hundreds of
    /// per-paper compiles pay hundreds of times.
    pub only_template_fonts: bool,
}

/// A prepared build folder and the engine that compiles in it.
#[derive(Debug)]
pub struct BuildFolder<'e> {
    engine: &'e dyn Engine,
    root: PathBuf,
    /// Removes a temporary folder when dropped.
    _temp: Option<crate::cleanup::BuildDir>,
    /// `--font-path` plus, with `only_template_fonts`, the template fonts' folders.
    font_paths: Vec<PathBuf>,
    /// Options for every compile (`--ignore-system-fonts`).
    common_args: Vec<&'static str>,
}

/// Why one PDF was not made.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// typst ran and refused; its message, with the build folder's path
    /// taken out so file names read `paper.typ:12:3` as in the templates.
    #[error("{message}")]
    Rejected { message: String },
    /// typst could not be run, or was killed.
    #[error(transparent)]
    Typst(TypstError),
    #[error("cannot create a temporary file in {}: {error}", dir.display())]
    Temporary { dir: PathBuf, error: std::io::Error },
    #[error("cannot move the new PDF into place at {}: {error}", dest.display())]
    Persist {
        dest: PathBuf,
        error: std::io::Error,
    },
}

impl<'e> BuildFolder<'e> {
    /// Checks the fonts and writes the templates. The font listing runs
    /// beside `meanwhile` (work that does not need the folder, such as
    /// preparing the papers' data), since each takes a moment.
    pub fn new_with<T: Send>(
        engine: &'e dyn Engine,
        spec: &BuildSpec<'_>,
        meanwhile: impl FnOnce() -> T + Send,
    ) -> Result<(BuildFolder<'e>, T), RenderError> {
        let families = font_families(spec.user_templates)?;
        let (found, (folder, other)) = std::thread::scope(|scope| {
            let fonts = scope.spawn(|| engine.font_files(spec.font_paths));
            let folder = folder(spec).and_then(|(root, temp)| {
                write_templates(&root, spec.own_templates, spec.user_templates)?;
                Ok((root, temp))
            });
            let other = meanwhile();
            (
                fonts.join().expect("listing fonts does not panic"),
                (folder, other),
            )
        });
        let found = found?;
        let (root, temp) = folder?;
        let seen: Vec<String> = found.iter().map(|f| f.name.clone()).collect();
        if let Some(documents) = spec.needs_cjk
            && families.available_cjk(&seen).is_empty()
        {
            return Err(RenderError::NoCjkFont {
                documents,
                wanted: families.cjk().into_iter().map(String::from).collect(),
            });
        }
        let fonts_path = root.join("fonts.json");
        let fonts_json = std::fs::read_to_string(&fonts_path).map_err(io("read", &fonts_path))?;
        let usable = usable_fonts(&fonts_json, &seen);
        crate::cleanup::write_private(&fonts_path, usable.as_bytes())
            .map_err(io("write", &fonts_path))?;
        let mut font_paths = spec.font_paths.to_vec();
        let mut common_args = Vec::new();
        if spec.only_template_fonts
            && let Some(dirs) = font_dirs(&usable, &found)
        {
            for dir in dirs {
                if !font_paths.contains(&dir) {
                    font_paths.push(dir);
                }
            }
            common_args.push("--ignore-system-fonts");
        }
        Ok((
            BuildFolder {
                engine,
                root,
                _temp: temp,
                font_paths,
                common_args,
            },
            other,
        ))
    }

    /// [`BuildFolder::new_with`] with nothing to do meanwhile.
    pub fn new(engine: &'e dyn Engine, spec: &BuildSpec<'_>) -> Result<Self, RenderError> {
        Self::new_with(engine, spec, || ()).map(|(folder, ())| folder)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes a file into the folder (owner-only: data files hold answers)
    /// and returns its path as typst sees it (`/data/b0.json`).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<String, RenderError> {
        let path = self.root.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        crate::cleanup::write_private(&path, bytes).map_err(io("write", &path))?;
        Ok(format!("/{relative}"))
    }

    /// Compiles `template` with `sys.inputs.data` = `data` (a path as typst
    /// sees it) into a temporary file beside `dest`, renamed into place only
    /// on success; the temporary file is gone either way.
    pub fn compile(
        &self,
        template: &str,
        data: &str,
        dest: &Path,
        creation_timestamp: i64,
        extra: &[&str],
    ) -> Result<(), CompileError> {
        let temp = temp_pdf_beside(dest)?;
        let inputs = [("data", data.to_string())];
        let mut args: Vec<&str> = self.common_args.clone();
        args.extend_from_slice(extra);
        self.engine
            .compile(
                &Compile {
                    root: &self.root,
                    input: &self.root.join(template),
                    output: &temp,
                    font_paths: &self.font_paths,
                    creation_timestamp,
                    inputs: &inputs,
                },
                &args,
            )
            .map_err(|e| match e {
                // A typst that was killed (no exit code) did not refuse the
                // document: say so with the whole command line.
                TypstError::Failed { status, stderr, .. } if status.code().is_some() => {
                    CompileError::Rejected {
                        message: clean_stderr(&stderr, &self.root),
                    }
                }
                other => CompileError::Typst(other),
            })?;
        temp.persist(dest).map_err(|e| CompileError::Persist {
            dest: dest.to_path_buf(),
            error: e.error,
        })
    }
}

/// The build folder and, unless it is kept, the guard that removes it.
fn folder(
    spec: &BuildSpec<'_>,
) -> Result<(PathBuf, Option<crate::cleanup::BuildDir>), RenderError> {
    match spec.keep {
        Some(dir) => {
            if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
                return Err(RenderError::BuildNotEmpty {
                    dir: dir.to_path_buf(),
                });
            }
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
            let dir = std::path::absolute(dir).map_err(io("find", dir))?;
            Ok((dir, None))
        }
        None => {
            let temp = crate::cleanup::BuildDir::new()
                .map_err(io("create a build folder in", &std::env::temp_dir()))?;
            Ok((temp.path().to_path_buf(), Some(temp)))
        }
    }
}

/// The font families of the template set in use.
pub fn font_families(templates: Option<&Path>) -> Result<FontFamilies, RenderError> {
    if let Some(dir) = templates {
        let path = dir.join("fonts.json");
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
            return FontFamilies::parse(&text).map_err(|error| RenderError::FontList {
                dir: dir.to_path_buf(),
                error,
            });
        }
    }
    let shipped = TEMPLATES
        .iter()
        .find(|(name, _)| *name == "fonts.json")
        .expect("fonts.json is shipped");
    Ok(FontFamilies::parse(shipped.1).expect("the shipped fonts.json is valid"))
}

/// Writes the shipped templates and this document kind's own, then the
/// user's folder over them.
fn write_templates(
    build: &Path,
    own: &[(&str, &str)],
    user: Option<&Path>,
) -> Result<(), RenderError> {
    for (name, text) in TEMPLATES.iter().chain(own) {
        let path = build.join(name);
        crate::cleanup::write_private(&path, text.as_bytes()).map_err(io("write", &path))?;
    }
    if let Some(dir) = user {
        copy_tree(dir, build).map_err(|error| RenderError::Templates {
            dir: dir.to_path_buf(),
            error,
        })?;
    }
    Ok(())
}

/// Copies the user's template folder into the build folder, by
/// [`crate::discover`]'s rule (an editor's `.swp` or Office's `~$` file is
/// no template).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let found = crate::discover::files(from, crate::discover::Depth::Tree, |_| true)
        .all_or_first_error()
        .map_err(|e| std::io::Error::new(e.reason.kind(), e.to_string()))?;
    for file in found {
        let target = to.join(file.strip_prefix(from).unwrap_or(&file));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&file, &target)?;
    }
    Ok(())
}

/// The font list as written into the build folder: each list cut down to
/// the families typst has, so typst neither warns about the other systems'
/// fonts nor looks for them. A list with none of them stays whole.
fn usable_fonts(fonts_json: &str, seen: &[String]) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(fonts_json) else {
        return fonts_json.to_string();
    };
    if let Some(map) = value.as_object_mut() {
        for list in map.values_mut() {
            if let Some(items) = list.as_array() {
                let kept: Vec<serde_json::Value> = items
                    .iter()
                    .filter(|f| {
                        f.as_str()
                            .is_some_and(|f| seen.iter().any(|s| s.eq_ignore_ascii_case(f)))
                    })
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    *list = serde_json::Value::Array(kept);
                }
            }
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| fonts_json.to_string())
}

/// The folders holding the files of the families in the build's font list
/// (see [`usable_fonts`]), for [`BuildSpec::only_template_fonts`]. `None`
/// when some list has none of its families here (typst's fallback over all
/// fonts is then what prints those characters, so it must see them all),
/// or when typst listed a family with neither a file nor `(Embedded)`.
fn font_dirs(usable_json: &str, found: &[FontFamily]) -> Option<Vec<PathBuf>> {
    let value: serde_json::Value = serde_json::from_str(usable_json).ok()?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for list in value.as_object()?.values().filter_map(|v| v.as_array()) {
        let mut any = false;
        for name in list.iter().filter_map(|f| f.as_str()) {
            for family in found.iter().filter(|f| f.name.eq_ignore_ascii_case(name)) {
                if family.files.is_empty() && !family.embedded {
                    return None;
                }
                any = true;
                for dir in family.files.iter().filter_map(|f| f.parent()) {
                    if !dirs.iter().any(|d| d == dir) {
                        dirs.push(dir.to_path_buf());
                    }
                }
            }
        }
        if !any {
            return None;
        }
    }
    Some(dirs)
}

/// typst's message, with the build folder's path taken out so that file
/// names read `paper.typ:12:3` as in the templates folder.
fn clean_stderr(stderr: &str, build: &Path) -> String {
    let prefix = format!("{}/", build.display());
    stderr.replace(&prefix, "").trim_end().to_string()
}

/// A temporary PDF beside `dest` (`.<name>.XXXX.tmp.pdf`), for typst to
/// write into before it is renamed into place; readable as the umask allows,
/// since PDFs are for sharing.
fn temp_pdf_beside(dest: &Path) -> Result<tempfile::TempPath, CompileError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp.pdf");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder
        .tempfile_in(dir)
        .map(tempfile::NamedTempFile::into_temp_path)
        .map_err(|error| CompileError::Temporary {
            dir: dir.to_path_buf(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_lists_keep_only_what_typst_has_unless_that_is_nothing() {
        let json = r#"{"cjk_serif": ["SimSun", "Noto Serif CJK SC"], "latin_sans": ["Nope"], "comment": "x"}"#;
        let seen = vec!["noto serif cjk sc".to_string()];
        let out: serde_json::Value = serde_json::from_str(&usable_fonts(json, &seen)).unwrap();
        assert_eq!(out["cjk_serif"], serde_json::json!(["Noto Serif CJK SC"]));
        assert_eq!(out["latin_sans"], serde_json::json!(["Nope"]));
        assert_eq!(out["comment"], "x");
    }

    #[test]
    fn typst_is_pointed_at_the_folders_of_the_fonts_in_use_only_when_all_are_there() {
        let found = vec![
            FontFamily {
                name: "Noto Serif CJK SC".into(),
                files: vec![
                    "/f/noto/Serif-Regular.ttc".into(),
                    "/f/noto/Serif-Bold.ttc".into(),
                ],
                embedded: false,
            },
            FontFamily {
                name: "DejaVu Sans".into(),
                files: vec!["/f/dejavu/DejaVuSans.ttf".into()],
                embedded: false,
            },
            FontFamily {
                name: "Libertinus Serif".into(),
                files: vec![],
                embedded: true,
            },
        ];
        let json = r#"{"cjk_serif": ["noto serif cjk sc"], "latin_sans": ["DejaVu Sans"], "latin_serif": ["Libertinus Serif"], "comment": "x"}"#;
        assert_eq!(
            font_dirs(json, &found),
            Some(vec![PathBuf::from("/f/noto"), PathBuf::from("/f/dejavu")])
        );
        // A list with no font here: typst must keep searching the system.
        let missing = r#"{"cjk_serif": ["SimSun"], "latin_sans": ["DejaVu Sans"]}"#;
        assert_eq!(font_dirs(missing, &found), None);
        // A family typst listed without a file (an unknown listing format):
        // restricting the search could lose it.
        let mut odd = found.clone();
        odd[0].files.clear();
        assert_eq!(font_dirs(json, &odd), None);
    }

    #[test]
    fn typst_messages_name_template_files_not_the_build_folder() {
        let msg = "error: unexpected\n  ┌─ /tmp/certexam-build-x/paper.typ:3:1\n";
        assert_eq!(
            clean_stderr(msg, Path::new("/tmp/certexam-build-x")),
            "error: unexpected\n  ┌─ paper.typ:3:1"
        );
    }
}
