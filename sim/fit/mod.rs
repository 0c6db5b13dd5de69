//! Fitting durations from a pilot's exports, as input-modelling tools do it: maximum
//! likelihood over right-censored data for the positive families, ranked by AIC/BIC,
//! goodness of fit by a parametric bootstrap that refits on every sample.
//!
//! `timeline` turns the records `exports` read into each device's stage durations,
//! `quantities` fits them, `apply` turns the fits into scenario keys (editing the base's
//! text), `markdown` and `chart` report them. Nothing here runs the model.

pub mod apply;
pub mod chart;
pub mod family;
pub mod gof;
pub mod markdown;
pub mod mle;
pub mod quantities;
pub mod timeline;
