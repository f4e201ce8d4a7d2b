//! Rendering documents other than papers — the trainers' item-analysis
//! report, the candidates' feedback, certificates — one PDF per document
//! from its JSON data, through the same [`BuildFolder`] as the papers and
//! the same worker pool, with a fixed creation timestamp each.

use std::path::PathBuf;

use super::build::{BuildFolder, BuildSpec, CompileError};
use super::engine::Engine;
use super::{Progress, RenderError};

/// One PDF to make.
#[derive(Clone, Debug)]
pub struct Document {
    /// Template file name in the build folder (`report.typ`).
    pub template: &'static str,
    /// The JSON data the template reads from `sys.inputs.data`.
    pub data: Vec<u8>,
    /// Files the data refers to (name, bytes), such as a QR code image;
    /// the `i`-th document's are at [`asset_path`]`(i, name)` as typst sees them.
    pub assets: Vec<(String, Vec<u8>)>,
    pub dest: PathBuf,
    /// Seconds since 1970 written as the PDF's creation date
    /// (see [`super::data::creation_timestamp`]).
    pub creation_timestamp: i64,
    /// typst options for this document (`--pdf-standard a-2b`).
    pub extra_args: &'static [&'static str],
}

/// Where the `index`-th document's asset `name` is, as typst sees it.
pub fn asset_path(index: usize, name: &str) -> String {
    format!("/d{index}/{name}")
}

/// How to run typst for [`render_documents`].
#[derive(Clone, Debug)]
pub struct DocumentOptions {
    /// A folder of templates laid over the shipped ones.
    pub templates: Option<PathBuf>,
    pub font_paths: Vec<PathBuf>,
    /// typst processes running at once.
    pub jobs: usize,
}

/// Renders each document; `own_templates` (file name, text) are written
/// beside the shipped templates, under the user's `--templates` folder.
/// `needs_cjk` (what the documents are, for the message) stops the whole
/// run with advice when typst sees no CJK font. The result holds, per
/// document in order, `Ok` or why that PDF was not made; an `Err` means
/// nothing was rendered.
pub fn render_documents(
    engine: &dyn Engine,
    docs: &[Document],
    own_templates: &[(&str, &str)],
    needs_cjk: Option<&'static str>,
    opts: &DocumentOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Vec<Result<(), CompileError>>, RenderError> {
    let build = BuildFolder::new(
        engine,
        &BuildSpec {
            own_templates,
            user_templates: opts.templates.as_deref(),
            font_paths: &opts.font_paths,
            needs_cjk,
            ..BuildSpec::default()
        },
    )?;
    let mut data_paths = Vec::with_capacity(docs.len());
    for (i, doc) in docs.iter().enumerate() {
        data_paths.push(build.write(&format!("d{i}/data.json"), &doc.data)?);
        for (name, bytes) in &doc.assets {
            build.write(&asset_path(i, name)[1..], bytes)?;
        }
        if let Some(dir) = doc.dest.parent() {
            std::fs::create_dir_all(dir).map_err(super::io("create the folder", dir))?;
        }
    }

    progress(&Progress::Planned { total: docs.len() });
    let indexed: Vec<(&Document, &String)> = docs.iter().zip(&data_paths).collect();
    Ok(crate::parallel::pool(opts.jobs, &indexed, |(doc, data)| {
        let result = build.compile(
            doc.template,
            data,
            &doc.dest,
            doc.creation_timestamp,
            doc.extra_args,
        );
        progress(&Progress::Finished {
            output: doc.dest.clone(),
            ok: result.is_ok(),
        });
        result
    }))
}
