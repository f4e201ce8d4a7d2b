//! What turns a template and its data into a PDF: the real typst program
//! ([`Typst`]), or a stand-in in tests, so that the failure paths (a paper
//! typst rejects, a crash, a missing font) are tested without it.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use super::typst::{Compile, FontFamily, Typst, TypstError, Version};

/// A typst that can list its fonts and compile.
pub trait Engine: Debug + Send + Sync {
    /// The program, for reports.
    fn program(&self) -> &Path;
    /// Its version, for reports and render records.
    fn version(&self) -> Version;
    /// The font families it sees, with their files.
    fn font_files(&self, font_paths: &[PathBuf]) -> Result<Vec<FontFamily>, TypstError>;
    /// One compile; `extra` options go before the input file.
    fn compile(&self, compile: &Compile<'_>, extra: &[&str]) -> Result<(), TypstError>;
}

impl Engine for Typst {
    fn program(&self) -> &Path {
        &self.program
    }

    fn version(&self) -> Version {
        self.version
    }

    fn font_files(&self, font_paths: &[PathBuf]) -> Result<Vec<FontFamily>, TypstError> {
        Typst::font_files(self, font_paths)
    }

    fn compile(&self, compile: &Compile<'_>, extra: &[&str]) -> Result<(), TypstError> {
        self.compile_with(compile, extra)
    }
}
