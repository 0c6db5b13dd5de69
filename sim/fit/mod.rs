//! Fitting durations from a pilot's exports, as input-modelling tools do it: maximum
//! likelihood over right-censored data for the positive families, ranked by AIC/BIC,
//! goodness of fit by a parametric bootstrap that refits on every sample.
//!
//! `timeline` turns the records `exports` read into each device's stage durations; the
//! rest works on durations alone. Nothing here knows about scenarios or the model.

pub mod family;
pub mod gof;
pub mod mle;
pub mod timeline;
