//! Rendering documents other than papers (the trainers' item-analysis
//! report, the candidates' feedback) with the same conventions as the
//! papers: shipped templates laid under the user's `--templates`, data as
//! JSON files in a throw-away build folder that is typst's whole world, a
//! CJK font check before anything runs, one typst process per worker, a
//! fixed creation timestamp, and every PDF renamed into place only when
//! typst succeeded.

use std::path::{Path, PathBuf};

use super::typst::{Compile, Typst, TypstError};
use super::{Progress, RenderError, io};

/// One PDF to make.
#[derive(Clone, Debug)]
pub struct Document {
    /// Template file name in the build folder (`report.typ`).
    pub template: &'static str,
    /// The JSON data the template reads from `sys.inputs.data`.
    pub data: Vec<u8>,
    pub dest: PathBuf,
    /// Seconds since 1970 written as the PDF's creation date
    /// (see [`super::data::creation_timestamp`]).
    pub creation_timestamp: i64,
}

/// How to run typst for [`render_documents`].
#[derive(Clone, Debug)]
pub struct DocumentOptions {
    pub typst: Typst,
    /// A folder of templates laid over the shipped ones.
    pub templates: Option<PathBuf>,
    pub font_paths: Vec<PathBuf>,
    /// typst processes running at once.
    pub jobs: usize,
}

/// Renders each document; `own_templates` (file name, text) are written
/// beside the shipped `common.typ` and `fonts.json`, before the user's
/// `--templates` folder is laid over them. `needs_cjk` stops the whole run
/// with advice when typst sees no CJK font. The result holds, per document
/// in order, `Ok` or typst's message; an `Err` means nothing was rendered.
pub fn render_documents(
    docs: &[Document],
    own_templates: &[(&str, &str)],
    needs_cjk: bool,
    opts: &DocumentOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Vec<Result<(), String>>, RenderError> {
    let families = super::font_families(opts.templates.as_deref())?;
    let seen = opts.typst.fonts(&opts.font_paths)?;
    if needs_cjk && families.available_cjk(&seen).is_empty() {
        return Err(RenderError::NoCjkFont {
            wanted: families.cjk().into_iter().map(String::from).collect(),
        });
    }
    let temp = crate::cleanup::BuildDir::new()
        .map_err(io("create a build folder in", &std::env::temp_dir()))?;
    let build = temp.path();
    super::write_templates(build, None)?;
    for (name, text) in own_templates {
        let path = build.join(name);
        crate::cleanup::write_private(&path, text.as_bytes()).map_err(io("write", &path))?;
    }
    if let Some(dir) = &opts.templates {
        super::copy_tree(dir, build).map_err(|error| RenderError::Templates {
            dir: dir.clone(),
            error,
        })?;
    }
    let fonts_path = build.join("fonts.json");
    let fonts_json = std::fs::read_to_string(&fonts_path).map_err(io("read", &fonts_path))?;
    std::fs::write(&fonts_path, super::usable_fonts(&fonts_json, &seen))
        .map_err(io("write", &fonts_path))?;
    let data_dir = build.join("data");
    std::fs::create_dir_all(&data_dir).map_err(io("create", &data_dir))?;
    for (i, doc) in docs.iter().enumerate() {
        let path = data_dir.join(format!("d{i}.json"));
        crate::cleanup::write_private(&path, doc.data.as_ref()).map_err(io("write", &path))?;
        if let Some(dir) = doc.dest.parent() {
            std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
        }
    }

    progress(&Progress::Planned { total: docs.len() });
    let indexed: Vec<(usize, &Document)> = docs.iter().enumerate().collect();
    Ok(super::pool(opts.jobs, &indexed, |(i, doc)| {
        let result = compile_to(opts, build, doc, &format!("/data/d{i}.json"));
        progress(&Progress::Finished {
            output: doc.dest.clone(),
            ok: result.is_ok(),
        });
        result
    }))
}

/// Compiles into a temporary file beside the destination and renames it
/// into place only on success, so no half-written PDF is ever left.
fn compile_to(
    opts: &DocumentOptions,
    build: &Path,
    doc: &Document,
    data: &str,
) -> Result<(), String> {
    let temp = super::temp_pdf_beside(&doc.dest)?;
    let inputs = [("data", data.to_string())];
    opts.typst
        .compile(&Compile {
            root: build,
            input: &build.join(doc.template),
            output: &temp,
            font_paths: &opts.font_paths,
            creation_timestamp: doc.creation_timestamp,
            inputs: &inputs,
        })
        .map_err(|e| match e {
            TypstError::Failed { stderr, .. } => super::clean_stderr(&stderr, build),
            other => other.to_string(),
        })?;
    temp.persist(&doc.dest).map_err(|e| {
        format!(
            "cannot move the new PDF into place at {}: {}",
            doc.dest.display(),
            e.error
        )
    })
}
