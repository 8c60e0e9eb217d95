//! `gridwatch dispatcher` and `gridwatch audit verify`: the configuration loaded here, the rest in
//! the dispatcher crate.

use std::path::Path;

use crate::detectors;

pub fn serve(config: &Path) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(config)?;
    gridwatch_dispatcher::server::run(loaded).map_err(|e| vec![e])
}

pub fn verify(config: &Path) -> Result<(), Vec<String>> {
    let loaded = detectors::load_config(config)?;
    println!("{}", gridwatch_dispatcher::server::verify(loaded)?);
    Ok(())
}
