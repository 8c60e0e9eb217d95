//! Drawings for the web pages, made on the server as inline SVG and HTML strings, so that a page
//! needs no map tiles, no script and nothing from outside the city's network: the city map and a
//! task's mini map ([`map`]), the analysis page's charts ([`charts`]) and heat tables
//! ([`tables`]), and a camera's zones over its frame ([`zones`]).
//!
//! Pure functions of their input. Every text reaching the markup (names come from configuration)
//! is escaped here; labels come from the caller, who picks the page's language. Drawings carry CSS
//! classes for the page's stylesheet (`web/draw.css`) and presentation attributes as fallbacks,
//! never a `style` attribute (the pages' content security policy refuses inline styles), and
//! scale with their container (`viewBox`, `width="100%"`).

pub mod charts;
pub mod map;
mod markup;
mod projection;
mod scale;
pub mod tables;
pub mod zones;

#[cfg(test)]
mod preview;
