//! Drawings for the web pages, made on the server as inline SVG and HTML strings, so that a page
//! needs no map tiles, no script and nothing from outside the city's network: the city map and a
//! task's mini map ([`map`]), the analysis page's charts ([`charts`]) and heat tables
//! ([`tables`]).
//!
//! Pure functions of their input. Every text reaching the markup (names come from configuration)
//! is escaped here; labels come from the caller, who picks the page's language. Drawings carry CSS
//! classes for the page's stylesheet and presentation attributes as fallbacks, and scale with
//! their container (`viewBox`, `width="100%"`).

pub mod charts;
pub mod map;
mod markup;
mod projection;
mod scale;
pub mod tables;

#[cfg(test)]
mod preview;
