//! One module per subcommand: each turns its arguments into domain calls and
//! does the printing. Domain modules never print.

pub mod analyze;
pub mod archive;
pub mod archive_add;
pub mod archive_export;
pub mod archive_query;
pub mod archive_verify;
pub mod archive_verify_certificate;
pub mod bank_audit;
pub mod bank_check;
pub mod bank_export;
pub mod bank_import;
pub mod bank_stats;
pub mod certificate;
pub mod common;
pub mod doctor;
pub mod draw;
pub mod feedback;
pub mod grade;
pub mod keygen;
pub mod make;
pub mod render;
pub mod scan;
pub mod verify;
