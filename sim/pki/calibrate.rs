//! Measures the real cost of each PKI operation on this machine, so a scenario's
//! `[pki.timing]` durations can be set from measurements instead of guesses.

use std::fmt;
use std::time::{Duration, Instant};

use crate::model::pki_port::EnvelopeSigner;

use super::keys::{KeyAlg, KeyPair};
use super::material::{InfraKeys, PkiMaterial, PkiSettings};
use super::{ca, client, ra, request, PkiError};

/// Median wall-clock cost of each operation, measured on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calibration {
    /// The client key algorithm measured.
    pub alg: KeyAlg,
    /// Samples per operation.
    pub samples: usize,
    /// Generating one client key pair (informative: the model's TPM/software key
    /// duration, not a `pki.timing` line).
    pub key_gen: Duration,
    /// Building and signing one PKCS#10 request.
    pub request_sign: Duration,
    /// RA: verifying a request, comparing its key, building and signing the CMS envelope.
    pub ra_check_sign: Duration,
    /// CA: verifying the envelope and signer chain, re-verifying the request, issuing.
    pub ca_check_issue: Duration,
    /// Client: verifying the issued certificate.
    pub client_verify: Duration,
}

/// Times every operation `samples` times (at least once) with fresh keys of `alg` (the
/// key cache is not touched) and keeps the medians. RSA key generation dominates the
/// cost: about 70 ms per sample in a release build.
pub fn measure(samples: usize, alg: KeyAlg) -> Result<Calibration, PkiError> {
    let samples = samples.max(1);
    let settings = PkiSettings {
        client_key: alg,
        ..PkiSettings::default()
    };
    let mut key_gen = Vec::with_capacity(samples);
    let mut keys = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let key = KeyPair::generate(alg)?;
        key_gen.push(t.elapsed());
        keys.push(key);
    }
    let mut request_sign = Vec::with_capacity(samples);
    for (i, key) in keys.iter().enumerate() {
        let (cn, upn) = (settings.user_cn(i as u32), settings.user_upn(i as u32));
        // The first private-key operation on a fresh key also builds aws-lc's cached
        // Montgomery contexts (about 0.3 ms for RSA-2048); a client's key is warm when it
        // signs, as the RA's and CA's keys are, so that one-time cost is left out.
        std::hint::black_box(request::build(key, &cn, &upn)?);
        let t = Instant::now();
        std::hint::black_box(request::build(key, &cn, &upn)?);
        request_sign.push(t.elapsed());
    }
    let material = PkiMaterial::from_keys(
        settings,
        InfraKeys::generate(alg)?,
        keys,
        &super::no_progress,
    )?;

    let (mut ra_t, mut ca_t, mut client_t) = (Vec::new(), Vec::new(), Vec::new());
    // One untimed round first: lazy initialisation inside the crypto library would
    // otherwise land in the first sample.
    for i in 0..=samples {
        let user = (i % samples) as u32;
        let refused = |reason| PkiError::Refused { user, reason };
        let serial = u64::from(user) + 1;
        let t = Instant::now();
        let env = ra::process(
            &material,
            user,
            true,
            material.request_der(user),
            EnvelopeSigner::EnrollmentAgent,
        )
        .map_err(refused)?;
        let t_ra = t.elapsed();
        let t = Instant::now();
        let cert = ca::issue(&material, user, &env, serial, 0).map_err(refused)?;
        let t_ca = t.elapsed();
        let t = Instant::now();
        client::install(&material, user, &cert, serial, 0).map_err(refused)?;
        let t_client = t.elapsed();
        if i > 0 {
            ra_t.push(t_ra);
            ca_t.push(t_ca);
            client_t.push(t_client);
        }
    }
    Ok(Calibration {
        alg,
        samples,
        key_gen: median(key_gen),
        request_sign: median(request_sign),
        ra_check_sign: median(ra_t),
        ca_check_issue: median(ca_t),
        client_verify: median(client_t),
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

/// A duration the way scenarios write them, to three significant digits: `"1.2ms"`,
/// `"850us"`, `"24.7us"`, `"1.5s"` (more digits would only be noise between runs).
pub fn format_duration(d: Duration) -> String {
    let mut us = d.as_secs_f64() * 1e6;
    if us > 0.0 {
        // Round to three significant digits before choosing the unit, so 999.6us
        // becomes "1ms" rather than "1000us".
        let step = 10f64.powf(us.log10().floor() - 2.0);
        us = (us / step).round() * step;
    }
    let (value, unit) = if us >= 1e6 {
        (us / 1e6, "s")
    } else if us >= 1e3 {
        (us / 1e3, "ms")
    } else {
        (us, "us")
    };
    // Digits after the point that leave three significant ones (none from 100 up).
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{value:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    format!("{s}{unit}")
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = format_duration;
        writeln!(
            f,
            "PKI operation costs on this machine ({} client keys, median of {} samples)",
            self.alg, self.samples
        )?;
        let rows = [
            (
                "key generation",
                self.key_gen,
                "  (model: TPM/software key duration)",
            ),
            ("request sign", self.request_sign, ""),
            ("RA check + sign", self.ra_check_sign, ""),
            ("CA check + issue", self.ca_check_issue, ""),
            ("client verify", self.client_verify, ""),
        ];
        for (name, v, note) in rows {
            writeln!(f, "  {name:<18} {:>10}{note}", d(v))?;
        }
        writeln!(f)?;
        writeln!(f, "[pki.timing]")?;
        writeln!(f, "request_sign = \"{}\"", d(self.request_sign))?;
        writeln!(f, "ra_check_sign = \"{}\"", d(self.ra_check_sign))?;
        writeln!(f, "ca_check_issue = \"{}\"", d(self.ca_check_issue))?;
        writeln!(f, "client_verify = \"{}\"", d(self.client_verify))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_format_like_scenarios() {
        assert_eq!(format_duration(Duration::from_micros(850)), "850us");
        assert_eq!(format_duration(Duration::from_micros(1200)), "1.2ms");
        assert_eq!(format_duration(Duration::from_nanos(12_345_678)), "12.3ms");
        assert_eq!(format_duration(Duration::from_nanos(24_741)), "24.7us");
        assert_eq!(format_duration(Duration::from_nanos(579_553)), "580us");
        assert_eq!(format_duration(Duration::from_nanos(59_964_000)), "60ms");
        assert_eq!(format_duration(Duration::from_nanos(999_600)), "1ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_nanos(1500)), "1.5us");
    }

    #[test]
    fn measure_prints_timing_lines() {
        let c = measure(2, KeyAlg::EcdsaP256).expect("measure");
        let text = c.to_string();
        assert!(text.contains("[pki.timing]\nrequest_sign = \""));
        for key in ["ra_check_sign", "ca_check_issue", "client_verify"] {
            assert!(text.contains(&format!("\n{key} = \"")), "{text}");
        }
        assert!(c.ca_check_issue > Duration::ZERO);
    }
}
