//! One module per subcommand: each turns its arguments into domain calls and
//! does the printing. Domain modules never print.

pub mod bank_check;
pub mod bank_stats;
pub mod draw;
