//! Fitting durations from a pilot's exports, as input-modelling tools do it: maximum
//! likelihood over right-censored data for the positive families, ranked by AIC/BIC,
//! goodness of fit by a parametric bootstrap that refits on every sample.
//!
//! Nothing here knows about exports or scenarios: it works on durations.

pub mod family;
pub mod gof;
pub mod mle;
