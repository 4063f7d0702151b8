//! One module per subcommand.

pub mod admin_key;
pub mod audit;
pub mod bench;
pub mod db;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod reference;
pub mod serve;
pub mod tenant;
