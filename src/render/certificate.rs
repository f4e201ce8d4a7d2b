//! Certificates as typst documents: each passing record's
//! [`CertificateData`] with its fingerprint's QR code, rendered as PDF/A
//! through the one document pipeline ([`super::document`]), in parallel.

use std::path::PathBuf;

use super::build::CompileError;
use super::document::{self, Document, DocumentOptions};
use super::engine::Engine;
use super::{Progress, RenderError, qr};
use crate::archive::certificate::{CertificateData, qr_text};

/// The template shipped inside the binary.
pub const TEMPLATE: &str = include_str!("../../templates/certificate.typ");

/// PDF/A-2b: the archival PDF flavour that typst can write.
pub const PDF_STANDARD: &[&str] = &["--pdf-standard", "a-2b"];

/// Renders each certificate (its data, and where the PDF goes), all with
/// the PDF creation time `creation_timestamp` (see
/// [`crate::archive::certificate::creation_timestamp`]). The result holds,
/// per certificate in order, `Ok` or why that PDF was not made; an `Err`
/// means none was.
pub fn render_certificates(
    engine: &dyn Engine,
    certificates: &[(CertificateData, PathBuf)],
    creation_timestamp: i64,
    opts: &DocumentOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Vec<Result<(), CompileError>>, RenderError> {
    let docs: Vec<Document> = certificates
        .iter()
        .enumerate()
        .map(|(i, (data, dest))| {
            let mut data = data.clone();
            data.qr = document::asset_path(i, "qr.svg");
            Document {
                template: "certificate.typ",
                data: serde_json::to_vec_pretty(&data).expect("certificate data serializes"),
                assets: vec![("qr.svg".into(), qr::svg(&qr_text(&data)).into_bytes())],
                dest: dest.clone(),
                creation_timestamp,
                extra_args: PDF_STANDARD,
            }
        })
        .collect();
    document::render_documents(
        engine,
        &docs,
        &[("certificate.typ", TEMPLATE)],
        Some("certificates"),
        opts,
        progress,
    )
}
