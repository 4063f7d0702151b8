//! Charter's domain layer: values that cannot exist unchecked.
//!
//! Every type here is built through a `parse` (or an equally checked
//! constructor) and knows nothing of HTTP, SQL or the file system. The layers
//! above turn raw input into these types at their edge and pass only these
//! types inward ("parse, don't validate").

pub mod access;
pub mod api_key;
pub mod appointment;
pub mod bods;
pub mod certificate;
pub mod custom_field;
pub mod entity;
pub mod gleif;
pub mod gleif_csv;
pub mod identity;
pub mod ids;
pub mod joint;
pub mod lei;
pub mod ownership;
pub mod person;
pub mod reference;
pub mod shares;
pub mod temporal;
pub mod tenant;
pub mod validation;

mod text;

pub use validation::{FieldError, Invalid};
