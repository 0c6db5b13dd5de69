//! Measures the real cost of each PKI operation on this machine, so a scenario's
//! `[pki.timing]` durations can be set from measurements instead of guesses.

use std::fmt;
use std::time::{Duration, Instant};

use crate::model::pki_port::KeyEvidence;

use super::keys::{sha256, KeyAlg, KeyPair};
use super::material::{InfraKeys, PkiMaterial, PkiSettings};
use super::standalone::Standalone;
use super::{crl, receipt, request, PkiError};

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
    /// RA: verifying a request, comparing its key with the one in AD, building and
    /// signing the CMS envelope.
    pub ra_check_sign: Duration,
    /// RA: verifying a DRS key receipt and comparing its key id (patched server, key not
    /// in AD yet).
    pub receipt_verify: Duration,
    /// CA: verifying the envelope, signer and attributes, re-verifying the request and
    /// issuing — everything but the CRL check.
    pub ca_check_issue: Duration,
    /// Verifying the CA's CRL and looking a serial up in it (the CA and the DC each make
    /// one).
    pub crl_check: Duration,
    /// Client: verifying the issued certificate.
    pub client_verify: Duration,
    /// DC: validating the logon certificate — everything but the CRL check.
    pub dc_validate: Duration,
}

/// Times every operation `samples` times (at least once) with fresh keys of `alg` (the
/// key cache is not touched) and keeps the medians. RSA key generation dominates the
/// cost: about 70 ms per sample in a release build. The CA's and the DC's costs are
/// measured whole, then the median CRL check is taken off, since the model adds
/// `crl_check` to both steps.
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
        settings.clone(),
        InfraKeys::generate(alg)?,
        keys,
        &super::no_progress,
    )?;
    let pki = Standalone::new(&material);

    let mut t = Timings::default();
    // One untimed round first: lazy initialisation inside the crypto library would
    // otherwise land in the first sample.
    for i in 0..=samples {
        let user = (i % samples) as u32;
        let refused = |reason| PkiError::Refused { user, reason };
        let serial = i as u64 + 1;
        let request = material.request_der(user);
        let clock = Instant::now();
        let env = pki
            .ra(user, request, KeyEvidence::Directory, i as u64 + 1, 0)
            .map_err(refused)?;
        let t_ra = clock.elapsed();
        let clock = Instant::now();
        let receipt_ok = receipt::verify(material.receipt_der(user), material.drs_verifier())
            .is_some_and(|r| r.key_id == sha256(material.user_spki_der(user)));
        let t_receipt = clock.elapsed();
        assert!(receipt_ok, "a receipt DRS just signed verifies");
        let clock = Instant::now();
        let cert = pki.ca(&env, serial, 0).map_err(refused)?;
        let t_ca = clock.elapsed();
        let sn = crl::serial_number(u128::from(serial));
        let clock = Instant::now();
        let status = crl::check(pki.crl_der(), &material, &sn, settings.epoch_unix);
        let t_crl = clock.elapsed();
        assert_eq!(status, crl::Status::Good, "a fresh CRL lists nothing");
        let clock = Instant::now();
        pki.client(user, &cert, serial, 0).map_err(refused)?;
        let t_client = clock.elapsed();
        let clock = Instant::now();
        pki.dc(user, &cert, 0).map_err(refused)?;
        let t_dc = clock.elapsed();
        if i > 0 {
            t.ra.push(t_ra);
            t.receipt.push(t_receipt);
            t.ca.push(t_ca);
            t.crl.push(t_crl);
            t.client.push(t_client);
            t.dc.push(t_dc);
        }
    }
    let crl_check = median(t.crl);
    Ok(Calibration {
        alg,
        samples,
        key_gen: median(key_gen),
        request_sign: median(request_sign),
        ra_check_sign: median(t.ra),
        receipt_verify: median(t.receipt),
        ca_check_issue: median(t.ca).saturating_sub(crl_check),
        crl_check,
        client_verify: median(t.client),
        dc_validate: median(t.dc).saturating_sub(crl_check),
    })
}

#[derive(Default)]
struct Timings {
    ra: Vec<Duration>,
    receipt: Vec<Duration>,
    ca: Vec<Duration>,
    crl: Vec<Duration>,
    client: Vec<Duration>,
    dc: Vec<Duration>,
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
pub(crate) fn format_duration(d: Duration) -> String {
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
            ("receipt verify", self.receipt_verify, ""),
            (
                "CA check + issue",
                self.ca_check_issue,
                "  (without its CRL check)",
            ),
            ("CRL check", self.crl_check, "  (CA and DC, each)"),
            ("client verify", self.client_verify, ""),
            ("DC validate", self.dc_validate, "  (without its CRL check)"),
        ];
        for (name, v, note) in rows {
            writeln!(f, "  {name:<18} {:>10}{note}", d(v))?;
        }
        writeln!(f)?;
        writeln!(f, "[pki.timing]")?;
        writeln!(f, "request_sign = \"{}\"", d(self.request_sign))?;
        writeln!(f, "ra_check_sign = \"{}\"", d(self.ra_check_sign))?;
        writeln!(f, "receipt_verify = \"{}\"", d(self.receipt_verify))?;
        writeln!(f, "ca_check_issue = \"{}\"", d(self.ca_check_issue))?;
        writeln!(f, "crl_check = \"{}\"", d(self.crl_check))?;
        writeln!(f, "client_verify = \"{}\"", d(self.client_verify))?;
        writeln!(f, "dc_validate = \"{}\"", d(self.dc_validate))
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
        for key in [
            "ra_check_sign",
            "receipt_verify",
            "ca_check_issue",
            "crl_check",
            "client_verify",
            "dc_validate",
        ] {
            assert!(text.contains(&format!("\n{key} = \"")), "{text}");
        }
        // Exactly the keys of [pki.timing] (those of the embedded default), so that the
        // block pastes as it is.
        let table = |toml_text: &str| -> Vec<String> {
            let v: toml::Table = toml::from_str(toml_text).expect("toml");
            let mut keys: Vec<String> = v["pki"]["timing"]
                .as_table()
                .expect("[pki.timing]")
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let printed = &text[text.find("[pki.timing]").expect("table")..];
        assert_eq!(
            table(&printed.replace("[pki.timing]", "[pki]\n[pki.timing]")),
            table(crate::scenario::DEFAULT_SCENARIO)
        );
        // Every timed operation took some time (the CA's and DC's lines are differences
        // of medians, which a preempted sample on a busy machine can bring to zero: not
        // asserted).
        for d in [
            c.request_sign,
            c.ra_check_sign,
            c.receipt_verify,
            c.crl_check,
            c.client_verify,
        ] {
            assert!(d > Duration::ZERO, "{c:?}");
        }
    }
}
